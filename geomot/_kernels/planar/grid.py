r"""Exact integrals of a piecewise-constant (pixel) density over the clipped 2D power cells and their facets.

The density is constant on every pixel of a regular grid: in pixel coordinates
``(u, v)`` (the grid's lower-left corner at 0, one pixel a unit square, column
``c = floor(u)``, row ``r = floor(v)``) pixel ``(r, c)`` carries the mass
``p[r, c]`` spread uniformly over it. A cell ``W`` (a convex polygon) is cut
into its pieces ``W ∩ pixel`` exactly, never sub-sampled: each row strip
``r <= v <= r + 1`` of the cell is clipped from it, then each column of the
strip, and a piece of area ``A`` carries ``p[r, c] A``. Its moments come from
the shoelace fan about the cell's first vertex ``o`` (every piece's moments
are positive sums about a point of the cell, so a small cell far from the
grid's origin keeps its digits):

.. math:: \int_P 1 = \sum_k \tfrac{1}{2} c_k, \qquad
          \int_P (u - o_u) = \sum_k \tfrac{1}{6} c_k (a_u + b_u), \qquad
          \int_P (u - o_u)^2 = \sum_k \tfrac{1}{12} c_k (a_u^2 + a_u b_u + b_u^2),

``c_k = a \times b`` over the edges ``(a, b)`` of ``P - o``. A facet's
measure ``int_F rho dl`` walks the segment across the grid lines it crosses;
a piece lying on a grid line (a facet along a pixel edge, where ``rho``
jumps) takes the mean of the two pixels beside it.
"""
import math

import numpy as np
from numba import njit, prange


@njit(cache=True)
def clip_axis(ring, m, axis, value, below, out):
    """Clip the convex polygon ``ring[:m]`` (rows of 2 or 3 coordinates: a planar polygon in 2D or 3D) to
    ``coord[axis] <= value`` (``below``) or ``>= value``, into ``out``; returns the new vertex count."""
    k_out = 0
    dim = ring.shape[1]
    for k in range(m):
        kn = k + 1 if k + 1 < m else 0
        fp = ring[k, axis] - value
        fq = ring[kn, axis] - value
        if not below:
            fp = -fp
            fq = -fq
        if fp <= 0.0:
            for d in range(dim):
                out[k_out, d] = ring[k, d]
            k_out += 1
            if fq > 0.0 and fp < 0.0:
                t = fp / (fp - fq)
                for d in range(dim):
                    out[k_out, d] = ring[k, d] + t * (ring[kn, d] - ring[k, d])
                k_out += 1
        elif fq < 0.0:
            t = fp / (fp - fq)
            for d in range(dim):
                out[k_out, d] = ring[k, d] + t * (ring[kn, d] - ring[k, d])
            k_out += 1
    return k_out


@njit(cache=True)
def _piece_moments(ring, m, ou, ov, weight, acc):
    """``acc += weight * (int 1, int (u - o_u), int (v - o_v), int (u - o_u)^2, int (v - o_v)^2)`` over the
    convex piece ``ring[:m]`` (shoelace fan about ``o``, module docstring)."""
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    a4 = 0.0
    for k in range(m):
        kn = k + 1 if k + 1 < m else 0
        au = ring[k, 0] - ou
        av = ring[k, 1] - ov
        bu = ring[kn, 0] - ou
        bv = ring[kn, 1] - ov
        c = au * bv - av * bu
        a0 += c
        a1 += c * (au + bu)
        a2 += c * (av + bv)
        a3 += c * (au * au + au * bu + bu * bu)
        a4 += c * (av * av + av * bv + bv * bv)
    acc[0] += weight * a0 / 2.0
    acc[1] += weight * a1 / 6.0
    acc[2] += weight * a2 / 6.0
    acc[3] += weight * a3 / 12.0
    acc[4] += weight * a4 / 12.0


@njit(cache=True)
def _cell_pixels(ring, m, p, acc):
    """Moments (``_piece_moments``) of the pixel density ``p`` over the convex ring ``ring[:m]`` (pixel
    coordinates), about its first vertex."""
    ny, nx = p.shape
    ou = ring[0, 0]
    ov = ring[0, 1]
    vmin = ring[0, 1]
    vmax = ring[0, 1]
    for k in range(1, m):
        vmin = min(vmin, ring[k, 1])
        vmax = max(vmax, ring[k, 1])
    size = 2 * m + 8
    strip = np.empty((size, 2))
    tmp = np.empty((size, 2))
    rest = np.empty((size, 2))
    piece = np.empty((size, 2))
    r_lo = max(0, min(ny - 1, int(math.floor(vmin))))
    r_hi = max(0, min(ny - 1, int(math.floor(vmax))))
    for r in range(r_lo, r_hi + 1):
        ms = m
        for k in range(m):
            strip[k, 0] = ring[k, 0]
            strip[k, 1] = ring[k, 1]
        if r > 0:
            ms = clip_axis(strip, ms, 1, float(r), False, tmp)
            strip, tmp = tmp, strip
        if r < ny - 1:
            ms = clip_axis(strip, ms, 1, float(r + 1), True, tmp)
            strip, tmp = tmp, strip
        if ms < 3:
            continue
        umin = strip[0, 0]
        umax = strip[0, 0]
        for k in range(1, ms):
            umin = min(umin, strip[k, 0])
            umax = max(umax, strip[k, 0])
        c_lo = max(0, min(nx - 1, int(math.floor(umin))))
        c_hi = max(0, min(nx - 1, int(math.floor(umax))))
        mr = ms
        for k in range(ms):
            rest[k, 0] = strip[k, 0]
            rest[k, 1] = strip[k, 1]
        for c in range(c_lo, c_hi + 1):
            if c == c_hi:
                if p[r, c] != 0.0 and mr >= 3:
                    _piece_moments(rest, mr, ou, ov, p[r, c], acc)
                break
            if p[r, c] != 0.0:
                mp = clip_axis(rest, mr, 0, float(c + 1), True, piece)
                if mp >= 3:
                    _piece_moments(piece, mp, ou, ov, p[r, c], acc)
            mr = clip_axis(rest, mr, 0, float(c + 1), False, tmp)
            rest, tmp = tmp, rest
            if mr < 3:
                break


@njit(cache=True)
def _line_density(p, u, v):
    """The density at the midpoint ``(u, v)`` of a facet piece; the mean of the two pixels beside it when the
    point lies on an interior grid line (both lines: the four around it)."""
    ny, nx = p.shape
    c = max(0, min(nx - 1, int(math.floor(u))))
    r = max(0, min(ny - 1, int(math.floor(v))))
    c0 = c - 1 if u == c and c > 0 else c
    r0 = r - 1 if v == r and r > 0 else r
    return 0.25 * (p[r0, c0] + p[r0, c] + p[r, c0] + p[r, c])


@njit(cache=True)
def _crossings(p, q):
    """The integers strictly between ``p`` and ``q``, from ``p`` on: ``(first, step, count)`` (step +-1)."""
    if q > p:
        k = int(math.floor(p)) + 1
        return k, 1, max(0, int(math.ceil(q)) - k)
    if q < p:
        k = int(math.ceil(p)) - 1
        return k, -1, max(0, k - int(math.floor(q)))
    return 0, 1, 0


@njit(cache=True)
def _segment(p, pu, pv, qu, qv):
    """``int rho`` along the segment ``[P, Q]`` (pixel coordinates, ``rho = p`` per unit pixel area), per unit
    of the parameter: the sum over its pieces between grid lines of ``rho(midpoint) x dt``."""
    du = qu - pu
    dv = qv - pv
    # the grid lines crossed: u = k for k in (ku, ku + su, ...), nu of them; the same for v
    ku, su, nu = _crossings(pu, qu)
    kv, sv, nv = _crossings(pv, qv)
    total = 0.0
    t0 = 0.0
    iu = 0
    iv = 0
    while True:
        tu = (ku + su * iu - pu) / du if iu < nu else 1.0
        tv = (kv + sv * iv - pv) / dv if iv < nv else 1.0
        t1 = min(tu, tv, 1.0)
        if t1 > t0:
            tm = 0.5 * (t0 + t1)
            total += _line_density(p, pu + tm * du, pv + tm * dv) * (t1 - t0)
            t0 = t1
        if iu >= nu and iv >= nv:
            break
        if iv >= nv or (iu < nu and tu <= tv):
            iu += 1
        else:
            iv += 1
    return total


@njit(cache=True, parallel=True)
def grid_cells(offsets, counts, vertices, labels, points, p, lower, step, n_slots):
    """Moments of the pixel density over every clipped cell and its measure along every facet (unit frame).

    Parameters
    ----------
    offsets, counts, vertices, labels
        The rings of :func:`geomot._kernels.planar.cells.power_cells` (unit frame ``x``).
    points : (n, 2) float64
        The sites ``y_i`` (unit frame) the second moments are taken about.
    p : (ny, nx) float64
        Pixel masses (summing to 1); row ``r`` spans ``lower[1] + [r, r + 1] step[1]``.
    lower : (2,) float64, step : (2,) float64
        The grid's lower-left corner and pixel sides, unit frame.
    n_slots : int
        Number of CSR slots (facets are indexed by slot, as ``labels``).

    Returns
    -------
    moments : (n, 4) float64
        ``mu(W)``, ``int_W x dmu`` (2 columns), ``int_W |x - y_i|^2 dmu``.
    facets : (n_slots,) float64
        ``int_F rho dl`` over the facet of each slot, ``rho = p / (step_0 step_1)`` the unit-frame density.
    """
    n = counts.size
    moments = np.zeros((n, 4))
    facets = np.zeros(n_slots)
    hx = step[0]
    hy = step[1]
    inv_area = 1.0 / (hx * hy)
    for i in prange(n):
        m = counts[i]
        if m < 3:
            continue
        base = offsets[i]
        ring = np.empty((m, 2))
        for k in range(m):
            ring[k, 0] = (vertices[base + k, 0] - lower[0]) / hx
            ring[k, 1] = (vertices[base + k, 1] - lower[1]) / hy
        acc = np.zeros(5)
        _cell_pixels(ring, m, p, acc)
        for k in range(m):
            slot = labels[base + k]
            if slot < 0:
                continue
            kn = k + 1 if k + 1 < m else 0
            length = math.hypot((ring[kn, 0] - ring[k, 0]) * hx, (ring[kn, 1] - ring[k, 1]) * hy)
            facets[slot] += length * inv_area * _segment(p, ring[k, 0], ring[k, 1], ring[kn, 0], ring[kn, 1])
        ox = vertices[base, 0]
        oy = vertices[base, 1]
        first_x = hx * acc[1]
        first_y = hy * acc[2]
        dx = ox - points[i, 0]
        dy = oy - points[i, 1]
        moments[i, 0] = acc[0]
        moments[i, 1] = ox * acc[0] + first_x
        moments[i, 2] = oy * acc[0] + first_y
        moments[i, 3] = hx * hx * acc[3] + hy * hy * acc[4] + 2.0 * (dx * first_x + dy * first_y) \
            + (dx * dx + dy * dy) * acc[0]
    return moments, facets


@njit(cache=True)
def largest_rectangle(mask):
    """The largest axis-aligned rectangle of True pixels: ``(r0, c0, r1, c1)``, rows ``r0 <= r < r1``, columns
    ``c0 <= c < c1`` (all zero if there is none).

    Row by row, the heights of the columns of True pixels ending at that row form a histogram whose largest
    rectangle a stack of increasing heights finds in one pass (O(rows x columns)).
    """
    ny, nx = mask.shape
    heights = np.zeros(nx + 1, np.int64)
    stack = np.empty(nx + 1, np.int64)
    best = 0
    out = np.zeros(4, np.int64)
    for r in range(ny):
        for c in range(nx):
            heights[c] = heights[c] + 1 if mask[r, c] else 0
        top = 0
        for c in range(nx + 1):
            while top > 0 and heights[stack[top - 1]] >= heights[c]:
                tall = heights[stack[top - 1]]
                top -= 1
                left = stack[top - 1] + 1 if top > 0 else 0
                if tall * (c - left) > best:
                    best = tall * (c - left)
                    out[0] = r + 1 - tall
                    out[1] = left
                    out[2] = r + 1
                    out[3] = c
            stack[top] = c
            top += 1
    return out
