r"""Exact integrals of a piecewise-constant (voxel) density over the clipped 3D power cells and their facets.

The density is constant on every voxel of a regular grid over a box: voxel
``(k, r, c)`` (layer ``k`` in ``z``, row ``r`` in ``y``, column ``c`` in ``x``)
is ``lower + [c, c + 1] x [r, r + 1] x [k, k + 1] * step`` (unit frame) and carries
the mass ``p[k, r, c]`` spread uniformly over it, the density
``rho = p / (step_0 step_1 step_2)``. A cell ``W`` (a convex polyhedron,
:class:`geomot._kernels.spatial.cells.Polyhedra`) is cut into its pieces
``W ∩ voxel`` exactly, never sub-sampled: its slabs between consecutive ``z``
planes of the grid are clipped from it one after the other
(:func:`~geomot._kernels.spatial.cells.clip_polyhedron`, which closes every cut
with a cap face), each slab's rows between ``y`` planes, each row's voxels
between ``x`` planes; a piece carries

.. math:: \int_{W \cap v} (1,\ x,\ |x - y_i|^2)\, \rho \, dx
          = \rho_v \left(|P|,\ \int_P x,\ \int_P |x - y_i|^2\right), \qquad P = W \cap v,

the integrals of the piece from the tetrahedral fan of
:func:`~geomot._kernels.spatial.cells.polyhedron_moments` (divergence theorem).
A facet polygon is cut the same way, as a planar polygon (Sutherland-Hodgman
against the same planes), and ``int_F rho dA = sum_pieces rho(piece) |piece|``.
A facet piece lying on a grid plane (a facet along voxel faces, where ``rho``
jumps) takes the mean of the voxels beside it: "on the plane" means within
``ON_PLANE`` voxel sides of it, as the facet's vertices carry rounding.
"""
import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from ..planar.grid import clip_axis, largest_rectangle
from .cells import Polyhedra, PolyhedraOffsets, clip_arrays, clip_polyhedron, polyhedron_arrays, polyhedron_moments
from .status import OK, OVERFLOW, OVERFLOWED, UNCHANGED

ON_PLANE = 1e-10  # a facet piece this close to a grid plane (in voxel sides) lies on it


class GridCellsOut(NamedTuple):
    """What :func:`grid_cells_3d` returns (see there)."""
    moments: np.ndarray
    facets: np.ndarray
    status: np.ndarray


@njit(cache=True)
def _load_cell(i, cells, P):
    """Copy cell ``i`` of the :class:`Polyhedra` ``cells`` into the work :class:`Polyhedron` ``P``, every face
    labelled ``-1`` (the pieces' integrals add no facet areas); returns ``(nv, nf)``."""
    offsets = cells.offsets
    v0 = offsets.vert_off[i]
    nv = offsets.vert_off[i + 1] - v0
    f0 = offsets.face_off[i] + i
    nf = offsets.face_off[i + 1] - offsets.face_off[i]
    i0 = offsets.idx_off[i]
    P.V[:nv] = cells.vertices[v0:v0 + nv]
    for k in range(nf + 1):
        P.fptr[k] = cells.fptr[f0 + k]
    P.fidx[:P.fptr[nf]] = cells.fidx[i0:i0 + P.fptr[nf]]
    P.flab[:nf] = -1
    return nv, nf


@njit(cache=True)
def _copy(P, nv, nf, Q):
    """Copy the polyhedron ``P[:nv, :nf]`` into ``Q``."""
    Q.V[:nv] = P.V[:nv]
    Q.fptr[:nf + 1] = P.fptr[:nf + 1]
    Q.fidx[:P.fptr[nf]] = P.fidx[:P.fptr[nf]]
    Q.flab[:nf] = P.flab[:nf]


@njit(cache=True)
def _cut(P, nv, nf, axis, value, below, out, work, a, mid):
    """``P[:nv, :nf] ∩ {x_axis <= value}`` (``below``) or ``∩ {x_axis >= value}``, into ``out``: as
    :func:`~geomot._kernels.spatial.cells.clip_polyhedron` (``UNCHANGED`` leaves ``out`` unwritten)."""
    for d in range(3):
        a[d] = 0.0
        mid[d] = 0.0
    a[axis] = 1.0 if below else -1.0
    mid[axis] = value
    return clip_polyhedron(P, nv, nf, a, mid, 0.0, -1, out, work)


@njit(cache=True)
def _split(R, nv, nf, axis, plane, piece, tmp, work, a, mid):
    """Cut ``R[:nv, :nf]`` at ``x_axis = plane``: ``piece <- R ∩ {x_axis <= plane}`` and, in place,
    ``R <- R ∩ {x_axis >= plane}``. Returns ``(nv_piece, nf_piece, nv_rest, nf_rest)``, a face count 0 for an
    empty part; ``nf_piece = OVERFLOW`` if a work array overflowed."""
    nvp, nfp = _cut(R, nv, nf, axis, plane, True, piece, work, a, mid)
    if nfp == UNCHANGED:  # all of R lies below the plane
        _copy(R, nv, nf, piece)
        return nv, nf, 0, 0
    if nfp == OVERFLOW:
        return 0, OVERFLOW, 0, 0
    if nfp == 0:  # all of R lies above
        return 0, 0, nv, nf
    nvr, nfr = _cut(R, nv, nf, axis, plane, False, tmp, work, a, mid)
    if nfr == OVERFLOW:
        return 0, OVERFLOW, 0, 0
    if nfr > 0:
        _copy(tmp, nvr, nfr, R)
    return nvp, nfp, nvr, nfr


@njit(cache=True)
def _cell_voxels(nv, nf, y, p, lower, step, rests, piece, tmp, work, a, mid, part, acc):
    """``acc += sum_v p_v / |v| (|W ∩ v|, int x, int |x - y|^2)`` over the convex polyhedron
    ``W = rests[0][:nv, :nf]`` (unit frame; ``acc`` (5,)), cut into slabs along ``z``, each slab into rows along
    ``y``, each row into voxels along ``x`` (module docstring). ``rests``: three work polyhedra (the part of the
    cell, slab and row not yet cut; the first is overwritten), ``piece``, ``tmp``: two more, ``part`` (5,)
    scratch. Returns ``OK`` or ``OVERFLOWED``.
    """
    inv_volume = 1.0 / (step[0] * step[1] * step[2])
    axes = (2, 1, 0)  # level l cuts along axes[l]: p's axis l
    nvr = np.zeros(3, np.int64)
    nfr = np.zeros(3, np.int64)
    cur = np.zeros(3, np.int64)
    hi = np.zeros(3, np.int64)
    nvr[0] = nv
    nfr[0] = nf
    cur[0], hi[0] = _polygon_range(rests[0].V, nv, 2, lower, step, p.shape[0])
    level = 0
    while level >= 0:
        if cur[level] > hi[level] or nfr[level] < 4:
            level -= 1
            continue
        axis = axes[level]
        k = cur[level]
        cur[level] += 1
        R = rests[level]
        if level == 2:
            weight = p[cur[0] - 1, cur[1] - 1, k] * inv_volume
            if k == hi[level]:
                nvp, nfp = nvr[level], nfr[level]
                if weight != 0.0:
                    polyhedron_moments(R, nvp, nfp, y, part, acc[:0])
                    for t in range(5):
                        acc[t] += weight * part[t]
                continue
            plane = lower[axis] + (k + 1) * step[axis]
            if weight == 0.0:  # only the rest is needed
                nvt, nft = _cut(R, nvr[level], nfr[level], axis, plane, False, tmp, work, a, mid)
                if nft == OVERFLOW:
                    return OVERFLOWED
                if nft != UNCHANGED:
                    if nft > 0:
                        _copy(tmp, nvt, nft, R)
                    nvr[level], nfr[level] = nvt, nft
                continue
            nvp, nfp, nvr[level], nfr[level] = _split(R, nvr[level], nfr[level], axis, plane, piece, tmp, work,
                                                      a, mid)
            if nfp == OVERFLOW:
                return OVERFLOWED
            if nfp >= 4:
                polyhedron_moments(piece, nvp, nfp, y, part, acc[:0])
                for t in range(5):
                    acc[t] += weight * part[t]
            continue
        nxt = rests[level + 1]
        if k == hi[level]:
            nvp, nfp = nvr[level], nfr[level]
            _copy(R, nvp, nfp, nxt)
            nfr[level] = 0
        else:
            plane = lower[axis] + (k + 1) * step[axis]
            nvp, nfp, nvr[level], nfr[level] = _split(R, nvr[level], nfr[level], axis, plane, nxt, tmp, work,
                                                      a, mid)
            if nfp == OVERFLOW:
                return OVERFLOWED
        if nfp < 4:
            continue
        level += 1
        nvr[level] = nvp
        nfr[level] = nfp
        cur[level], hi[level] = _polygon_range(nxt.V, nvp, axes[level], lower, step, p.shape[level])
    return OK


@njit(cache=True)
def _voxel_density(p, x, lower, step, inv_volume):
    """The density at the point ``x`` (unit frame) of a facet piece: the mean of the voxels beside it along
    every axis on whose interior grid plane ``x`` lies (within ``ON_PLANE`` voxel sides; module docstring)."""
    lo = np.empty(3, np.int64)
    hi = np.empty(3, np.int64)
    for d in range(3):
        n = p.shape[2 - d]
        u = (x[d] - lower[d]) / step[d]
        near = math.floor(u + 0.5)
        c = max(0, min(n - 1, int(math.floor(u))))
        lo[d] = c
        hi[d] = c
        if abs(u - near) <= ON_PLANE and 0 < near < n:
            lo[d] = int(near) - 1
            hi[d] = int(near)
    total = 0.0
    count = 0
    for k in range(lo[2], hi[2] + 1):
        for r in range(lo[1], hi[1] + 1):
            for c in range(lo[0], hi[0] + 1):
                total += p[k, r, c]
                count += 1
    return total / count * inv_volume


@njit(cache=True)
def _polygon_area(ring, m, centre):
    """Area of the planar polygon ``ring[:m]`` (3D), by its vector area about the first vertex; its vertex mean
    (a point inside it) to ``centre``."""
    sx = 0.0
    sy = 0.0
    sz = 0.0
    for d in range(3):
        centre[d] = 0.0
    for k in range(m):
        for d in range(3):
            centre[d] += ring[k, d] / m
    for k in range(1, m - 1):
        ux = ring[k, 0] - ring[0, 0]
        uy = ring[k, 1] - ring[0, 1]
        uz = ring[k, 2] - ring[0, 2]
        wx = ring[k + 1, 0] - ring[0, 0]
        wy = ring[k + 1, 1] - ring[0, 1]
        wz = ring[k + 1, 2] - ring[0, 2]
        sx += uy * wz - uz * wy
        sy += uz * wx - ux * wz
        sz += ux * wy - uy * wx
    return 0.5 * math.sqrt(sx * sx + sy * sy + sz * sz)


@njit(cache=True)
def _polygon_range(ring, m, axis, lower, step, n):
    """Voxel indices ``k_lo..k_hi`` the polygon ``ring[:m]`` (unit frame) spans along ``axis``, clamped to
    ``[0, n)``; a single index (no cut) if it is flat along ``axis`` within ``ON_PLANE`` voxel sides."""
    lo = ring[0, axis]
    hi = ring[0, axis]
    for k in range(1, m):
        lo = min(lo, ring[k, axis])
        hi = max(hi, ring[k, axis])
    k_lo = max(0, min(n - 1, int(math.floor((lo - lower[axis]) / step[axis]))))
    if hi - lo <= ON_PLANE * step[axis]:
        return k_lo, k_lo
    return k_lo, max(0, min(n - 1, int(math.floor((hi - lower[axis]) / step[axis]))))


@njit(cache=True)
def _facet_voxels(ring, m, p, lower, step, rings, counts, tmp, centre):
    """``int_F rho dA`` over the convex polygon ``F = ring[:m]`` (unit frame), cut into strips along ``z``, rows
    along ``y``, pieces along ``x`` (an axis along which it is flat within ``ON_PLANE`` is not cut): the sum
    over the pieces of ``|piece| rho(piece)`` (:func:`_voxel_density`). ``rings``: four work polygons."""
    inv_volume = 1.0 / (step[0] * step[1] * step[2])
    axes = (2, 1, 0)
    cur = np.zeros(3, np.int64)
    hi = np.zeros(3, np.int64)
    rings[0][:m] = ring[:m]
    counts[0] = m
    total = 0.0
    level = 0
    cur[0], hi[0] = _polygon_range(ring, m, 2, lower, step, p.shape[0])
    while level >= 0:
        if cur[level] > hi[level] or counts[level] < 3:
            level -= 1
            continue
        axis = axes[level]
        k = cur[level]
        cur[level] += 1
        R = rings[level]
        nxt = rings[level + 1]
        if k == hi[level]:
            mp = counts[level]
            nxt[:mp] = R[:mp]
            counts[level] = 0
        else:
            plane = lower[axis] + (k + 1) * step[axis]
            mp = clip_axis(R, counts[level], axis, plane, True, nxt)
            counts[level] = clip_axis(R, counts[level], axis, plane, False, tmp)
            R[:counts[level]] = tmp[:counts[level]]
        if mp < 3:
            continue
        if level == 2:
            total += _polygon_area(nxt, mp, centre) * _voxel_density(p, centre, lower, step, inv_volume)
            continue
        level += 1
        counts[level] = mp
        cur[level], hi[level] = _polygon_range(nxt, mp, axes[level], lower, step, p.shape[level])
    return total


@njit(cache=True, parallel=True)
def grid_cells_3d(cells, points, indptr, indices, p, lower, step, n_chunks):
    """Moments of the voxel density over every cell and its measure over every facet (unit frame).

    Parameters
    ----------
    cells : Polyhedra
        The cells (:meth:`geomot.diagram._spatial.SpatialCells._unit_polyhedra`; unit frame).
    points : (n, 3) float64
        The sites ``y_i`` (unit frame) the second moments are taken about.
    indptr, indices : int64
        The diagram's neighbour lists, CSR: the facet of cell ``i`` towards ``j = indices[s]`` is slot ``s``.
    p : (nz, ny, nx) float64
        Voxel masses (summing to 1); layer ``k`` spans ``lower[2] + [k, k + 1] step[2]``.
    lower : (3,) float64, step : (3,) float64
        The grid's lower corner and voxel sides, unit frame.
    n_chunks : int
        Cells are integrated in that many chunks, in parallel.

    Returns
    -------
    GridCellsOut
        ``moments`` (n, 5): ``mu(W)``, ``int_W x dmu`` (3 columns), ``int_W |x - y_i|^2 dmu``;
        ``facets`` (indices.size,): ``int_F rho dA`` over the facet of each slot, seen from cell ``i``,
        ``rho = p / (step_0 step_1 step_2)`` the unit-frame density;
        ``status`` (n,) int64: ``OK``, or ``OVERFLOWED`` where a work array overflowed (a bug).
    """
    n = points.shape[0]
    offsets = cells.offsets
    moments = np.zeros((n, 5))
    facets = np.zeros(indices.size)
    status = np.zeros(n, np.int64)
    cap_v0 = 0
    cap_f0 = 0
    cap_i0 = 0
    for i in range(n):
        cap_v0 = max(cap_v0, offsets.vert_off[i + 1] - offsets.vert_off[i])
        cap_f0 = max(cap_f0, offsets.face_off[i + 1] - offsets.face_off[i])
        cap_i0 = max(cap_i0, offsets.idx_off[i + 1] - offsets.idx_off[i])
    cap_f = cap_f0 + 8
    cap_v = cap_v0 + 6 * cap_f + 16
    cap_i = cap_i0 + 8 * cap_f + 32
    cap_ring = cap_v0 + 16
    n_chunks = max(1, min(n, n_chunks))
    vertices, fptr, fidx, flab = cells.vertices, cells.fptr, cells.fidx, cells.flab
    vert_off, face_off, idx_off = offsets.vert_off, offsets.face_off, offsets.idx_off
    for chunk in prange(n_chunks):
        # the parallel loop sees arrays only and makes its named tuples itself (as power_cells_3d)
        chunk_cells = Polyhedra(PolyhedraOffsets(vert_off, face_off, idx_off), vertices, fptr, fidx, flab)
        rests = (polyhedron_arrays(cap_v, cap_f, cap_i), polyhedron_arrays(cap_v, cap_f, cap_i),
                 polyhedron_arrays(cap_v, cap_f, cap_i))
        piece = polyhedron_arrays(cap_v, cap_f, cap_i)
        tmp = polyhedron_arrays(cap_v, cap_f, cap_i)
        work = clip_arrays(cap_v)
        a = np.empty(3)
        mid = np.empty(3)
        part = np.empty(5)
        ring = np.empty((cap_ring, 3))
        rings = (np.empty((cap_ring, 3)), np.empty((cap_ring, 3)), np.empty((cap_ring, 3)), np.empty((cap_ring, 3)))
        ring_tmp = np.empty((cap_ring, 3))
        centre = np.empty(3)
        counts = np.zeros(3, np.int64)
        for i in range(chunk * n // n_chunks, (chunk + 1) * n // n_chunks):
            nf = face_off[i + 1] - face_off[i]
            if nf < 4:
                continue
            nv, nf = _load_cell(i, chunk_cells, rests[0])
            status[i] = _cell_voxels(nv, nf, points[i], p, lower, step, rests, piece, tmp, work, a, mid, part,
                                     moments[i])
            base = face_off[i] + i
            for f in range(nf):
                j = flab[face_off[i] + f]
                if j < 0:
                    continue
                slot = -1
                for s in range(indptr[i], indptr[i + 1]):
                    if indices[s] == j:
                        slot = s
                        break
                if slot < 0:
                    continue
                m = fptr[base + f + 1] - fptr[base + f]
                for t in range(m):
                    ring[t] = vertices[vert_off[i] + fidx[idx_off[i] + fptr[base + f] + t]]
                facets[slot] = _facet_voxels(ring, m, p, lower, step, rings, counts, ring_tmp, centre)
    return GridCellsOut(moments, facets, status)


@njit(cache=True)
def largest_box(mask):
    """The largest axis-aligned box of True voxels: ``(k0, r0, c0, k1, r1, c1)``, layers ``k0 <= k < k1``, rows
    ``r0 <= r < r1``, columns ``c0 <= c < c1`` (all zero if there is none).

    For every range of layers ``k0..k1 - 1`` the voxels True on all of them form a 2D mask (updated layer by
    layer), whose largest rectangle (:func:`geomot._kernels.planar.grid.largest_rectangle`) times the
    number of layers is the best box over that range: O(nz^2 ny nx).
    """
    nz, ny, nx = mask.shape
    best = 0
    out = np.zeros(6, np.int64)
    column = np.empty((ny, nx), np.bool_)
    for k0 in range(nz):
        column[:, :] = True
        for k1 in range(k0 + 1, nz + 1):
            column &= mask[k1 - 1]
            r0, c0, r1, c1 = largest_rectangle(column)
            volume = (k1 - k0) * (r1 - r0) * (c1 - c0)
            if volume == 0:
                break
            if volume > best:
                best = volume
                out[0], out[1], out[2], out[3], out[4], out[5] = k0, r0, c0, k1, r1, c1
    return out
