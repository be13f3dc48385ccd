r"""Insert points one by one into a regular triangulation (Lawson's incremental algorithm, weighted).

Each point ``p`` is located by a visibility walk from the triangle of the
point inserted before it (the points come in a spatial order, so walks are
short), its triangle is split in three, and the edges opposite ``p`` that are
not locally regular (:func:`~geomot._kernels.planar.flips.violation`) are
flipped until none is left. On a regular triangulation this yields the
regular triangulation of the points so far.

An edge whose quadrilateral is not convex is left as it is (Edelsbrunner and
Shah, "Incremental topological flipping works for regular triangulations",
1996: later flips make it flippable, or a vertex has to disappear): the
caller's last pass of :func:`~geomot._kernels.planar.flips.regular_flips`
checks and repairs every edge. The kernel gives up, returning a negative
code, on what its tolerance cannot decide or its 2-2 flips cannot do: -1 a
walk longer than ``max_walk``, -2 a point outside the triangulation, -3 a
point on an edge or at a vertex (by the orientation test's rounding bound),
-4 a point whose lifted point is not clearly below its triangle's plane
(its cell would be empty). The caller then builds the triangulation by
Qhull.
"""
import numpy as np
from numba import njit

from .flips import find, flip, orient2d, relink, set_triangle, violation

_REL_TOL = 1e-14  # an orientation within this fraction of its magnitude bound is not decided


@njit(cache=True)
def _side(p, q, r, y):
    """+1 / -1 when ``r`` is clearly left / right of ``pq``, 0 when rounding could decide either."""
    det = orient2d(p, q, r, y)
    bound = (abs((y[q, 0] - y[p, 0]) * (y[r, 1] - y[p, 1])) + abs((y[q, 1] - y[p, 1]) * (y[r, 0] - y[p, 0])))
    if det > _REL_TOL * bound:
        return 1
    if det < -_REL_TOL * bound:
        return -1
    return 0


@njit(cache=True)
def insert_points(triangles, neighbors, count, y, z, points, max_walk):
    """Insert ``points`` (indices into ``y``, in that order) into the triangulation ``triangles[:count]``.

    ``triangles`` / ``neighbors``: int64 (m, 3) arrays as in
    :mod:`~geomot._kernels.planar.flips`, counter-clockwise, sized for the result
    (``count + 2 len(points)`` rows); ``z = -h``, the lifted coordinates.
    Returns the new triangle count, or a negative code (module docstring).
    """
    stack = np.empty(64, np.int64)
    t = 0
    for s in range(points.size):
        p = points[s]
        # visibility walk: cross the first edge (from a rotating start) that p is clearly beyond
        steps = 0
        while True:
            steps += 1
            if steps > max_walk:
                return -1
            moved = False
            inside = True
            for j in range(3):
                k = (j + steps) % 3
                side = _side(triangles[t, (k + 1) % 3], triangles[t, (k + 2) % 3], p, y)
                if side < 0:
                    if neighbors[t, k] < 0:
                        return -2  # outside the triangulation
                    t = neighbors[t, k]
                    moved = True
                    break
                if side == 0:
                    inside = False
            if not moved:
                break
        if not inside:
            return -3  # on an edge or at a vertex
        a, b, c = triangles[t, 0], triangles[t, 1], triangles[t, 2]
        if not violation(a, b, c, p, y, z):
            return -4  # p' not clearly below the plane of a'b'c': its cell would be empty
        # split (a, b, c) into t = (a, b, p), t1 = (b, c, p), t2 = (c, a, p)
        na, nb = neighbors[t, 0], neighbors[t, 1]
        t1, t2 = count, count + 1
        count += 2
        set_triangle(triangles, neighbors, t, a, b, p, t1, t2, neighbors[t, 2])
        set_triangle(triangles, neighbors, t1, b, c, p, t2, t, na)
        set_triangle(triangles, neighbors, t2, c, a, p, t, t1, nb)
        relink(neighbors, na, t, t1)
        relink(neighbors, nb, t, t2)
        # the edges opposite p, each stacked as (triangle, index of p)
        top = 0
        for u in (t, t1, t2):
            stack[top] = 3 * u + 2
            top += 1
        while top > 0:
            top -= 1
            u, k = stack[top] // 3, stack[top] % 3
            v = neighbors[u, k]
            if v < 0:
                continue
            a, b = triangles[u, (k + 1) % 3], triangles[u, (k + 2) % 3]
            kv = find(neighbors, v, u)
            d = triangles[v, kv]
            if not violation(a, b, p, d, y, z):
                continue
            if orient2d(p, a, d, y) <= 0.0 or orient2d(p, d, b, y) <= 0.0:
                continue  # not flippable now (Edelsbrunner and Shah 1996): the last check comes back to it
            flip(triangles, neighbors, u, k, v, kv)  # u = (p, a, d), v = (p, d, b): new edges opposite p at 0
            if top + 2 > stack.size:
                stack = np.concatenate((stack, np.empty(stack.size, np.int64)))
            stack[top] = 3 * u
            stack[top + 1] = 3 * v
            top += 2
    return count
