"""The algebraic multigrid V-cycle's sparse passes, in parallel: products, residuals, hybrid Gauss-Seidel sweeps.

Every pass is deterministic whatever the number of threads: a row's sum runs
in its own order, and the smoother's blocks are fixed by the caller, not by
the threads (:func:`gauss_seidel`).
"""
import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def matvec(indptr, indices, data, x, out):
    """``out = A x`` for the CSR matrix ``A = (indptr, indices, data)``; returns ``out``."""
    for i in prange(indptr.size - 1):
        s = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            s += data[k] * x[indices[k]]
        out[i] = s
    return out


@njit(cache=True, parallel=True)
def residual(indptr, indices, data, x, b, out):
    """``out = b - A x``; returns ``out``."""
    for i in prange(indptr.size - 1):
        s = b[i]
        for k in range(indptr[i], indptr[i + 1]):
            s -= data[k] * x[indices[k]]
        out[i] = s
    return out


@njit(cache=True, parallel=True)
def gauss_seidel(indptr, indices, data, x, b, old, bounds, forward):
    r"""One hybrid Gauss-Seidel sweep on ``A x = b``, in place: Gauss-Seidel within each block of rows, Jacobi
    between blocks.

    The rows ``bounds[k] .. bounds[k + 1] - 1`` form block ``k``; the blocks are
    swept in parallel, each row by

    .. math:: x_i \leftarrow \Big(b_i - \sum_{j \ne i,\ j \in B} a_{ij} x_j
              - \sum_{j \notin B} a_{ij} x^{old}_j\Big) / a_{ii},

    ``B`` the row's block, ``x_j`` the latest value (updated in this sweep
    for the rows before ``i``: forward, increasing ``i``; else decreasing),
    ``x^{old}`` the values before the sweep (copied into ``old``). So the sweep
    is ``(D + L_B) x' = b - (U_B + O) x``, and the backward one its transpose:
    a forward sweep before the coarse correction and a backward one after it
    keep the V-cycle symmetric. For a diagonally dominant ``A`` (a grounded
    Laplacian) ``D - O`` is positive definite and the sweep converges.
    """
    n = indptr.size - 1
    for i in prange(n):
        old[i] = x[i]
    for k in prange(bounds.size - 1):
        lo, hi = bounds[k], bounds[k + 1]
        for r in range(hi - lo):
            i = lo + r if forward else hi - 1 - r
            s = b[i]
            diagonal = 0.0
            for q in range(indptr[i], indptr[i + 1]):
                j = indices[q]
                if j == i:
                    diagonal += data[q]
                elif lo <= j < hi:
                    s -= data[q] * x[j]
                else:
                    s -= data[q] * old[j]
            if diagonal != 0.0:
                x[i] = s / diagonal


@njit(cache=True, parallel=True)
def without(indptr, indices, data, k):
    """The CSR matrix ``(indptr, indices, data)`` without row and column ``k`` (the columns after it renumbered)."""
    n = indptr.size - 1
    counts = np.zeros(n - 1, np.int64)
    for r in prange(n - 1):
        i = r + (r >= k)
        c = 0
        for q in range(indptr[i], indptr[i + 1]):
            c += indices[q] != k
        counts[r] = c
    out_ptr = np.zeros(n, np.int64)
    out_ptr[1:] = np.cumsum(counts)
    out_idx = np.empty(out_ptr[n - 1], np.int64)
    out_val = np.empty(out_ptr[n - 1])
    for r in prange(n - 1):
        i = r + (r >= k)
        c = out_ptr[r]
        for q in range(indptr[i], indptr[i + 1]):
            j = indices[q]
            if j != k:
                out_idx[c] = j - (j > k)
                out_val[c] = data[q]
                c += 1
    return out_ptr, out_idx, out_val
