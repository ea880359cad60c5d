"""Holding a job to the threads it was given, BLAS and PyTorch included; and Snakemake's own
process ending when its jobs end."""

import contextlib
import threading

from threadpoolctl import threadpool_limits


@contextlib.contextmanager
def limit_threads(n: int, include_torch: bool = False):
    """Within the block, NumPy's BLAS and OpenMP pools use ``n`` threads, and PyTorch's intra-op
    pool too when ``include_torch`` (importing torch costs a second; numpy-only jobs skip it)."""
    with threadpool_limits(limits=n), contextlib.ExitStack() as stack:
        if include_torch:
            import torch

            previous = torch.get_num_threads()
            torch.set_num_threads(n)
            stack.callback(torch.set_num_threads, previous)
        yield


SCHEDULER_MODULE = "snakemake.scheduling.job_scheduler"  # where Snakemake's scheduling timers come from


def cancel_pending_timers() -> int:
    """Cancel the ``threading.Timer`` s of Snakemake's scheduler still waiting in this process;
    returns how many. Anyone else's timers are left alone.

    For the Snakefile's onsuccess and onerror hooks. Snakemake's scheduler arms a timer after each
    pass (``--max-jobs-per-timespan``, one second by default) and leaves the last one armed when the
    run ends; the timer's thread is not a daemon, so the interpreter waits for it before exiting:
    every run ended up to a second after its last job. When a hook runs no job is left to schedule.
    """
    timers = [
        t
        for t in threading.enumerate()
        if isinstance(t, threading.Timer) and t.is_alive() and getattr(t.function, "__module__", "") == SCHEDULER_MODULE
    ]
    for timer in timers:
        timer.cancel()
    return len(timers)
