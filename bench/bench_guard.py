"""How long and how much memory the multiverse's size guard takes to refuse a runaway overlay:
540,000 universes (6 inits × 100 learning rates × 30 weight decays × 30 widths) over the first
study's experiments, counted by runs/plan.py (distinct_runs, n_universes, most_runs) against the
default limit of 6,000 training jobs, without building a universe.

    python bench/bench_guard.py [--limit 6000]
"""

import argparse
import time
import tracemalloc
from pathlib import Path

import yaml

from mnist_mlp.runs.plan import distinct_runs, most_runs, n_universes

REPO = Path(__file__).resolve().parents[1]
DEFAULT = {"dataset": "mnist", "n_train": 30000, "hidden": [500, 250, 100], "init": "auto", "weight_decay": 0}


def runaway() -> dict:
    """The 540,000-universe multiverse, each axis on the experiments where the study leaves it open."""
    every = ["baseline", "lr_0.001", "lr_0.1", "torch", "torch_l2"]
    axes = {
        "init": (["auto", "glorot_normal", "he_normal", "glorot_uniform", "torch_default", "standard_normal"], every),
        "lr": ([round(0.001 * (i + 1), 3) for i in range(100)], ["torch", "torch_l2"]),
        "weight_decay": ([round(i * 1e-5, 8) for i in range(30)], every[:4]),
        "hidden": ([[10 * (i + 1)] for i in range(30)], every),
    }
    return {"axes": {axis: {"options": o, "experiments": e} for axis, (o, e) in axes.items()}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=6000)
    args = parser.parse_args()
    experiments = yaml.safe_load((REPO / "studies" / "sarkar2022" / "config.yaml").read_text())["experiments"]
    multiverse, seeds = runaway(), [0]
    tracemalloc.start()
    started = time.perf_counter()
    runs = distinct_runs(experiments, [], multiverse, seeds, DEFAULT, args.limit)
    universes, at_most = n_universes(multiverse), most_runs(experiments, [], multiverse, len(seeds))
    seconds = time.perf_counter() - started
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    print(
        f"{universes:,} universes, more than {args.limit:,} distinct training jobs ({len(runs):,} counted, up to "
        f"{at_most:,}): refused in {seconds:.3f} s, {peak_mb:.1f} MB allocated at the peak"
    )


if __name__ == "__main__":
    main()
