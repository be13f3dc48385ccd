r"""Point location and barycentric coordinates in a planar triangulation, for the OT generator.

scipy's ``Delaunay.find_simplex`` and ``Delaunay.transform`` compute one
small LAPACK inverse per triangle; under a multi-threaded BLAS on a loaded
machine that took seconds per call. This kernel needs no BLAS and no threads: a
visibility walk from a given start triangle, with the barycentric coordinates
of each visited triangle from two 2x2 determinants (a few steps per point
when the walk starts at the point's own cell).
"""
import numpy as np
from numba import njit


@njit(cache=True)
def barycentric(x0, x1, a, b, c):
    r"""Barycentric coordinates ``(l_a, l_b, l_c)`` of the point ``(x0, x1)`` in the triangle ``a, b, c``.

    .. math:: l_a = \frac{\det(b - x, c - x)}{\det(b - a, c - a)},\quad
              l_b = \frac{\det(c - x, a - x)}{\det(b - a, c - a)},\quad l_c = 1 - l_a - l_b.

    A flat triangle (zero determinant) gives ``(-inf, -inf, inf)``: no point lies in it.
    """
    det = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    if det == 0.0:
        return -np.inf, -np.inf, np.inf
    la = ((b[0] - x0) * (c[1] - x1) - (b[1] - x1) * (c[0] - x0)) / det
    lb = ((c[0] - x0) * (a[1] - x1) - (c[1] - x1) * (a[0] - x0)) / det
    return la, lb, 1.0 - la - lb


@njit(cache=True)
def locate_barycentric(x, vertices, simplices, neighbors, start, max_steps):
    """The triangle of each point ``x[k]`` and its barycentric coordinates, by a visibility walk.

    Parameters
    ----------
    x : float64 (m, 2)
    vertices : float64 (n, 2)
    simplices : int64 (t, 3)
        Triangles, indices into ``vertices``.
    neighbors : int64 (t, 3)
        ``neighbors[s, i]``: the triangle across the edge opposite corner
        ``i`` of triangle ``s``; -1 on the hull (scipy's convention).
    start : int64 (m,)
        A triangle to start each walk from (near ``x[k]`` for a short walk).
    max_steps : int
        Bound on each walk; a walk that does not end in time gives -1.

    Returns
    -------
    simplex : int64 (m,)
        The triangle containing ``x[k]`` (coordinates >= -1e-12), or -1 when
        the point lies outside the triangulation or the walk ran out of steps.
    lam : float64 (m, 3)
        Barycentric coordinates in ``simplex[k]`` (clipped to >= 0 and
        renormalised), undefined where ``simplex[k] == -1``.

    The walk steps across the edge of most negative coordinate: on a
    Delaunay triangulation it never cycles (Edelsbrunner's acyclicity).
    """
    m = x.shape[0]
    simplex = np.full(m, -1, np.int64)
    lam = np.zeros((m, 3))
    for k in range(m):
        s = start[k]
        for _ in range(max_steps):
            t = simplices[s]
            l0, l1, l2 = barycentric(x[k, 0], x[k, 1], vertices[t[0]], vertices[t[1]], vertices[t[2]])
            worst, edge = l0, 0
            if l1 < worst:
                worst, edge = l1, 1
            if l2 < worst:
                worst, edge = l2, 2
            if worst >= -1e-12:
                l0, l1, l2 = max(l0, 0.0), max(l1, 0.0), max(l2, 0.0)
                total = l0 + l1 + l2
                lam[k, 0], lam[k, 1], lam[k, 2] = l0 / total, l1 / total, l2 / total
                simplex[k] = s
                break
            s = neighbors[s, edge]
            if s < 0:
                break
    return simplex, lam
