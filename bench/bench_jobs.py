"""Where one training job's time goes, run through Snakemake as a user would.

Run by hand (not in CI), from the repository root, with MNIST's four files in resources/mnist:

    python bench/bench_jobs.py [--epochs 15] [--repeats 2]

In a scratch working directory on the default config, it builds the dataset, then times
``snakemake --cores 1 <metrics.json>`` for one numpy and one torch run (ReLU, lr 0.1, seed 0) and
prints each phase: Snakemake's own part (parse, DAG, spawning the job), the job's start-up
(interpreter, Snakemake's script preamble and our imports), torch's import, loading the data, building the
model, the training batches, the per-epoch test evaluation, the rest of the
loop, the summary, writing the files, and exit. Best of ``--repeats`` per phase.
"""

import argparse
import re
import shutil
from pathlib import Path

from mnist_mlp.data.arrays import prepared_paths
from mnist_mlp.runs.aggregate import read_benchmark
from mnist_mlp.runs.key import RunKey
from mnist_mlp.runs.run_format import path, read_metrics
from scratch import REPO, scratch, snakemake

RUNS = {
    backend: RunKey("mnist", 30000, backend, "relu", "he_normal", (500, 250, 100), 0.1, 0.0, 0)
    for backend in ("numpy", "torch")
}


def logged_phases(log: Path) -> dict:
    line = re.findall(r"phases \(s\): (.*)", log.read_text())[-1]
    return {name: float(value) for name, value in (part.rsplit(" ", 1) for part in line.split(", "))}


def breakdown(workdir: Path, configs: list[Path], backend: str) -> dict:
    """One timed job of ``backend``: seconds per phase."""
    run = RUNS[backend]
    wall, _ = snakemake(workdir, configs, str(path(run.path("dir"), "metrics")), "--forcerun", "train", "--cores", "1")
    job_s = read_benchmark(workdir / run.path("benchmark"))["job_s"]
    metrics = read_metrics(workdir / run.path("dir"))
    logged = logged_phases(workdir / run.path("log"))
    loop = logged["loop"]
    phases = {
        "snakemake (parse, DAG, spawn)": wall - job_s,
        "start-up (interpreter, preamble, imports)": logged["start-up"],
        "torch import": logged["torch import"],
        "data load": logged["data"],
        "model": logged["model"],
        "training batches": metrics["train_time_s"],
        "test evaluation per epoch": metrics["eval_time_s"],
        "rest of the loop": loop - metrics["train_time_s"] - metrics["eval_time_s"],
        "summary": logged["summary"],
        "writing": logged["writing"],
    }
    phases["exit, benchmark overhead"] = job_s - sum(logged.values())
    phases["= job (Snakemake's benchmark)"] = job_s
    phases["outside the training batches"] = job_s - metrics["train_time_s"]
    phases["outside train() (batches + evaluation)"] = job_s - loop
    phases["samples/s in the batches"] = metrics["samples_per_s"]
    return phases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--mnist", type=Path, default=REPO / "resources" / "mnist")
    args = parser.parse_args()
    workdir, overlay = scratch(args.mnist, {"train": {"epochs": args.epochs}})
    try:
        configs = [REPO / "config" / "config.yaml", overlay]
        data = prepared_paths(RUNS["numpy"].dataset, RUNS["numpy"].n_train)["data"]
        snakemake(workdir, configs, data, "--cores", "1")
        results = {backend: [breakdown(workdir, configs, backend) for _ in range(args.repeats)] for backend in RUNS}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"one job, ReLU, lr 0.1, {args.epochs} epochs, --cores 1; best of {args.repeats} per phase (seconds)")
    print(f"{'phase':42s} {'numpy':>8s} {'torch':>8s}")
    for phase in results["numpy"][0]:
        best = {
            b: min(r[phase] for r in results[b]) if "samples" not in phase else max(r[phase] for r in results[b])
            for b in results
        }
        print(f"{phase:42s} {best['numpy']:8.3f} {best['torch']:8.3f}")


if __name__ == "__main__":
    main()
