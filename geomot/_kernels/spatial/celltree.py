r"""3D power cells without a triangulation: a k-d tree search with a security radius.

Same cells as :func:`geomot._kernels.spatial.cells.power_cells_3d` (unit frame, half
power weights ``g``, power ``pow_j(x) = |x - y_j|^2 - 2 g_j``), but the planes
that clip cell ``i`` are found by a branch-and-bound walk of a k-d tree of the
points instead of a weighted Delaunay triangulation (one Qhull call in R^4,
which was half the time of a 3D Newton step and grows faster than ``n``).

Security test. Let ``B(c, rho)`` be a ball containing the current (partly
clipped) cell. For ``x`` in it,

.. math:: pow_j(x) - pow_i(x) = pow_j(c) - pow_i(c) + 2 \langle x - c, y_i - y_j\rangle
          \ge pow_j(c) - pow_i(c) - 2 \rho |y_i - y_j|,

so ``j`` cannot cut the cell when the right-hand side is ``>= 0``. For a tree
node with bounding box ``Q`` and largest weight ``2 G`` the same holds with
``pow_j(c) >= dist(c, Q)^2 - 2 G`` and ``|y_i - y_j| <= maxdist(y_i, Q)``: the
whole node is skipped. The cell only shrinks, so a test passed with an older
(larger) ball stays valid. The walk visits the leaf of ``y_i`` first and then
the nearer child first, updating ``(c, rho)`` after every leaf.

A cell whose walk examines more than ``budget`` points (targets far from the
domain, where the test is weak), or whose polyhedron outgrows its work arrays,
reports a status; the caller then uses the triangulation instead.
"""
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from .cells import (
    ClipWork,
    Polyhedra,
    PolyhedraOffsets,
    Polyhedron,
    as_faces,
    ball_moments,
    capacities,
    clip_arrays,
    cut,
    polyhedra_arrays,
    polyhedron_arrays,
    polyhedron_moments,
    store_polyhedron,
)
from .dualcell import DualCell, DualStart, dual_arrays, load
from .status import BELOW_FLOOR, OK, OVERFLOW, OVERFLOWED, TOO_MANY, UNCHANGED

LEAF = 8
SLOTS = 160  # planes that changed one cell (its live faces are fewer)
FACETS = 48  # neighbours of positive facet area one cell may report (random points: about 35 at most)


class KdTree(NamedTuple):
    """A k-d tree (:func:`build_tree`): node ``k`` holds the points ``perm[start[k]:stop[k]]`` in the box
    ``[lo[k], hi[k]]``; its children are ``left[k]`` and ``right[k]`` (``-1`` for a leaf)."""
    perm: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    left: np.ndarray
    right: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


class TreeWork(NamedTuple):
    """Work arrays of one chunk of cells of :func:`power_cells_tree`.

    ``dual`` the cell in dual form, ``P`` the cell as a face list (where the
    dual form gives up: :func:`~.cells.cut`), ``P2`` the face-list clipping's
    output, ``clip`` its work arrays, ``a, mid`` (3,) a plane; ``slot`` (SLOTS,)
    the point of every plane that cut the cell and ``area`` (SLOTS,) its facet's
    area; ``stack`` (128,) the walk's; ``ball`` (7,) the cell's bounds (:func:`_bounding_ball`).
    """
    dual: DualCell
    P: Polyhedron
    P2: Polyhedron
    clip: ClipWork
    a: np.ndarray
    mid: np.ndarray
    slot: np.ndarray
    area: np.ndarray
    stack: np.ndarray
    ball: np.ndarray


class TreeCellsOut(NamedTuple):
    """What :func:`power_cells_tree` returns (see there)."""
    moments: np.ndarray
    neighbors: np.ndarray
    facets: np.ndarray
    counts: np.ndarray
    sizes: np.ndarray
    status: np.ndarray
    polyhedra: Polyhedra


@njit(cache=True)
def build_tree(y):
    """k-d tree of the rows of ``y`` (m, 3), leaves of at most ``LEAF`` points.

    Returns a :class:`KdTree`: node ``k`` holds the points ``perm[start[k]:stop[k]]``
    in the box ``[lo[k], hi[k]]``; ``left[k] = -1`` for a leaf. Children come after
    their parent (so a reverse sweep is bottom-up).
    Split at the median of the widest coordinate.
    """
    m = y.shape[0]
    cap = max(1, 4 * (m // LEAF + 1))
    perm = np.arange(m)
    start = np.empty(cap, np.int64)
    stop = np.empty(cap, np.int64)
    left = np.full(cap, -1, np.int64)
    right = np.full(cap, -1, np.int64)
    lo = np.empty((cap, 3))
    hi = np.empty((cap, 3))
    start[0] = 0
    stop[0] = m
    count = 1
    stack = np.empty(128, np.int64)
    stack[0] = 0
    top = 1
    while top > 0:
        top -= 1
        k = stack[top]
        a = start[k]
        b = stop[k]
        for c in range(3):
            lo[k, c] = np.inf
            hi[k, c] = -np.inf
        for t in range(a, b):
            p = perm[t]
            for c in range(3):
                lo[k, c] = min(lo[k, c], y[p, c])
                hi[k, c] = max(hi[k, c], y[p, c])
        if b - a <= LEAF:
            continue
        axis = 0
        for c in range(1, 3):
            if hi[k, c] - lo[k, c] > hi[k, axis] - lo[k, axis]:
                axis = c
        part = perm[a:b].copy()
        key = np.empty(b - a)
        for t in range(b - a):
            key[t] = y[part[t], axis]
        order = np.argsort(key)
        for t in range(b - a):
            perm[a + t] = part[order[t]]
        mid = (a + b) // 2
        left[k] = count
        right[k] = count + 1
        start[count] = a
        stop[count] = mid
        start[count + 1] = mid
        stop[count + 1] = b
        stack[top] = count
        stack[top + 1] = count + 1
        top += 2
        count += 2
    return KdTree(perm, start[:count], stop[:count], left[:count], right[:count], lo[:count], hi[:count])


@njit(cache=True)
def _node_weights(tree, g):
    """Largest half weight ``G`` of every node of the :class:`KdTree` ``tree`` (bottom-up sweep)."""
    perm, start, stop, left, right = tree.perm, tree.start, tree.stop, tree.left, tree.right
    k_nodes = start.shape[0]
    out = np.empty(k_nodes)
    for k in range(k_nodes - 1, -1, -1):
        if left[k] < 0:
            v = -np.inf
            for t in range(start[k], stop[k]):
                v = max(v, g[perm[t]])
            out[k] = v
        else:
            out[k] = max(out[left[k]], out[right[k]])
    return out


@njit(cache=True, _nrt=False)
def _bounding_ball(V, nv, ball):
    """Bounds of the polyhedron ``V[:nv]``, into ``ball`` (7,): the centre ``c`` of its bounding box,
    the largest vertex distance to ``c``, and the box's half extents."""
    for c in range(3):
        a = np.inf
        b = -np.inf
        for v in range(nv):
            a = min(a, V[v, c])
            b = max(b, V[v, c])
        ball[c] = 0.5 * (a + b)
        ball[4 + c] = 0.5 * (b - a)
    r2 = 0.0
    for v in range(nv):
        r2 = max(r2, (V[v, 0] - ball[0]) ** 2 + (V[v, 1] - ball[1]) ** 2 + (V[v, 2] - ball[2]) ** 2)
    ball[3] = np.sqrt(r2)


@njit(cache=True, _nrt=False)
def _spread(ball, ux, uy, uz):
    """Upper bound of ``<x - c, u>`` over the cell: the smaller of the ball's and the box's."""
    return min(ball[3] * np.sqrt(ux * ux + uy * uy + uz * uz),
               ball[4] * abs(ux) + ball[5] * abs(uy) + ball[6] * abs(uz))


@njit(cache=True)
def tree_work(cap_p, cap_t, cap_v, cap_f, cap_i):
    """The work arrays (a :class:`TreeWork`) of one chunk of cells (capacities from :func:`~.cells.capacities`)."""
    return TreeWork(dual_arrays(cap_t, cap_p), polyhedron_arrays(cap_v, cap_f, cap_i),
                    polyhedron_arrays(cap_v, cap_f, cap_i),
                    clip_arrays(cap_v), np.empty(3), np.empty(3), np.empty(SLOTS, np.int64), np.empty(SLOTS),
                    np.empty(128, np.int64), np.empty(7))


@njit(cache=True, parallel=True)
def power_cells_tree(points, halfweights, tree, first, cells, start, radius, budget, floor, n_chunks, keep,
                     offsets):
    """Clip every cell from the starting polyhedron by the planes a k-d tree walk cannot rule out.

    Parameters as :func:`geomot._kernels.spatial.cells.power_cells_3d`, with
    ``tree`` (a :class:`KdTree` from :func:`build_tree`) instead of an adjacency,
    ``first`` (n, k) int64 the points to clip with first (the nearest neighbours,
    which make the cell small at once), ``cells`` the cells to build, in this
    order (all of them in the tree's order ``tree.perm`` for memory locality; the
    other rows of the outputs stay zero), ``budget`` (points examined per cell
    before giving up: then every cell not started yet gives up too), ``floor`` (a
    volume: the first cell found smaller, empty cells included, makes the others
    give up too; a line search rejects such a step without the cost of a whole
    diagram) and ``n_chunks`` (cells are processed in that many chunks, in
    parallel, each allocating its work arrays once).

    Returns
    -------
    TreeCellsOut
        ``moments`` (n, 5);
        ``neighbors, facets`` (n, FACETS) int64 and float: the first ``counts[i]``
        entries of row ``i`` are the cells sharing a facet of positive area with ``i``
        (increasing) and the facet areas;
        ``counts`` (n,) int64;
        ``sizes``, ``polyhedra``: as in ``power_cells_3d`` (face labels the neighbour's index);
        ``status`` (n,) int64: ``OK``, ``OVERFLOWED``, ``TOO_MANY`` or ``BELOW_FLOOR``.
    """
    n = points.shape[0]
    gmax = _node_weights(tree, halfweights)
    moments = np.zeros((n, 5))
    neighbors = np.empty((n, FACETS), np.int64)
    facets = np.zeros((n, FACETS))
    counts = np.zeros(n, np.int64)
    sizes = np.zeros((n, 3), np.int64)
    status = np.zeros(n, np.int64)
    kept = polyhedra_arrays(keep, offsets, n)
    cap_p, cap_t, cap_v, cap_f, cap_i = capacities(start, SLOTS)
    m = cells.size
    n_chunks = max(1, min(m, n_chunks))
    giveup = np.zeros(1, np.int64)
    # the parallel loop sees arrays only and makes its named tuples itself (numba's parfors take no nested
    # tuples and lose writes made through a named tuple's attributes: numba issues 10140, 7135)
    cell_v, cell_fptr, cell_fidx, cell_flab = kept.vertices, kept.fptr, kept.fidx, kept.flab
    vert_off, face_off, idx_off = offsets.vert_off, offsets.face_off, offsets.idx_off
    perm, tstart, tstop, left, right, lo, hi = tree.perm, tree.start, tree.stop, tree.left, tree.right, tree.lo, tree.hi
    s_tri, s_pos, s_label, s_coincident = start.tri, start.pos, start.label, start.coincident
    for chunk in prange(n_chunks):
        chunk_out = TreeCellsOut(moments, neighbors, facets, counts, sizes, status, Polyhedra(
            PolyhedraOffsets(vert_off, face_off, idx_off), cell_v, cell_fptr, cell_fidx, cell_flab))
        chunk_tree = KdTree(perm, tstart, tstop, left, right, lo, hi)
        chunk_start = DualStart(s_tri, s_pos, s_label, s_coincident)
        work = tree_work(cap_p, cap_t, cap_v, cap_f, cap_i)  # allocated once per chunk of cells
        for r in range(chunk * m // n_chunks, (chunk + 1) * m // n_chunks):
            i = cells[r]
            if giveup[0]:  # another cell gave up, and so does the diagram (a racy read, harmless)
                status[i] = TOO_MANY
                continue
            _one_cell(i, points, halfweights, first, chunk_tree, gmax, chunk_start, radius, budget, keep, chunk_out,
                      work)
            if status[i] == OK and moments[i, 0] < floor:
                status[i] = BELOW_FLOOR
            if status[i] == TOO_MANY or status[i] == BELOW_FLOOR:
                giveup[0] = 1
    return TreeCellsOut(moments, neighbors, facets, counts, sizes, status, kept)


@njit(cache=True, _nrt=False)
def _node_misses(V, nv, y, gi, qlo, qhi, gq):
    """True if no point of the box ``[qlo, qhi]`` with half weights ``<= gq`` can cut the cell ``V[:nv]``."""
    for v in range(nv):
        near = 0.0
        own = 0.0
        for c in range(3):
            t = max(qlo[c] - V[v, c], 0.0, V[v, c] - qhi[c])
            near += t * t
            own += (V[v, c] - y[c]) ** 2
        if near - 2.0 * gq < own - 2.0 * gi:
            return False
    return True


@njit(cache=True, _nrt=False)
def _far(j, y, gi, points, halfweights, ball):
    """The security test of point ``j`` on the cell's ball and box: True if ``j`` cannot cut the cell."""
    pc = (ball[0] - y[0]) ** 2 + (ball[1] - y[1]) ** 2 + (ball[2] - y[2]) ** 2 - 2.0 * gi
    pj = ((ball[0] - points[j, 0]) ** 2 + (ball[1] - points[j, 1]) ** 2 + (ball[2] - points[j, 2]) ** 2
          - 2.0 * halfweights[j])
    return pj - pc >= 2.0 * _spread(ball, y[0] - points[j, 0], y[1] - points[j, 1], y[2] - points[j, 2])


@njit(cache=True, _nrt=False)
def _misses(j, y, gi, points, halfweights, V, nv, ball, a, mid):
    """True if a test proves that the plane of ``j`` cannot cut the cell ``V[:nv]``.

    Tests, cheapest first: the security test on the cell's ball and box, then
    the sign of the plane at every vertex. Leaves the plane
    ``<x - mid, a> <= gi - halfweights[j]`` in ``a, mid`` (3,) once the first test is passed.
    Apart from :func:`_cut`, which it spares most planes.
    """
    if _far(j, y, gi, points, halfweights, ball):
        return True
    for c in range(3):
        a[c] = points[j, c] - y[c]
        mid[c] = 0.5 * (points[j, c] + y[c])
    b = gi - halfweights[j]
    dmax = -np.inf
    for v in range(nv):
        dmax = max(dmax, (V[v, 0] - mid[0]) * a[0] + (V[v, 1] - mid[1]) * a[1] + (V[v, 2] - mid[2]) * a[2] - b)
    return dmax <= 0.0


@njit(cache=True, _nrt=False)
def _cut(j, gi, halfweights, dual, nv, nf, n_slots, work):
    """Clip the cell (:func:`~.cells.cut`'s state ``(dual, nv, nf)``) by the plane of ``j``, which
    :func:`_misses` has just left in ``work.a, work.mid`` (the plane cuts it: some vertex is outside);
    record ``j`` in ``work.slot`` and update ``work.ball``. (Without reference counting, as
    :func:`~.cells.cut`.)

    Returns ``(dual, nv, nf, n_slots, status)``; ``nf = 0`` if nothing is left.
    """
    if n_slots >= SLOTS:
        return dual, nv, nf, n_slots, OVERFLOWED
    dual, nv, nf, code = cut(work.dual, work.P, work.P2, work.clip, dual, nv, nf, work.a, work.mid,
                             gi - halfweights[j], n_slots)
    if code == UNCHANGED:
        return dual, nv, nf, n_slots, OK
    if code == OVERFLOW:
        return dual, nv, 0, n_slots, OVERFLOWED
    if nf == 0:
        return dual, 0, 0, n_slots, OK
    work.slot[n_slots] = j
    _bounding_ball(work.dual.pos if dual else work.P.V, nv, work.ball)
    return dual, nv, nf, n_slots + 1, OK


@njit(cache=True, _nrt=False)
def _one_cell(i, points, halfweights, first, tree, gmax, start, radius, budget, keep, out, work):
    """Cell ``i`` of :func:`power_cells_tree`, written to ``out`` (a :class:`TreeCellsOut`); ``work`` a
    :class:`TreeWork`, ``gmax`` the largest half weight of every node of the :class:`KdTree` ``tree``."""
    perm, tstart, tstop, left, right, lo, hi = tree.perm, tree.start, tree.stop, tree.left, tree.right, tree.lo, tree.hi
    P, a, mid = work.P, work.a, work.mid
    slot, area, stack, ball = work.slot, work.area, work.stack, work.ball
    neighbors = out.neighbors
    facets = out.facets
    area[:] = 0.0
    nv, nf = load(start, work.dual)
    dual = True
    V = work.dual.pos  # the vertices: the dual form's, or the face list's once the dual form gave up
    y = points[i]
    gi = halfweights[i]
    _bounding_ball(V, nv, ball)
    n_slots = 0
    code = OK
    for q in range(first.shape[1]):
        j = first[i, q]
        if _misses(j, y, gi, points, halfweights, V, nv, ball, a, mid):
            continue
        dual, nv, nf, n_slots, code = _cut(j, gi, halfweights, dual, nv, nf, n_slots, work)
        V = work.dual.pos if dual else P.V
        if code != OK or nf == 0:
            break
    examined = 0
    stack[0] = 0
    top = 1
    while top > 0 and nf > 0 and code == OK:
        top -= 1
        k = stack[top]
        # the node test: dist(c, Q)^2 - 2 G - pow_i(c) >= 2 spread(y_i - Q)
        pc = (ball[0] - y[0]) ** 2 + (ball[1] - y[1]) ** 2 + (ball[2] - y[2]) ** 2 - 2.0 * gi
        near = 0.0
        fx = max(abs(lo[k, 0] - y[0]), abs(hi[k, 0] - y[0]))
        fy = max(abs(lo[k, 1] - y[1]), abs(hi[k, 1] - y[1]))
        fz = max(abs(lo[k, 2] - y[2]), abs(hi[k, 2] - y[2]))
        for c in range(3):
            t = max(lo[k, c] - ball[c], 0.0, ball[c] - hi[k, c])
            near += t * t
        if near - 2.0 * gmax[k] - pc >= 2.0 * _spread(ball, fx, fy, fz):
            continue
        # the exact test on the vertices: dist(v, Q)^2 - 2 G >= pow_i(v) for every vertex v (the min
        # of the affine pow_j - pow_i over the cell is at a vertex)
        if left[k] >= 0 and _node_misses(V, nv, y, gi, lo[k], hi[k], gmax[k]):
            continue
        if left[k] >= 0:
            # push the child farther from y_i first, so that the nearer one is walked first
            l_near = 0.0
            r_near = 0.0
            for c in range(3):
                t = max(lo[left[k], c] - y[c], 0.0, y[c] - hi[left[k], c])
                l_near += t * t
                t = max(lo[right[k], c] - y[c], 0.0, y[c] - hi[right[k], c])
                r_near += t * t
            if top + 2 > stack.shape[0]:
                code = OVERFLOWED
                break
            stack[top] = right[k] if l_near <= r_near else left[k]
            stack[top + 1] = left[k] if l_near <= r_near else right[k]
            top += 2
            continue
        examined += tstop[k] - tstart[k]
        if examined > budget:
            code = TOO_MANY
            break
        for t in range(tstart[k], tstop[k]):
            j = perm[t]
            if j == i or _far(j, y, gi, points, halfweights, ball):
                continue
            done = False
            for q in range(first.shape[1]):
                done |= first[i, q] == j
            if done or _misses(j, y, gi, points, halfweights, V, nv, ball, a, mid):
                continue
            dual, nv, nf, n_slots, code = _cut(j, gi, halfweights, dual, nv, nf, n_slots, work)
            V = work.dual.pos if dual else P.V
            if code != OK or nf == 0:
                break
    if code == OK:
        nv, nf = as_faces(work.dual, P, dual, nv, nf)
        if nf < 0:
            code = OVERFLOWED
    out.status[i] = code
    if code != OK or nf < 4:
        return
    if radius > 0.0:
        ball_moments(P, nv, nf, y, radius, out.moments[i], area)
    else:
        polyhedron_moments(P, nv, nf, y, out.moments[i], area)
    cnt = 0
    for s in range(n_slots):
        if area[s] > 0.0:
            if cnt >= FACETS:
                out.status[i] = OVERFLOWED
                break
            # insertion sort: the row comes out sorted by neighbour index
            q = cnt
            while q > 0 and neighbors[i, q - 1] > slot[s]:
                neighbors[i, q] = neighbors[i, q - 1]
                facets[i, q] = facets[i, q - 1]
                q -= 1
            neighbors[i, q] = slot[s]
            facets[i, q] = area[s]
            cnt += 1
    out.counts[i] = cnt
    store_polyhedron(i, P, nv, nf, slot, keep, out.polyhedra, out.sizes)
