"""How long the test across all universes takes (judge/joint.py), at the issue's budget: 10,000
sign-flip draws × 12 universes × 6 claims, on the full 10,000-image test set, 3 seeds, each claim
with 3 comparisons (one per activation, as "for every activation"), on synthetic outcomes. It
trains nothing. Also times the variance split of every claim (judge/choices.py) on the same grid.

    python bench/bench_joint.py [--draws 10000] [--universes 12] [--claims 6] [--images 10000]
"""

import argparse
import itertools
import resource
import time

import numpy as np

from mnist_mlp.judge.choices import decompose
from mnist_mlp.judge.claims import Outcomes, Rules
from mnist_mlp.judge.joint import Grid, draw, joint_test

RULES = Rules(alpha=0.05, margin_pp=0.5, loss_margin_pct=5)


def synthetic_grid(rng, n_universes: int, n_comparisons: int, n_seeds: int, n_images: int) -> Grid:
    difficulty = rng.beta(8, 2, n_images)
    universes = []
    for u in range(n_universes):
        effect = 0.01 * (u % 4)
        outcomes = []
        for _ in range(n_comparisons):
            a = rng.random((n_seeds, n_images)) < np.clip(difficulty + effect, 0, 1)
            b = rng.random((n_seeds, n_images)) < difficulty
            outcomes.append(Outcomes(a.astype(np.int8) - b.astype(np.int8), 1))
        universes.append(outcomes)
    return Grid.of(universes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--universes", type=int, default=12)
    parser.add_argument("--claims", type=int, default=6)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    grids = {f"claim{i}": synthetic_grid(rng, args.universes, 3, args.seeds, args.images) for i in range(args.claims)}
    started = time.perf_counter()
    draws = draw(grids, args.draws, RULES, seed=0)
    tests = {claim: joint_test(d, 0.05) for claim, d in draws.items()}
    joint_s = time.perf_counter() - started
    options = {"init": [f"i{k}" for k in range(args.universes // 2)], "lr": [0.1, 0.01]}
    cells = list(itertools.product(*options.values()))
    started = time.perf_counter()
    for grid in grids.values():
        per_seed = {cell: 100 * grid.sums[u, 0].mean(axis=1) for u, cell in enumerate(cells)}
        decompose(per_seed, list(options), options, cells[0])
    choices_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.draws:,} draws x {args.universes} universes x {args.claims} claims "
        f"(3 comparisons, {args.seeds} seeds, {args.images:,} images): joint test {joint_s:.1f} s; "
        f"variance split of every claim {choices_s:.3f} s; peak memory {peak_mb:,.0f} MB"
    )
    first = next(iter(tests.values()))
    print(f"first claim: median {first.median:+.2f} points (p {first.p_median:.4f}), holds in {first.count}, "
          f"max-T {first.n_maxt}, Holm {first.n_holm}")  # fmt: skip


if __name__ == "__main__":
    main()
