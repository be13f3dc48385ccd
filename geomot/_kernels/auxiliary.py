"""The heights of the auxiliary points that make a lifted hull full-dimensional (:mod:`geomot.diagram._frame`)."""
import numpy as np
from numba import njit


@njit(cache=True)
def auxiliary_heights(y, g, aux):
    """``h_a = min_k (h_k - |y_k - a|) - 1`` for each row ``a`` of ``aux``, ``h_k = g_k - |y_k|^2 / 2``.

    One pass over the points, no ``(n, len(aux), d)`` temporaries (0.19 s per
    diagram at n = 1e6 in NumPy); the same floating-point operations in the
    same order as ``(h[:, None] - |y[:, None] - aux[None]|).min(axis=0) - 1``.
    """
    n, dim = y.shape
    out = np.full(len(aux), np.inf)
    for k in range(n):
        sq = 0.0
        for c in range(dim):
            sq += y[k, c] ** 2
        h = g[k] - 0.5 * sq
        for a in range(len(aux)):
            dist = 0.0
            for c in range(dim):
                dist += (y[k, c] - aux[a, c]) ** 2
            out[a] = min(out[a], h - np.sqrt(dist))
    return out - 1.0
