r"""Monte Carlo cell assignment: ``argmax_i <x, y_i> + h_i`` for every sample ``x`` (any dimension).

Three implementations of one computation, tested against each other:
``assign_numpy`` (matrix product + argmax, blocked so memory stays bounded),
``assign_cpu`` (numba, parallel over samples) and ``assign_cuda`` (numba.cuda,
one thread per sample, atomic counts; runs under ``NUMBA_ENABLE_CUDASIM=1``).
Ties (measure zero for continuous samples) go to the smallest index.
"""
import math

import numpy as np
from numba import cuda, njit, prange


def assign_numpy(x, y, h, block=4096):
    """Index of the cell of each row of ``x``: ``argmax_i <x, y_i> + h_i`` (NumPy reference)."""
    out = np.empty(len(x), np.int64)
    for start in range(0, len(x), block):
        out[start:start + block] = np.argmax(x[start:start + block] @ y.T + h, axis=1)
    return out


@njit(cache=True, parallel=True)
def assign_cpu(x, y, h):
    """Same as :func:`assign_numpy`, a numba loop over targets per sample (parallel over samples)."""
    m, d = x.shape
    n = y.shape[0]
    out = np.empty(m, np.int64)
    for s in prange(m):
        best = -np.inf
        arg = 0
        for i in range(n):
            v = h[i]
            for k in range(d):
                v += x[s, k] * y[i, k]
            if v > best:
                best = v
                arg = i
        out[s] = arg
    return out


@cuda.jit
def _assign_kernel(x, y, h, out, counts):
    s = cuda.grid(1)
    if s < x.shape[0]:
        best = -math.inf
        arg = 0
        for i in range(y.shape[0]):
            v = h[i]
            for k in range(x.shape[1]):
                v += x[s, k] * y[i, k]
            if v > best:
                best = v
                arg = i
        out[s] = arg
        cuda.atomic.add(counts, arg, 1)


def assign_cuda(x, y, h, threads=128):
    """Same as :func:`assign_numpy` on the GPU; returns ``(index, counts)``."""
    out = np.empty(len(x), np.int64)
    counts = np.zeros(len(y), np.int64)
    blocks = (len(x) + threads - 1) // threads
    _assign_kernel[blocks, threads](np.ascontiguousarray(x), np.ascontiguousarray(y), np.ascontiguousarray(h),
                                    out, counts)
    return out, counts
