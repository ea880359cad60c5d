"""One test across all universes: is "A beats B" supported by the multiverse as a whole?

Under "no difference", which side of a test image's paired outcome is A's and which is B's is
arbitrary: swapping them (flipping the sign of the image's difference) leaves the data as likely.
Each draw flips the same images in every universe and seed at once, so the universes keep the
test set they share and the correlation it brings (specification-curve inference, Simonsohn,
Simmons & Nelson 2020, with the image as the unit). From the draws:

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
from scipy import stats as sps

from mnist_mlp.judge.claims import Outcomes, Rules
from mnist_mlp.judge.multiverse import holm

CHUNK = 1000  # draws per matrix product: 1000 × 10,000 float32 signs are 40 MB


@dataclass(frozen=True)
class Grid:
    """One claim's paired outcomes in every universe of one scope, on one test set."""

    sums: np.ndarray  # int8 (universes, comparisons, seeds, images): A right minus B right, summed over strata
    strata: np.ndarray  # (comparisons,): how many strata each comparison averages
    tested: np.ndarray  # bool (universes,): the universe has every comparison, with every seed

    @functools.cached_property
    def flat(self) -> np.ndarray:
        """(images, universes × comparisons × seeds) float32: exact, the integer sums are below 2**24."""
        return self.sums.reshape(-1, self.sums.shape[3]).T.astype(np.float32)

    @functools.cached_property
    def squares(self) -> np.ndarray:
        """(universes, comparisons): the sum over images of each image's squared difference, averaged
        over seeds and strata; a flip keeps it."""
        per_image = self.sums.astype(float).mean(axis=2) / self.strata[None, :, None]
        return np.sum(per_image**2, axis=2)

    @classmethod
    def of(cls, universes: list[list[Outcomes | None]]) -> "Grid | None":
        """The grid of each universe's outcomes (``Judgement.outcomes``); None when no universe has
        every comparison. A universe that lacks one (missing runs, every run diverged) or has fewer
        seeds is left out of the test: it holds in no draw."""
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
        for u in np.flatnonzero(tested):
            sums[u] = [c.sums for c in universes[u]]
        first = universes[int(np.flatnonzero(tested)[0])]
        return cls(sums, np.array([c.strata for c in first]), tested)


@dataclass
class Draws:
    """A claim's statistics in each draw (the first row: the observed data, no flip)."""

    median: np.ndarray  # (draws,): the median over tested universes of the claim's difference, in points
    count: np.ndarray  # (draws,): universes where the claim holds
    t: np.ndarray  # (draws, universes): each universe's image t statistic (its weakest comparison's)


def statistics(grid: Grid, signs: np.ndarray, rules: Rules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The claim's difference, image t statistic and verdict "holds" in every universe, for each
    row of ``signs`` (+1 keeps an image's sides, -1 swaps them).

    Returns:
        (difference in points, t, holds), each (draws, universes); a universe holds when every
        comparison does, by ``stats.decide``: its estimate at least the margin and both its test-set
        and (with 2 or more seeds) its seed interval above zero.
    """
    n_universes, n_comparisons, n_seeds, n_images = grid.sums.shape
    swapped = (
        (signs.astype(np.float32) @ grid.flat).astype(float).reshape(len(signs), n_universes, n_comparisons, n_seeds)
    )
    per_seed = swapped / (n_images * grid.strata[None, None, :, None])  # each seed's difference, a fraction
    mean = per_seed.mean(axis=3)
    variance = np.maximum(grid.squares[None] - n_images * mean**2, 0) / (n_images - 1)
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


def draw(grids: dict[str, Grid], n_draws: int, rules: Rules, seed: int) -> dict[str, Draws]:
    """The observed statistics and ``n_draws`` sign-flip draws of each claim's grid; every grid must
    be on the same test images, and each draw flips the same images in all of them."""
    n_images = {g.sums.shape[3] for g in grids.values()}
    assert len(n_images) <= 1, f"the grids are on different test sets ({sorted(n_images)} images)"
    rng = np.random.default_rng(seed)
    parts = {claim: [] for claim in grids}
    sizes = [1] + [CHUNK] * (n_draws // CHUNK) + ([n_draws % CHUNK] if n_draws % CHUNK else [])
    n = next(iter(n_images), 0)
    for i, size in enumerate(sizes):
        signs = np.ones((1, n), np.int8) if i == 0 else 1 - 2 * rng.integers(0, 2, (size, n), dtype=np.int8)
        for claim, grid in grids.items():
            parts[claim].append(statistics(grid, signs, rules))
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
    p_flip: np.ndarray  # (universes,) each universe's own sign-flip p-value (NaN: not tested)
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
