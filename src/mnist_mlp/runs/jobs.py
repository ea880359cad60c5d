"""What every rule script does around its one call: log to the job's log file, fail with a message."""

import contextlib
import logging
import os
import socket
import sys
import time

from mnist_mlp.errors import UserError


@contextlib.contextmanager
def job(log_path: str):
    """Send logging and stderr to ``log_path``; turn a ``UserError`` into a one-line message.

    Errors a user can cause (bad data, a missing file, a missing device) end the job with that
    message in the log and exit status 1, without a traceback; anything else is a bug and keeps
    its traceback.
    """
    with open(log_path, "w") as log_file, contextlib.redirect_stderr(log_file):
        logging.basicConfig(stream=log_file, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                            force=True)
        log = logging.getLogger("job")
        if "SLURM_JOB_ID" in os.environ:
            log.info("Slurm job %s on %s", os.environ["SLURM_JOB_ID"], socket.gethostname())
        try:
            yield log
        except UserError as err:
            log.error("%s", err)
            sys.exit(1)
        except Exception:
            log.exception("unexpected error (a bug; please report it with this log)")
            raise


class Laps:
    """Wall-clock phases of a job, each from the end of the one before: ``laps.lap("data")``."""

    def __init__(self, since: float):
        self.last, self.seconds = since, {}

    def lap(self, name: str, at: float | None = None) -> None:
        now = time.time() if at is None else at
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self.last
        self.last = now


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
