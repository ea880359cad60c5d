"""One test across all universes: is "A beats B" supported by the multiverse as a whole?

Under "no difference" (no comparison of the claim differs, in any universe), the runs that the
claim's comparisons link are alike: on each test image, which of them got it right is arbitrary,
and relabelling them leaves the data as likely. The runs are the nodes of a graph whose edges are
the A-B pairs of every universe, comparison, seed and stratum; a run that universes share (one
identity, its folder) is one node. Each draw relabels every image on its own (the image is the
unit), by a uniform element of a group that acts within each connected component of that graph:

- a component of two runs, A and B in however many universes, swaps them: the image's difference
  changes sign. The flip is the same for every such component, in every universe, seed and claim,
  so that the universes keep the test set they share and the correlation it brings
  (specification-curve inference, Simonsohn, Simmons & Nelson 2020, with the image as the unit);
- a larger component, as when side B is one run that every universe shares (an axis that only
  touches A's experiment) or one run is compared with several (``best_activation``), is shifted
  cyclically, by a uniform number of places drawn for it alone: the run in place p takes the
  outcome of the run in place p + shift. Flipping every A_u - B at once would not do there: it is
  no relabelling of the runs (B cannot take each A's outcome at once), so it is only close to exact.

Under the null the runs of one component are exchangeable on each image, and runs of different
components are trained apart (other seeds, other activations), so every such relabelling leaves the
distribution of the data unchanged: each draw's statistics have the observed statistics' null
distribution, and the p-values below are exact at any number of draws, the observed data counted
as one draw (the identity is in the group). From the draws:

- the null distribution of the median difference over universes, and of the number of universes
  where the claim holds by the rules of ``stats.decide``, each against its observed value;
- per universe, max-T step-down adjusted p-values (Westfall & Young 1993, algorithm 2.8) of each
  universe's image t statistic, which use the universes' correlation where Holm ignores it.

What it covers is the test set; training randomness (the seeds) is not resampled, as the seed
interval covers it (and a universe "holds" only when its seed interval agrees, in every draw).
"""

import functools
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy import stats as sps

from mnist_mlp.judge.claims import Outcomes, Rules
from mnist_mlp.judge.multiverse import holm

CHUNK = 1000  # draws per matrix product: 1000 × 10,000 float32 signs are 40 MB
BLOCK = 1 << 20  # per-image differences held at once where a draw shifts runs: 1 MB of int8, in cache
TABLE_LIMIT = 1 << 30  # the largest table of one group's differences after each shift: 1 GiB of int8


@dataclass(frozen=True)
class Shift:
    """A component of more than two runs, and what each cyclic shift of it does to the differences."""

    runs: np.ndarray  # (k,) its runs (indices into ``Grid.runs``), in the order the shift turns
    table: np.ndarray  # int8 (moved images × k, columns): each column's difference at each image after each shift
    columns: np.ndarray  # (columns,) its (universe, comparison, seed)s: index in ``Grid.moving`` × seeds + seed
    # (first column, end column, first moving pair): runs of columns of one seed and consecutive moving pairs,
    # which a draw adds into the pairs' per-image differences as slices
    spans: tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class Grid:
    """One claim's paired outcomes in every universe of one scope, on one test set, and the runs
    they come from."""

    sums: np.ndarray  # int8 (universes, comparisons, seeds, images): A right minus B right, summed over strata
    strata: np.ndarray  # (comparisons,): how many strata each comparison averages
    tested: np.ndarray  # bool (universes,): the universe has every comparison, with every seed
    runs: tuple  # each run's identity, in the order the tested universes first name it
    outcomes: np.ndarray  # bool (runs, images): which test images each run gets right
    edges: np.ndarray  # int (pairs, 6): universe, comparison, seed, stratum, run A, run B

    @functools.cached_property
    def component(self) -> np.ndarray:
        """(runs,) the connected component of each run, in the graph of the pairs compared."""
        n = len(self.runs)
        a, b = self.edges[:, 4], self.edges[:, 5]
        return sparse.csgraph.connected_components(sparse.coo_matrix((np.ones(len(a)), (a, b)), (n, n)), False)[1]

    @functools.cached_property
    def groups(self) -> list[np.ndarray]:
        """The components of more than two runs, each its runs in order: what a draw shifts."""
        found = [np.flatnonzero(self.component == label) for label in range(self.component.max() + 1)]
        return [runs for runs in found if len(runs) > 2]

    @functools.cached_property
    def pairs(self) -> np.ndarray:
        """``sums`` less the differences of the groups' pairs: the part that a sign flip swaps."""
        if not self.groups:
            return self.sums
        pairs = self.sums.copy()
        grouped = np.isin(self.edges[:, 4], np.concatenate(self.groups))
        for u, c, s, _, a, b in self.edges[grouped]:
            pairs[u, c, s] -= self.outcomes[a].astype(np.int8) - self.outcomes[b].astype(np.int8)
        return pairs

    @functools.cached_property
    def flat(self) -> np.ndarray:
        """(images, universes × comparisons × seeds) float32 of ``pairs``: exact, the integer sums are below 2**24."""
        return self.pairs.reshape(-1, self.pairs.shape[3]).T.astype(np.float32)

    @functools.cached_property
    def squares(self) -> np.ndarray:
        """(universes, comparisons): the sum over images of each image's squared difference, averaged
        over seeds and strata; a flip keeps it, a shift does not (``moving``)."""
        per_image = self.sums.astype(float).mean(axis=2) / self.strata[None, :, None]
        return np.sum(per_image**2, axis=2)

    @functools.cached_property
    def moved(self) -> np.ndarray:
        """The images where the runs of some group disagree: elsewhere a shift changes nothing."""
        disagree = [self.outcomes[runs].any(axis=0) & ~self.outcomes[runs].all(axis=0) for runs in self.groups]
        return np.flatnonzero(np.any(disagree, axis=0))

    @functools.cached_property
    def grouped(self) -> list[np.ndarray]:
        """Each group's pairs: rows of ``edges``."""
        return [self.edges[np.isin(self.edges[:, 4], runs)] for runs in self.groups]

    @functools.cached_property
    def moving(self) -> np.ndarray:
        """The (universe, comparison) pairs that a group touches, as universe × comparisons + comparison,
        universe by universe or comparison by comparison, whichever lets a draw add the groups' parts
        in fewer slices (``Shift.spans``)."""
        n_universes, n_comparisons = self.sums.shape[:2]
        touched = np.unique(np.concatenate([e[:, 0] * n_comparisons + e[:, 1] for e in self.grouped]))
        by_comparison = touched[np.argsort(touched % n_comparisons * n_universes + touched // n_comparisons)]
        return min(
            (touched, by_comparison),
            key=lambda order: sum(len(_spans(self._columns(order, e)[0], len(order))) for e in self.grouped),
        )

    def _columns(self, moving: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The columns that ``edges`` add into, each one (universe, comparison, seed), in order seed by
        seed, then as ``moving`` (as seed × moving + its place there); and each edge's column."""
        n_comparisons = self.sums.shape[1]
        local = np.zeros(self.sums.shape[0] * n_comparisons, np.intp)
        local[moving] = np.arange(len(moving))
        u, c, s = edges[:, 0], edges[:, 1], edges[:, 2]
        return np.unique(s * len(moving) + local[u * n_comparisons + c], return_inverse=True)

    @functools.cached_property
    def shifts(self) -> list[Shift]:
        """Each group's table of differences after each shift, on the moved images."""
        n_seeds, n_moving = self.sums.shape[2], len(self.moving)
        found = []
        for runs, mine in zip(self.groups, self.grouped):
            columns, column = self._columns(self.moving, mine)
            size = self.moved.size * len(runs) * len(columns)
            if size > TABLE_LIMIT:
                raise MemoryError(
                    f"the test across universes would need a table of {size / 2**30:.1f} GiB to shift a group of "
                    f"{len(runs)} runs that {len(mine)} comparisons link, on {self.moved.size:,} images; split the "
                    "universes into scopes, or give fewer universes one run in common"
                )
            # after a shift by j the run in place p has the outcome of the run in place (p + j) mod k: for
            # every j at once, the places p to p + k of the outcomes written twice over
            outcomes = self.outcomes[np.ix_(runs, self.moved)].T.astype(np.int8)
            twice = np.concatenate([outcomes, outcomes], axis=1)
            table = np.zeros((self.moved.size, len(runs), len(columns)), np.int8)
            for a, b, j in zip(np.searchsorted(runs, mine[:, 4]), np.searchsorted(runs, mine[:, 5]), column):
                table[:, :, j] += twice[:, a : a + len(runs)] - twice[:, b : b + len(runs)]
            seed, place = np.divmod(columns, n_moving)
            found.append(
                Shift(runs, table.reshape(-1, len(columns)), place * n_seeds + seed, _spans(columns, n_moving))
            )
        return found

    @functools.cached_property
    def moving_parts(self) -> tuple[np.ndarray, np.ndarray]:
        """For the ``moving`` pairs: the flipped part of each moved image's difference summed over
        seeds and strata (int16 (moving, moved images)), and the sum of the squared differences of
        the images not moved, which no draw changes."""
        u, c = np.divmod(self.moving, self.sums.shape[1])
        flipped = self.pairs[u, c][:, :, self.moved].sum(axis=1, dtype=np.int16)
        still = np.ones(self.sums.shape[3], bool)
        still[self.moved] = False
        rest = np.sum(self.sums[u, c][:, :, still].sum(axis=1, dtype=np.int16).astype(float) ** 2, axis=1)
        return flipped, rest

    def random_shifts(self, rng: np.random.Generator, n_draws: int) -> np.ndarray:
        """int16 (draws, groups, moved images): a uniform shift of each group at each moved image, for a
        few draws (``draw`` has ``statistics`` draw them block by block)."""
        return np.stack(
            [rng.integers(0, len(runs), (n_draws, len(self.moved)), dtype=np.int16) for runs in self.groups], axis=1
        )

    def relabelled(self, signs: np.ndarray, shifts: np.ndarray | None = None) -> list[list[Outcomes] | None]:
        """Each universe's outcomes as one draw relabels the runs (``signs``: (images,) -1 swaps the
        two runs of every component of two at that image; ``shifts``: (groups, moved images)): the
        data a draw stands for, which ``statistics`` computes from without building it."""
        outcomes = self.outcomes.copy()
        swap = signs < 0
        for label in np.unique(self.component):
            runs = np.flatnonzero(self.component == label)
            if len(runs) == 2:
                outcomes[np.ix_(runs, swap)] = self.outcomes[np.ix_(runs[::-1], swap)]
        for runs, shift in zip(self.groups, shifts if shifts is not None else []):
            places = (np.arange(len(runs))[:, None] + shift[None, :]) % len(runs)
            outcomes[np.ix_(runs, self.moved)] = self.outcomes[runs[places], self.moved[None, :]]
        n_universes, n_comparisons, n_seeds, n_images = self.sums.shape
        universes = [None] * n_universes
        for u in np.flatnonzero(self.tested):
            universes[u] = []
            for c in range(n_comparisons):
                mine = self.edges[(self.edges[:, 0] == u) & (self.edges[:, 1] == c)]
                shape = (n_seeds, int(self.strata[c]))
                a, b = np.zeros((*shape, n_images), bool), np.zeros((*shape, n_images), bool)
                a_runs, b_runs = np.empty(shape, object), np.empty(shape, object)
                for _, _, s, r, run_a, run_b in mine:
                    a[s, r], b[s, r] = outcomes[run_a], outcomes[run_b]
                    a_runs[s, r], b_runs[s, r] = self.runs[run_a], self.runs[run_b]
                universes[u].append(Outcomes(a, b, tuple(map(tuple, a_runs)), tuple(map(tuple, b_runs))))
        return universes

    @classmethod
    def of(cls, universes: list[list[Outcomes | None]]) -> "Grid | None":
        """The grid of each universe's outcomes (``Judgement.outcomes``); None when no universe has
        every comparison. A universe that lacks one (missing runs, every run diverged) or has fewer
        seeds is left out of the test: it holds in no draw.

        Raises:
            ValueError: a side is not a run (it has no identity), or one run has different outcomes
                in two universes."""
        complete = [o for o in universes if o and all(c is not None for c in o)]
        if not complete:
            return None
        n_comparisons = max(len(o) for o in complete)
        n_seeds, n_images = max(c.sums.shape for o in complete for c in o)
        tested = np.array(
            [
                bool(o)
                and len(o) == n_comparisons
                and all(c is not None and c.sums.shape == (n_seeds, n_images) for c in o)
                for o in universes
            ]
        )
        sums = np.zeros((len(universes), n_comparisons, n_seeds, n_images), dtype=np.int8)
        index, outcomes, edges = {}, [], []
        for u in np.flatnonzero(tested):
            sums[u] = [c.sums for c in universes[u]]
            for c, o in enumerate(universes[u]):
                for s in range(n_seeds):
                    for r in range(o.strata):
                        ends = [
                            _run(index, outcomes, identity, correct, u, c)
                            for identity, correct in ((o.a_runs[s][r], o.a[s, r]), (o.b_runs[s][r], o.b[s, r]))
                        ]
                        edges.append((u, c, s, r, *ends))
        first = universes[int(np.flatnonzero(tested)[0])]
        return cls(
            sums,
            np.array([c.strata for c in first]),
            tested,
            tuple(index),
            np.array(outcomes, dtype=bool),
            np.array(edges, dtype=np.intp).reshape(-1, 6),
        )


def _spans(columns: np.ndarray, n_moving: int) -> tuple[tuple[int, int, int], ...]:
    """``Shift.spans`` of sorted columns numbered seed × moving + place in moving."""
    starts = np.flatnonzero((np.diff(columns, prepend=-2) != 1) | (columns % n_moving == 0))  # a new seed, too
    ends = [*starts[1:], len(columns)]
    return tuple((int(j0), int(j1), int(columns[j0] % n_moving)) for j0, j1 in zip(starts, ends))


def _run(index: dict, outcomes: list, identity, correct: np.ndarray, universe: int, comparison: int) -> int:
    """The run's number in the grid, numbering it when it is new."""
    if identity is None:
        raise ValueError(
            f"comparison {comparison} of universe {universe} has a side that is no run (such as the input-blind "
            "guess an at_chance claim is compared with): the test across universes relabels runs, so only "
            "comparisons of runs named by their identity can be tested so"
        )
    if identity not in index:
        index[identity] = len(outcomes)
        outcomes.append(correct)
    elif not np.array_equal(outcomes[index[identity]], correct):
        raise ValueError(f"run {identity} gets different test images right in two universes; one run, one outcome")
    return index[identity]


@dataclass
class Draws:
    """A claim's statistics in each draw (the first row: the observed data, no flip)."""

    median: np.ndarray  # (draws,): the median over tested universes of the claim's difference, in points
    count: np.ndarray  # (draws,): universes where the claim holds
    t: np.ndarray  # (draws, universes): each universe's image t statistic (its weakest comparison's)


def statistics(
    grid: Grid, signs: np.ndarray, rules: Rules, shifts: np.ndarray | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The claim's difference, image t statistic and verdict "holds" in every universe, for each
    draw: a row of ``signs`` (+1 keeps an image's runs, -1 swaps the two runs of every component of
    two) and of ``shifts`` (``Grid.random_shifts``; a generator draws them as it goes, draws × groups
    × moved images being too many to hold; None shifts no group).

    Returns:
        (difference in points, t, holds), each (draws, universes); a universe holds when every
        comparison does, by ``stats.decide``: its estimate at least the margin and both its test-set
        and (with 2 or more seeds) its seed interval above zero.
    """
    n_universes, n_comparisons, n_seeds, n_images = grid.sums.shape
    swapped = (
        (signs.astype(np.float32) @ grid.flat).astype(float).reshape(len(signs), n_universes, n_comparisons, n_seeds)
    )
    squares = grid.squares[None]
    if grid.groups:
        moved_sums, moved_squares = _shifted(grid, signs, shifts)
        swapped.reshape(len(signs), -1, n_seeds)[:, grid.moving] += moved_sums
        squares = np.repeat(squares, len(signs), axis=0)
        squares.reshape(len(signs), -1)[:, grid.moving] = moved_squares
    per_seed = swapped / (n_images * grid.strata[None, None, :, None])  # each seed's difference, a fraction
    mean = per_seed.mean(axis=3)
    variance = np.maximum(squares - n_images * mean**2, 0) / (n_images - 1)
    error = np.sqrt(variance / n_images)
    low = mean - sps.t.ppf(1 - rules.alpha / 2, n_images - 1) * error
    holds = (100 * mean >= rules.margin_pp) & (low > 0)
    if n_seeds >= 2:
        seed_error = per_seed.std(axis=3, ddof=1) / np.sqrt(n_seeds)
        holds &= mean - sps.t.ppf(1 - rules.alpha / 2, n_seeds - 1) * seed_error > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(error > 0, mean / error, np.sign(mean) * np.inf)
    t = np.nan_to_num(t, nan=0.0, posinf=np.inf, neginf=-np.inf)
    return 100 * mean.min(axis=2), t.min(axis=2), holds.all(axis=2) & grid.tested


def _shifted(
    grid: Grid, signs: np.ndarray, shifts: np.ndarray | np.random.Generator | None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``moving`` pairs' part of each draw that the groups' shifts make: the per-seed sums of
    their differences over the moved images ((draws, moving, seeds); the flipped part is in
    ``Grid.flat``), and the whole sum of squares of their per-image differences ((draws, moving),
    averaged over seeds and strata as ``Grid.squares``), image by image, in blocks of draws."""
    n_comparisons, n_seeds = grid.sums.shape[1:3]
    n_draws, n_moved, n_moving = len(signs), len(grid.moved), len(grid.moving)
    flipped, rest = grid.moving_parts
    dtype = np.int8 if n_seeds * grid.strata.max() < 128 else np.int16  # holds any image's summed difference
    flips, flipped = signs[:, grid.moved].astype(dtype), flipped.astype(dtype)
    sums, ones = np.zeros((n_draws, n_moving * n_seeds)), np.ones(n_moved, np.float32)
    squares = np.empty((n_draws, n_moving))
    step = max(1, BLOCK // max(1, n_moving * n_moved))
    for start in range(0, n_draws, step):
        rows = slice(start, start + step)
        n_rows = len(flips[rows])
        size = (n_rows, n_moving, n_moved)
        # each moved image's difference, summed over seeds and strata: the flipped part, then each group's
        per_image = flips[rows, None, :] * flipped[None] if flipped.any() else np.zeros(size, dtype)
        for k, shift in enumerate(grid.shifts):
            # each image's row of the table at its shift: the group's columns' differences there
            if shifts is None:
                by = np.zeros((n_rows, n_moved), np.int16)
            elif isinstance(shifts, np.random.Generator):
                by = shifts.integers(0, len(shift.runs), (n_rows, n_moved), dtype=np.int16)
            else:
                by = shifts[rows, k]
            moved = np.take(shift.table, np.arange(n_moved) * len(shift.runs) + by, axis=0)
            sums[rows, shift.columns] += ones @ moved.astype(np.float32)  # exact: the sums are below 2**24
            moved = np.ascontiguousarray(moved.transpose(0, 2, 1))  # images last: long rows to add
            for j0, j1, target in shift.spans:
                per_image[:, target : target + j1 - j0] += moved[:, j0:j1]
        per_image = per_image.astype(np.float32 if n_moved * (n_seeds * grid.strata.max()) ** 2 < 2**24 else float)
        squares[rows] = np.einsum("dmi,dmi->dm", per_image, per_image) + rest
    scale = (n_seeds * grid.strata[grid.moving % n_comparisons]) ** 2
    return sums.reshape(n_draws, n_moving, n_seeds), squares / scale


def draw(grids: dict[str, Grid], n_draws: int, rules: Rules, seed: int) -> dict[str, Draws]:
    """The observed statistics and ``n_draws`` draws of each claim's grid; every grid must be on the
    same test images, and each draw flips the same images in all of them. A grid's groups of more
    than two runs are shifted from a stream of their own, so a build where every component is a pair
    gets the same draws as when nothing was shifted."""
    n_images = {g.sums.shape[3] for g in grids.values()}
    assert len(n_images) <= 1, f"the grids are on different test sets ({sorted(n_images)} images)"
    rng = np.random.default_rng(seed)
    shifter = np.random.default_rng([seed, 1])
    parts = {claim: [] for claim in grids}
    sizes = [1] + [CHUNK] * (n_draws // CHUNK) + ([n_draws % CHUNK] if n_draws % CHUNK else [])
    n = next(iter(n_images), 0)
    for i, size in enumerate(sizes):
        signs = np.ones((1, n), np.int8) if i == 0 else 1 - 2 * rng.integers(0, 2, (size, n), dtype=np.int8)
        for claim, grid in grids.items():
            parts[claim].append(statistics(grid, signs, rules, shifter if i else None))
    out = {}
    for claim, grid in grids.items():
        difference, t, holds = (np.concatenate(p) for p in zip(*parts[claim]))
        tested = grid.tested
        median = np.median(difference[:, tested], axis=1)
        out[claim] = Draws(median, holds.sum(axis=1), np.where(tested[None], t, np.nan))
    return out


def p_at_least(null: np.ndarray, observed: float) -> float:
    """The share of draws at least as large as ``observed``, the observed data counted as one draw."""
    return float((1 + np.sum(null >= observed)) / (1 + len(null)))


def maxt_adjusted(observed: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Westfall–Young step-down max-T adjusted p-values, one-sided (large t is evidence).

    Args:
        observed: (universes,) each universe's statistic.
        null: (draws, universes) the statistics of each draw.

    Returns:
        (universes,) adjusted p-values: for the universe with the j-th largest observed statistic,
        the share of draws whose largest statistic over the universes from the j-th on is at least
        it (the observed data counted as a draw), made non-decreasing along that order.
    """
    order = np.argsort(-observed, kind="stable")
    successive_max = np.maximum.accumulate(null[:, order[::-1]], axis=1)[:, ::-1]
    p = (1 + np.sum(successive_max >= observed[order], axis=0)) / (1 + len(null))
    adjusted = np.empty_like(p)
    adjusted[order] = np.maximum.accumulate(p)
    return adjusted


@dataclass
class JointTest:
    """One claim over the universes of one scope, tested as a whole."""

    draws: int
    n_tested: int  # universes in the test
    median: float  # the observed median difference, in points
    median_null: tuple  # its null distribution's 50th, 95th and 99th percentiles
    p_median: float
    count: int  # universes where the claim holds
    count_null: tuple  # its null distribution's 50th, 95th and 99th percentiles
    p_count: float
    p_flip: np.ndarray  # (universes,) each universe's own p-value over the draws (NaN: not tested)
    p_maxt: np.ndarray  # (universes,) max-T step-down adjusted (NaN: not tested)
    n_maxt: int  # universes whose adjusted p is at most the family-wise alpha
    n_holm: int  # the same with Holm over ``p_flip``, for comparison


def joint_test(draws: Draws, familywise_alpha: float) -> JointTest:
    """A claim's tests from its draws (``draw``): the first row observed, the others the null."""
    observed, null = draws.t[0], draws.t[1:]
    tested = ~np.isnan(observed)
    p_flip = np.full(len(observed), np.nan)
    p_maxt = np.full(len(observed), np.nan)
    p_flip[tested] = [p_at_least(null[:, u], observed[u]) for u in np.flatnonzero(tested)]
    p_maxt[tested] = maxt_adjusted(observed[tested], null[:, tested])
    quantiles = (50, 95, 99)
    return JointTest(
        draws=len(null),
        n_tested=int(tested.sum()),
        median=float(draws.median[0]),
        median_null=tuple(float(q) for q in np.percentile(draws.median[1:], quantiles)),
        p_median=p_at_least(draws.median[1:], draws.median[0]),
        count=int(draws.count[0]),
        count_null=tuple(float(q) for q in np.percentile(draws.count[1:], quantiles)),
        p_count=p_at_least(draws.count[1:], draws.count[0]),
        p_flip=p_flip,
        p_maxt=p_maxt,
        n_maxt=int(np.sum(p_maxt[tested] <= familywise_alpha)),
        n_holm=sum(holm(list(p_flip[tested]), familywise_alpha)),
    )
