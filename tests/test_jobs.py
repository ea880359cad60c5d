"""What a job says when it fails: a mistake the user can fix is one line, in the log and on the
console; only the unexpected is called a bug and keeps its traceback."""

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mnist_mlp.errors import UserError
import snakemake_logger_plugin_mnist_mlp
from mnist_mlp.runs.jobs import INTERRUPTED, job
from mnist_mlp.runs.run_format import write_run


def failing_job(log: Path, error: BaseException) -> int:
    """Run a job that raises ``error``; its exit status."""
    with pytest.raises(SystemExit) as ended:
        with job(str(log)):
            raise error
    return ended.value.code


def one_error_line(log: Path) -> str:
    lines = log.read_text().splitlines()
    errors = [line for line in lines if " ERROR " in line]
    assert len(errors) == 1 and "Traceback" not in log.read_text() and "a bug" not in log.read_text(), lines
    return errors[0]


@pytest.mark.parametrize(
    "code, words",
    [
        (errno.ENOSPC, "no space left on the device: free some space"),
        (errno.EACCES, "permission denied: make it writable"),
        (errno.EROFS, "read-only file system: run from a writable folder"),
        (errno.EMFILE, "too many open files: raise the limit (ulimit -n)"),
        (errno.ENOTDIR, "a file stands where a folder should be: move or delete that file"),
    ],
)
def test_an_os_error_the_user_can_fix_is_named_with_its_path_and_fix(tmp_path, capfd, code, words):
    log = tmp_path / "job.log"
    assert failing_job(log, OSError(code, "injected", "/data/results/runs/x/weights.npz")) == 1
    line = one_error_line(log)
    assert "/data/results/runs/x/weights.npz: " + words in line
    assert f"Error: /data/results/runs/x/weights.npz: {words}" in capfd.readouterr().err  # the console


def test_a_file_where_a_folder_should_be_is_named_with_its_fix(tmp_path, capfd):
    (tmp_path / "results").write_text("")  # the results folder replaced by a file
    log = tmp_path / "job.log"
    with pytest.raises(SystemExit):
        with job(str(log)):
            (tmp_path / "results" / "runs.csv").write_text("x")
    assert f"{tmp_path / 'results' / 'runs.csv'}: a file stands where a folder should be" in one_error_line(log)


@pytest.mark.parametrize("under_the_logger", [False, True])
def test_ctrl_c_ends_a_job_with_one_line_and_no_traceback(tmp_path, under_the_logger):
    log = tmp_path / "job.log"
    script = (
        "import sys, time\n"
        "from mnist_mlp.runs.jobs import INTERRUPTED, job\n"
        f"with job({str(log)!r}):\n"
        "    print('ready', flush=True, file=sys.__stdout__)\n"
        "    time.sleep(60)\n"
    )
    # the project's console logger says each interrupted job's line itself (it sets LOGGER_ENV)
    env = {**os.environ, snakemake_logger_plugin_mnist_mlp.LOGGER_ENV: "1"} if under_the_logger else None
    # Ctrl-C is SIGINT's default, which a shell without job control (a background CI) sets ignored
    # for its children; Python then never raises KeyboardInterrupt
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err.strip().splitlines() == ([] if under_the_logger else [f"Stopped: {INTERRUPTED} (log: {log})"])
    assert "Traceback" not in log.read_text() and INTERRUPTED in log.read_text()


def test_a_job_puts_what_its_imports_made_beyond_the_collector(tmp_path):
    script = (
        "import gc, pandas\n"
        "from mnist_mlp.runs.jobs import job\n"
        "before = gc.get_freeze_count()\n"
        f"with job({str(tmp_path / 'job.log')!r}):\n"
        "    print(before, gc.get_freeze_count())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    before, during = map(int, out.split())
    assert before == 0 and during > 10_000  # pandas' objects: the exit's last collection skips them


def test_an_os_error_behind_another_is_found(tmp_path):
    log = tmp_path / "job.log"
    try:
        raise OSError(errno.ENOSPC, "No space left on device", "/full/disk/batches.csv")
    except OSError as cause:
        error = RuntimeError("while closing the archive")
        error.__context__ = cause  # what raising inside an except block does
    assert failing_job(log, error) == 1
    assert "/full/disk/batches.csv: no space left on the device" in one_error_line(log)


def test_a_user_error_is_one_line_on_the_console_too(tmp_path, capfd):
    log = tmp_path / "job.log"
    assert failing_job(log, UserError("data.path: no such folder /nowhere")) == 1
    assert "data.path: no such folder /nowhere" in one_error_line(log)
    assert "Error: data.path: no such folder /nowhere" in capfd.readouterr().err


def test_anything_else_is_a_bug_with_its_traceback(tmp_path):
    log = tmp_path / "job.log"
    with pytest.raises(OSError):
        with job(str(log)):
            raise OSError(errno.EIO, "Input/output error", "/disk")  # not one a user can fix by hand
    text = log.read_text()
    assert "unexpected error (a bug; please report it with this log)" in text and "Traceback" in text


def test_a_real_full_disk_under_a_run_is_named(tmp_path, mounted):
    """A run's files written into a 64 KiB file system (root only; skipped elsewhere)."""
    disk = mounted(tmp_path / "disk", "-t", "tmpfs", "-o", "size=64k", "tmpfs")
    log = tmp_path / "job.log"
    weights = [(np.zeros((784, 100), np.float32), np.zeros(100, np.float32))]  # 300 KiB
    with pytest.raises(SystemExit):
        with job(str(log), outputs=[disk / "weights.npz", disk / "metrics.json"]):
            write_run(disk, weights, [(1, 0, 2.3)], [], {"run": {}}, np.zeros(10, int), None)
    # a failed write names no file: the job's outputs say where it was writing
    assert f"{disk}: no space left on the device" in one_error_line(log)


CPU_USE_CHILD = """
import json, os, sys, time
from mnist_mlp.runs.jobs import cpu_use, process_started
os.sched_setaffinity(0, {int(sys.argv[1])})
started = process_started()
end = time.time() + float(sys.argv[2])
while time.time() < end:
    if sys.argv[3] == "busy":
        sum(range(1000))
    else:
        time.sleep(0.01)
print(json.dumps(cpu_use(started, threads=1)))
"""


def cpu_shares(*jobs: str, seconds: float = 1.5) -> list[float]:
    """The CPU share each of ``jobs`` ("busy" or "idle") reports, all at once on the same one core."""
    core = str(min(os.sched_getaffinity(0)))
    children = [
        subprocess.Popen([sys.executable, "-c", CPU_USE_CHILD, core, str(seconds), kind], stdout=subprocess.PIPE)
        for kind in jobs
    ]
    return [json.loads(child.communicate(timeout=60)[0])["share"] for child in children]


def test_a_job_alone_on_its_core_gets_it_and_two_on_one_core_get_half_each():
    # relative to the job alone, so that other work on the machine does not make it fail
    (alone,) = cpu_shares("busy")
    shared = cpu_shares("busy", "busy")
    assert all(0.25 * alone < share < 0.75 * alone for share in shared)
    # a job that waits (on a disk, a lock) is no busy job: its share says it did not use the core
    (idle,) = cpu_shares("idle")
    assert idle < 0.5 * alone


def test_what_logs_after_a_job_ends_goes_to_its_log_not_a_logging_error(tmp_path):
    # as torch may while the process ends after Ctrl-C: the job's log file is closed by then
    log = tmp_path / "job.log"
    script = (
        "import logging, sys\n"
        "from mnist_mlp.runs.jobs import job\n"
        f"with job({str(log)!r}):\n"
        "    logging.getLogger('job').info('during')\n"
        "logging.getLogger('torch').warning('after the job')\n"
    )
    ended = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert ended.returncode == 0 and "Logging error" not in ended.stderr and ended.stderr == ""
    lines = log.read_text().splitlines()
    assert lines[0].endswith("INFO during") and lines[-1].endswith("WARNING after the job")
