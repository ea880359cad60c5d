"""How much of a whole study's wall clock goes to training, and a cost model that predicts it.

Run by hand (not in CI), from the repository root, with MNIST's four files in resources/mnist:

    python bench/bench_study.py [--cores 2] [--configfile config/sensitivity.yaml] [--predict-only] [--model FILE]

1. Calibrates the cost model on a short real run in a scratch directory (one numpy and one torch
   job per core, 2 epochs, side by side on ``--cores`` cores as the study runs them): per-job
   overhead outside train(), samples/s in the training batches, seconds per test evaluation, and
   the time of the jobs around training (download, preprocess, aggregate, plots, report).
2. Predicts the study's wall time on ``--cores`` cores: the jobs Snakemake plans (from its dry
   run), each costing overhead + epochs x (samples / rate + evaluation), scheduled longest first
   on the cores, between the data jobs before and the jobs after.
3. With ``--measured``, sets each backend's predicted job time beside the measured one, summed from
   the benchmark files (``benchmarks/train/...tsv``) of the jobs already built in this repository:
   the check for a study too long to re-run, or run in parts.
4. Unless ``--predict-only``, runs the study for real from prepared data (in a fresh scratch
   directory, the data jobs first and untimed, then ``snakemake --cores N``) and prints the
   measured wall time beside the prediction less its data jobs, with the training share: summed
   ``train_time_s`` / (wall x cores), and the useful share, the same with the per-epoch evaluation;
   the jobs' own ceiling on that share (useful time over the jobs' summed time, what no scheduling
   can beat); where the rest of the cores' time went; and the tail, the seconds from the last
   training job's end to report.html.
"""

import argparse
import json
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import yaml

from mnist_mlp.runs.aggregate import read_benchmark
from mnist_mlp.runs.cost import CALIBRATION, job_cost, predict
from mnist_mlp.runs.key import RunKey, parse_widths
from mnist_mlp.runs.plan import JOBS_BEFORE_TRAINING
from mnist_mlp.runs.run_format import read_metrics
from scratch import REPO, scratch, snakemake


def planned_training_jobs(configs: list[Path], mnist: Path) -> tuple[list[dict], float]:
    """The training jobs a fresh run of ``configs`` would run, from Snakemake's own dry run, and the
    dry run's wall time: what Snakemake takes to start before any job."""
    workdir, overlay = scratch(mnist, {})
    try:
        # Snakemake's own console, which names each job's wildcards; the profile's logger prints one line a job
        startup, out = snakemake(
            workdir, [*configs, overlay], "-n", "--forceall", "--workflow-profile", "none", capture=True
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule )", out):
        if block.startswith(("rule train:", "localrule train:")):
            wildcards = dict(re.findall(r"(\w+)=([^,\s]+)", re.search(r"wildcards: (.*)", block)[1]))
            jobs.append(wildcards)
    return jobs, startup


def measured_vs_predicted(model: dict, jobs: list[dict], epochs: int) -> pd.DataFrame:
    """Per backend: the jobs whose benchmark file exists in this repository, their summed measured
    seconds (Snakemake's wall clock of each job) and the model's prediction for the same jobs."""
    rows = []
    for job in jobs:
        tsv = REPO / RunKey.from_wildcards(job).path("benchmark")
        if tsv.exists():
            rows.append(
                {
                    "backend": job["backend"],
                    "measured_s": float(pd.read_csv(tsv, sep="\t")["s"].iloc[0]),
                    "predicted_s": job_cost(model, job, epochs),
                }
            )
    table = pd.DataFrame(rows, columns=["backend", "measured_s", "predicted_s"])
    summed = table.groupby("backend").agg(
        jobs=("measured_s", "size"), measured_s=("measured_s", "sum"), predicted_s=("predicted_s", "sum")
    )
    summed.loc["all"] = summed.sum()
    summed["measured/predicted"] = summed["measured_s"] / summed["predicted_s"]
    return summed


STUDY_CONFIG = REPO / "studies" / "sarkar2022" / "config.yaml"  # the study config/config.yaml names


def merged_config(configs: list[Path]) -> dict:
    def merge(a, b):
        return {
            **a,
            **{k: merge(a[k], v) if isinstance(v, dict) and isinstance(a.get(k), dict) else v for k, v in b.items()},
        }

    config = {}
    for path in configs[:1] + [STUDY_CONFIG] + configs[1:]:  # the study's own runs under the overlays
        config = merge(config, yaml.safe_load(path.read_text()) or {})
    return config


def job_table(workdir: Path) -> pd.DataFrame:
    """Every distinct training job of a finished run: its times from metrics.json and the benchmark."""
    tables = [pd.read_csv(workdir / "results" / name) for name in ("runs.csv", "sensitivity.csv")]
    runs = pd.concat(tables, ignore_index=True).drop_duplicates("dir")
    eval_s = [read_metrics(workdir / d).get("eval_time_s", float("nan")) for d in runs["dir"]]
    return runs.assign(eval_time_s=eval_s)


def around_jobs(workdir: Path) -> dict:
    """The time of each job around training, by rule; the preprocess jobs (one per subset size) summed."""
    times = {}
    for path in (workdir / "benchmarks").rglob("*.tsv"):
        rule = path.relative_to(workdir / "benchmarks").parts[0].removesuffix(".tsv")
        if rule != "train":
            times[rule] = times.get(rule, 0.0) + read_benchmark(path)["job_s"]
    return times


def tail_s(workdir: Path) -> float:
    """Seconds from the last training job's end (its benchmark file, written as it ends) to report.html."""
    last_training = max(path.stat().st_mtime for path in (workdir / "benchmarks" / "train").rglob("*.tsv"))
    return (workdir / "report.html").stat().st_mtime - last_training


def calibrate(cores: int, mnist: Path, epochs: int = 2) -> dict:
    """Per backend: overhead outside train() (s), samples/s in the batches, seconds per evaluation;
    and the time of the jobs around training. Measured with ``cores`` jobs side by side."""
    workdir, overlay = scratch(mnist, {"train": {"epochs": epochs}})
    try:
        configs = [REPO / "config" / "config.yaml", overlay]
        snakemake(workdir, configs, "--cores", str(cores))
        runs = job_table(workdir)
        model = {"around": around_jobs(workdir), "hidden": tuple(runs["hidden"].map(parse_widths).iloc[0])}
        for backend, group in runs.groupby("backend"):
            loop = group["train_time_s"] + group["eval_time_s"]
            model[backend] = {
                "overhead_s": float((group["job_s"] - loop).median()),
                "samples_per_s": float(group["samples_per_s"].median()),
                "eval_s": float((group["eval_time_s"] / group["epochs_completed"]).median()),
            }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--configfile",
        type=Path,
        action="append",
        default=[],
        help="overlays on the first study's config, e.g. config/sensitivity.yaml",
    )
    parser.add_argument("--mnist", type=Path, default=REPO / "resources" / "mnist")
    parser.add_argument(
        "--predict-only",
        action="store_true",
        help="predict without running the study: every distinct training job priced from scratch, as if "
        "none were built (the calibration's short run still runs, unless --model names a saved one)",
    )
    parser.add_argument(
        "--measured",
        action="store_true",
        help="set the prediction beside the job times measured in this repository's benchmarks/",
    )
    parser.add_argument(
        "--model",
        type=Path,
        help="save the calibration here, or reuse it if the file exists "
        "(to predict several overlays from one calibration)",
    )
    args = parser.parse_args()
    configs = [REPO / "config" / "config.yaml", *args.configfile]
    config = merged_config(configs)
    epochs = config["train"]["epochs"]

    if args.model and args.model.exists():  # a calibration of this machine, saved by an earlier call
        model = json.loads(args.model.read_text())
    else:
        model = calibrate(args.cores, args.mnist)
        if args.model:
            args.model.write_text(json.dumps(model, indent=1))
        # where the workflow reads it to price a multiverse too large to start (multiverse.max_training_jobs)
        (REPO / CALIBRATION).parent.mkdir(exist_ok=True)
        (REPO / CALIBRATION).write_text(json.dumps(model, indent=1))
    print(f"cost model, calibrated on a 2-epoch run of the default study, {args.cores} jobs side by side:")
    for backend in ("numpy", "torch"):
        m = model[backend]
        print(
            f"  {backend:6s} overhead outside train() {m['overhead_s']:5.2f} s, {m['samples_per_s']:7.0f} samples/s "
            f"in the batches, {m['eval_s']:5.3f} s per test evaluation"
        )
    print("  around training: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(model["around"].items())))
    jobs, startup = planned_training_jobs(configs, args.mnist)
    guess = predict(model, jobs, epochs, args.cores, startup)
    axes = (config.get("multiverse") or {}).get("axes", {})
    built = sum((REPO / RunKey.from_wildcards(job).path("dir") / "metrics.json").exists() for job in jobs)
    sizes = {name: len(axis["options"]) for name, axis in axes.items()}
    shape = " x ".join(f"{n} {name}" for name, n in sizes.items()) or "no multiverse"
    print(
        f"universes: {math.prod(sizes.values()) if sizes else 0} ({shape}); distinct training runs: {len(jobs)}, "
        f"of which already built in {REPO / 'results'}: {built}"
    )
    names = " + ".join(p.name for p in configs)
    print(
        f"{names}: {guess['jobs']} training jobs, {guess['job_s']:.0f} s of job time; predicted wall time on "
        f"{args.cores} cores: {guess['wall_s']:.0f} s (Snakemake's start {guess['startup_s']:.1f} s, data {guess['before_s']:.0f} s, training "
        f"{guess['training_s']:.0f} s, aggregate/plots/report {guess['after_s']:.0f} s)"
    )
    if args.measured:
        print("job time measured in benchmarks/ (Snakemake's wall clock of each job) vs predicted, same jobs:")
        print(measured_vs_predicted(model, jobs, epochs).round(2).to_string())
    if args.predict_only or args.measured:
        return
    workdir, overlay = scratch(args.mnist, {})
    try:
        snakemake(workdir, [*configs, overlay], "--cores", str(args.cores), "--until", "preprocess")
        wall, _ = snakemake(workdir, [*configs, overlay], "--cores", str(args.cores))
        runs = job_table(workdir)
        around = around_jobs(workdir)
        tail = tail_s(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    capacity = wall * args.cores
    train_s, eval_s = runs["train_time_s"].sum(), runs["eval_time_s"].sum()
    outside = runs["job_s"] - runs["train_time_s"] - runs["eval_time_s"]
    predicted = guess["wall_s"] - guess["before_s"]
    print(
        f"measured wall time from prepared data: {wall:.0f} s (prediction {predicted:.0f} s, "
        f"{100 * (predicted - wall) / wall:+.1f}%)"
    )
    print(
        f"training share: sum(train_time_s) / (wall x {args.cores} cores) = {train_s:.0f} / {capacity:.0f} = "
        f"{train_s / capacity:.3f}; useful share, with the per-epoch test evaluation: "
        f"{(train_s + eval_s) / capacity:.3f}"
    )
    after = sum(v for k, v in around.items() if k not in JOBS_BEFORE_TRAINING)
    jobs_s = runs["job_s"].sum() + after
    idle = capacity - jobs_s
    print(
        f"the jobs' own ceiling: (training + evaluation) / the jobs' summed time = {train_s + eval_s:.0f} / "
        f"{jobs_s:.0f} = {(train_s + eval_s) / jobs_s:.3f}: the useful share with no core idle and no time in "
        "Snakemake itself"
    )
    print(
        f"the rest of the {capacity:.0f} core-seconds: training jobs outside train() {outside.sum():.1f}, "
        f"figures, aggregation and report {after:.1f}, Snakemake and idle cores {idle:.1f}"
    )
    for backend, group in runs.groupby("backend"):
        o = outside[group.index]
        print(
            f"  {backend:6s} {len(group):3d} jobs: batches {group['train_time_s'].sum():6.1f} s, evaluation "
            f"{group['eval_time_s'].sum():5.1f} s, outside train() {o.sum():5.1f} s ({o.mean():.2f} s per job)"
        )
    print("  around training: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(around.items())))
    print(f"tail: {tail:.1f} s from the last training job's end to report.html")


if __name__ == "__main__":
    main()
