"""What every rule script does around its one call: log to the job's log file, fail with a message."""

import contextlib
import errno
import gc
import logging
import os
import resource
import socket
import sys
import time

from mnist_mlp.errors import UserError

# Operating-system errors a user can fix, each with what to do: a full disk is not a bug.
OS_FIXES = {
    errno.ENOSPC: "no space left on the device: free some space (or move the project to a larger disk), then run "
    "again with --rerun-incomplete",
    errno.EDQUOT: "disk quota exceeded: free some space within your quota, then run again with --rerun-incomplete",
    errno.EACCES: "permission denied: make it writable for your user (or work in a folder you own), then run again",
    errno.EPERM: "operation not permitted: make it writable for your user (or work in a folder you own), then run "
    "again",
    errno.EROFS: "read-only file system: run from a writable folder (or remount it writable), then run again",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) or run fewer jobs at once (--cores), then run "
    "again",
    errno.ENFILE: "too many open files on the system: run fewer jobs at once (--cores), then run again",
    errno.ENOTDIR: "a file stands where a folder should be: move or delete that file, then run again",
    errno.EISDIR: "a folder stands where a file should be: move or delete that folder, then run again",
}
INTERRUPTED = "interrupted (Ctrl-C): what it wrote is flagged incomplete; run again with --rerun-incomplete"
INTERRUPTED_STATUS = 130  # what a shell reports for a process ended by SIGINT
# Set by the project's console logger (src/snakemake_logger_plugin_mnist_mlp) for the jobs it starts:
# it says each interrupted job's line itself, also for a job Ctrl-C reached outside ``job``.
LOGGER_ENV = "MNIST_MLP_CONSOLE_LOGGER"


def known_os_error(error: BaseException) -> OSError | None:
    """The OSError a user can fix behind ``error`` (itself, or what it was raised from or during), or None."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in OS_FIXES:
            return error
        error = error.__cause__ or error.__context__
    return None


def os_error_message(error: OSError, outputs=()) -> str:
    """One line: the file, and the fix. A failed write names no file: then the job's ``outputs``
    (their common folder) are where it was writing."""
    outputs = [str(o) for o in outputs]
    where = error.filename if error.filename is not None else os.path.commonpath(outputs) if outputs else "a file"
    return f"{where}: {OS_FIXES[error.errno]}"


def console(message: str) -> None:
    """A line on the console the user is watching (Snakemake's), beside the job log: the job's own
    stderr is redirected to its log."""
    print(message, file=sys.__stderr__, flush=True)


def spare_the_collector() -> None:
    """Put every object alive now, the imported modules' above all, beyond the garbage collector.

    A job's process imports pandas, matplotlib or torch, then ends: the interpreter's last
    collection at exit walks every object those imports made, about half a second with torch or
    matplotlib, for nothing (bench/bench_jobs.py's "exit"). Frozen objects are never walked again.
    """
    gc.freeze()


LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


@contextlib.contextmanager
def _logging_to(log_file, log_path: str):
    """Logging into the open ``log_file`` while the job runs; then, once it closes, into the same
    log opened again for appending, and only if anything logs: a library that logs while the
    process ends (after Ctrl-C, say) would otherwise meet a closed file and print "--- Logging
    error ---" with a traceback on the console."""
    logging.basicConfig(stream=log_file, level=logging.INFO, format=LOG_FORMAT, force=True)
    try:
        yield
    finally:
        late = logging.FileHandler(log_path, mode="a", delay=True)
        late.setFormatter(logging.Formatter(LOG_FORMAT))
        logging.basicConfig(handlers=[late], level=logging.INFO, force=True)


@contextlib.contextmanager
def job(log_path: str, outputs=()):
    """Send logging and stderr to ``log_path``; turn a ``UserError`` into a one-line message.

    Errors a user can cause (bad data, a missing file, a missing device, and the operating-system
    errors of OS_FIXES such as a full disk) end the job with one line in the log and on the console
    and exit status 1, without a traceback; anything else is a bug and keeps its traceback.
    """
    spare_the_collector()
    with open(log_path, "w") as log_file, contextlib.redirect_stderr(log_file), _logging_to(log_file, log_path):
        log = logging.getLogger("job")
        if "SLURM_JOB_ID" in os.environ:
            log.info("Slurm job %s on %s", os.environ["SLURM_JOB_ID"], socket.gethostname())
        try:
            yield log
        except KeyboardInterrupt:  # Snakemake passes Ctrl-C on to every job: one line each, no traceback
            log.error("%s", INTERRUPTED)
            if not os.environ.get(LOGGER_ENV):
                console(f"Stopped: {INTERRUPTED} (log: {log_path})")
            sys.exit(INTERRUPTED_STATUS)
        except UserError as err:
            message = str(err)
        except Exception as err:
            os_error = known_os_error(err)
            if os_error is None:
                log.exception("unexpected error (a bug; please report it with this log)")
                raise
            message = os_error_message(os_error, outputs)
        else:
            return
        log.error("%s", message)
        console(f"Error: {message} (log: {log_path})")
        sys.exit(1)


class Laps:
    """Wall-clock phases of a job, each from the end of the one before: ``laps.lap("data")``."""

    def __init__(self, since: float):
        self.last, self.seconds = since, {}

    def lap(self, name: str, at: float | None = None) -> None:
        now = time.time() if at is None else at
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self.last
        self.last = now


SHARED_BELOW = 0.8  # a job whose threads got less of the CPU than this shared its cores


def cpu_use(started: float, threads: int) -> dict:
    """How much of its cores this process had since ``started`` (``process_started``): its CPU
    seconds, its elapsed seconds and the share of its ``threads`` cores' time it got. A job alone on
    its core gets nearly all of it; two jobs on one core (``--cores`` above the machine's CPUs, or
    other work beside the build) get about half each, and their job times double."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s, elapsed_s = usage.ru_utime + usage.ru_stime, max(time.time() - started, 1e-9)
    return {"cpu_s": cpu_s, "elapsed_s": elapsed_s, "share": min(cpu_s / (elapsed_s * threads), 1.0)}


def process_started() -> float:
    """When this process was created, on the time.time() scale: where a job's start-up begins.

    From /proc on Linux, to the clock tick (psutil's create_time counts from a boot time rounded
    to whole seconds); elsewhere, now.
    """
    try:
        with open("/proc/self/stat") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])  # field 22, after the command name
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return time.time()
    return time.time() - (uptime - ticks / os.sysconf("SC_CLK_TCK"))
