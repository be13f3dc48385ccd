"""The solvers' BLAS on one thread: their BLAS calls are vector operations, whose threads only cost.

NumPy's OpenBLAS splits a dot product of more than 10^4 entries over its
threads, which then spin for a while after the call, on the cores that the
numba kernels (cells, V-cycles) are about to use: at 3D n = 1e5 a Newton solve
took 7.3 s with them and 6.7 s on one BLAS thread (docs/benchmarks.md). The
limit holds for the whole process while a solve runs (threadpoolctl) and is
lifted after it.
"""
from functools import wraps

from threadpoolctl import threadpool_limits


def one_blas_thread(function):
    """``function`` run with every BLAS library of the process limited to one thread."""
    @wraps(function)
    def limited(*args, **kwargs):
        with threadpool_limits(1, user_api="blas"):
            return function(*args, **kwargs)
    return limited
