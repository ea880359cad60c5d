"""The family-wise error of the test across all universes (judge/joint.py) on simulated grids with
no effect: how often max-T rejects any universe, and how often the median and the count tests
reject, at alpha 0.05. Grids of 12 universes, 600 test images, 3 seeds; side B either one run
shared by every universe (correlated universes) or a run of each universe's own.

    python bench/simulate_joint_fwer.py [--grids 5000] [--draws 400]
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
    args = parser.parse_args()
    for shared_b in (False, True):
        rng = np.random.default_rng(1)
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
