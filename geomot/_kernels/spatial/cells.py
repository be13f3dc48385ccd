"""3D power cells: convex polyhedra clipped by half-spaces, exact integrals, facet areas.

Conventions as in :mod:`geomot._kernels.cells2d` (unit frame, half power
weights ``g = h + |y|^2 / 2``): cell ``i`` is the intersection of the domain
with the half-spaces of its weighted-Delaunay neighbours ``j``

    <x - (y_i + y_j)/2, y_j - y_i> <= g_i - g_j.

The kernels clip each cell in dual form (:mod:`.dualcell`: a cut touches only
the vertices it cuts off) and hand it on as a face list for the integrals;
where rounding breaks a dual cut, the cell goes on as a face list
(:func:`cut`). As a face list, a convex polyhedron is stored as

- ``V`` (nv, 3): vertex coordinates;
- ``fptr`` (nf + 1,), ``fidx``: face ``k`` is the polygon
  ``V[fidx[fptr[k]:fptr[k+1]]]``, counter-clockwise seen from outside (so the
  right-hand normal points out);
- ``flab`` (nf,): the plane each face lies on: the CSR slot ``s >= 0`` (position
  in ``indices``) of the neighbour whose bisector made it, or ``-1 - k`` for
  facet ``k`` of the domain.

Clipping by a plane keeps the vertices with signed distance ``d <= 0``, cuts
every face polygon, and closes the hole with a new *cap* face on the plane,
made by chaining the edges that the cut faces left on the plane. New vertices
are keyed by the edge they cut, so faces sharing an edge share the vertex and
the chaining is combinatorial. A vertex within ``SNAP`` (rounding level) of
the plane counts as on it: it is kept and lies on the cap. Where rounding
makes the polyhedron very slightly non-convex (cospherical input: many planes
through one vertex) the chain may not close over all on-plane vertices; the
cap is then their ring sorted by angle, which is the same polygon (the cap is
convex and every on-plane vertex lies on its boundary).
"""
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from .dualcell import DualCell, DualStart, clip, dual_arrays, load, to_faces
from .status import BROKEN, OK, OVERFLOW, OVERFLOWED, SNAP, UNCHANGED


class Polyhedron(NamedTuple):
    """A convex polyhedron (module docstring): vertices ``V`` (k, 3), faces ``fptr, fidx``, face labels ``flab``.

    As work arrays the capacities are the arrays' sizes and the counts ``nv, nf`` go alongside (the
    polyhedron is ``V[:nv]``, faces ``:nf``).
    """
    V: np.ndarray
    fptr: np.ndarray
    fidx: np.ndarray
    flab: np.ndarray


class ClipWork(NamedTuple):
    """Work arrays of :func:`clip_polyhedron`, of the vertex capacity (``ekey`` (capacity, 2); ``ring, angle``:
    :func:`_cap_by_angle`'s)."""
    dist: np.ndarray
    newid: np.ndarray
    on: np.ndarray
    nxt: np.ndarray
    ekey: np.ndarray
    evert: np.ndarray
    ring: np.ndarray
    angle: np.ndarray


class CellWork(NamedTuple):
    """Work arrays of one chunk of cells of :func:`power_cells_3d`: the cell in dual form, two polyhedra
    (the face list, clipped back and forth where the dual form gives up: :func:`cut`), the face-list
    clipping's work arrays, a plane's normal ``a`` and point ``mid`` (3,)."""
    dual: DualCell
    P: Polyhedron
    P2: Polyhedron
    clip: ClipWork
    a: np.ndarray
    mid: np.ndarray


class PolyhedraOffsets(NamedTuple):
    """Where cell ``i``'s polyhedron starts in :class:`Polyhedra`: ``vert_off[i]``, ``face_off[i]``,
    ``idx_off[i]`` (each (n + 1,) int64: cumulated vertex, face and face-index counts)."""
    vert_off: np.ndarray
    face_off: np.ndarray
    idx_off: np.ndarray


class Polyhedra(NamedTuple):
    """Every cell's polyhedron, concatenated at ``offsets``.

    Face ``k`` of cell ``i`` has the vertex indices (local to the cell)
    ``fidx[idx_off[i] + fptr[face_off[i] + i + k] : idx_off[i] + fptr[face_off[i] + i + k + 1]]``
    (``fptr`` has one entry per face and a final one per cell); ``flab`` holds
    the neighbour on the other side of each face (``-1`` on the domain boundary).
    """
    offsets: PolyhedraOffsets
    vertices: np.ndarray
    fptr: np.ndarray
    fidx: np.ndarray
    flab: np.ndarray


class CellsOut(NamedTuple):
    """What :func:`power_cells_3d` returns (see there)."""
    moments: np.ndarray
    facets: np.ndarray
    sizes: np.ndarray
    status: np.ndarray
    polyhedra: Polyhedra


@njit(cache=True)
def polyhedron_arrays(cap_v, cap_f, cap_i):
    """Empty work arrays (a :class:`Polyhedron`) for a polyhedron of up to ``cap_v`` vertices, ``cap_f``
    faces and ``cap_i`` face indices."""
    return Polyhedron(np.empty((cap_v, 3)), np.empty(cap_f + 1, np.int64), np.empty(cap_i, np.int64),
                      np.empty(cap_f, np.int64))


@njit(cache=True)
def clip_arrays(cap_v):
    """The work arrays (a :class:`ClipWork`) of :func:`clip_polyhedron` for ``cap_v`` vertices."""
    return ClipWork(np.empty(cap_v), np.empty(cap_v, np.int64), np.empty(cap_v, np.bool_), np.empty(cap_v, np.int64),
                    np.empty((cap_v, 2), np.int64), np.empty(cap_v, np.int64), np.empty(cap_v, np.int64),
                    np.empty(cap_v))


@njit(cache=True)
def capacities(start, planes):
    """Work-array capacities ``(cap_p, cap_t, cap_v, cap_f, cap_i)`` for a cell clipped from the
    :class:`~.dualcell.DualStart` ``start`` by at most ``planes`` planes: planes and vertices of the dual
    form (a triangulated sphere on ``cap_p`` planes has ``2 cap_p - 4`` triangles), and the face list's."""
    cap_p = start.label.shape[0] + planes + 2
    cap_t = 2 * cap_p
    return cap_p, cap_t, cap_t + 6 * cap_p + 16, cap_p, 3 * cap_t + 8 * cap_p + 32


@njit(cache=True)
def cell_work(cap_p, cap_t, cap_v, cap_f, cap_i):
    """The work arrays (a :class:`CellWork`) of one chunk of cells (capacities from :func:`capacities`)."""
    return CellWork(dual_arrays(cap_t, cap_p), polyhedron_arrays(cap_v, cap_f, cap_i),
                    polyhedron_arrays(cap_v, cap_f, cap_i), clip_arrays(cap_v), np.empty(3), np.empty(3))


@njit(cache=True, _nrt=False)
def cut(cell, P, P2, work, dual, nv, nf, a, mid, b, label):
    """Clip a cell by ``<x - mid, a> <= b`` (its new face labelled ``label``): in dual form
    (:func:`~.dualcell.clip`) while ``dual``, where ``nv, nf`` count its vertices and planes; else the face
    list ``P[:nv, :nf]`` (:func:`_cut_faces`). Where rounding breaks the dual form's cut, the cell goes on as a
    face list from there.

    Returns ``(dual, nv, nf, code)``: ``code`` ``UNCHANGED`` (the plane does not cut), ``OVERFLOW`` or
    ``OK``; ``nf = 0`` if nothing is left.

    Compiled without numba's reference counting (``_nrt=False``), as is every
    function on the cells' hot path: a numba call, and every inlined one, counts
    a reference to each array it is passed, atomically, and the cell's work
    arrays are some 30 (3D cells at n = 1e5: 0.59-0.63 -> 0.39-0.40 s a pass on 2 threads,
    docs/benchmarks.md). Such functions allocate nothing.
    """
    if dual:
        nv2, nf2 = clip(cell, nv, nf, a, mid, b, label)
        if nf2 == UNCHANGED or nf2 == OVERFLOW:
            return True, nv, nf, nf2
        if nf2 != BROKEN:
            return True, nv2, nf2, OK
    return _cut_faces(cell, P, P2, work, dual, nv, nf, a, mid, b, label)


@njit(cache=True, _nrt=False)
def _cut_faces(cell, P, P2, work, dual, nv, nf, a, mid, b, label):
    """:func:`cut` on the face list ``P`` (converted from the dual form first if ``dual``): :func:`clip_polyhedron`,
    the result copied back into ``P`` (``P2, work`` its work arrays)."""
    if dual:
        nv, nf = to_faces(cell, nv, nf, P)
        if nf < 0:
            return False, nv, 0, OVERFLOW
    nv2, nf2 = clip_polyhedron(P, nv, nf, a, mid, b, label, P2, work)
    if nf2 == UNCHANGED or nf2 == OVERFLOW:
        return False, nv, nf, nf2
    V, fptr, fidx, flab = P
    V2, fptr2, fidx2, flab2 = P2
    if nf2 > 0:
        for v in range(nv2):
            for x in range(3):
                V[v, x] = V2[v, x]
        for f in range(nf2 + 1):
            fptr[f] = fptr2[f]
        for k in range(fptr2[nf2]):
            fidx[k] = fidx2[k]
        for f in range(nf2):
            flab[f] = flab2[f]
    return False, nv2, nf2, OK


@njit(cache=True, _nrt=False)
def as_faces(cell, P, dual, nv, nf):
    """The cell of :func:`cut`'s state ``(dual, nv, nf)`` as the face list ``P[:nv, :nf]``: returns
    ``(nv, nf)``, ``nf < 0`` on overflow."""
    if not dual or nf == 0:
        return nv, nf
    return to_faces(cell, nv, nf, P)


@njit(cache=True)
def polyhedra_arrays(keep, offsets, n):
    """The :class:`Polyhedra` of ``n`` cells at ``offsets`` if ``keep``, else empty arrays."""
    if keep:
        return Polyhedra(offsets, np.empty((offsets.vert_off[n], 3)), np.zeros(offsets.face_off[n] + n, np.int64),
                         np.empty(offsets.idx_off[n], np.int64), np.empty(offsets.face_off[n], np.int64))
    return Polyhedra(offsets, np.empty((0, 3)), np.zeros(0, np.int64), np.empty(0, np.int64),
                     np.empty(0, np.int64))


@njit(cache=True, _nrt=False)
def clip_polyhedron(P, nv, nf, a, mid, b, label, out, work):
    """Clip the convex polyhedron ``P[:nv, :nf]`` (a :class:`Polyhedron`) by ``<x - mid, a> <= b``.

    The result is written to the :class:`Polyhedron` ``out``; the cap face gets
    label ``label``. ``work`` is a :class:`ClipWork` of the vertex capacity.

    Returns ``(nv2, nf2)``: ``nf2 = UNCHANGED`` (-1) if the plane does not cut
    (nothing written), ``0`` if nothing is left (no vertex with ``d < 0``),
    ``OVERFLOW`` (-2) if an output array is too small.
    """
    V, fptr, fidx, flab = P
    V2, fptr2, fidx2, flab2 = out
    dist, newid, on, nxt, ekey, evert, ring, angle = work
    cap_v = V2.shape[0]
    cap_i = fidx2.shape[0]
    cap_f = flab2.shape[0]
    dmax = -np.inf
    dmin = np.inf
    # rounding level of d: the size of the terms it sums
    snap = SNAP * (np.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])
                   * (2.0 + np.sqrt(mid[0] * mid[0] + mid[1] * mid[1] + mid[2] * mid[2])) + abs(b))
    for v in range(nv):
        d = (V[v, 0] - mid[0]) * a[0] + (V[v, 1] - mid[1]) * a[1] + (V[v, 2] - mid[2]) * a[2] - b
        if abs(d) <= snap:
            d = 0.0
        dist[v] = d
        dmax = max(dmax, d)
        dmin = min(dmin, d)
    if dmax <= 0.0:
        return nv, UNCHANGED
    if dmin >= 0.0:
        return 0, 0
    nv2 = 0
    for v in range(nv):
        if dist[v] <= 0.0:
            newid[v] = nv2
            V2[nv2, 0] = V[v, 0]
            V2[nv2, 1] = V[v, 1]
            V2[nv2, 2] = V[v, 2]
            on[nv2] = dist[v] == 0.0
            nxt[nv2] = -1
            nv2 += 1
        else:
            newid[v] = -1
    ne = 0
    nf2 = 0
    pos = 0
    fptr2[0] = 0
    for f in range(nf):
        start = pos
        s0 = fptr[f]
        m = fptr[f + 1] - s0
        for k in range(m):
            p = fidx[s0 + k]
            q = fidx[s0 + k + 1] if k + 1 < m else fidx[s0]
            dp = dist[p]
            dq = dist[q]
            if dp <= 0.0:
                if pos >= cap_i:
                    return 0, OVERFLOW
                fidx2[pos] = newid[p]
                pos += 1
            if (dp < 0.0 and dq > 0.0) or (dp > 0.0 and dq < 0.0):
                lo = min(p, q)
                hi = max(p, q)
                w = -1
                for e in range(ne):
                    if ekey[e, 0] == lo and ekey[e, 1] == hi:
                        w = evert[e]
                        break
                if w < 0:
                    if nv2 >= cap_v:
                        return 0, OVERFLOW
                    t = dist[lo] / (dist[lo] - dist[hi])
                    V2[nv2, 0] = V[lo, 0] + t * (V[hi, 0] - V[lo, 0])
                    V2[nv2, 1] = V[lo, 1] + t * (V[hi, 1] - V[lo, 1])
                    V2[nv2, 2] = V[lo, 2] + t * (V[hi, 2] - V[lo, 2])
                    on[nv2] = True
                    nxt[nv2] = -1
                    ekey[ne, 0] = lo
                    ekey[ne, 1] = hi
                    evert[ne] = nv2
                    ne += 1
                    w = nv2
                    nv2 += 1
                if pos >= cap_i:
                    return 0, OVERFLOW
                fidx2[pos] = w
                pos += 1
        count = pos - start
        if count < 3:
            pos = start
            continue
        # an edge u -> w of a kept face lying on the plane is an edge w -> u of the cap
        for k in range(count):
            u = fidx2[start + k]
            w = fidx2[start + k + 1] if k + 1 < count else fidx2[start]
            if on[u] and on[w]:
                nxt[w] = u
        if nf2 >= cap_f:
            return 0, OVERFLOW
        flab2[nf2] = flab[f]
        nf2 += 1
        fptr2[nf2] = pos
    # the cap: follow nxt around the hole; it must visit every on-plane vertex once
    n_on = 0
    u0 = -1
    for v in range(nv2):
        if on[v]:
            n_on += 1
            if u0 < 0 and nxt[v] >= 0:
                u0 = v
    if n_on < 3:
        return nv2, nf2
    start = pos
    ok = False
    if u0 >= 0:
        u = u0
        for _ in range(n_on):
            if pos >= cap_i:
                return 0, OVERFLOW
            fidx2[pos] = u
            pos += 1
            u = nxt[u]
            if u < 0:
                break
            if u == u0:
                ok = pos - start == n_on
                break
    if not ok:
        pos = start
        pos = _cap_by_angle(V2, nv2, on, a, fidx2, pos, ring, angle)
        if pos < 0:
            return 0, OVERFLOW
    if pos - start >= 3:
        if nf2 >= cap_f:
            return 0, OVERFLOW
        flab2[nf2] = label
        nf2 += 1
        fptr2[nf2] = pos
    return nv2, nf2


@njit(cache=True, _nrt=False)
def _cap_by_angle(V, nv, on, a, fidx, pos, ids, ang):
    """Fallback cap (if rounding broke the chain): the on-plane vertices sorted by angle about ``a``.

    Writes the ring at ``fidx[pos:]`` counter-clockwise seen from the side ``a``
    points to; returns the new end position (-1 on overflow). ``ids, ang``: work arrays of ``nv`` entries.
    """
    k = 0
    cx = 0.0
    cy = 0.0
    cz = 0.0
    for v in range(nv):
        if on[v]:
            k += 1
            cx += V[v, 0]
            cy += V[v, 1]
            cz += V[v, 2]
    if k < 3:
        return pos
    if pos + k > fidx.shape[0]:
        return -1
    cx /= k
    cy /= k
    cz /= k
    na = np.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])
    nx = a[0] / na
    ny = a[1] / na
    nz = a[2] / na
    # e1 orthogonal to n, e2 = n x e1
    if abs(nx) < 0.9:
        ex, ey, ez = 0.0, -nz, ny
    else:
        ex, ey, ez = nz, 0.0, -nx
    ne = np.sqrt(ex * ex + ey * ey + ez * ez)
    ex /= ne
    ey /= ne
    ez /= ne
    fx = ny * ez - nz * ey
    fy = nz * ex - nx * ez
    fz = nx * ey - ny * ex
    k = 0
    for v in range(nv):
        if on[v]:
            px = V[v, 0] - cx
            py = V[v, 1] - cy
            pz = V[v, 2] - cz
            t = np.arctan2(px * fx + py * fy + pz * fz, px * ex + py * ey + pz * ez)
            q = k  # insertion sort by angle (a cap has few vertices)
            while q > 0 and ang[q - 1] > t:
                ang[q] = ang[q - 1]
                ids[q] = ids[q - 1]
                q -= 1
            ang[q] = t
            ids[q] = v
            k += 1
    for r in range(k):
        fidx[pos + r] = ids[r]
    return pos + k


@njit(cache=True, _nrt=False)
def polyhedron_moments(P, nv, nf, y, out, facets):
    """Integrals over the polyhedron ``P[:nv, :nf]`` (a :class:`Polyhedron`) of 1, x (3 entries) and
    ``|x - y|^2``, written to ``out`` (5,).

    Each face is fanned into triangles ``(f_0, f_k, f_k+1)`` and each triangle
    coned to a local origin ``o`` (the first vertex, for precision) into a
    signed tetrahedron ``(o, a, b, c)`` of volume ``det(a, b, c) / 6``, whose
    integrals of ``x - o`` and ``|x - o|^2`` are ``vol (a + b + c) / 4`` and
    ``vol (|a|^2 + |b|^2 + |c|^2 + a.b + a.c + b.c) / 10``. The area of each
    face with label ``s >= 0`` is added to ``facets[s]``.
    """
    V, fptr, fidx, flab = P
    ox = V[0, 0]
    oy = V[0, 1]
    oz = V[0, 2]
    vol = 0.0
    m1x = 0.0
    m1y = 0.0
    m1z = 0.0
    m2 = 0.0
    for f in range(nf):
        s0 = fptr[f]
        m = fptr[f + 1] - s0
        p0 = fidx[s0]
        ax = V[p0, 0] - ox
        ay = V[p0, 1] - oy
        az = V[p0, 2] - oz
        sx = 0.0
        sy = 0.0
        sz = 0.0
        for k in range(1, m - 1):
            p1 = fidx[s0 + k]
            p2 = fidx[s0 + k + 1]
            bx = V[p1, 0] - ox
            by = V[p1, 1] - oy
            bz = V[p1, 2] - oz
            cx = V[p2, 0] - ox
            cy = V[p2, 1] - oy
            cz = V[p2, 2] - oz
            # vector area of the triangle (a, b, c)
            ux = bx - ax
            uy = by - ay
            uz = bz - az
            wx = cx - ax
            wy = cy - ay
            wz = cz - az
            sx += uy * wz - uz * wy
            sy += uz * wx - ux * wz
            sz += ux * wy - uy * wx
            det = ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx)
            v6 = det / 6.0
            vol += v6
            m1x += v6 * (ax + bx + cx) / 4.0
            m1y += v6 * (ay + by + cy) / 4.0
            m1z += v6 * (az + bz + cz) / 4.0
            m2 += v6 * (ax * ax + ay * ay + az * az + bx * bx + by * by + bz * bz + cx * cx + cy * cy + cz * cz
                        + ax * bx + ay * by + az * bz + ax * cx + ay * cy + az * cz
                        + bx * cx + by * cy + bz * cz) / 10.0
        if flab[f] >= 0:
            facets[flab[f]] += 0.5 * np.sqrt(sx * sx + sy * sy + sz * sz)
    dx = ox - y[0]
    dy = oy - y[1]
    dz = oz - y[2]
    out[0] = vol
    out[1] = m1x + ox * vol
    out[2] = m1y + oy * vol
    out[3] = m1z + oz * vol
    out[4] = m2 + 2.0 * (dx * m1x + dy * m1y + dz * m1z) + (dx * dx + dy * dy + dz * dz) * vol


@njit(cache=True, _nrt=False)
def _cross_dot(ax, ay, az, bx, by, bz, nx, ny, nz):
    """``(a x b) . n``."""
    return (ay * bz - az * by) * nx + (az * bx - ax * bz) * ny + (ax * by - ay * bx) * nz


@njit(cache=True, _nrt=False)
def ball_moments(P, nv, nf, y, radius, out, facets):
    r"""Integrals over ``P ∩ B`` (``P[:nv, :nf]`` the polyhedron, a :class:`Polyhedron`; ``B`` the ball of
    ``radius`` about the origin).

    Same outputs as :func:`polyhedron_moments`: ``out`` = integrals of 1, x
    (3 entries) and ``|x - y|^2``; the area of each face ``∩ B`` with label
    ``s >= 0`` is added to ``facets[s]``.

    Every face (plane ``<n, x> = d``, ``n`` the outward unit normal, foot
    ``f = d n``) is fanned from ``f`` into signed triangles ``(f, p, q)``, and
    ``P ∩ B`` is the signed sum of the cones from the origin over them, cut by
    the sphere. Along a ray through a point ``z`` of the face plane, the cone
    stops at the plane if ``|z - f| <= a = sqrt(R^2 - d^2)`` (the face disk
    ``D``) and at the sphere otherwise. With ``A, M, Q`` the integrals of
    ``1, z - f, |z - f|^2`` over ``T ∩ D`` (triangles and circular sectors),
    ``Omega = int_{T \ D} d / |z|^3 dA`` (signed solid angle) and
    ``W = int_{T \ D} d z / |z|^4 dA`` (integral of the direction over it):

    .. math::

        \int 1 = \frac{d}{3} A + \frac{R^3}{3} \Omega, \quad
        \int x = \frac{d}{4} (A f + M) + \frac{R^4}{4} W, \quad
        \int |x|^2 = \frac{d}{5} (d^2 A + Q) + \frac{R^5}{5} \Omega.

    On a piece of the segment ``pq`` outside the disk, from ``z_1`` to ``z_2``
    (signed angle ``dphi`` about ``n``, distance ``l`` from ``f`` to the line,
    ``s_k`` the abscissae along it, ``L^2 = l^2 + d^2``, ``s_0 = max(R, |d|)``)

    .. math:: \Omega = \frac{d}{s_0} \Delta\varphi - \sigma \Big[\arcsin \frac{d s}{L |z - f|}\Big]_{z_1}^{z_2}

    (``sigma`` the orientation of ``(f, z_1, z_2)``; evaluated as
    ``atan2(d s, l |z|)``, the same angle, well conditioned),

    and ``W`` follows from Stokes on the unit sphere,
    ``int_S w dA = 1/2 oint w x dw``: a great-circle arc ``w_1 -> w_2``
    gives ``theta (w_1 x w_2)/|w_1 x w_2| / 2``, the arc of the face circle
    (traversed back, ``phi_2 -> phi_1``) ``-(a^2 dphi n - d a (u_2 - u_1) x n) / (2 R^2)``;
    the radial sides cancel between the triangles of a face. If no face
    meets the ball, the polyhedron either contains it (total solid angle
    ``4 pi``) or misses it (total 0): then the outputs are exact zeros.
    """
    V, fptr, fidx, flab = P
    R = radius
    touched = False  # does a face meet the ball?
    omega_all = 0.0
    vol = 0.0
    m1x = 0.0
    m1y = 0.0
    m1z = 0.0
    m2 = 0.0
    for f in range(nf):
        s0 = fptr[f]
        m = fptr[f + 1] - s0
        # Newell normal (twice the vector area) and the mean vertex
        nx = 0.0
        ny = 0.0
        nz = 0.0
        cx = 0.0
        cy = 0.0
        cz = 0.0
        for k in range(m):
            p = fidx[s0 + k]
            q = fidx[s0 + k + 1] if k + 1 < m else fidx[s0]
            nx += V[p, 1] * V[q, 2] - V[p, 2] * V[q, 1]
            ny += V[p, 2] * V[q, 0] - V[p, 0] * V[q, 2]
            nz += V[p, 0] * V[q, 1] - V[p, 1] * V[q, 0]
            cx += V[p, 0]
            cy += V[p, 1]
            cz += V[p, 2]
        nn = np.sqrt(nx * nx + ny * ny + nz * nz)
        if nn == 0.0:
            continue
        nx /= nn
        ny /= nn
        nz /= nn
        d = (cx * nx + cy * ny + cz * nz) / m
        fx = d * nx
        fy = d * ny
        fz = d * nz
        a2 = R * R - d * d
        a = np.sqrt(a2) if a2 > 0.0 else 0.0
        sz0 = R if a2 > 0.0 else abs(d)
        area = 0.0  # int 1, z - f, |z - f|^2 over the face ∩ disk
        mx = 0.0
        my = 0.0
        mz = 0.0
        qq = 0.0
        omega = 0.0
        turn = 0.0  # angle swept by the pieces outside the disk
        inside = False
        wx = 0.0
        wy = 0.0
        wz = 0.0
        for k in range(m):
            p = fidx[s0 + k]
            q = fidx[s0 + k + 1] if k + 1 < m else fidx[s0]
            px = V[p, 0] - fx
            py = V[p, 1] - fy
            pz = V[p, 2] - fz
            ex = V[q, 0] - V[p, 0]
            ey = V[q, 1] - V[p, 1]
            ez = V[q, 2] - V[p, 2]
            ee = ex * ex + ey * ey + ez * ez
            if ee == 0.0:
                continue
            # crossings of the segment p + t e with the circle |z - f| = a
            t1 = 2.0
            t2 = 2.0
            meets = False
            if a > 0.0:
                pe = px * ex + py * ey + pz * ez
                disc = pe * pe - ee * (px * px + py * py + pz * pz - a2)
                if disc > 0.0:
                    meets = True
                    sq = np.sqrt(disc)
                    t1 = (-pe - sq) / ee
                    t2 = (-pe + sq) / ee
            tlo = 0.0
            for piece in range(3):
                if piece == 0:
                    thi = t1 if 0.0 < t1 < 1.0 else (t2 if 0.0 < t2 < 1.0 else 1.0)
                elif piece == 1:
                    if thi >= 1.0:
                        break
                    tlo = thi
                    thi = t2 if tlo < t2 < 1.0 else 1.0
                else:
                    if thi >= 1.0:
                        break
                    tlo = thi
                    thi = 1.0
                if thi <= tlo:
                    continue
                z1x = px + tlo * ex
                z1y = py + tlo * ey
                z1z = pz + tlo * ez
                z2x = px + thi * ex
                z2y = py + thi * ey
                z2z = pz + thi * ez
                cr = _cross_dot(z1x, z1y, z1z, z2x, z2y, z2z, nx, ny, nz)
                # inside the disk between the two crossings (a tangent line, disc <= 0, stays outside)
                if meets and t1 <= 0.5 * (tlo + thi) <= t2:
                    # inside the disk: the triangle (f, z1, z2)
                    inside = True
                    ta = 0.5 * cr
                    area += ta
                    mx += ta * (z1x + z2x) / 3.0
                    my += ta * (z1y + z2y) / 3.0
                    mz += ta * (z1z + z2z) / 3.0
                    qq += ta * (z1x * z1x + z1y * z1y + z1z * z1z + z2x * z2x + z2y * z2y + z2z * z2z
                                + z1x * z2x + z1y * z2y + z1z * z2z) / 6.0
                    continue
                r1 = np.sqrt(z1x * z1x + z1y * z1y + z1z * z1z)
                r2 = np.sqrt(z2x * z2x + z2y * z2y + z2z * z2z)
                # a piece on a line through the foot sweeps no angle (atan2(0, -1) would say pi)
                dphi = np.arctan2(cr, z1x * z2x + z1y * z2y + z1z * z2z) if cr != 0.0 else 0.0
                turn += dphi
                if a > 0.0 and r1 > 0.0 and r2 > 0.0:
                    # the circular sector of the disk under this piece
                    u1x = z1x / r1
                    u1y = z1y / r1
                    u1z = z1z / r1
                    dux = z2x / r2 - u1x
                    duy = z2y / r2 - u1y
                    duz = z2z / r2 - u1z
                    # (u2 - u1) x n
                    vx = duy * nz - duz * ny
                    vy = duz * nx - dux * nz
                    vz = dux * ny - duy * nx
                    area += 0.5 * a2 * dphi
                    mx += a2 * a / 3.0 * vx
                    my += a2 * a / 3.0 * vy
                    mz += a2 * a / 3.0 * vz
                    qq += 0.25 * a2 * a2 * dphi
                    # the face circle, back from phi2 to phi1
                    wx -= 0.5 * (a2 * dphi * nx - d * a * vx) / (R * R)
                    wy -= 0.5 * (a2 * dphi * ny - d * a * vy) / (R * R)
                    wz -= 0.5 * (a2 * dphi * nz - d * a * vz) / (R * R)
                # solid angle of the piece of T \ D
                omega += d / sz0 * dphi
                el = np.sqrt(ee)
                ell = abs(_cross_dot(z1x, z1y, z1z, ex, ey, ez, nx, ny, nz)) / el
                big = np.sqrt(ell * ell + d * d)
                if cr != 0.0 and r1 > 0.0 and r2 > 0.0 and big > 0.0:
                    sgn = 1.0 if cr > 0.0 else -1.0
                    # arcsin(d s / (L r)) = atan2(d s, l |z|), |z|^2 = r^2 + d^2 (well conditioned)
                    g1 = np.arctan2(d * (z1x * ex + z1y * ey + z1z * ez) / el, ell * np.sqrt(r1 * r1 + d * d))
                    g2 = np.arctan2(d * (z2x * ex + z2y * ey + z2z * ez) / el, ell * np.sqrt(r2 * r2 + d * d))
                    omega -= sgn * (g2 - g1)
                # the great-circle arc between the directions of z1 and z2
                o1x = fx + z1x
                o1y = fy + z1y
                o1z = fz + z1z
                o2x = fx + z2x
                o2y = fy + z2y
                o2z = fz + z2z
                kx = o1y * o2z - o1z * o2y
                ky = o1z * o2x - o1x * o2z
                kz = o1x * o2y - o1y * o2x
                kk = np.sqrt(kx * kx + ky * ky + kz * kz)
                if kk > 0.0:
                    theta = np.arctan2(kk, o1x * o2x + o1y * o2y + o1z * o2z)
                    wx += 0.5 * theta * kx / kk
                    wy += 0.5 * theta * ky / kk
                    wz += 0.5 * theta * kz / kk
        # the face meets the disk if a piece of its boundary does, or if it surrounds the disk
        if a > 0.0 and (inside or abs(turn) > np.pi):
            touched = True
            if flab[f] >= 0:
                facets[flab[f]] += area
        else:
            area = 0.0  # sectors that cancel: the disk misses the face
            mx = 0.0
            my = 0.0
            mz = 0.0
            qq = 0.0
        omega_all += omega
        r3 = R * R * R
        vol += d / 3.0 * area + r3 / 3.0 * omega
        m1x += 0.25 * d * (area * fx + mx) + 0.25 * r3 * R * wx
        m1y += 0.25 * d * (area * fy + my) + 0.25 * r3 * R * wy
        m1z += 0.25 * d * (area * fz + mz) + 0.25 * r3 * R * wz
        m2 += 0.2 * d * (d * d * area + qq) + 0.2 * r3 * R * R * omega
    if (not touched and omega_all < 2.0 * np.pi) or vol <= 0.0:
        # no face meets the ball and the origin is outside P (solid angle 0, not 4 pi): P ∩ B is
        # empty; or a sliver whose volume is rounding noise (of the order of 1e-16 R^3)
        out[:] = 0.0
        return
    out[0] = vol
    out[1] = m1x
    out[2] = m1y
    out[3] = m1z
    out[4] = m2 - 2.0 * (y[0] * m1x + y[1] * m1y + y[2] * m1z) + (y[0] * y[0] + y[1] * y[1] + y[2] * y[2]) * vol


@njit(cache=True, parallel=True)
def power_cells_3d(points, halfweights, indptr, indices, start, radius, n_cells, order, n_chunks, keep, offsets):
    """Clip every cell ``i < n_cells`` from the starting polyhedron and integrate it.

    Parameters
    ----------
    points : (N, 3) float64, halfweights : (N,) float64
        Unit-frame points and half power weights (``N - n_cells`` auxiliary points).
    indptr, indices : CSR adjacency of the weighted Delaunay tetrahedrisation.
        A row without neighbours is a hidden point: empty cell.
    start : DualStart
        The starting cell (the domain, :func:`~.dualcell.dual_start`), faces labelled ``-1 - k``.
    radius : float
        0 for a polytope domain; else the domain is the ball of this radius about the
        origin, the starting polyhedron contains it, and the integrals are those
        of ``cell ∩ ball`` (:func:`ball_moments`).
    order : (n_cells,) int64
        The order in which the cells are built (neighbouring cells together: memory locality).
    n_chunks : int
        Cells are built in that many chunks, in parallel, each allocating its work arrays once.
    keep : bool
        Also write every cell's polyhedron to ``polyhedra`` at ``offsets`` (a
        :class:`PolyhedraOffsets`), which must come from the ``sizes`` of a first
        call; otherwise they are ignored.

    Returns
    -------
    CellsOut
        ``moments`` (n_cells, 5): integrals over the cell of 1, x, y, z and ``|x - y_i|^2``;
        ``facets`` (indices.size,): area of the facet between ``i`` and ``indices[slot]``,
        seen from cell ``i`` (inside the ball, for a ball domain);
        ``sizes`` (n_cells, 3) int64: number of vertices, faces and face indices of each
        cell's polyhedron;
        ``status`` (n_cells,) int64: ``OK``, or ``OVERFLOWED`` where a work array overflowed
        (the cell is then left empty);
        ``polyhedra``: the :class:`Polyhedra` (``keep`` only; else empty arrays).
    """
    moments = np.zeros((n_cells, 5))
    facets = np.zeros(indices.size)
    sizes = np.zeros((n_cells, 3), np.int64)
    status = np.zeros(n_cells, np.int64)
    kept = polyhedra_arrays(keep, offsets, n_cells)
    longest = 0
    for i in range(n_cells):
        longest = max(longest, indptr[i + 1] - indptr[i])
    cap_p, cap_t, cap_v, cap_f, cap_i = capacities(start, longest)
    n_chunks = max(1, min(n_cells, n_chunks))
    # the parallel loop sees arrays only and makes its named tuples itself (numba's parfors take no nested
    # tuples and lose writes made through a named tuple's attributes: numba issues 10140, 7135)
    cell_v, cell_fptr, cell_fidx, cell_flab = kept.vertices, kept.fptr, kept.fidx, kept.flab
    vert_off, face_off, idx_off = offsets.vert_off, offsets.face_off, offsets.idx_off
    s_tri, s_pos, s_label, s_coincident = start.tri, start.pos, start.label, start.coincident
    for chunk in prange(n_chunks):
        chunk_out = CellsOut(moments, facets, sizes, status, Polyhedra(
            PolyhedraOffsets(vert_off, face_off, idx_off), cell_v, cell_fptr, cell_fidx, cell_flab))
        chunk_start = DualStart(s_tri, s_pos, s_label, s_coincident)
        work = cell_work(cap_p, cap_t, cap_v, cap_f, cap_i)
        for r in range(chunk * n_cells // n_chunks, (chunk + 1) * n_cells // n_chunks):
            _clipped_cell(order[r], points, halfweights, indptr, indices, chunk_start, radius, keep, chunk_out, work)
    return CellsOut(moments, facets, sizes, status, kept)


@njit(cache=True, _nrt=False)
def _clipped_cell(i, points, halfweights, indptr, indices, start, radius, keep, out, work):
    """Cell ``i`` of :func:`power_cells_3d`, written to ``out`` (a :class:`CellsOut`); ``work`` a :class:`CellWork`."""
    lo = indptr[i]
    hi = indptr[i + 1]
    if lo == hi:
        return
    cell, P, P2, clip_work, a, mid = work
    nv, nf = load(start, cell)
    dual = True
    y = points[i]
    for s in range(lo, hi):
        j = indices[s]
        for c in range(3):
            a[c] = points[j, c] - y[c]
            mid[c] = 0.5 * (points[j, c] + y[c])
        dual, nv, nf, code = cut(cell, P, P2, clip_work, dual, nv, nf, a, mid, halfweights[i] - halfweights[j], s)
        if code == OVERFLOW:
            out.status[i] = OVERFLOWED
            return
        if nf == 0:
            break
    nv, nf = as_faces(cell, P, dual, nv, nf)
    if nf < 0:
        out.status[i] = OVERFLOWED
        return
    if nf < 4:
        return
    if radius > 0.0:
        ball_moments(P, nv, nf, y, radius, out.moments[i], out.facets)
    else:
        polyhedron_moments(P, nv, nf, y, out.moments[i], out.facets)
    store_polyhedron(i, P, nv, nf, indices, keep, out.polyhedra, out.sizes)


@njit(cache=True, _nrt=False)
def store_polyhedron(i, P, nv, nf, labels, keep, polyhedra, sizes):
    """Record the size of cell ``i``'s polyhedron ``P[:nv, :nf]`` in ``sizes`` and, with ``keep``, the polyhedron
    itself in ``polyhedra`` (a :class:`Polyhedra`) at its offsets.

    A face labelled ``s >= 0`` gets the neighbour ``labels[s]``, a domain face ``-1``.
    """
    V, fptr, fidx, flab = P
    offsets = polyhedra.offsets
    vert_off, face_off, idx_off = offsets.vert_off, offsets.face_off, offsets.idx_off
    sizes[i, 0] = nv
    sizes[i, 1] = nf
    sizes[i, 2] = fptr[nf]
    if keep and vert_off[i + 1] - vert_off[i] == nv and face_off[i + 1] - face_off[i] == nf:
        for v in range(nv):
            for x in range(3):
                polyhedra.vertices[vert_off[i] + v, x] = V[v, x]
        base = face_off[i] + i
        for k in range(nf + 1):
            polyhedra.fptr[base + k] = fptr[k]
        for k in range(fptr[nf]):
            polyhedra.fidx[idx_off[i] + k] = fidx[k]
        for k in range(nf):
            polyhedra.flab[face_off[i] + k] = labels[flab[k]] if flab[k] >= 0 else -1
