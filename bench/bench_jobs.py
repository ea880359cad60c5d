"""Where one training job's time goes, run through Snakemake as a user would.

Run by hand (not in CI), from the repository root, with MNIST's four files in resources/mnist:

    python bench/bench_jobs.py [--epochs 15] [--repeats 2]

In a scratch working directory on the default config, it builds the dataset, then times
``snakemake --cores 1 <metrics.json>`` for one numpy and one torch run (ReLU, lr 0.1, seed 0) and
prints each phase: Snakemake's own part (parse, DAG, spawning the job), the job's start-up
(interpreter and Snakemake's script preamble), our imports, torch's, loading the data, building the
model, the training batches, the per-epoch test evaluation, the rest of the
loop, the summary, writing the files, and exit. Best of ``--repeats`` per phase.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from mnist_mlp.aggregate import read_benchmark
from mnist_mlp.run_format import read_metrics

REPO = Path(__file__).resolve().parents[1]
RUNS = {"numpy": "results/runs/numpy/relu/he_normal/lr0.1_wd0.0/seed0",
        "torch": "results/runs/torch/relu/he_normal/lr0.1_wd0.0/seed0"}
BENCHMARKS = {"numpy": "benchmarks/train/numpy/relu/he_normal/lr0.1_wd0.0/seed0.tsv",
              "torch": "benchmarks/train/torch/relu/he_normal/lr0.1_wd0.0/seed0.tsv"}
LOGS = {"numpy": "logs/train/numpy/relu/he_normal/lr0.1_wd0.0/seed0.log",
        "torch": "logs/train/torch/relu/he_normal/lr0.1_wd0.0/seed0.log"}


def snakemake(workdir: Path, overlay: Path, *args: str) -> float:
    """Run snakemake on the repository's workflow in ``workdir``; its wall time in seconds."""
    # targets first: --forcerun and --configfile take every following word
    cmd = [sys.executable, "-m", "snakemake", *args, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--cores", "1", "--configfile", str(REPO / "config" / "config.yaml"), str(overlay)]
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def logged_phases(log: Path) -> dict:
    line = re.findall(r"phases \(s\): (.*)", log.read_text())[-1]
    return {name: float(value) for name, value in (part.rsplit(" ", 1) for part in line.split(", "))}


def breakdown(workdir: Path, overlay: Path, backend: str) -> dict:
    """One timed job of ``backend``: seconds per phase."""
    wall = snakemake(workdir, overlay, f"{RUNS[backend]}/metrics.json", "--forcerun", "train")
    job_s = read_benchmark(workdir / BENCHMARKS[backend])["job_s"]
    metrics = read_metrics(workdir / RUNS[backend])
    logged = logged_phases(workdir / LOGS[backend])
    loop = logged["loop"]
    phases = {
        "snakemake (parse, DAG, spawn)": wall - job_s,
        "start-up (interpreter, preamble)": logged["start"],
        "imports": logged["imports"],
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--mnist", type=Path, default=REPO / "resources" / "mnist")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench_jobs_"))
    try:
        overlay = workdir / "overlay.yaml"
        overlay.write_text(yaml.safe_dump({
            "data": {"source": "path", "path": str(args.mnist.resolve())}, "train": {"epochs": args.epochs},
            "study_reported": str(REPO / "config" / "study_reported.yaml")}))
        snakemake(workdir, overlay, "results/data/mnist.npz")
        results = {backend: [breakdown(workdir, overlay, backend) for _ in range(args.repeats)] for backend in RUNS}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"one job, ReLU, lr 0.1, {args.epochs} epochs, --cores 1; best of {args.repeats} per phase (seconds)")
    print(f"{'phase':42s} {'numpy':>8s} {'torch':>8s}")
    for phase in results["numpy"][0]:
        best = {b: min(r[phase] for r in results[b]) if "samples" not in phase else max(r[phase] for r in results[b])
                for b in results}
        print(f"{phase:42s} {best['numpy']:8.3f} {best['torch']:8.3f}")


if __name__ == "__main__":
    main()
