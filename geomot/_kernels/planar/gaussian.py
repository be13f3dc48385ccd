"""Exact Gaussian integrals over the clipped 2D power cells and along their facets.

The density is ``rho(x) = phi_2((x - m) / s) / s^2`` with ``phi_2(z) =
exp(-|z|^2 / 2) / (2 pi)``, in the domain's unit frame. Every integral is taken
in the standard coordinates ``z = (x - m) / s`` and mapped back at the end.

Two quadratures, chosen per cell by its size ``D`` (largest distance from the
first vertex ``o`` to the others, in ``z``) and its distance ``|o|`` from the
mean:

* ``D (D + |o|) <= SMALL`` ("local"): a fan of triangles from ``o``, each by a
  collapsed (Duffy) ``Q x Q`` Gauss-Legendre rule applied to
  ``exp(-<o, d> - |d|^2 / 2)`` (``d = z - o``), the factor ``phi_2(o)`` taken
  out: the integrand varies by at most ``e^SMALL`` over the cell, so the rule
  is exact to rounding, relative to the cell's own mass however far in the tail.
* otherwise ("Green"): Green's theorem turns each area integral into one along
  the edges, ``int_W f = oint F(z_1, z_2) dz_2`` with ``dF/dz_1 = f``:

      mass:          F = (Phi(z_1) - c) phi(z_2)
      int (z_1-o_1): F = -(phi(z_1) + o_1 (Phi(z_1) - c)) phi(z_2)
      int (z_2-o_2): F = (Phi(z_1) - c) (z_2 - o_2) phi(z_2)
      int |z - o|^2: F = [(1 + o_1^2)(Phi - c) - (z_1 - 2 o_1) phi(z_1)] phi(z_2)
                         + (Phi - c)(z_2 - o_2)^2 phi(z_2)

  with ``c = 1`` for a cell right of the mean (``Phi - 1 = -Phi_c`` keeps the
  digits of tail cells) and ``c = 0`` otherwise. Each edge is cut into pieces
  of length ``1 / max(1, |z| + 1)`` integrated by ``Q``-point Gauss-Legendre;
  a piece's Green terms are skipped where a bound of ``|F|`` is below
  ``e^-PRUNE`` times ``phi_2`` at the cell's point nearest the mean, or
  underflows (exponent beyond ``UNDERFLOW``).

The Gaussian lives on the whole plane; the cells are clipped to the square
``|z|_inf <= RADIUS`` (``RADIUS = 40``: ``phi_2`` underflows to 0 beyond 38.6,
so no double-precision mass is lost).

Facet measures ``int_F rho dl`` are positive 1D integrals along the edges,
taken by the same pieces (no cancellation), skipped where ``phi_2`` is below
``e^-PRUNE`` times its value at the edge's point nearest the mean.
"""
import math

import numpy as np
from numba import njit, prange

Q = 12
SMALL = 3.0
PRUNE = 60.0
UNDERFLOW = 746.0
RADIUS = 40.0
_X, _W = np.polynomial.legendre.leggauss(Q)
NODES = 0.5 * (_X + 1.0)
WEIGHTS = 0.5 * _W
INV_2PI = 1.0 / (2.0 * math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
INV_SQRT2 = 1.0 / math.sqrt(2.0)


@njit(cache=True)
def shifted_cdf(t, c):
    """``Phi(t) - c`` for ``c`` in {0, 1}, each from the erfc of its own tail (no cancellation)."""
    if c == 0:
        return 0.5 * math.erfc(-t * INV_SQRT2)
    return -0.5 * math.erfc(t * INV_SQRT2)


@njit(cache=True)
def _local_fan(ring, m, acc):
    """``acc = int_W exp(-<o,d> - |d|^2/2) {1, d_1, d_2, |d|^2}``, ``d = z - o``, ``o = ring[0]`` (fan of triangles)."""
    ox = ring[0, 0]
    oy = ring[0, 1]
    for k in range(1, m - 1):
        ax = ring[k, 0] - ox
        ay = ring[k, 1] - oy
        bx = ring[k + 1, 0] - ox
        by = ring[k + 1, 1] - oy
        jac = ax * by - ay * bx
        for a in range(Q):
            u = NODES[a]
            wu = WEIGHTS[a] * u * jac
            for b in range(Q):
                v = NODES[b]
                dx = u * (ax + v * (bx - ax))
                dy = u * (ay + v * (by - ay))
                d2 = dx * dx + dy * dy
                f = wu * WEIGHTS[b] * math.exp(-(ox * dx + oy * dy) - 0.5 * d2)
                acc[0] += f
                acc[1] += f * dx
                acc[2] += f * dy
                acc[3] += f * d2
    scale = INV_2PI * math.exp(-0.5 * (ox * ox + oy * oy))
    for k in range(4):
        acc[k] *= scale


@njit(cache=True)
def _piece_floor_sq(px, py, ex, ey):
    """Squared distance from the origin to the segment ``p + t e``, ``t`` in [0, 1]."""
    e2 = ex * ex + ey * ey
    t = 0.0 if e2 == 0.0 else min(1.0, max(0.0, -(px * ex + py * ey) / e2))
    qx = px + t * ex
    qy = py + t * ey
    return qx * qx + qy * qy


@njit(cache=True)
def _nearest_sq(ring, m):
    """Squared distance from the origin (the mean) to the convex ring ``ring[:m]`` (counter-clockwise); 0 inside."""
    inside = True
    best = np.inf
    for k in range(m):
        kn = k + 1 if k + 1 < m else 0
        ex = ring[kn, 0] - ring[k, 0]
        ey = ring[kn, 1] - ring[k, 1]
        if ex * ring[k, 1] - ey * ring[k, 0] > 0.0:
            inside = False
        best = min(best, _piece_floor_sq(ring[k, 0], ring[k, 1], ex, ey))
    return 0.0 if inside else best


@njit(cache=True)
def _green_floor_sq(z1a, z2a, z1b, z2b, c):
    """A lower bound of ``-2 log |F| / phi_2-scale`` on a piece: ``min z_2^2`` plus the depth of ``z_1`` in ``c``'s tail.

    ``|Phi(z_1) - c| <= exp(-t^2 / 2)`` with ``t`` the distance of ``z_1`` into the
    tail where ``Phi - c`` is small (left for ``c = 0``, right for ``c = 1``).
    """
    z2 = 0.0 if z2a * z2b <= 0.0 else min(abs(z2a), abs(z2b))
    tail = max(0.0, -max(z1a, z1b)) if c == 0 else max(0.0, min(z1a, z1b))
    return z2 * z2 + tail * tail


@njit(cache=True)
def _edge(px, py, qx, qy, ox, oy, c, green, cell_sq, acc):
    """Add the Green terms of the edge ``p -> q`` to ``acc`` (if ``green``); return ``int phi_2 dl`` along it.

    ``cell_sq``: squared distance of the cell from the mean, the scale the Green
    terms are pruned against.
    """
    ex = qx - px
    ey = qy - py
    length = math.sqrt(ex * ex + ey * ey)
    edge_sq = _piece_floor_sq(px, py, ex, ey)
    t = 0.0
    weighted = 0.0
    while t < 1.0 and length > 0.0:
        zx = px + t * ex
        zy = py + t * ey
        step = min(1.0 - t, 1.0 / (length * max(1.0, math.sqrt(zx * zx + zy * zy) + 1.0)))
        piece_sq = _piece_floor_sq(zx, zy, step * ex, step * ey)
        facet_on = piece_sq - edge_sq <= 2.0 * PRUNE and piece_sq <= 2.0 * UNDERFLOW
        green_sq = _green_floor_sq(zx, zy, zx + step * ex, zy + step * ey, c)
        green_on = green and green_sq - cell_sq <= 2.0 * PRUNE and green_sq <= 2.0 * UNDERFLOW
        if facet_on or green_on:
            for a in range(Q):
                s = t + step * NODES[a]
                z1 = px + s * ex
                z2 = py + s * ey
                w = WEIGHTS[a] * step
                g2 = INV_SQRT_2PI * math.exp(-0.5 * z2 * z2)
                g1 = INV_SQRT_2PI * math.exp(-0.5 * z1 * z1)
                weighted += w * g1 * g2
                if green_on:
                    cdf = shifted_cdf(z1, c)
                    wy = w * ey * g2
                    d2 = z2 - oy
                    acc[0] += wy * cdf
                    acc[1] -= wy * (g1 + ox * cdf)
                    acc[2] += wy * cdf * d2
                    acc[3] += wy * ((1.0 + ox * ox) * cdf - (z1 - 2.0 * ox) * g1 + cdf * d2 * d2)
        t += step
    return weighted * length


@njit(cache=True)
def _second_about(acc, ox, oy, wx, wy):
    """``int |z - w|^2`` from the integrals about ``o``: ``acc[3] + 2 <o - w, acc[1:3]> + |o - w|^2 acc[0]``."""
    dx = ox - wx
    dy = oy - wy
    return acc[3] + 2.0 * (dx * acc[1] + dy * acc[2]) + (dx * dx + dy * dy) * acc[0]


@njit(cache=True, parallel=True)
def gaussian_cells(offsets, counts, vertices, labels, points, mean, std, n_slots):
    """Gaussian moments of every clipped cell and Gaussian lengths of every facet.

    Parameters
    ----------
    offsets, counts, vertices, labels
        The rings of :func:`geomot._kernels.planar.cells.power_cells` (unit frame).
    points : (n, 2) float64
        The sites ``y_i`` (unit frame) the second moments are taken about.
    mean : (2,) float64, std : float
        ``m`` and ``s`` of the density in the unit frame.
    n_slots : int
        Number of CSR slots (facets are indexed by slot, as ``labels``).

    Returns
    -------
    moments : (n, 4) float64
        ``int_W rho``, ``int_W x rho`` (2 columns), ``int_W |x - y_i|^2 rho``.
    facets : (n_slots,) float64
        ``int_F rho dl`` over the facet of each slot, seen from its cell.
    """
    n = counts.size
    moments = np.zeros((n, 4))
    facets = np.zeros(n_slots)
    inv = 1.0 / std
    for i in prange(n):
        m = counts[i]
        if m < 3:
            continue
        base = offsets[i]
        ring = np.empty((m, 2))
        for k in range(m):
            ring[k, 0] = (vertices[base + k, 0] - mean[0]) * inv
            ring[k, 1] = (vertices[base + k, 1] - mean[1]) * inv
        ox = ring[0, 0]
        oy = ring[0, 1]
        size = 0.0
        for k in range(1, m):
            size = max(size, math.hypot(ring[k, 0] - ox, ring[k, 1] - oy))
        green = size * (size + math.hypot(ox, oy)) > SMALL
        acc = np.zeros(4)
        if not green:
            _local_fan(ring, m, acc)
        cell_sq = _nearest_sq(ring, m)
        cx = 0.0
        for k in range(m):
            cx += ring[k, 0]
        c = 1 if cx > 0.0 else 0
        for k in range(m):
            kn = k + 1 if k + 1 < m else 0
            length = _edge(ring[k, 0], ring[k, 1], ring[kn, 0], ring[kn, 1], ox, oy, c, green, cell_sq, acc)
            if labels[base + k] >= 0:
                facets[labels[base + k]] += length * inv
        wx = (points[i, 0] - mean[0]) * inv
        wy = (points[i, 1] - mean[1]) * inv
        moments[i, 0] = acc[0]
        moments[i, 1] = mean[0] * acc[0] + std * (ox * acc[0] + acc[1])
        moments[i, 2] = mean[1] * acc[0] + std * (oy * acc[0] + acc[2])
        moments[i, 3] = std * std * _second_about(acc, ox, oy, wx, wy)
    return moments, facets
