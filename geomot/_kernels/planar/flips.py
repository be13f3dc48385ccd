r"""Repair a weighted Delaunay (regular) triangulation after the heights change, by edge flips.

A triangulation of the points whose every interior edge is *locally regular*
is the regular triangulation: its lifted surface is locally, hence globally,
convex. With lifted points ``p' = (p, -h_p)``, the edge ``ab`` shared by the
counter-clockwise triangles ``(a, b, c)`` and ``(b, a, d)`` is locally regular
iff ``d'`` lies on or above the plane through ``a', b', c'``:

.. math:: \det\begin{pmatrix} b - a & z_b - z_a \\ c - a & z_c - z_a \\ d - a & z_d - z_a \end{pmatrix} \ge 0.

Lawson's algorithm flips non-regular edges (2-2 flips) until none is left.
It can get stuck when a non-regular edge has a non-convex quadrilateral
(a point would have to disappear from the triangulation): the kernel then
reports failure and the caller rebuilds with Qhull.

Triangles are int64 (m, 3), counter-clockwise; ``neighbors[t, k]`` is the
triangle across the edge opposite vertex ``k`` of triangle ``t`` (-1 on the
boundary of the convex hull, which flips never change).
"""
import numpy as np
from numba import njit

# rounding of the determinant is below (7 + 56 eps) eps times the bound (Shewchuk 1997)
_REL_TOL = 1e-15


@njit(cache=True)
def orient2d(p, q, r, y):
    return (y[q, 0] - y[p, 0]) * (y[r, 1] - y[p, 1]) - (y[q, 1] - y[p, 1]) * (y[r, 0] - y[p, 0])


@njit(cache=True)
def violation(a, b, c, d, y, z):
    """True when edge ab of ccw (a, b, c) | (b, a, d) is clearly not locally regular."""
    m00 = y[b, 0] - y[a, 0]
    m01 = y[b, 1] - y[a, 1]
    m02 = z[b] - z[a]
    m10 = y[c, 0] - y[a, 0]
    m11 = y[c, 1] - y[a, 1]
    m12 = z[c] - z[a]
    m20 = y[d, 0] - y[a, 0]
    m21 = y[d, 1] - y[a, 1]
    m22 = z[d] - z[a]
    t0 = m11 * m22 - m12 * m21
    t1 = m10 * m22 - m12 * m20
    t2 = m10 * m21 - m11 * m20
    det = m00 * t0 - m01 * t1 + m02 * t2
    bound = (abs(m00) * (abs(m11 * m22) + abs(m12 * m21)) + abs(m01) * (abs(m10 * m22) + abs(m12 * m20))
             + abs(m02) * (abs(m10 * m21) + abs(m11 * m20)))
    return det < -_REL_TOL * bound


@njit(cache=True)
def find(neighbors, t, other):
    for k in range(3):
        if neighbors[t, k] == other:
            return k
    return -1


@njit(cache=True)
def flip(triangles, neighbors, t1, k1, t2, k2):
    """The 2-2 flip of the edge ``ab`` of ``t1 = (c, a, b)`` (``c`` at index ``k1``) and ``t2 = (d, b, a)``
    (``d`` at ``k2``), in place: afterwards ``t1 = (c, a, d)`` and ``t2 = (c, d, b)``."""
    c = triangles[t1, k1]
    a = triangles[t1, (k1 + 1) % 3]
    b = triangles[t1, (k1 + 2) % 3]
    d = triangles[t2, k2]
    n_bc = neighbors[t1, (k1 + 1) % 3]  # across edge (b, c), opposite a
    n_ca = neighbors[t1, (k1 + 2) % 3]  # across edge (c, a), opposite b
    n_ad = neighbors[t2, (k2 + 1) % 3]  # t2 = (d, b, a): opposite b is edge (a, d)
    n_db = neighbors[t2, (k2 + 2) % 3]  # opposite a is edge (d, b)
    set_triangle(triangles, neighbors, t1, c, a, d, n_ad, t2, n_ca)
    set_triangle(triangles, neighbors, t2, c, d, b, n_db, n_bc, t1)
    relink(neighbors, n_ad, t2, t1)
    relink(neighbors, n_bc, t1, t2)


@njit(cache=True)
def set_triangle(triangles, neighbors, t, a, b, c, across_a, across_b, across_c):
    """Triangle ``t = (a, b, c)`` with its neighbours across the edges opposite ``a``, ``b``, ``c``."""
    triangles[t, 0], triangles[t, 1], triangles[t, 2] = a, b, c
    neighbors[t, 0], neighbors[t, 1], neighbors[t, 2] = across_a, across_b, across_c


@njit(cache=True)
def relink(neighbors, u, old, new):
    """The triangle ``u`` (none if negative), neighbour of ``old``, now sees ``new`` across that edge."""
    if u >= 0:
        neighbors[u, find(neighbors, u, old)] = new


@njit(cache=True)
def _flip_pass(triangles, neighbors, y, z, stack, top, max_flips):
    """Process the edge stack; return (flips done, -1 if over budget)."""
    flips = 0
    while top > 0:
        top -= 1
        t1 = stack[top] // 3
        k1 = stack[top] % 3
        t2 = neighbors[t1, k1]
        if t2 < 0:
            continue
        c = triangles[t1, k1]
        a = triangles[t1, (k1 + 1) % 3]
        b = triangles[t1, (k1 + 2) % 3]
        k2 = find(neighbors, t2, t1)
        d = triangles[t2, k2]
        if not violation(a, b, c, d, y, z):
            continue
        if orient2d(c, a, d, y) <= 0.0 or orient2d(c, d, b, y) <= 0.0:
            continue  # not flippable now; the final scan looks at it again
        flips += 1
        if flips > max_flips:
            return -1
        flip(triangles, neighbors, t1, k1, t2, k2)
        if top + 4 <= stack.size:  # on overflow the final scan finds what was dropped
            stack[top] = 3 * t1 + 0
            stack[top + 1] = 3 * t1 + 2
            stack[top + 2] = 3 * t2 + 0
            stack[top + 3] = 3 * t2 + 1
            top += 4
    return flips


@njit(cache=True)
def _push_violations(triangles, neighbors, y, z, stack):
    """Push every interior edge that is not locally regular; return the count."""
    top = 0
    for t in range(triangles.shape[0]):
        for k in range(3):
            u = neighbors[t, k]
            if u > t:
                kk = find(neighbors, u, t)
                if violation(triangles[t, (k + 1) % 3], triangles[t, (k + 2) % 3], triangles[t, k],
                              triangles[u, kk], y, z) and top < stack.size:
                    stack[top] = 3 * t + k
                    top += 1
    return top


@njit(cache=True)
def regular_flips(triangles, neighbors, y, heights, max_flips):
    """Flip ``triangles`` (in place) into the regular triangulation for ``heights``.

    Returns the number of flips done, or -1 if the algorithm got stuck (a round
    over the remaining non-regular edges made no progress) or needed more than
    ``max_flips`` flips; the arrays are then in an unspecified state.
    """
    z = -heights
    stack = np.empty(4 * triangles.shape[0] + 8, np.int64)
    total = 0
    left = np.iinfo(np.int64).max
    while True:
        top = _push_violations(triangles, neighbors, y, z, stack)
        if top == 0:
            return total
        if top >= left:
            return -1
        left = top
        done = _flip_pass(triangles, neighbors, y, z, stack, top, max_flips - total)
        if done < 0:
            return -1
        total += done
