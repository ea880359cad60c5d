"""What oversubscribing the cores does to the training jobs' times, and whether the CPU share each
job records (runs/jobs.cpu_use) tells it: the smoke config built from scratch twice, with
``--cores`` equal to this machine's CPUs and with twice that, and each build's training jobs
summarised from results/runs.csv (median CPU share, median and summed job time, jobs flagged under
the report's line).

Run by hand (not in CI), from the repository root, with MNIST's four files in resources/mnist:

    python bench/bench_core_sharing.py [--mnist resources/mnist]
"""

import argparse
import os
import shutil
from pathlib import Path

import pandas as pd

from mnist_mlp.runs.jobs import SHARED_BELOW
from scratch import REPO, scratch, snakemake


def build(mnist: Path, cores: int) -> tuple[float, pd.DataFrame]:
    """The smoke config built from scratch on ``cores`` cores: (wall seconds, its runs.csv)."""
    workdir, overlay = scratch(mnist, {})
    try:
        wall, _ = snakemake(workdir, [REPO / "config" / "smoke.yaml", overlay], "--cores", str(cores))
        return wall, pd.read_csv(workdir / "results" / "runs.csv").drop_duplicates("dir")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist", type=Path, default=REPO / "resources" / "mnist")
    args = parser.parse_args()
    cpus = len(os.sched_getaffinity(0))
    print(f"{cpus} CPUs; smoke config, one-thread training jobs; flagged: CPU share under {SHARED_BELOW:.0%}")
    for cores in (cpus, 2 * cpus):
        wall, runs = build(args.mnist, cores)
        print(
            f"--cores {cores}: wall {wall:.0f} s, {len(runs)} training jobs, CPU share median "
            f"{runs['cpu_share'].median():.0%} (min {runs['cpu_share'].min():.0%}), job time median "
            f"{runs['job_s'].median():.1f} s, summed {runs['job_s'].sum():.0f} s, "
            f"flagged {int((runs['cpu_share'] < SHARED_BELOW).sum())}"
        )


if __name__ == "__main__":
    main()
