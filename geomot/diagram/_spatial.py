r"""Power diagrams in 3D, clipped to a convex polytope or a ball: cells, masses, facet areas, Hessian.

The 3D backend of :class:`geomot.PowerDiagram`, with the conventions of the 2D one:
with heights ``h`` the cell of ``y_i`` is

.. math:: W_i(h) = \{x \in \Omega : \langle x, y_i\rangle + h_i \ge \langle x, y_j\rangle + h_j \ \forall j\},

power weights ``psi_i = 2 h_i + |y_i|^2``; internally the unit frame of the
domain and the half power weights ``g = h + |y|^2 / 2``.

Pipeline (numba over all cells, in parallel):

0. in a Newton solve on a polytope, from the second diagram on
   (:func:`_candidate_cells`): every cell is clipped by its neighbours in the
   previous diagram and its 8 nearest points, and the result certified: the
   facets seen from both sides agree and the volumes sum to the domain's
   (:mod:`geomot._kernels.spatial.candidates`); cells that fail are rebuilt as in 1;
1. :func:`geomot._kernels.spatial.celltree.power_cells_tree`: every cell starts from
   the domain polytope and is clipped by the bisector half-spaces of its 16
   nearest points, then of every point that a k-d tree walk cannot rule out
   (a security test; no triangulation);
2. where that walk gives up (targets far from the domain), the weighted
   Delaunay triangulation instead: the lower convex hull of the lifted points
   ``(y_i, -h_i)`` in R^4 (one Qhull call, with four auxiliary points far
   from the domain whose cells provably miss it, so the hull is
   full-dimensional for ``n < 5``, coplanar or cospherical input), whose edges
   are each cell's neighbour list (:func:`geomot._kernels.spatial.cells.power_cells_3d`).

Either way, volume, first and second moments and the area of every facet come
out of the clipping pass (divergence theorem on a tetrahedral fan). On a
:class:`~geomot.Ball` the cells start from its bounding cube and are
integrated exactly against the sphere (:func:`~geomot._kernels.spatial.cells.ball_moments`:
cones from the centre, cut by the sphere, in closed form).
"""
import math

import numpy as np
import scipy.sparse as sp
from scipy.spatial import ConvexHull, QhullError, cKDTree

from .._kernels.spatial.candidates import candidate_lists, facet_mismatch, replace_rows, ring_lists
from .._kernels.spatial.celltree import build_tree, power_cells_tree
from .._kernels.spatial.cells import PolyhedraOffsets, power_cells_3d
from .._kernels.spatial.dualcell import dual_start
from .._kernels.spatial.status import BELOW_FLOOR
from ..errors import GeometryError
from ._frame import CellsRejected, SolverPolicy, chunks, heights_from_halfweights, with_auxiliary_points

# Far from the solution a quarter of the neighbours change and checking the previous ones costs more than it
# saves: trial diagrams reuse them below an error of 1, and otherwise screen the cells likeliest to fall below
# the floor first. LDL^T fills in too much in 3D (AMG); convex domains keep the facet graph connected.
# AMG iterations are dearer than LDL-preconditioned ones, hence the looser forcing (measured:
# docs/benchmarks.md, design measurements).
POLICY = SolverPolicy(laplacian="amg", connected=True, forcing=1e-2, warm_below=1.0, screen_cells=True)
_FACET_NOISE = 1e-12  # facets smaller than this times (cell volume)^(2/3) are rounding noise
_START_HALF = 2.0
_FIRST = 16  # nearest neighbours every cell is clipped with before the k-d tree walk
_CANDIDATE_NN = 8  # nearest neighbours added to a cell's previous ones (16: slower, as sure; docs/benchmarks.md)
_FACET_ATOL = 1e-11  # facets seen from their two cells agree to this times V^(2/3) (rounding: 2e-13)
_VOLUME_RTOL = 1e-14  # the certified volumes must sum to the domain's to this (rounding: about 1e-16)
_BUDGET = 2048  # points one cell's walk may examine (uniform targets: 60 on average, 170 at most)
_NO_OFFSETS = PolyhedraOffsets(*(np.zeros(1, np.int64) for _ in range(3)))  # kernels not keeping polyhedra


class UnitDomain:
    """A convex 3D domain in its unit frame: half-spaces and the starting polyhedron of every cell.

    ``radius`` is 1 for a ball (the unit ball: cells are polyhedra clipped to its
    bounding cube, then integrated exactly against the sphere), else 0.
    The solver's diagrams share one instance: ``triangulate`` (set once a
    diagram needed the triangulation) and ``search`` (the k-d tree of the
    points, which do not move) carry over from one diagram to the next.
    """

    def __init__(self, domain, density=None):
        c, s = domain.frame
        self.frame = (c, s)
        normals, offsets, sphere = domain.clip_halfspaces()
        self.radius = 1.0 if sphere else 0.0
        self.triangulate = False
        self.search = None  # (points, k-d tree, nearest neighbours) of the last points seen
        self.last = None  # (points, cells) of the last diagram built by the triangulation
        # ``density``: a non-uniform source that integrates the clipped cells itself (``polyhedron_integrals``);
        # its masses are probabilities already, so the unit "volume" dividing them is 1 (``space``: the
        # domain's unit-frame volume, which the certified cells' volumes sum to)
        self.density = density
        self.space = domain.volume / s ** 3
        self.volume = self.space if density is None else 1.0
        self.normals = np.ascontiguousarray(normals, dtype=np.float64)
        self.offsets = np.ascontiguousarray((offsets - normals @ c) / s, dtype=np.float64)
        self.start = dual_start(self.normals, self.offsets, _START_HALF)
        if len(self.start.tri) < 4:
            raise GeometryError(f"the domain {domain!r} is empty or flat in its unit frame")


def lower_hull(y, h):
    """Weighted Delaunay tetrahedra: lower facets of the hull of ``(y_i, -h_i)`` in R^4 (one Qhull call).

    Returns int64 (m, 4), each positively oriented (``det(b - a, c - a, d - a) >= 0``).
    Raises :class:`GeometryError` if Qhull fails (flat input).
    """
    try:
        hull = ConvexHull(np.column_stack([y, -h]))
    except (QhullError, ValueError) as exc:
        raise GeometryError(f"Qhull failed on the lifted points: {exc}") from None
    tet = np.ascontiguousarray(hull.simplices[hull.equations[:, 3] < 0], dtype=np.int64)
    a = y[tet[:, 0]]
    det = np.einsum("ij,ij->i", np.cross(y[tet[:, 1]] - a, y[tet[:, 2]] - a), y[tet[:, 3]] - a)
    neg = det < 0
    tet[neg] = tet[neg][:, [0, 1, 3, 2]]
    return tet


def _adjacency(tets, n_points):
    """Symmetric CSR ``(indptr, indices)`` of the edges of the tetrahedra, rows sorted (vectorised)."""
    first = tets[:, [0, 0, 0, 1, 1, 2]].ravel()
    second = tets[:, [1, 2, 3, 2, 3, 3]].ravel()
    key = np.unique(np.minimum(first, second) * n_points + np.maximum(first, second))
    lo, hi = key // n_points, key % n_points
    rows = np.concatenate([lo, hi])
    cols = np.concatenate([hi, lo])
    order = np.lexsort((cols, rows))
    indptr = np.zeros(n_points + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_points), out=indptr[1:])
    return indptr, np.ascontiguousarray(cols[order], dtype=np.int64)


def _offsets(sizes, volumes):
    """Offsets of every cell's vertices, faces and face indices in the polyhedra arrays (none for empty cells)."""
    sizes = np.where(volumes[:, None] > 0, sizes, 0)  # cells outside a ball: none
    offs = PolyhedraOffsets(*(np.zeros(len(sizes) + 1, np.int64) for _ in range(3)))
    for k in range(3):
        np.cumsum(sizes[:, k], out=offs[k][1:])
    return offs


def _triangulation_cells(y, g, unit):
    """Cells clipped by their weighted Delaunay neighbours (one Qhull call in R^4, four auxiliary points).

    Returns ``(moments, indptr, indices, facets, cell_pass)``, ``cell_pass()`` giving
    the polyhedra (a :class:`~geomot._kernels.spatial.cells.Polyhedra`: offsets, vertices,
    face pointers, face indices, face labels; see :meth:`geomot.PowerDiagram.polyhedra`),
    by a second pass of the kernel.
    """
    n = len(y)
    yy, gg = with_auxiliary_points(y, g)
    tets = lower_hull(yy, heights_from_halfweights(yy, gg))
    indptr, indices = _adjacency(tets, len(yy))
    indptr = indptr[:n + 1]
    indices = indices[:indptr[-1]]
    args = (yy, gg, indptr, indices, unit.start, unit.radius, n, np.arange(n), chunks())
    out = power_cells_3d(*args, False, _NO_OFFSETS)
    if out.status.any():
        raise GeometryError(f"3D cell clipping overflowed its work arrays for cells "
                            f"{np.flatnonzero(out.status)[:10].tolist()} (a bug: please report it)")
    return out.moments, indptr, indices, out.facets, _second_pass(
        lambda offs: power_cells_3d(*args, True, offs).polyhedra, out.sizes, out.moments[:, 0])


def _second_pass(kernel, sizes, volumes):
    """``cell_pass()`` of the cells builders: the kernel run again, keeping the polyhedra (``kernel(offsets)``
    returns their :class:`~geomot._kernels.spatial.cells.Polyhedra`)."""
    def cell_pass():
        return kernel(_offsets(sizes, volumes))
    return cell_pass


def _search(y, unit, tree=None):
    """The points' k-d tree and nearest neighbours, kept on ``unit`` (built once per solve: the points do not move)."""
    if unit.search is None or unit.search[0] is not y:
        n = len(y)
        k = min(_FIRST, n - 1)
        first = cKDTree(y).query(y, k + 1, workers=-1)[1][:, 1:] if k > 0 else np.empty((n, 0))
        unit.search = (y, build_tree(y) if tree is None else tree, np.ascontiguousarray(first, dtype=np.int64))
    return unit.search[1:]


def ordered(y, unit):
    """``(order, y[order])``: the points in the order of their k-d tree, whose tree ``unit`` keeps for them.

    The solver lists the points so: neighbouring cells sit together in memory
    (docs/benchmarks.md, design measurements).
    """
    tree = build_tree(y)
    perm = tree.perm
    y = np.ascontiguousarray(y[perm])
    _search(y, unit, tree._replace(perm=np.arange(len(y))))  # the same tree, the points now in its order
    return perm, y


def _tree_pass(y, g, unit, cells, floor, keep=False, offsets=_NO_OFFSETS):
    """:func:`~geomot._kernels.spatial.celltree.power_cells_tree` on ``cells`` (int64, the order of processing):
    its :class:`~geomot._kernels.spatial.celltree.TreeCellsOut`."""
    tree, first = _search(y, unit)
    return power_cells_tree(y, g, tree, first, cells, unit.start, unit.radius, _BUDGET, floor, chunks(), keep,
                            offsets)


def _tree_cells(y, g, unit, floor=0.0):
    """Cells clipped by the points a k-d tree walk cannot rule out (:mod:`geomot._kernels.spatial.celltree`).

    Same return as :func:`_triangulation_cells`, the neighbour lists holding only
    the facets of positive area; ``None`` where the walk gave up (targets far
    from the domain, where its test is weak) or a cell overflowed. Raises
    :class:`CellsRejected` when a cell's (unit-frame) volume is below ``floor``.
    """
    perm = _search(y, unit)[0].perm  # all cells in the tree's order: neighbouring cells in a chunk
    out = _tree_pass(y, g, unit, perm, floor)
    if (out.status == BELOW_FLOOR).any():
        raise CellsRejected
    if out.status.any():
        return None
    indptr, indices, facets = _rows(out.neighbors, out.facets, out.counts)
    return (out.moments, indptr, indices, facets,
            _second_pass(lambda offs: _tree_pass(y, g, unit, perm, 0.0, True, offs).polyhedra, out.sizes,
                         out.moments[:, 0]))


def _rows(neighbors, facets, counts):
    """CSR ``(indptr, indices, facets)`` of the first ``counts[i]`` entries of every row."""
    full = np.arange(neighbors.shape[1]) < counts[:, None]
    indptr = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, neighbors[full], facets[full]


def _candidate_cells(y, g, unit, previous, floor=0.0, suspects=None):
    """Cells clipped by their previous neighbours and 8 nearest points, certified
    (:mod:`geomot._kernels.spatial.candidates`).

    Polytope domains only (on a ball the volumes carry more rounding than the
    certificate allows). Cells whose facets disagree with their neighbours' are
    rebuilt by the k-d tree walk, or once the walk has given up
    (``unit.triangulate``: tight clusters) clipped by every cell two facets away
    (:func:`~geomot._kernels.spatial.candidates.ring_lists`), up to three rounds;
    then the volumes must sum to the domain's to ``1e-14`` of it. Returns the cells as
    :func:`_tree_cells`, or ``None`` if the certificate fails (the caller then
    builds every cell by the walk). Raises
    :class:`CellsRejected` when a cell's volume is below ``floor``
    (clipped cells contain the true ones: a small one is small), the cells
    ``suspects`` (int64) clipped and checked first, on their own.
    """
    n = len(y)
    tree, first = _search(y, unit)
    indptr, indices = candidate_lists(previous.indptr, previous.indices, previous.facets,
                                      np.ascontiguousarray(first[:, :_CANDIDATE_NN]))
    n_chunks = chunks()
    if floor > 0 and suspects is not None:
        some = np.zeros(n, np.bool_)
        some[suspects] = True
        sizes = np.where(some, np.diff(indptr), 0)
        some_ptr = np.zeros(n + 1, np.int64)
        np.cumsum(sizes, out=some_ptr[1:])
        check = power_cells_3d(y, g, some_ptr, indices[np.repeat(some, np.diff(indptr))], unit.start, 0.0, n,
                               tree.perm, n_chunks, False, _NO_OFFSETS)
        if not check.status.any() and check.moments[suspects, 0].min() < floor:
            raise CellsRejected
    args = (y, g, indptr, indices, unit.start, 0.0, n, tree.perm, n_chunks)
    out = power_cells_3d(*args, False, _NO_OFFSETS)
    if out.status.any():
        return None
    moments, facets = out.moments, out.facets
    if moments[:, 0].min() < floor:
        raise CellsRejected
    exact = np.zeros(n, np.bool_)  # cells rebuilt by the walk
    for attempt in range(4):
        flags = facet_mismatch(indptr, indices, facets, moments[:, 0], _FACET_ATOL)
        if not flags.any():
            break
        redo = flags & ~exact
        # many neighbours changed (the walk on all cells is cheaper; without the walk, Qhull is not), or the
        # rebuilt cells still disagree
        if attempt == 3 or (redo.sum() > 0.4 * n and not unit.triangulate) or not redo.any():
            return None
        cells = np.flatnonzero(redo)
        walk = None if unit.triangulate else _tree_pass(y, g, unit, cells, floor)
        if walk is not None and (walk.status == BELOW_FLOOR).any():
            raise CellsRejected
        if walk is not None and not walk.status.any():
            moments[cells] = walk.moments[cells]
            exact |= redo
            rows = _rows(walk.neighbors, walk.facets, walk.counts)
        else:
            # the walk gave up (tight clusters): clipped by every cell two facets away instead, certified as
            # the others
            ring_ptr, ring_idx = ring_lists(indptr, indices, facets, np.ascontiguousarray(first[:, :_CANDIDATE_NN]),
                                            redo)
            ring = power_cells_3d(y, g, ring_ptr, ring_idx, unit.start, 0.0, n, tree.perm, n_chunks, False,
                                  _NO_OFFSETS)
            if ring.status.any():
                return None
            if ring.moments[cells, 0].min() < floor:
                raise CellsRejected
            moments[cells] = ring.moments[cells]
            rows = ring_ptr, ring_idx, ring.facets
        indptr, indices, facets = replace_rows(indptr, indices, facets, redo, *rows)
    if abs(math.fsum(moments[:, 0]) - unit.space) > _VOLUME_RTOL * unit.space:
        return None
    args = (y, g, indptr, indices, unit.start, 0.0, n, tree.perm, n_chunks)  # the certified rows

    def cell_pass():
        # the certified rows hold every facet: clipping by them gives the cells (the sizes
        # of the rows rebuilt by the walk may differ from this clipping's, so they are recounted)
        sizes = power_cells_3d(*args, False, _NO_OFFSETS).sizes
        return _second_pass(lambda offs: power_cells_3d(*args, True, offs).polyhedra, sizes, moments[:, 0])()
    return moments, indptr, indices, facets, cell_pass


def simplices(y, h):
    """Weighted Delaunay tetrahedra of the points alone, int64 (k, 4), positively oriented (empty if flat).

    Cospherical input gives Qhull's triangulation of the non-simplicial cells
    (some tetrahedra may be flat).
    """
    if len(y) < 5:
        return np.empty((0, 4), np.int64)
    try:
        return lower_hull(y, h)
    except GeometryError:
        return np.empty((0, 4), np.int64)


def build(unit, y, g, previous=None, floor=0.0, rebuild=True, suspects=None):
    """The clipped cells of unit-frame points ``y`` with half weights ``g``: a :class:`SpatialCells`.

    With ``previous`` (cells of the same points), on a polytope, every cell is
    first clipped by its previous neighbours and nearest points and the result
    certified (:func:`_candidate_cells`); otherwise, or where that fails, by
    the k-d tree walk (:func:`_tree_cells`), or the triangulation where the
    walk gives up. A cell of unit-frame volume below ``floor`` raises
    :class:`CellsRejected` as soon as a pass meets one (a rejected line-search
    step then costs a fraction of a diagram); the cells ``suspects`` (int64)
    are checked first, on their own. With a ``unit.density`` the floor is a
    mass, checked once the density has integrated the cells. ``rebuild`` is for
    the 2D flips and unused here (every path here builds its cells afresh).
    """
    volume_floor = floor if unit.density is None else 0.0
    if previous is None and unit.triangulate and unit.last is not None and unit.last[0] is y:
        # Qhull in R^4 costs more than a failed candidate pass: even a cold diagram tries the last one's
        # neighbours (clustered targets, 1e4: 26 -> 14 s; docs/benchmarks.md)
        previous = unit.last[1]
    candidates = previous is not None and unit.radius == 0
    if volume_floor > 0 and suspects is not None and not unit.triangulate and not candidates:
        if (_tree_pass(y, g, unit, suspects, volume_floor).status == BELOW_FLOOR).any():
            raise CellsRejected
    cells = None
    if candidates:
        cells = _candidate_cells(y, g, unit, previous, volume_floor, suspects)
    if cells is None and not unit.triangulate:
        cells = _tree_cells(y, g, unit, volume_floor)
    if cells is None:
        unit.triangulate = True  # the next diagrams of this domain (a Newton solve) go straight there
        cells = _triangulation_cells(y, g, unit)
    out = SpatialCells(unit, y, *cells)
    if floor > 0 and out.moments[:, 0].min() < floor:
        raise CellsRejected
    if unit.triangulate:
        unit.last = (y, out)
    return out


class SpatialCells:
    """The clipped cells of one 3D diagram (unit frame), read-only after construction.

    ``moments`` (n, 5): measure (volume, or mass of a ``unit.density``), first moments, second moment
    about ``y_i``; ``volumes`` (n,): the volumes; ``indptr, indices, facets``: each cell's neighbours and
    facet areas, CSR (the triangulation's rows list auxiliary points ``>= n`` too); ``mass_facets``: the
    facets' measures (``facets`` for a uniform source, ``int_F rho`` for a density). The polyhedra come
    from a second kernel pass, on demand (at once for a density, which integrates them).
    """

    def __init__(self, unit, y, moments, indptr, indices, facets, cell_pass):
        self.unit = unit
        # facets below rounding level (a bisector through an edge or vertex of the cell, as in
        # cospherical input, leaves a sliver of area ~1e-16 instead of 0) are not facets
        noise = _FACET_NOISE * np.abs(moments[:, 0]) ** (2.0 / 3.0)
        facets[facets <= np.repeat(noise, np.diff(indptr))] = 0.0
        self.moments, self.volumes = moments, moments[:, 0]
        self.indptr, self.indices, self.facets = indptr, indices, facets
        self.mass_facets = facets
        self._cell_pass = cell_pass
        self._polyhedra = None
        if unit.density is not None:
            self.moments, self.mass_facets = unit.density.polyhedron_integrals(
                self._unit_polyhedra(), y, unit.frame, indptr, indices, chunks())
            self.mass_facets[facets == 0.0] = 0.0

    def permuted(self, index, y, g):
        """The same cells listed in the order ``index`` (cell ``k`` is cell ``index[k]`` here), for the
        points ``y`` and half weights ``g`` in that order."""
        n = len(index)
        inv = np.empty(n, np.int64)
        inv[index] = np.arange(n)
        rows = np.repeat(np.arange(n), np.diff(self.indptr))
        real = self.indices < n  # the triangulation's rows list its auxiliary points too
        facets = sp.csr_array((self.facets[real], (rows[real], inv[self.indices[real]])), shape=(n, n))[index]
        facets.sort_indices()
        unit = self.unit
        # a density integrates the permuted cells afresh (its facet measures follow the new slots)
        moments = self.moments[index] if unit.density is None else self.volumes[index][:, None]
        return SpatialCells(unit, y, moments, facets.indptr.astype(np.int64), facets.indices.astype(np.int64),
                            facets.data, lambda: (_tree_cells(y, g, unit) or _triangulation_cells(y, g, unit))[4]())

    def _unit_polyhedra(self):
        """Every cell's polyhedron in the unit frame (a second kernel pass, on demand)."""
        if self._polyhedra is None:
            self._polyhedra = self._cell_pass()
        return self._polyhedra

    def polyhedra(self):
        """Every cell as ``(vertices, faces, neighbors)``, user coordinates (:meth:`geomot.PowerDiagram.polyhedra`)."""
        cells = self._unit_polyhedra()
        voff, foff, ioff = cells.offsets.vert_off, cells.offsets.face_off, cells.offsets.idx_off
        v, fptr, fidx, flab = cells.vertices, cells.fptr, cells.fidx, cells.flab
        c, s = self.unit.frame
        n = len(self.moments)
        out = []
        for i in range(n):  # building Python lists is inherently per cell; not a hot path
            nf = foff[i + 1] - foff[i]
            verts = c + s * v[voff[i]:voff[i + 1]]
            ptr = fptr[foff[i] + i:foff[i] + i + nf + 1]
            idx = fidx[ioff[i]:ioff[i + 1]]
            faces = [idx[ptr[k]:ptr[k + 1]].copy() for k in range(nf)]
            out.append((verts, faces, flab[foff[i]:foff[i + 1]].copy()))
        return out

    def cells(self):
        """Vertices of every cell: a list of n arrays of shape (k_i, 3) (empty cells: (0, 3)).

        The cell is their convex hull; :meth:`polyhedra` gives the faces too.
        """
        cells = self._unit_polyhedra()
        c, s = self.unit.frame
        return np.split(c + s * cells.vertices, cells.offsets.vert_off[1:-1])

    def facet_geometries(self):
        """Every facet of positive area: ``(pairs, polygons)`` in user coordinates (see ``PowerDiagram.facets``)."""
        pairs, polys = [], []
        for i, (verts, faces, nbr) in enumerate(self.polyhedra()):
            for face, j in zip(faces, nbr):
                if j > i:
                    p = verts[face]
                    area = 0.5 * np.linalg.norm(np.cross(p[1:-1] - p[0], p[2:] - p[0]).sum(axis=0))
                    if area > 0:
                        pairs.append((i, int(j)))
                        polys.append(p)
        return np.array(pairs, np.int64).reshape(-1, 2), polys
