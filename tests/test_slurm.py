"""The smoke workflow on a real one-node Slurm cluster (tests/slurm/start.sh), via profiles/slurm.

Marked ``slurm``: the default test run leaves it out; .ci/run runs it after the main suite with
``python -m pytest -m slurm``.
"""

import math
import os
import re
import subprocess

import pandas as pd
import pytest
import yaml

from conftest import REPO, smoke_overlay, snakemake

pytestmark = pytest.mark.slurm


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    """A running cluster for this module; stopped afterwards by the stop script, whatever happens."""
    state = tmp_path_factory.mktemp("slurm")
    env = {"SLURM_TEST_DIR": str(state)}
    started = subprocess.run(
        ["bash", str(REPO / "tests" / "slurm" / "start.sh")],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert started.returncode == 0, started.stdout
        yield {**env, "SLURM_CONF": str(state / "slurm.conf")}
    finally:
        subprocess.run(["bash", str(REPO / "tests" / "slurm" / "stop.sh")], env={**os.environ, **env})


def test_smoke_workflow_on_slurm_matches_the_local_run_training_in_grouped_submissions(
    slurm_cluster, smoke_run, mnist_raw, tmp_path
):
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    per_submission = profile["group-components"][profile["groups"]["train"]]
    # --cores: the CPUs of one grouped submission, as many as this one-node cluster's node has
    snakemake(
        tmp_path,
        "--profile",
        str(REPO / "profiles" / "slurm"),
        "--cores",
        str(os.cpu_count()),
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "1",
        "--slurm-no-account",
        overlay=smoke_overlay(mnist_raw),
        env=slurm_cluster,
    )

    train_logs = sorted((tmp_path / "logs" / "train").rglob("*.log"))
    assert len(train_logs) == 17  # the study's 15 runs and the two at learning rate 1000
    submissions = set()
    for log in train_logs:
        job = re.search(r"Slurm job (\d+) on ", log.read_text())
        assert job, f"{log} did not run as a Slurm job"
        submissions.add(job[1])
    assert len(submissions) == math.ceil(len(train_logs) / per_submission)  # grouped, not one submission each

    keys = ["experiment", "activation", "seed"]
    on_slurm = pd.read_csv(tmp_path / "results" / "runs.csv").set_index(keys).sort_index()
    local = pd.read_csv(smoke_run / "results" / "runs.csv").set_index(keys).sort_index()
    pd.testing.assert_series_equal(on_slurm["test_accuracy"], local["test_accuracy"])
    pd.testing.assert_series_equal(on_slurm["diverged"], local["diverged"])
    pd.testing.assert_series_equal(on_slurm["failed_to_learn"], local["failed_to_learn"])
    assert (tmp_path / "report.html").stat().st_size > 100_000
