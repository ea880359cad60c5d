"""What a finished run of the study cost, from Snakemake's own measurements, run by hand on a built
working directory.

    /usr/bin/time snakemake --cores 2 --configfile config/sensitivity.yaml
    python bench/bench_sensitivity.py [--workdir .] [--cores 2] [--wall-s SECONDS]

Prints the number of distinct training jobs of the config's runs (results/runs.csv and
results/sensitivity.csv), their summed job time per backend, the largest peak memory, the wall time
that summed job time implies on N cores (a lower bound: jobs run whole), and, given the measured
wall time, the share of the cores' time spent in training jobs; then the time of the jobs around
training that have benchmark files.
"""

import argparse
from pathlib import Path

import pandas as pd

from mnist_mlp.runs.aggregate import read_benchmark


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("."))
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--wall-s", type=float, help="measured wall time of the whole snakemake run")
    args = parser.parse_args()
    tables = [pd.read_csv(args.workdir / "results" / name) for name in ("runs.csv", "sensitivity.csv")]
    runs = pd.concat(tables, ignore_index=True).drop_duplicates("dir")
    print(f"distinct training jobs: {len(runs)} ({runs['diverged'].sum()} diverged)")
    for backend, group in runs.groupby("backend"):
        print(
            f"  {backend:6s} {len(group):4d} jobs, {group['job_s'].sum():8.0f} s in all, "
            f"{group['job_s'].mean():5.1f} s each (training loop {group['train_time_s'].mean():5.1f} s), "
            f"peak RSS {group['max_rss_mb'].max():5.0f} MB"
        )
    total = runs["job_s"].sum()
    print(
        f"summed job time: {total:.0f} s = {total / 60:.1f} min; on {args.cores} cores at best "
        f"{total / args.cores / 60:.1f} min of wall time"
    )
    if args.wall_s:
        print(
            f"measured wall time: {args.wall_s:.0f} s = {args.wall_s / 60:.1f} min; training jobs used "
            f"{total / (args.wall_s * args.cores):.0%} of the {args.cores} cores' time"
        )
    for path in sorted((args.workdir / "benchmarks").glob("*.tsv")):
        print(f"  {path.stem:20s} {read_benchmark(path)['job_s']:6.1f} s")


if __name__ == "__main__":
    main()
