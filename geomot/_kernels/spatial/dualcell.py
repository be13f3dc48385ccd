r"""A convex cell in dual form, clipped in place: a cut costs what it cuts off, not the whole cell.

The cell (a convex polyhedron) is stored by its vertices, each the meeting point
of three planes:

- ``tri[t] = (p, q, r)``: the planes of vertex ``t``, counter-clockwise seen
  from outside the cell; ``pos[t]`` its coordinates;
- ``label[p]``: the face label of plane ``p`` (as in :mod:`.cells`: a CSR slot
  or a caller's index ``>= 0``, or ``-1 - k`` for face ``k`` of the domain);
- ``edge[p, q]``: the vertex whose triangle holds the directed dual edge
  ``p -> q``. Its twin ``q -> p`` belongs to the other end of the cell's edge on
  the faces ``p`` and ``q``.

A vertex where ``k > 3`` planes meet is ``k - 2`` triangles at one place.
Clipping by the half-space ``<x - mid, a> <= b`` (the convex cell of Lévy's
geogram; Ray, Sokolov, Lefebvre and Lévy, "Meshless Voronoi on the GPU", 2018):

1. the vertices with ``d = <x - mid, a> - b > 0`` are in conflict (``|d|`` within
   :data:`~.status.SNAP` of rounding counts as 0, as in :func:`~.cells.clip_polyhedron`);
2. the conflict zone's boundary is the cycle of the conflict triangles' edges
   ``u -> v`` whose twin is not in conflict; each gets the new vertex
   ``(u, v, P)`` on the cell's edge ``u ∩ v``, interpolated between its ends;
3. the new vertices take the conflict vertices' places.

Only the vertices near the plane are touched, where the face-list clipping of
:func:`~.cells.clip_polyhedron` rewrites the whole polyhedron at every plane
(docs/benchmarks.md). By convexity the conflict zone is a disk whose boundary
meets every plane at most once. Where rounding breaks that (a plane met twice,
a cycle that does not close), :func:`clip` returns ``BROKEN`` and leaves the
cell as it was; the caller converts it to a face list (:func:`to_faces`) and
goes on with :func:`~.cells.clip_polyhedron`, which closes such caps by angle.
"""
from typing import NamedTuple

import numpy as np
from numba import njit

from .status import BROKEN, OVERFLOW, SNAP, UNCHANGED


class DualCell(NamedTuple):
    """Work arrays of one cell in dual form (module docstring), of ``cap_t`` vertices and ``cap_p`` planes.

    ``dist, fresh, fresh_pos, holes, bnext, ring``: the clipping's scratch
    (distances, new triangles and their places, freed slots, the boundary
    cycle); ``first, rep``: :func:`to_faces`'s; ``coincident`` (1,): 1 once
    two vertices may sit at one place (a cut through a vertex).
    """
    tri: np.ndarray
    pos: np.ndarray
    label: np.ndarray
    edge: np.ndarray
    dist: np.ndarray
    fresh: np.ndarray
    fresh_pos: np.ndarray
    holes: np.ndarray
    bnext: np.ndarray
    ring: np.ndarray
    first: np.ndarray
    rep: np.ndarray
    coincident: np.ndarray


class DualStart(NamedTuple):
    """The starting cell (the domain) in dual form, arrays of its exact sizes: ``tri`` (nt, 3), ``pos`` (nt, 3),
    ``label`` (np,); ``coincident`` as :class:`DualCell`'s."""
    tri: np.ndarray
    pos: np.ndarray
    label: np.ndarray
    coincident: np.ndarray


@njit(cache=True)
def dual_arrays(cap_t, cap_p):
    """Empty work arrays (a :class:`DualCell`) for up to ``cap_t`` vertices and ``cap_p`` planes."""
    return DualCell(np.empty((cap_t, 3), np.int64), np.empty((cap_t, 3)), np.empty(cap_p, np.int64),
                    np.empty((cap_p, cap_p), np.int32), np.empty(cap_t), np.empty((cap_t, 3), np.int64),
                    np.empty((cap_t, 3)), np.empty(cap_t, np.int64), np.full(cap_p, -1, np.int64),
                    np.empty(cap_p, np.int64), np.empty(cap_p, np.int64), np.empty(cap_t, np.int64),
                    np.zeros(1, np.int64))


@njit(cache=True, _nrt=False)
def load(start, cell):
    """Copy the :class:`DualStart` ``start`` into the :class:`DualCell` ``cell``; returns ``(nt, np)``."""
    nt = start.tri.shape[0]
    n_planes = start.label.shape[0]
    for p in range(n_planes):
        cell.label[p] = start.label[p]
    cell.coincident[0] = start.coincident[0]
    for t in range(nt):
        for k in range(3):
            cell.tri[t, k] = start.tri[t, k]
            cell.pos[t, k] = start.pos[t, k]
        _link(cell, t)
    return nt, n_planes


@njit(cache=True, _nrt=False)
def _link(cell, t):
    """Record vertex ``t``'s three directed dual edges in ``cell.edge``."""
    tri = cell.tri
    cell.edge[tri[t, 0], tri[t, 1]] = t
    cell.edge[tri[t, 1], tri[t, 2]] = t
    cell.edge[tri[t, 2], tri[t, 0]] = t


@njit(cache=True, _nrt=False)
def clip(cell, nt, n_planes, a, mid, b, label):
    """Clip the cell ``(nt vertices, n_planes planes)`` by ``<x - mid, a> <= b``; the new face gets ``label``.

    Returns ``(nt, n_planes)`` after the cut, with ``n_planes`` replaced by a
    code where nothing was cut: ``UNCHANGED`` (the plane does not cut the cell),
    ``0`` (nothing is left: no vertex with ``d < 0``), ``OVERFLOW`` (the work
    arrays are too small) or ``BROKEN`` (rounding broke the conflict zone's
    boundary: module docstring). The cell is left as it was in every case but the first.
    """
    tri, pos, edge, dist = cell.tri, cell.pos, cell.edge, cell.dist
    snap = SNAP * (np.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])
                   * (2.0 + np.sqrt(mid[0] * mid[0] + mid[1] * mid[1] + mid[2] * mid[2])) + abs(b))
    k = 0  # vertices in conflict
    inside = False  # some vertex strictly inside
    for t in range(nt):
        d = (pos[t, 0] - mid[0]) * a[0] + (pos[t, 1] - mid[1]) * a[1] + (pos[t, 2] - mid[2]) * a[2] - b
        if abs(d) <= snap:
            d = 0.0
        dist[t] = d
        if d > 0.0:
            k += 1
        elif d < 0.0:
            inside = True
    if k == 0:
        return nt, UNCHANGED
    if not inside:
        return 0, 0
    cap_t = tri.shape[0]
    if n_planes >= cell.label.shape[0]:
        return nt, OVERFLOW
    plane = n_planes
    fresh, fresh_pos, holes, bnext, ring = cell.fresh, cell.fresh_pos, cell.holes, cell.bnext, cell.ring
    m = 0  # boundary edges: new vertices
    h = 0
    broken = False
    for t in range(nt):
        if dist[t] <= 0.0:
            continue
        holes[h] = t
        h += 1
        for c in range(3):
            u = tri[t, c]
            v = tri[t, (c + 1) % 3]
            o = edge[v, u]
            if dist[o] > 0.0:
                continue
            if bnext[u] >= 0:  # a plane met twice on the boundary (so m < n_planes: fresh and ring have room)
                broken = True
                break
            bnext[u] = v
            ring[m] = u
            # the new vertex on the edge u ∩ v, between o (inside or on the plane: then o itself) and t (outside)
            s = dist[o] / (dist[o] - dist[t])
            if s == 0.0:
                cell.coincident[0] = 1
            for x in range(3):
                fresh_pos[m, x] = pos[o, x] + s * (pos[t, x] - pos[o, x])
            fresh[m, 0] = u
            fresh[m, 1] = v
            fresh[m, 2] = plane
            m += 1
        if broken:
            break
    if not broken:
        # the boundary must be one cycle through all m edges
        broken = m < 3
        if not broken:
            u = bnext[ring[0]]
            steps = 1
            while u != ring[0] and u >= 0 and steps <= m:
                u = bnext[u]
                steps += 1
            broken = u != ring[0] or steps != m
    for r in range(m):
        bnext[ring[r]] = -1
    if broken:
        return nt, BROKEN
    if nt - k + m > cap_t:
        return nt, OVERFLOW
    # the new vertices take the conflict vertices' slots, then the end; leftover slots are filled from the end
    for r in range(m):
        t = holes[r] if r < k else nt + r - k
        for x in range(3):
            tri[t, x] = fresh[r, x]
            pos[t, x] = fresh_pos[r, x]
        _link(cell, t)
    nt2 = nt + max(0, m - k)
    for r in range(k - 1, m - 1, -1):  # free slots, highest first: the last vertex moves into each
        t = holes[r]
        last = nt2 - 1
        if t != last:
            for x in range(3):
                tri[t, x] = tri[last, x]
                pos[t, x] = pos[last, x]
            _link(cell, t)
        nt2 -= 1
    cell.label[plane] = label
    return nt2, n_planes + 1


@njit(cache=True, _nrt=False)
def to_faces(cell, nt, n_planes, out):
    """Write the cell as a face list into the :class:`~.cells.Polyhedron` ``out`` (faces counter-clockwise
    seen from outside, labelled ``label[p]``).

    Vertices at one place (a cut through a vertex: ``coincident``) become one,
    and a face left with fewer than three vertices is no face. Returns ``(nv,
    nf)``, ``nf = OVERFLOW`` if ``out`` is too small or ``BROKEN`` if a face's
    walk does not close.
    """
    tri, pos, edge, first, rep = cell.tri, cell.pos, cell.edge, cell.first, cell.rep
    V, fptr, fidx, flab = out
    if nt > V.shape[0]:
        return 0, OVERFLOW
    nv = 0
    for t in range(nt):  # rep[t]: t's vertex in the face list
        rep[t] = -1
        if cell.coincident[0]:
            for u in range(t):
                if pos[u, 0] == pos[t, 0] and pos[u, 1] == pos[t, 1] and pos[u, 2] == pos[t, 2]:
                    rep[t] = rep[u]
                    break
        if rep[t] < 0:
            rep[t] = nv
            for x in range(3):
                V[nv, x] = pos[t, x]
            nv += 1
    for p in range(n_planes):
        first[p] = -1
    for t in range(nt):
        for x in range(3):
            first[tri[t, x]] = t
    nf = 0
    at = 0
    fptr[0] = 0
    for p in range(n_planes):
        t0 = first[p]
        if t0 < 0:
            continue
        if nf >= flab.shape[0]:
            return 0, OVERFLOW
        t = t0
        begin = at
        for _ in range(nt + 1):
            if at >= fidx.shape[0]:
                return 0, OVERFLOW
            if at == begin or fidx[at - 1] != rep[t]:
                fidx[at] = rep[t]
                at += 1
            # the next vertex counter-clockwise about face p: across the edge p ∩ r, r after p's successor
            c = 0 if tri[t, 0] == p else 1 if tri[t, 1] == p else 2
            t = edge[p, tri[t, c + 2 - 3 * (c > 0)]]
            if t == t0:
                break
        if t != t0:
            return 0, BROKEN
        if at - begin > 1 and fidx[at - 1] == fidx[begin]:
            at -= 1
        if at - begin < 3:
            at = begin
            continue
        flab[nf] = cell.label[p]
        nf += 1
        fptr[nf] = at
    return nv, nf


@njit(cache=True)
def dual_start(normals, offsets, half):
    """The polytope ``{x : normals @ x <= offsets} ∩ [-half, half]^3`` in dual form (a :class:`DualStart`).

    The cube ``[-half, half]^3`` clipped by each half-space in turn (face of
    half-space ``k`` labelled ``-1 - k``; the cube's faces ``-1 - m - f``, ``m``
    half-spaces, ``f`` in the order ``x-, x+, y-, y+, z-, z+``). An empty
    polytope has no vertex. Raises ``ValueError`` where rounding breaks a cut.
    """
    m = normals.shape[0]
    cap_p = 6 + m + 1
    cell = dual_arrays(8 + 4 * cap_p, cap_p)
    for f in range(6):
        cell.label[f] = -1 - m - f
    for v in range(8):
        # planes x (0/1), y (2/3), z (4/5) of the corner v; counter-clockwise from outside if sx sy sz > 0
        sx = 1 if v & 1 else 0
        sy = 1 if v & 2 else 0
        sz = 1 if v & 4 else 0
        cell.pos[v, 0] = half if sx else -half
        cell.pos[v, 1] = half if sy else -half
        cell.pos[v, 2] = half if sz else -half
        cell.tri[v, 0] = sx
        if (2 * sx - 1) * (2 * sy - 1) * (2 * sz - 1) > 0:
            cell.tri[v, 1] = 2 + sy
            cell.tri[v, 2] = 4 + sz
        else:
            cell.tri[v, 1] = 4 + sz
            cell.tri[v, 2] = 2 + sy
        _link(cell, v)
    nt = 8
    n_planes = 6
    zero = np.zeros(3)
    for k in range(m):
        nt2, code = clip(cell, nt, n_planes, normals[k], zero, offsets[k], -1 - k)
        if code == UNCHANGED:
            continue
        if code == 0:
            nt = 0
            break
        if code < 0:
            raise ValueError("the domain's half-spaces could not be cut into a cell (rounding)")
        nt = nt2
        n_planes = code
    return DualStart(cell.tri[:nt].copy(), cell.pos[:nt].copy(), cell.label[:n_planes].copy(),
                     cell.coincident.copy())
