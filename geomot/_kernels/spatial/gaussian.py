r"""Exact Gaussian integrals over the clipped 3D power cells and over their facets.

The density is ``rho(x) = phi_3((x - m) / s) / s^3`` with ``phi_3(z) =
exp(-|z|^2 / 2) / (2 pi)^(3/2)``, in the domain's unit frame. Every integral is
taken in the standard coordinates ``z = (x - m) / s`` and mapped back at the end.

Two quadratures, chosen per cell by its size ``D`` (largest distance from its
first vertex ``o`` to the others, in ``z``) and the variation ``V = D (D + |o|)``
of the exponent over it:

* ``V <= SMALL`` ("local"): a fan of tetrahedra ``(o, f_0, f_k, f_k+1)`` over
  the faces ``f``, each by a collapsed (Duffy) ``Q x Q x Q`` Gauss-Legendre
  rule, ``d = u (a + v (b - a + w (c - b)))``, ``dV = det(a, b, c) u^2 v du dv dw``,
  applied to ``exp(-<o, d> - |d|^2 / 2)`` (``d = z - o``) with the factor
  ``phi_3(o)`` taken out: the exponent varies by at most ``V`` over the cell, so
  the rule is exact to rounding, relative to the cell's own mass however far in
  the tail (until ``phi_3(o)`` leaves the normal doubles, beyond 37.6 std).
* otherwise ("divergence"): ``int_W f = oint_dW F n_1 dA`` with ``dF/dz_1 = f``,
  along the axis ``z_1`` of the largest coordinate of the cell's vertex mean
  (the coordinates permuted cyclically), with ``g(t) = exp(-t^2/2) / sqrt(2 pi)``:

      mass:          F = (Phi(z_1) - c) g(z_2) g(z_3)
      int (z_1-o_1): F = -(g(z_1) + o_1 (Phi(z_1) - c)) g(z_2) g(z_3)
      int (z_k-o_k): F = (Phi(z_1) - c) (z_k - o_k) g(z_2) g(z_3)      (k = 2, 3)
      int |z - o|^2: F = [(1 + o_1^2)(Phi - c) - (z_1 - 2 o_1) g(z_1)
                         + (Phi - c)((z_2 - o_2)^2 + (z_3 - o_3)^2)] g(z_2) g(z_3)

  with ``c = 1`` for a cell on the positive side (``Phi - 1 = -Phi_c`` keeps
  the digits of tail cells) and ``c = 0`` otherwise. Each face is fanned into
  triangles, split in four at their edge midpoints until ``D (D + G) <= PIECE``
  (``D`` the piece's longest edge, ``G`` a bound of the integrand's
  log-gradient on it: ``|(1 + t_1, z_2, z_3)|`` at its extreme coordinates, ``t_1``
  the depth of ``z_1`` into ``c``'s tail), each piece by the collapsed ``Q x Q`` rule
  ``z = p_0 + u (e_1 + v e_2)``, ``dA = |e_1 x e_2| u du dv``. A piece is skipped
  where a bound of ``|F|`` is below ``e^-PRUNE`` times ``phi_3`` at the cell's
  point nearest the mean, or underflows (exponent beyond ``UNDERFLOW``).

The rule's order ``Q`` is the smallest of ``LEVEL_Q`` whose ``LEVEL_V`` bounds
the variation: the Gauss-Legendre error on ``exp(V t)``, ``t`` in [0, 1],
``V^(2Q) (Q!)^4 / ((2Q + 1) ((2Q)!)^3)``, is below ``1e-17 e^-2V`` there.

Facet measures ``int_F rho dA`` are positive integrals over the faces, by the
same pieces (no cancellation). On the plane of a face at distance ``h`` from the
mean, ``phi_3(z) = phi_3(h) exp(-|z - q|^2 / 2)`` with ``q`` the foot of the
mean: ``G = max |p - q|`` over the piece, which is skipped where ``phi_3`` is
below ``e^-PRUNE`` times its value at the face's point nearest the mean.

The Gaussian lives on the whole space; the cells are clipped to the cube
``|z|_inf <= RADIUS`` (:mod:`geomot._kernels.planar.gaussian`).
"""
import math

import numpy as np
from numba import njit, prange

from ..planar.gaussian import shifted_cdf

SMALL = 3.0
PIECE = 8.0
PRUNE = 60.0
UNDERFLOW = 746.0
LEVEL_Q = np.array([6, 8, 10, 12, 16], np.int64)
LEVEL_V = np.array([0.5, 1.5, SMALL, 5.0, PIECE])
NODES = np.zeros((LEVEL_Q.size, 16))
WEIGHTS = np.zeros((LEVEL_Q.size, 16))
for _level, _q in enumerate(LEVEL_Q):
    _x, _w = np.polynomial.legendre.leggauss(_q)
    NODES[_level, :_q] = 0.5 * (_x + 1.0)
    WEIGHTS[_level, :_q] = 0.5 * _w
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
INV_2PI_32 = INV_SQRT_2PI ** 3
INV_SQRT2 = 1.0 / math.sqrt(2.0)
STACK = 256  # triangles pending in the subdivision of one fan triangle (depth-first: 3 per level)


@njit(cache=True)
def _level(v):
    """Index in ``LEVEL_Q`` of the smallest rule exact to rounding for a variation ``v <= PIECE``."""
    for k in range(LEVEL_V.size):
        if v <= LEVEL_V[k]:
            return k
    return LEVEL_V.size - 1


@njit(cache=True)
def _face_normal(Z, fidx, s0, m, normal):
    """Vector area of the face ``Z[fidx[s0:s0 + m]]`` (orientation of its vertex order) into ``normal``."""
    p = fidx[s0]
    for d in range(3):
        normal[d] = 0.0
    for k in range(1, m - 1):
        b = fidx[s0 + k]
        c = fidx[s0 + k + 1]
        ux = Z[b, 0] - Z[p, 0]
        uy = Z[b, 1] - Z[p, 1]
        uz = Z[b, 2] - Z[p, 2]
        wx = Z[c, 0] - Z[p, 0]
        wy = Z[c, 1] - Z[p, 1]
        wz = Z[c, 2] - Z[p, 2]
        normal[0] += 0.5 * (uy * wz - uz * wy)
        normal[1] += 0.5 * (uz * wx - ux * wz)
        normal[2] += 0.5 * (ux * wy - uy * wx)


@njit(cache=True)
def _segment_sq(p, q):
    """Squared distance from the origin to the segment ``[p, q]``."""
    e2 = 0.0
    pe = 0.0
    for d in range(3):
        e = q[d] - p[d]
        e2 += e * e
        pe += p[d] * e
    t = 0.0 if e2 == 0.0 else min(1.0, max(0.0, -pe / e2))
    out = 0.0
    for d in range(3):
        x = p[d] + t * (q[d] - p[d])
        out += x * x
    return out


@njit(cache=True)
def _face_nearest_sq(Z, fidx, s0, m, normal, foot):
    """Squared distance from the origin to the convex face ``Z[fidx[s0:s0 + m]]`` of vector area ``normal``;
    the foot of the origin on its plane to ``foot``."""
    n2 = normal[0] * normal[0] + normal[1] * normal[1] + normal[2] * normal[2]
    p = fidx[s0]
    t = (normal[0] * Z[p, 0] + normal[1] * Z[p, 1] + normal[2] * Z[p, 2]) / n2
    for d in range(3):
        foot[d] = t * normal[d]
    inside = True
    best = np.inf
    for k in range(m):
        a = Z[fidx[s0 + k]]
        b = Z[fidx[s0 + (k + 1) % m]]
        ex = b[0] - a[0]
        ey = b[1] - a[1]
        ez = b[2] - a[2]
        qx = foot[0] - a[0]
        qy = foot[1] - a[1]
        qz = foot[2] - a[2]
        if (ey * qz - ez * qy) * normal[0] + (ez * qx - ex * qz) * normal[1] + (ex * qy - ey * qx) * normal[2] < 0.0:
            inside = False
        best = min(best, _segment_sq(a, b))
    return t * t * n2 if inside else best


@njit(cache=True)
def _local_tet(o, a, b, c, jac, level, acc):
    """``acc += int exp(-<o,d> - |d|^2/2) {1, d, |d|^2}`` over the tetrahedron ``(0, a, b, c)`` in ``d``
    (``jac = det(a, b, c)``), by the collapsed rule of ``level``."""
    q = LEVEL_Q[level]
    nodes = NODES[level]
    weights = WEIGHTS[level]
    s0 = 0.0  # the tetrahedron's own sums first (as :func:`_piece`)
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    s4 = 0.0
    for i in range(q):
        u = nodes[i]
        wu = weights[i] * u * u * jac
        for j in range(q):
            v = nodes[j]
            wv = wu * weights[j] * v
            for k in range(q):
                w = nodes[k]
                dx = u * (a[0] + v * (b[0] - a[0] + w * (c[0] - b[0])))
                dy = u * (a[1] + v * (b[1] - a[1] + w * (c[1] - b[1])))
                dz = u * (a[2] + v * (b[2] - a[2] + w * (c[2] - b[2])))
                d2 = dx * dx + dy * dy + dz * dz
                f = wv * weights[k] * math.exp(-(o[0] * dx + o[1] * dy + o[2] * dz) - 0.5 * d2)
                s0 += f
                s1 += f * dx
                s2 += f * dy
                s3 += f * dz
                s4 += f * d2
    acc[0] += s0
    acc[1] += s1
    acc[2] += s2
    acc[3] += s3
    acc[4] += s4


@njit(cache=True)
def _piece(tri, o, c, normal_x, facet_on, green_on, level, acc):
    """One triangle piece ``tri`` (3, 3) by the collapsed rule of ``level``: adds the divergence terms (if
    ``green_on``; ``normal_x``: the outward unit normal's ``z_1``) to ``acc``; returns ``int phi_3 dA`` (if
    ``facet_on``, else 0)."""
    q = LEVEL_Q[level]
    nodes = NODES[level]
    weights = WEIGHTS[level]
    e1x = tri[1, 0] - tri[0, 0]
    e1y = tri[1, 1] - tri[0, 1]
    e1z = tri[1, 2] - tri[0, 2]
    e2x = tri[2, 0] - tri[1, 0]
    e2y = tri[2, 1] - tri[1, 1]
    e2z = tri[2, 2] - tri[1, 2]
    cx = e1y * e2z - e1z * e2y
    cy = e1z * e2x - e1x * e2z
    cz = e1x * e2y - e1y * e2x
    area2 = math.sqrt(cx * cx + cy * cy + cz * cz)
    weighted = 0.0
    # the piece's own sums first: adding thousands of tiny terms to ``acc`` one by one drifts (1e-12)
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    s4 = 0.0
    for i in range(q):
        u = nodes[i]
        wu = weights[i] * u * area2
        for j in range(q):
            v = nodes[j]
            w = wu * weights[j]
            z1 = tri[0, 0] + u * (e1x + v * e2x)
            z2 = tri[0, 1] + u * (e1y + v * e2y)
            z3 = tri[0, 2] + u * (e1z + v * e2z)
            g23 = INV_SQRT_2PI * INV_SQRT_2PI * math.exp(-0.5 * (z2 * z2 + z3 * z3))
            g1 = INV_SQRT_2PI * math.exp(-0.5 * z1 * z1)
            if facet_on:
                weighted += w * g1 * g23
            if green_on:
                cdf = shifted_cdf(z1, c)
                wg = w * normal_x * g23
                d2 = z2 - o[1]
                d3 = z3 - o[2]
                s0 += wg * cdf
                s1 -= wg * (g1 + o[0] * cdf)
                s2 += wg * cdf * d2
                s3 += wg * cdf * d3
                s4 += wg * ((1.0 + o[0] * o[0]) * cdf - (z1 - 2.0 * o[0]) * g1 + cdf * (d2 * d2 + d3 * d3))
    acc[0] += s0
    acc[1] += s1
    acc[2] += s2
    acc[3] += s3
    acc[4] += s4
    return weighted


@njit(cache=True)
def _face(Z, fidx, s0, m, o, c, facet, green, cell_sq, acc, stack):
    """The divergence terms of a face (if ``green``) added to ``acc``, and ``int phi_3 dA`` over it (if
    ``facet``, else 0): its fan of triangles, each split until small (module docstring). ``Z`` is the cell
    (permuted standard coordinates), its vertices ``fidx[s0:s0 + m]`` in outward order."""
    normal = np.empty(3)
    foot = np.empty(3)
    _face_normal(Z, fidx, s0, m, normal)
    nlen = math.sqrt(normal[0] * normal[0] + normal[1] * normal[1] + normal[2] * normal[2])
    if nlen == 0.0:
        return 0.0
    normal_x = normal[0] / nlen
    face_sq = _face_nearest_sq(Z, fidx, s0, m, normal, foot)
    p0 = fidx[s0]
    total = 0.0
    for k in range(1, m - 1):
        for d in range(3):
            stack[0, 0, d] = Z[p0, d]
            stack[0, 1, d] = Z[fidx[s0 + k], d]
            stack[0, 2, d] = Z[fidx[s0 + k + 1], d]
        top = 1
        while top > 0:
            top -= 1
            tri = stack[top]
            # coordinate ranges: lower bounds of |z_k| and of the depth of z_1 in c's tail
            lb_sq = 0.0
            green_sq = 0.0
            grad_sq = 0.0
            tail = 0.0
            plane = 0.0  # max |p - foot|^2: the in-plane log-gradient of phi_3, squared
            for d in range(3):
                lo = min(tri[0, d], min(tri[1, d], tri[2, d]))
                hi = max(tri[0, d], max(tri[1, d], tri[2, d]))
                low = 0.0 if lo <= 0.0 <= hi else min(abs(lo), abs(hi))
                lb_sq += low * low
                if d == 0:
                    tail = max(0.0, lo) if c == 1 else max(0.0, -hi)
                    grad_sq += (1.0 + (max(0.0, hi) if c == 1 else max(0.0, -lo))) ** 2
                    green_sq += tail * tail
                else:
                    green_sq += low * low
                    grad_sq += max(lo * lo, hi * hi)
            for t in range(3):
                r = 0.0
                for d in range(3):
                    r += (tri[t, d] - foot[d]) ** 2
                plane = max(plane, r)
            facet_on = facet and lb_sq - face_sq <= 2.0 * PRUNE and lb_sq <= 2.0 * UNDERFLOW
            green_on = green and green_sq - cell_sq <= 2.0 * PRUNE and green_sq <= 2.0 * UNDERFLOW
            if not (facet_on or green_on):
                continue
            size = 0.0
            for t in range(3):
                e = 0.0
                for d in range(3):
                    e += (tri[(t + 1) % 3, d] - tri[t, d]) ** 2
                size = max(size, math.sqrt(e))
            grad = max(math.sqrt(plane) if facet_on else 0.0, math.sqrt(grad_sq) if green_on else 0.0)
            v = size * (size + grad)
            if v > PIECE and top + 4 <= stack.shape[0]:
                mids = np.empty((3, 3))
                for t in range(3):
                    for d in range(3):
                        mids[t, d] = 0.5 * (tri[t, d] + tri[(t + 1) % 3, d])
                a = tri.copy()
                for d in range(3):
                    # corners (a0, m01, m20), (m01, a1, m12), (m20, m12, a2), (m01, m12, m20)
                    stack[top, 0, d] = a[0, d]
                    stack[top, 1, d] = mids[0, d]
                    stack[top, 2, d] = mids[2, d]
                    stack[top + 1, 0, d] = mids[0, d]
                    stack[top + 1, 1, d] = a[1, d]
                    stack[top + 1, 2, d] = mids[1, d]
                    stack[top + 2, 0, d] = mids[2, d]
                    stack[top + 2, 1, d] = mids[1, d]
                    stack[top + 2, 2, d] = a[2, d]
                    stack[top + 3, 0, d] = mids[0, d]
                    stack[top + 3, 1, d] = mids[1, d]
                    stack[top + 3, 2, d] = mids[2, d]
                top += 4
                continue
            total += _piece(tri, o, c, normal_x, facet_on, green_on, _level(v), acc)
    return total


@njit(cache=True)
def _cell(Z, fidx, fptr, nf, flab, c, green, acc, facet_out, stack):
    """Integrals over the cell ``Z`` (faces ``fptr``/``fidx``, outward) about its first vertex ``o``
    into ``acc`` (5,), and ``int phi_3 dA`` over each face with a label ``>= 0`` into ``facet_out``."""
    o = Z[0].copy()
    on = math.sqrt(o[0] * o[0] + o[1] * o[1] + o[2] * o[2])
    normal = np.empty(3)
    foot = np.empty(3)
    cell_sq = np.inf
    inside = True
    for f in range(nf):
        s0 = fptr[f]
        m = fptr[f + 1] - s0
        p = fidx[s0]
        if green:  # the distance of the cell from the mean: 0 inside, else that of its nearest face
            _face_normal(Z, fidx, s0, m, normal)
            if normal[0] * Z[p, 0] + normal[1] * Z[p, 1] + normal[2] * Z[p, 2] < 0.0:
                inside = False
            cell_sq = min(cell_sq, _face_nearest_sq(Z, fidx, s0, m, normal, foot))
        else:
            has_o = False
            for k in range(m):
                if fidx[s0 + k] == 0:
                    has_o = True
            if not has_o:
                a = Z[p] - o
                for k in range(1, m - 1):
                    b = Z[fidx[s0 + k]] - o
                    cc = Z[fidx[s0 + k + 1]] - o
                    jac = a[0] * (b[1] * cc[2] - b[2] * cc[1]) - a[1] * (b[0] * cc[2] - b[2] * cc[0]) \
                        + a[2] * (b[0] * cc[1] - b[1] * cc[0])
                    size = 0.0
                    for t in (a, b, cc):
                        size = max(size, math.sqrt(t[0] * t[0] + t[1] * t[1] + t[2] * t[2]))
                    _local_tet(o, a, b, cc, jac, _level(size * (size + on)), acc)
    if inside:
        cell_sq = 0.0
    if not green:
        scale = INV_2PI_32 * math.exp(-0.5 * (o[0] * o[0] + o[1] * o[1] + o[2] * o[2]))
        for k in range(5):
            acc[k] *= scale
    for f in range(nf):
        s0 = fptr[f]
        m = fptr[f + 1] - s0
        facet_out[f] = _face(Z, fidx, s0, m, o, c, flab[f] >= 0, green, cell_sq, acc, stack)


@njit(cache=True, parallel=True)
def gaussian_cells_3d(vertices, fptr, fidx, flab, vert_off, face_off, idx_off, points, indptr, indices, mean, std,
                      n_chunks):
    """Gaussian moments of every clipped cell and Gaussian areas of every facet (unit frame).

    Parameters
    ----------
    vertices, fptr, fidx, flab, vert_off, face_off, idx_off
        The cells' arrays (:class:`geomot._kernels.spatial.cells.Polyhedra`; unit frame, faces outward).
    points : (n, 3) float64
        The sites ``y_i`` (unit frame) the second moments are taken about.
    indptr, indices : int64
        The neighbour lists, CSR: the facet of cell ``i`` towards ``j = indices[s]`` is slot ``s``.
    mean : (3,) float64, std : float
        ``m`` and ``s`` of the density in the unit frame.
    n_chunks : int
        Cells are integrated in that many chunks, in parallel.

    Returns
    -------
    moments : (n, 5) float64
        ``int_W rho``, ``int_W x rho`` (3 columns), ``int_W |x - y_i|^2 rho``.
    facets : (indices.size,) float64
        ``int_F rho dA`` over the facet of each slot, seen from its cell.
    """
    n = points.shape[0]
    moments = np.zeros((n, 5))
    facets = np.zeros(indices.size)
    inv = 1.0 / std
    n_chunks = max(1, min(n, n_chunks))
    for chunk in prange(n_chunks):
        stack = np.empty((STACK, 3, 3))
        acc = np.empty(5)
        for i in range(chunk * n // n_chunks, (chunk + 1) * n // n_chunks):
            nf = face_off[i + 1] - face_off[i]
            if nf < 4:
                continue
            v0 = vert_off[i]
            nv = vert_off[i + 1] - v0
            Z = np.empty((nv, 3))
            # the axis of the largest coordinate of the vertex mean comes first (module docstring)
            centre = np.zeros(3)
            for k in range(nv):
                for d in range(3):
                    centre[d] += (vertices[v0 + k, d] - mean[d]) * inv / nv
            first = 0
            for d in range(1, 3):
                if abs(centre[d]) > abs(centre[first]):
                    first = d
            for k in range(nv):
                for d in range(3):
                    Z[k, d] = (vertices[v0 + k, (first + d) % 3] - mean[(first + d) % 3]) * inv
            size = 0.0
            for k in range(1, nv):
                size = max(size, math.sqrt((Z[k, 0] - Z[0, 0]) ** 2 + (Z[k, 1] - Z[0, 1]) ** 2
                                           + (Z[k, 2] - Z[0, 2]) ** 2))
            on = math.sqrt(Z[0, 0] ** 2 + Z[0, 1] ** 2 + Z[0, 2] ** 2)
            green = size * (size + on) > SMALL
            c = 1 if centre[first] > 0.0 else 0
            f0 = face_off[i] + i
            ptr = fptr[f0:f0 + nf + 1] - fptr[f0]
            local = fidx[idx_off[i] + fptr[f0]:idx_off[i] + fptr[f0 + nf]]
            labels = flab[face_off[i]:face_off[i + 1]]
            acc[:] = 0.0
            face_measure = np.zeros(nf)
            _cell(Z, local, ptr, nf, labels, c, green, acc, face_measure, stack)
            for f in range(nf):
                j = labels[f]
                if j < 0:
                    continue
                for s in range(indptr[i], indptr[i + 1]):
                    if indices[s] == j:
                        facets[s] = face_measure[f] * inv
                        break
            o = np.empty(3)
            w = np.empty(3)
            sum_first = np.empty(3)
            for d in range(3):
                axis = (first + d) % 3
                o[d] = Z[0, d]
                w[d] = (points[i, axis] - mean[axis]) * inv
            second = acc[4]
            for d in range(3):
                second += 2.0 * (o[d] - w[d]) * acc[1 + d] + (o[d] - w[d]) ** 2 * acc[0]
                sum_first[d] = o[d] * acc[0] + acc[1 + d]
            moments[i, 0] = acc[0]
            for d in range(3):
                axis = (first + d) % 3
                moments[i, 1 + axis] = mean[axis] * acc[0] + std * sum_first[d]
            moments[i, 4] = std * std * second
    return moments, facets
