"""The cell of a point by a walk on the power diagram's adjacency (either dimension)."""
import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def steepest_walk(x, y, k, indptr, indices, start):
    """``argmax_i <x_q, y_i> + k_i`` for every row ``x_q``, by steepest ascent from ``start[q]``.

    From cell ``i`` the walk moves to the neighbour (CSR ``indptr, indices``;
    indices ``>= n`` are auxiliary points, skipped) of largest ``<x, y_j> + k_j``
    while that beats ``i``. For ``x`` in a convex domain whose cells the
    adjacency lists by their facets, a cell that ``x`` lies outside of has a
    facet neighbour beating it (``x`` violates one of the half-spaces that bound
    the cell in the domain), so the walk ends at the maximum. Returns the
    index, or -1 where the walk stopped after ``n`` moves (never, for such ``x``).
    """
    m, d = x.shape
    n = y.shape[0]
    out = np.empty(m, np.int64)
    for q in prange(m):
        i = start[q]
        best = k[i]
        for a in range(d):
            best += x[q, a] * y[i, a]
        moves = 0
        while True:
            nxt = i
            for s in range(indptr[i], indptr[i + 1]):
                j = indices[s]
                if j >= n:
                    continue
                f = k[j]
                for a in range(d):
                    f += x[q, a] * y[j, a]
                if f > best:
                    best = f
                    nxt = j
            if nxt == i:
                break
            i = nxt
            moves += 1
            if moves > n:
                i = -1
                break
        out[q] = i
    return out
