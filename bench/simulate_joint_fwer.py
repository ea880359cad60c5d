"""The family-wise error of the test across all universes (judge/joint.py) on simulated grids with
no effect: how often max-T rejects any universe, and how often the median and the count tests
reject, at alpha 0.05. Grids of 12 universes, 600 test images, 3 seeds; side B either a run of
each universe's own (each draw flips the sign of an image's differences) or one run shared by
every universe (correlated universes: each draw shifts the 13 runs of a seed cyclically, image by
image). Both draws are exact, so each error should be at most 5 % (20 / 401 with 400 draws) within
the simulation error; the shared design takes several times as long. The sign flip that the shift
replaced, only close to exact there, gives nearly the same p-values on these grids; where it is far
from exact (few images, most right), tests/test_joint_shared.py checks the shift. With 19 draws
max-T rejects only where the observed largest t is above every draw's: at most 1 in 20 grids for an
exact test, the sharpest check of the order of the observed among its draws
(``--draws 19 --grids 50000``). ``--seed`` draws another set of grids.

    python bench/simulate_joint_fwer.py [--grids 5000] [--draws 400] [--seed 1] [--shared-only]
"""

import argparse

import numpy as np

from mnist_mlp.judge.claims import Rules
from mnist_mlp.judge.joint import Grid, draw, joint_test
from mnist_mlp.judge.simulate import simulated_outcomes

RULES = Rules(alpha=0.05, margin_pp=0.5, loss_margin_pct=5)  # the verdicts' thresholds the test suite uses


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grids", type=int, default=5000)
    parser.add_argument("--draws", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1, help="the seed the grids are drawn from")
    parser.add_argument("--shared-only", action="store_true", help="only the design with side B shared")
    args = parser.parse_args()
    for shared_b in (True,) if args.shared_only else (False, True):
        rng = np.random.default_rng(args.seed)
        rejected = np.zeros(3)
        for i in range(args.grids):
            grid = Grid.of(simulated_outcomes(rng, 12, 600, 3, 0.0, shared_b))
            test = joint_test(draw({"c": grid}, args.draws, RULES, seed=i)["c"], 0.05)
            rejected += [test.n_maxt > 0, test.p_median <= 0.05, test.p_count <= 0.05]
        share = 100 * rejected / args.grids
        error = 100 * np.sqrt(0.05 * 0.95 / args.grids)
        print(
            f"side B {'shared' if shared_b else 'own'}: {args.grids:,} grids, family-wise error max-T {share[0]:.1f} %, "
            f"median {share[1]:.1f} %, count {share[2]:.1f} % (simulation error ±{error:.1f} %)"
        )


if __name__ == "__main__":
    main()
