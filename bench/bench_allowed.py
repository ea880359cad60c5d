"""How long judging which universes the study's numbers allow takes (judge/allowed.fit_table), on a
synthetic multiverse table of the large overlay's size: 72 universes, the study's 15 numbers, 3
seeds each. It trains nothing: the judging only reads each run's test accuracy.

    python bench/bench_allowed.py [--universes 72] [--seeds 3]
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mnist_mlp.judge.allowed import fit_table

STUDY = yaml.safe_load((Path(__file__).resolve().parents[1] / "studies" / "sarkar2022" / "study.yaml").read_text())


def synthetic_table(n_universes: int, n_seeds: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [
        {
            "universe": f"u{u}",
            "position": u,
            "default": u == 0,
            "axis_init": u % 6,
            "experiment": experiment,
            "activation": activation,
            "test_accuracy": rng.uniform(0.1, 0.98),
            "diverged": False,
            "failed_to_learn": False,
        }
        for u in range(n_universes)
        for experiment, activations in STUDY["accuracy"].items()
        for activation in activations
        for _ in range(n_seeds)
    ]
    return pd.DataFrame(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--universes", type=int, default=72)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    table = synthetic_table(args.universes, args.seeds)
    verdicts, allowed_misses = STUDY["verdicts"], STUDY["robustness"]["allowed_misses"]
    started = time.perf_counter()
    fit = fit_table(table, ["init"], STUDY["accuracy"], verdicts["close_pp"], verdicts["alpha"], allowed_misses)
    seconds = time.perf_counter() - started
    print(
        f"{args.universes} universes x {len(table) // args.universes} runs: fit_table {seconds:.2f} s, "
        f"{int(fit['allowed'].sum())} allowed"
    )


if __name__ == "__main__":
    main()
