"""Holding a job to the threads it was given, BLAS and PyTorch included."""

import contextlib

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
