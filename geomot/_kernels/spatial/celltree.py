r"""3D power cells without a triangulation: a k-d tree search with a security radius.

Same cells as :func:`geomot._kernels.cells3d.power_cells_3d` (unit frame, half
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
import numpy as np
from numba import njit, prange

from .cells import (
    OVERFLOW,
    UNCHANGED,
    ball_moments,
    clip_arrays,
    clip_polyhedron,
    load_polyhedron,
    polyhedron_arrays,
    polyhedron_moments,
    store_polyhedron,
)

LEAF = 8
SLOTS = 160  # planes that changed one cell (its live faces are fewer)
FACETS = 48  # neighbours of positive facet area one cell may report (random points: about 35 at most)
TOO_MANY = 2  # status: the walk examined more than `budget` points
OVERFLOWED = 1  # status: a work array was too small
BELOW_FLOOR = 3  # status: the cell's volume is below `floor`


@njit(cache=True)
def build_tree(y):
    """k-d tree of the rows of ``y`` (m, 3), leaves of at most ``LEAF`` points.

    Returns ``(perm, start, stop, left, right, lo, hi)``: node ``k`` holds the
    points ``perm[start[k]:stop[k]]`` in the box ``[lo[k], hi[k]]``; ``left[k] = -1``
    for a leaf. Children come after their parent (so a reverse sweep is bottom-up).
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
    return perm, start[:count], stop[:count], left[:count], right[:count], lo[:count], hi[:count]


@njit(cache=True)
def _node_weights(perm, start, stop, left, right, g):
    """Largest half weight ``G`` of every node (bottom-up sweep)."""
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


@njit(cache=True)
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


@njit(cache=True)
def _spread(ball, ux, uy, uz):
    """Upper bound of ``<x - c, u>`` over the cell: the smaller of the ball's and the box's."""
    return min(ball[3] * np.sqrt(ux * ux + uy * uy + uz * uz),
               ball[4] * abs(ux) + ball[5] * abs(uy) + ball[6] * abs(uz))


@njit(cache=True, parallel=True)
def power_cells_tree(points, halfweights, tree, first, cells, sv, sfptr, sfidx, sflab, radius, budget, floor,
                     n_chunks, keep, vert_off, face_off, idx_off):
    """Clip every cell from the starting polyhedron by the planes a k-d tree walk cannot rule out.

    Parameters as :func:`geomot._kernels.cells3d.power_cells_3d`, with ``tree``
    from :func:`build_tree` instead of an adjacency, ``first`` (n, k) int64 the
    points to clip with first (the nearest neighbours, which make the cell small
    at once), ``cells`` the cells to build, in this order (all of them in the
    tree's order ``tree[0]`` for memory locality; the other rows of the outputs
    stay zero), ``budget`` (points examined per cell before giving up: then every
    cell not started yet gives up too), ``floor`` (a volume: the first cell found
    smaller, empty cells included, makes the others give up too; a line search
    rejects such a step without the cost of a whole diagram) and ``n_chunks``
    (cells are processed in that many chunks, in parallel, each allocating its
    work arrays once).

    Returns
    -------
    moments : (n, 5)
    neighbors, facets : (n, FACETS) int64 and float
        The first ``counts[i]`` entries of row ``i``: the cells sharing a facet
        of positive area with ``i`` (increasing) and the facet areas.
    counts : (n,) int64
    sizes, status : as in ``power_cells_3d`` (status ``OVERFLOWED``, ``TOO_MANY`` or ``BELOW_FLOOR``).
    cell_v, cell_fptr, cell_fidx, cell_flab : the polyhedra (``keep`` only), face
        labels being the neighbour's index (``-1`` on the domain boundary).
    """
    n = points.shape[0]
    perm, start, stop, left, right, lo, hi = tree
    gmax = _node_weights(perm, start, stop, left, right, halfweights)
    nv0 = sv.shape[0]
    nf0 = sflab.shape[0]
    ni0 = sfidx.shape[0]
    moments = np.zeros((n, 5))
    neighbors = np.empty((n, FACETS), np.int64)
    facets = np.zeros((n, FACETS))
    counts = np.zeros(n, np.int64)
    sizes = np.zeros((n, 3), np.int64)
    status = np.zeros(n, np.int64)
    if keep:
        cell_v = np.empty((vert_off[n], 3))
        cell_fptr = np.zeros(face_off[n] + n, np.int64)
        cell_fidx = np.empty(idx_off[n], np.int64)
        cell_flab = np.empty(face_off[n], np.int64)
    else:
        cell_v = np.empty((0, 3))
        cell_fptr = np.zeros(0, np.int64)
        cell_fidx = np.empty(0, np.int64)
        cell_flab = np.empty(0, np.int64)
    cap_f = nf0 + SLOTS + 2
    cap_v = nv0 + 6 * cap_f + 16
    cap_i = ni0 + 8 * cap_f + 32
    m = cells.size
    n_chunks = max(1, min(m, n_chunks))
    giveup = np.zeros(1, np.int64)
    for chunk in prange(n_chunks):
        # work arrays, allocated once per chunk of cells
        V, fptr, fidx, flab = polyhedron_arrays(cap_v, cap_f, cap_i)
        V2, fptr2, fidx2, flab2 = polyhedron_arrays(cap_v, cap_f, cap_i)
        dist, newid, on, nxt, ekey, evert = clip_arrays(cap_v)
        slot = np.empty(SLOTS, np.int64)
        area = np.empty(SLOTS)
        stack = np.empty(128, np.int64)
        ball = np.empty(7)
        a = np.empty(3)
        mid = np.empty(3)
        for r in range(chunk * m // n_chunks, (chunk + 1) * m // n_chunks):
            i = cells[r]
            if giveup[0]:  # another cell gave up, and so does the diagram (a racy read, harmless)
                status[i] = TOO_MANY
                continue
            _one_cell(i, points, halfweights, first, perm, start, stop, left, right, lo, hi, gmax, sv, sfptr, sfidx,
                      sflab, radius, budget, keep, vert_off, face_off, idx_off, moments, neighbors, facets, counts,
                      sizes, status, cell_v, cell_fptr, cell_fidx, cell_flab, V, V2, fptr, fptr2, fidx, fidx2, flab,
                      flab2, dist, newid, on, nxt, ekey, evert, slot, area, stack, ball, a, mid)
            if status[i] == 0 and moments[i, 0] < floor:
                status[i] = BELOW_FLOOR
            if status[i] == TOO_MANY or status[i] == BELOW_FLOOR:
                giveup[0] = 1
    return moments, neighbors, facets, counts, sizes, status, cell_v, cell_fptr, cell_fidx, cell_flab


@njit(cache=True)
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


@njit(cache=True)
def _far(j, y, gi, points, halfweights, ball):
    """The security test of point ``j`` on the cell's ball and box: True if ``j`` cannot cut the cell."""
    pc = (ball[0] - y[0]) ** 2 + (ball[1] - y[1]) ** 2 + (ball[2] - y[2]) ** 2 - 2.0 * gi
    pj = ((ball[0] - points[j, 0]) ** 2 + (ball[1] - points[j, 1]) ** 2 + (ball[2] - points[j, 2]) ** 2
          - 2.0 * halfweights[j])
    return pj - pc >= 2.0 * _spread(ball, y[0] - points[j, 0], y[1] - points[j, 1], y[2] - points[j, 2])


@njit(cache=True)
def _cut(j, y, gi, points, halfweights, V, nv, fptr, fidx, flab, nf, n_slots, slot,
         V2, fptr2, fidx2, flab2, dist, newid, on, nxt, ekey, evert, ball, a, mid):
    """Clip the cell (in place) by the plane of ``j`` unless a test proves it cannot cut.

    Tests, cheapest first: the security test on the cell's ball and box, then
    the sign of the plane at every vertex. Returns ``(nv, nf, n_slots, status)``;
    ``nf = 0`` if nothing is left.
    """
    if _far(j, y, gi, points, halfweights, ball):
        return nv, nf, n_slots, 0
    for c in range(3):
        a[c] = points[j, c] - y[c]
        mid[c] = 0.5 * (points[j, c] + y[c])
    b = gi - halfweights[j]
    dmax = -np.inf
    for v in range(nv):
        dmax = max(dmax, (V[v, 0] - mid[0]) * a[0] + (V[v, 1] - mid[1]) * a[1] + (V[v, 2] - mid[2]) * a[2] - b)
    if dmax <= 0.0:
        return nv, nf, n_slots, 0
    if n_slots >= SLOTS:
        return nv, nf, n_slots, OVERFLOWED
    nv2, nf2 = clip_polyhedron(V, nv, fptr, fidx, flab, nf, a, mid, b, n_slots,
                               V2, fptr2, fidx2, flab2, dist, newid, on, nxt, ekey, evert)
    if nf2 == UNCHANGED:
        return nv, nf, n_slots, 0
    if nf2 == OVERFLOW:
        return nv, 0, n_slots, OVERFLOWED
    if nf2 == 0:
        return 0, 0, n_slots, 0
    slot[n_slots] = j
    V[:nv2] = V2[:nv2]
    fptr[:nf2 + 1] = fptr2[:nf2 + 1]
    fidx[:fptr2[nf2]] = fidx2[:fptr2[nf2]]
    flab[:nf2] = flab2[:nf2]
    _bounding_ball(V, nv2, ball)
    return nv2, nf2, n_slots + 1, 0


@njit(cache=True)
def _one_cell(i, points, halfweights, first, perm, start, stop, left, right, lo, hi, gmax, sv, sfptr, sfidx, sflab,
              radius, budget, keep, vert_off, face_off, idx_off, moments, neighbors, facets, counts, sizes,
              status, cell_v, cell_fptr, cell_fidx, cell_flab, V, V2, fptr, fptr2, fidx, fidx2, flab,
              flab2, dist, newid, on, nxt, ekey, evert, slot, area, stack, ball, a, mid):
    """Cell ``i`` of :func:`power_cells_tree` (work arrays given)."""
    area[:] = 0.0
    nv, nf = load_polyhedron(sv, sfptr, sfidx, sflab, V, fptr, fidx, flab)
    y = points[i]
    gi = halfweights[i]
    _bounding_ball(V, nv, ball)
    n_slots = 0
    code = 0
    for q in range(first.shape[1]):
        nv, nf, n_slots, code = _cut(first[i, q], y, gi, points, halfweights, V, nv, fptr, fidx, flab, nf, n_slots,
                                     slot, V2, fptr2, fidx2, flab2, dist, newid, on, nxt, ekey, evert, ball, a, mid)
        if code != 0 or nf == 0:
            break
    examined = 0
    stack[0] = 0
    top = 1
    while top > 0 and nf > 0 and code == 0:
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
        examined += stop[k] - start[k]
        if examined > budget:
            code = TOO_MANY
            break
        for t in range(start[k], stop[k]):
            j = perm[t]
            if j == i or _far(j, y, gi, points, halfweights, ball):
                continue
            done = False
            for q in range(first.shape[1]):
                done |= first[i, q] == j
            if done:
                continue
            nv, nf, n_slots, code = _cut(j, y, gi, points, halfweights, V, nv, fptr, fidx, flab, nf, n_slots, slot,
                                         V2, fptr2, fidx2, flab2, dist, newid, on, nxt, ekey, evert, ball, a, mid)
            if code != 0 or nf == 0:
                break
    status[i] = code
    if code != 0 or nf < 4:
        return
    if radius > 0.0:
        ball_moments(V, nv, fptr, fidx, flab, nf, y, radius, moments[i], area)
    else:
        polyhedron_moments(V, nv, fptr, fidx, flab, nf, y, moments[i], area)
    cnt = 0
    for s in range(n_slots):
        if area[s] > 0.0:
            if cnt >= FACETS:
                status[i] = OVERFLOWED
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
    counts[i] = cnt
    store_polyhedron(i, V, nv, fptr, fidx, flab, nf, slot, keep, vert_off, face_off, idx_off, sizes,
                     cell_v, cell_fptr, cell_fidx, cell_flab)
