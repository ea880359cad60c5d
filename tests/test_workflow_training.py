"""The training rule through the real workflow on the smoke config."""

import gzip
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, local_data, planned_rules, planned_train_jobs, run_dir, run_key, smoke_overlay, snakemake
from mnist_mlp.data.datasets import DATASET_INFO, gz_md5
from mnist_mlp.present.html import run_anchor
from mnist_mlp.runs import run_format

ACTIVATIONS = ["sigmoid", "tanh", "relu"]
SECTION_1 = [("numpy", a, lr, 0.0) for lr in (0.01, 0.001, 0.1) for a in ACTIVATIONS]
SECTION_2 = [("torch", a, 0.1, wd) for wd in (0.0, 1e-5) for a in ACTIVATIONS]


def metrics_of(workdir, *run):
    return run_format.read_metrics(run_dir(workdir, *run))


def test_smoke_run_trains_every_run_of_the_study(smoke_run):
    for run in SECTION_1 + SECTION_2:
        metrics = metrics_of(smoke_run, *run)
        assert not metrics["diverged"], run
        assert 0.1 <= metrics["test_accuracy"] <= 1.0, run
        assert (
            metrics["run"]["backend"],
            metrics["run"]["activation"],
            metrics["run"]["lr"],
            metrics["run"]["weight_decay"],
        ) == run
        assert metrics["run"]["n_train"] == 3000 and metrics["run"]["epochs"] == 1
        assert sum(map(sum, metrics["confusion_matrix"])) == 10_000
        batches = run_format.read_batches(run_dir(smoke_run, *run))
        assert len(batches) == 47  # ceil(3000 / 64)
        assert (smoke_run / "benchmarks" / "train").exists()


def test_a_diverged_run_is_recorded_and_the_pipeline_carries_on(smoke_run):
    metrics = metrics_of(smoke_run, "numpy", "relu", 1000.0)
    assert metrics["diverged"] is True and metrics["diverged_at"]["epoch"] == 1
    assert metrics["test_accuracy"] is None and metrics["confusion_matrix"] is None
    last_loss = run_format.read_batches(run_dir(smoke_run, "numpy", "relu", 1000.0))["loss"].iloc[-1]
    assert not math.isfinite(last_loss)
    log = (smoke_run / run_key("numpy", "relu", 1000.0).path("log")).read_text()
    assert "diverged" in log and "Traceback" not in log


def wildcards_line(*settings, every: bool = False) -> str:
    """How a dry run lists the wildcards of the run ``run_key(*settings)``: those with a value on the
    project's console, ``every`` one in Snakemake's own blocks."""
    wildcards = run_key(*settings).wildcards().items()
    return ", ".join(f"{name}={value}" for name, value in wildcards if every or value != "")


def test_editing_one_learning_rate_plans_only_its_runs(smoke_run, mnist_raw):
    same = snakemake(smoke_run, "-n", overlay=smoke_overlay(mnist_raw))
    assert planned_train_jobs(same.stdout) == [] and "Nothing to be done" in same.stdout

    result = snakemake(smoke_run, "-n", overlay=smoke_overlay(mnist_raw, experiments={"lr_0.1": {"lr": 0.2}}))
    assert planned_train_jobs(result.stdout) == sorted(wildcards_line("numpy", a, 0.2) for a in ACTIVATIONS)
    # one line per job, with why in a few words: no list of every file a job reads
    assert max(len(line) for line in result.stdout.splitlines()) < 400
    assert planned_rules(result.stdout) == {
        "train",
        "aggregate",
        "plot_section_lr_0_1",  # the other sections' figures stay as they are
        "plot_overview",
        "report_html",
        "all",
    }


@pytest.mark.slow
def test_a_sections_figures_wait_only_for_that_sections_runs(tmp_path, mnist_raw):
    result = snakemake(tmp_path, "-n", "results/figures/fig12a.png", overlay=smoke_overlay(mnist_raw))
    assert planned_train_jobs(result.stdout) == sorted(wildcards_line("numpy", a, 0.1) for a in ACTIVATIONS)
    assert planned_rules(result.stdout) == {"download", "preprocess", "train", "plot_section_lr_0_1"}


@pytest.mark.slow
def test_training_is_ordered_longest_first_then_by_how_many_figures_wait_for_it(tmp_path, mnist_raw):
    # Snakemake's own console (no profile, so not the project's logger) prints each job's priority
    result = snakemake(tmp_path, "-n", "--forceall", "--workflow-profile", "none", overlay=smoke_overlay(mnist_raw))
    blocks = re.split(r"\n(?=(?:local)?rule \w+:)", result.stdout)
    priority = {
        re.search(r"wildcards: (.*)", b)[1].strip(): int(re.search(r"priority: (\d+)", b)[1])
        for b in blocks
        if re.match(r"(?:local)?rule train:", b)
    }
    torch_jobs = [priority[wildcards_line(*run, every=True)] for run in SECTION_2]
    baseline = [priority[wildcards_line("numpy", a, 0.01, every=True)] for a in ACTIVATIONS]  # 9 figures wait for it
    lr_01 = [priority[wildcards_line("numpy", a, 0.1, every=True)] for a in ACTIVATIONS]  # 6 figures
    unseen = priority[wildcards_line("numpy", "relu", 1000.0, every=True)]  # diverging runs: no figure of the study
    assert min(torch_jobs) > max(baseline) and min(baseline) > max(lr_01) > unseen > 0


def test_changing_the_epoch_count_reruns_training_but_not_the_data(smoke_run, mnist_raw):
    result = snakemake(smoke_run, "-n", overlay=smoke_overlay(mnist_raw, train={"epochs": 2}))
    assert len(planned_train_jobs(result.stdout)) == 17
    assert not planned_rules(result.stdout) & {"download", "preprocess"}


def test_changing_where_the_data_comes_from_fetches_nothing_again_and_retrains_nothing(smoke_run, mnist_raw):
    overlay = smoke_overlay(mnist_raw)
    overlay["data"] = {"source": "pypi", "timeout_s": 3}  # the verified files here are the same bytes
    result = snakemake(smoke_run, "-n", overlay=overlay)
    assert planned_rules(result.stdout) == {"report_html", "all"}  # the report records the config


@pytest.mark.slow
def test_asking_for_cuda_without_one_fails_with_a_message_not_a_traceback(tmp_path, mnist_raw):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    run = run_key("torch", "relu", 0.1)
    target = str(run_format.path(run.path("dir"), "metrics"))
    result = snakemake(
        tmp_path, "--cores", "1", target, overlay={**local_data(mnist_raw), "train": {"device": "cuda"}}, check=False
    )
    assert result.returncode != 0
    log = (tmp_path / run.path("log")).read_text()
    assert "train.device is 'cuda' but PyTorch sees no CUDA device" in log and "Traceback" not in log
    assert not (tmp_path / target).exists()


def test_a_deleted_run_folder_is_rebuilt_by_the_default_target(smoke_run, mnist_raw, tmp_path):
    workdir = tmp_path / "copy"
    shutil.copytree(smoke_run, workdir)
    shutil.rmtree(run_dir(workdir, "numpy", "tanh", 0.1))
    result = snakemake(workdir, "-n", overlay=smoke_overlay(mnist_raw))
    assert planned_train_jobs(result.stdout) == [wildcards_line("numpy", "tanh", 0.1)]


def test_a_raw_file_changed_after_a_build_is_refused_and_the_readme_recovery_works(smoke_run, mnist_raw, tmp_path):
    workdir = tmp_path / "copy"
    shutil.copytree(smoke_run, workdir)
    overlay = smoke_overlay(mnist_raw)
    labels = workdir / "resources" / "mnist" / "train-labels-idx1-ubyte.gz"
    raw = gzip.decompress(labels.read_bytes())
    labels.write_bytes(gzip.compress(raw[:-1] + bytes([(raw[-1] + 1) % 10])))  # one label changed after the build
    refused = snakemake(workdir, "--cores", "2", overlay=overlay, check=False)
    assert refused.returncode != 0 and "Job stats" not in refused.stdout
    assert (
        "Data file resources/mnist/train-labels-idx1-ubyte.gz: neither its .gz MD5 nor its decompressed content "
        "is MNIST's (truncated, altered or another dataset's). Delete it and run again" in refused.stdout
    )
    # README, "When something goes wrong": delete resources/mnist/ and run again
    shutil.rmtree(workdir / "resources" / "mnist")
    after = snakemake(workdir, "--cores", "2", overlay=overlay).stdout
    assert not planned_rules(after) & {"download", "preprocess", "train"}  # what was built was verified
    # the file is fetched and verified again when a job needs it
    snakemake(workdir, "--cores", "2", str(labels.relative_to(workdir)), overlay=overlay)
    assert gz_md5(labels) == DATASET_INFO["mnist"].gz_md5[labels.name]


def test_a_run_that_fails_to_learn_is_named_so_never_ok(smoke_run):
    metrics = metrics_of(smoke_run, "numpy", "sigmoid", 1000.0)
    assert metrics["diverged"] is False and metrics["failed_to_learn"] is True
    assert "for every test image" in metrics["failure"] or "above the" in metrics["failure"]
    runs = pd.read_csv(smoke_run / "results" / "runs.csv")
    at_1000 = runs[runs["lr"] == 1000.0]
    assert set(zip(at_1000["activation"], at_1000["diverged"], at_1000["failed_to_learn"])) == {
        ("relu", True, False),
        ("sigmoid", False, True),
    }
    html = (smoke_run / "report.html").read_text()
    row = html[html.index(f'id="{run_anchor(run_key("numpy", "sigmoid", 1000.0).path("dir"))}"') :].split("</tr>")[0]
    assert '<td class="l failed-to-learn">failed to learn: ' in row
    section = html[html.index('>forced to diverge<a class="anchor"') :].split("</table>")[0]
    assert "failed to learn (1 of 1)" in section and ">ok<" not in section


def test_each_run_records_its_phases_and_what_its_last_digits_depend_on(smoke_run):
    for backend, activation, lr, wd in (SECTION_1[0], SECTION_2[-1]):
        metrics = metrics_of(smoke_run, backend, activation, lr, wd)
        compute = metrics["compute"]
        assert compute["threads"] == 1 and compute["blas"].startswith(("openblas", "mkl", "blis", "accelerate"))
        assert compute["cpu"] and ("torch_threads" in compute) == (backend == "torch")
        phases = metrics["phases_s"]
        assert list(phases) == ["start-up", "torch import", "data", "model", "loop", "summary"]
        assert all(v >= 0 for v in phases.values())
        # the loop holds the training batches and the per-epoch evaluation, each timed on its own
        assert metrics["train_time_s"] + metrics["eval_time_s"] <= phases["loop"] + 1e-3
    runs = pd.read_csv(smoke_run / "results" / "runs.csv")
    assert (runs["threads"] == 1).all() and runs["blas"].notna().all()


@pytest.mark.slow
def test_a_built_project_moved_to_another_folder_plans_nothing(tmp_path, mnist_raw):
    """A user's clone, built in place with the README's command, then moved: nothing reruns (no rule
    input names an absolute path)."""
    project = tmp_path / "project"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True)
    for name in filter(None, tracked.stdout.split("\0")):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, project / name)
    overlay = tmp_path / "overlay.yaml"  # outside the project: the same file before and after the move
    overlay.write_text(yaml.safe_dump(local_data(mnist_raw)))

    def run(folder: Path, *args: str) -> str:
        cmd = [
            sys.executable,
            "-m",
            "snakemake",
            *args,
            "--configfile",
            "config/config.yaml",
            "config/smoke.yaml",
            str(overlay),
        ]
        result = subprocess.run(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert result.returncode == 0, result.stdout[-6000:]
        return result.stdout

    run(project, "--cores", "2")
    assert (project / "report.html").exists()
    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    shutil.move(project, moved)
    dry = run(moved, "-n")
    assert "Nothing to be done" in dry, dry[-3000:]
