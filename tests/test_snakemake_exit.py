"""Snakemake's process ends when its jobs end, not when its last scheduling timer fires."""

import threading

import pytest

from conftest import local_data, snakemake
from mnist_mlp.data.datasets import FILES
from mnist_mlp.runs.threads import SCHEDULER_MODULE, cancel_pending_timers

# A timer this long would hold the process far past the test's timeout, were it left armed.
LONG_TIMESPAN = "1/600s"


def test_only_the_schedulers_waiting_timers_are_cancelled():
    scheduler_fired, other_fired = threading.Event(), threading.Event()

    def rescheduling():
        scheduler_fired.set()

    rescheduling.__module__ = SCHEDULER_MODULE  # as the lambda Snakemake's scheduler arms
    scheduler_timer, other_timer = threading.Timer(600, rescheduling), threading.Timer(600, other_fired.set)
    scheduler_timer.start()
    other_timer.start()
    try:
        assert cancel_pending_timers() == 1
        scheduler_timer.join(timeout=10)
        assert not scheduler_timer.is_alive() and not scheduler_fired.is_set()
        assert other_timer.is_alive()
    finally:
        other_timer.cancel()


@pytest.mark.slow
@pytest.mark.parametrize("succeeds", [True, False], ids=["onsuccess", "onerror"])
def test_snakemake_exits_once_its_jobs_are_done(tmp_path, mnist_raw, succeeds):
    """One job (the download, from a folder that holds the files or an empty one) under a scheduling
    timer of 600 s: without the Snakefile's hooks the process would wait for it and time out."""
    source = mnist_raw if succeeds else tmp_path / "empty"
    source.mkdir(exist_ok=True)
    result = snakemake(
        tmp_path,
        "--cores",
        "1",
        f"resources/mnist/{FILES[0]}",
        "--max-jobs-per-timespan",
        LONG_TIMESPAN,
        overlay=local_data(source),
        check=False,
        timeout=120,
    )
    assert (result.returncode == 0) == succeeds, result.stdout[-3000:]
