"""What every rule script does around its one call: log to the job's log file, fail with a message."""

import contextlib
import logging
import os
import socket
import sys

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
