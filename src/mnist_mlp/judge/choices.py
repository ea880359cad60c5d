"""Which choices matter: the variance of the difference a claim rests on, split by the multiverse's
axes, their interactions, and seeds.

The universes form a full grid (one option per axis) and every universe runs the same seeds, so the
difference per (universe, seed) is a balanced crossed design with the seeds as replicates. Its sum
of squares splits exactly into one term per non-empty set of axes (an axis alone: its main effect;
two or more: their interaction) and the seeds' spread within each universe, each from the grid's
marginal means by inclusion and exclusion. A term's sum of squares also holds seed noise, in
proportion to its degrees of freedom (12 universes of 3 seeds: the axes would get a third of pure
noise), so each term's share is its sum of squares less that expected noise (omega squared), and
the seeds get the rest: the shares add up to 100 %. A grid with a missing cell (a
universe with nothing to compare, or fewer seeds) is not balanced: it is not decomposed, and the
reason says which universes are missing; nor is a grid of one seed per universe, whose seed noise
cannot be estimated.
"""

import itertools
from dataclasses import dataclass

import numpy as np

SEEDS = "seeds"
INTERACTION = " × "  # joins the axes of an interaction term
# Why a grid of one seed per universe is not split: a choice's share is told from seed noise, which
# one seed cannot measure; every difference, a choice's or noise, would be given to the choices.
ONE_SEED = (
    "one seed per universe: the seeds' spread, the noise a choice's share is told from, cannot be "
    "estimated, so no share is given; two or more seeds (train.seeds) give one"
)


def components(values: np.ndarray, axes: list[str]) -> dict[str, tuple[float, int]]:
    """The sums of squares of a balanced crossed grid, with their degrees of freedom.

    Args:
        values: one dimension per axis, in the order of ``axes``, then one for the seeds (replicates).
        axes: the axes' names.

    Returns:
        term -> (sum of squares, degrees of freedom): every non-empty set of axes (names joined by
        ``INTERACTION``, main effects first) and ``SEEDS`` (within each cell); the sums add up to the
        total sum of squares around the grand mean.
    """
    values = np.asarray(values, dtype=float)
    factor_dims = range(len(axes))
    seeds_dim = len(axes)

    def marginal(kept: tuple) -> np.ndarray:
        dropped = tuple(d for d in factor_dims if d not in kept) + (seeds_dim,)
        return values.mean(axis=dropped, keepdims=True)

    sums = {}
    for kept in _terms(len(axes)):
        effect = sum(
            (-1) ** (len(kept) - len(subset)) * marginal(subset)
            for k in range(len(kept) + 1)
            for subset in itertools.combinations(kept, k)
        )
        ss = float(np.sum(np.broadcast_to(effect, values.shape) ** 2))
        sums[INTERACTION.join(axes[d] for d in kept)] = (ss, int(np.prod([values.shape[d] - 1 for d in kept])))
    n_cells = int(np.prod(values.shape[:-1]))
    sums[SEEDS] = (float(np.sum((values - marginal(tuple(factor_dims))) ** 2)), n_cells * (values.shape[-1] - 1))
    return sums


def _terms(n_axes: int) -> list[tuple]:
    """Every non-empty set of axis positions, main effects first."""
    return [kept for size in range(1, n_axes + 1) for kept in itertools.combinations(range(n_axes), size)]


def shares(values: np.ndarray, axes: list[str]) -> dict[str, float]:
    """Each term's share of the variance, in percent (omega squared, Hays): its sum of squares less
    what seed noise alone would give it (its degrees of freedom times the seeds' mean square), a
    negative value set to zero, over the total sum of squares; the seeds get the rest, so the shares
    add up to 100. It needs two or more seeds: with one, seed noise cannot be told from the highest
    interaction (``decompose`` makes no shares then, and says so)."""
    sums = components(values, axes)
    ss_seeds, df_seeds = sums.pop(SEEDS)
    ms_seeds = ss_seeds / df_seeds if df_seeds else 0.0
    total = ss_seeds + sum(ss for ss, _ in sums.values())
    found = {term: 100 * max(ss - df * ms_seeds, 0.0) / total for term, (ss, df) in sums.items()}
    found[SEEDS] = 100 - sum(found.values())
    return found


@dataclass
class Decomposition:
    """One claim's difference over the universes of one scope, split by choice."""

    shares: dict[str, float] | None  # term -> percent of the variance; None: not decomposed
    total: float | None  # the variance of the per-seed differences, in squared points
    reason: str | None  # why it was not decomposed
    # axis -> [(option, mean difference minus that at the report's own option, in points)]
    option_effects: dict[str, list[tuple]]


def decompose(
    per_seed: dict[tuple, np.ndarray | None], axes: list[str], options: dict[str, list], own: tuple
) -> Decomposition:
    """Split a claim's per-seed difference over a full grid of universes.

    Args:
        per_seed: universe (its options, in the order of ``axes``) -> its seeds' differences in
            points, or None where the universe has nothing to compare.
        options: axis -> its options, in the grid's order.
        own: the options of the universe the report uses (the default).
    """
    if not axes:
        return Decomposition(None, None, "no choice varies here, only what the study is run on", {})
    cells = list(itertools.product(*(options[a] for a in axes)))
    missing = [cell for cell in cells if per_seed.get(cell) is None]
    seed_counts = {len(per_seed[cell]) for cell in cells if cell not in missing}
    effects = option_effects(per_seed, axes, options, own)
    if missing:
        named = ", ".join("/".join(map(str, cell)) for cell in missing[:3]) + (" …" if len(missing) > 3 else "")
        return Decomposition(
            None, None, f"{len(missing)} of {len(cells)} universes have nothing to compare ({named})", effects
        )
    if len(seed_counts) > 1:
        return Decomposition(
            None, None, f"the universes ran different numbers of seeds ({sorted(seed_counts)})", effects
        )
    shape = [len(options[a]) for a in axes] + [seed_counts.pop()]
    values = np.array([per_seed[cell] for cell in cells], dtype=float).reshape(shape)
    if np.all(values == values.flat[0]):
        return Decomposition(None, 0.0, "the difference is the same in every universe and seed", effects)
    if shape[-1] < 2:
        return Decomposition(None, float(np.var(values)), ONE_SEED, effects)
    return Decomposition(shares(values, axes), float(np.var(values)), None, effects)


def option_effects(
    per_seed: dict[tuple, np.ndarray | None], axes: list[str], options: dict[str, list], own: tuple
) -> dict[str, list[tuple]]:
    """Each option's mean difference over the universes that take it, minus the mean over those that
    take the report's own option of that axis (main effects; universes with nothing to compare left out)."""
    means = {cell: float(np.mean(values)) for cell, values in per_seed.items() if values is not None}
    effects = {}
    for position, axis in enumerate(axes):
        mean_at = {
            option: np.mean([m for cell, m in means.items() if cell[position] == option] or [np.nan])
            for option in options[axis]
        }
        effects[axis] = [(option, float(mean_at[option] - mean_at[own[position]])) for option in options[axis]]
    return effects
