r"""Power diagrams in 3D, clipped to a convex polytope or a ball: cells, masses, facet areas, Hessian.

Same conventions as :mod:`geomot.power` (``../docs/design.md``): with heights
``h`` the cell of ``y_i`` is

.. math:: W_i(h) = \{x \in \Omega : \langle x, y_i\rangle + h_i \ge \langle x, y_j\rangle + h_j \ \forall j\},

power weights ``psi_i = 2 h_i + |y_i|^2``; internally the unit frame of the
domain and the half power weights ``g = h + |y|^2 / 2``.

Pipeline (numba over all cells, in parallel):

0. in a Newton solve on a polytope, from the second diagram on
   (:func:`_candidate_cells`): every cell is clipped by its neighbours in the
   previous diagram and its 8 nearest points, and the result certified: the
   facets seen from both sides agree and the volumes sum to the domain's
   (:mod:`geomot._kernels.candidates`); cells that fail are rebuilt as in 1;
1. :func:`geomot._kernels.celltree.power_cells_tree`: every cell starts from
   the domain polytope and is clipped by the bisector half-spaces of its 16
   nearest points, then of every point that a k-d tree walk cannot rule out
   (a security test; no triangulation);
2. where that walk gives up (targets far from the domain), the weighted
   Delaunay triangulation instead: the lower convex hull of the lifted points
   ``(y_i, -h_i)`` in R^4 (one Qhull call, with four auxiliary points far
   from the domain whose cells provably miss it, so the hull is
   full-dimensional for ``n < 5``, coplanar or cospherical input), whose edges
   are each cell's neighbour list (:func:`geomot._kernels.cells3d.power_cells_3d`).

Either way, volume, first and second moments and the area of every facet come
out of the clipping pass (divergence theorem on a tetrahedral fan). On a
:class:`~geomot.Ball` the cells start from its bounding cube and are
integrated exactly against the sphere (:func:`~geomot._kernels.cells3d.ball_moments`:
cones from the centre, cut by the sphere, in closed form).

The class :class:`PowerDiagram3D` is what ``geomot.PowerDiagram`` builds when
the source is 3D; it has the same attributes as the 2D diagram.
"""
import math

import numba
import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.spatial import ConvexHull, QhullError, cKDTree

from ._kernels.candidates import candidate_lists, facet_mismatch, replace_rows
from ._kernels.celltree import BELOW_FLOOR, build_tree, power_cells_tree
from ._kernels.cells3d import power_cells_3d, start_polyhedron
from ._validate import as_float_array, as_heights, as_points
from .domains import Ball, Box, ConvexPolytope
from .errors import GeometryError, GeomotError
from .measures import as_uniform_source
from .power import (
    CellBelowFloor,
    PowerDiagram,
    from_unit_frame_heights,
    halfweights,
    heights_from_halfweights,
    to_unit_frame,
)

_N_AUX = 4
_FACET_NOISE = 1e-12  # facets smaller than this times (cell volume)^(2/3) are rounding noise
_START_HALF = 2.0
_FIRST = 16  # nearest neighbours every cell is clipped with before the k-d tree walk
_CANDIDATE_NN = 8  # nearest neighbours added to a cell's previous ones (16: 20 % slower, as sure)
_FACET_ATOL = 1e-11  # facets seen from their two cells agree to this times V^(2/3) (rounding: 2e-13)
_VOLUME_RTOL = 1e-14  # the certified volumes must sum to the domain's to this (rounding: about 1e-16)
_BUDGET = 2048  # points one cell's walk may examine (uniform targets: 60 on average, 170 at most)
_NO_OFFSETS = tuple(np.zeros(1, np.int64) for _ in range(3))  # kernels called without keeping polyhedra


def domain_halfspaces(domain):
    """``(normals, offsets)`` of a 3D convex domain: ``{x : normals @ x <= offsets}``, outward unit normals.

    A 3D :class:`~geomot.Box` gives its six faces, a :class:`~geomot.ConvexPolytope` its facets,
    a :class:`~geomot.Ball` its bounding cube (the sphere itself is integrated exactly on top).
    """
    if isinstance(domain, Ball):
        domain = Box(*domain.bounds)
    if isinstance(domain, Box) and domain.dim == 3:
        eye = np.eye(3)
        return np.vstack([eye, -eye]), np.concatenate([domain.upper, -domain.lower])
    if isinstance(domain, ConvexPolytope):
        return domain.halfspaces
    raise GeomotError(f"3D power diagrams support Box, ConvexPolytope and Ball domains; got {domain!r}")


class _UnitDomain3D:
    """A convex 3D domain in its unit frame: half-spaces and the starting polyhedron of every cell.

    ``radius`` is 1 for a ball (the unit ball: cells are polyhedra clipped to its
    bounding cube, then integrated exactly against the sphere), else 0.
    The solver's diagrams share one instance: ``triangulate`` (set once a
    diagram needed the triangulation) and ``search`` (the k-d tree of the
    points, which do not move) carry over from one diagram to the next.
    """

    disk = False
    polygon = None

    def __init__(self, domain):
        c, s = domain.frame
        self.frame = (c, s)
        self.radius = 1.0 if isinstance(domain, Ball) else 0.0
        self.triangulate = False
        self.search = None  # (points, k-d tree, nearest neighbours) of the last points seen
        self.volume = domain.volume / s ** 3
        normals, offsets = domain_halfspaces(domain)
        self.normals = np.ascontiguousarray(normals, dtype=np.float64)
        self.offsets = np.ascontiguousarray((offsets - normals @ c) / s, dtype=np.float64)
        self.start = start_polyhedron(self.normals, self.offsets, _START_HALF)
        if len(self.start[3]) < 4:
            raise GeometryError(f"the domain {domain!r} is empty or flat in its unit frame")

    def inscribed_ball(self):
        """``(center, radius)`` of the largest ball inside the unit-frame domain (Chebyshev centre, by LP)."""
        A, b = self.normals, self.offsets
        lp = linprog(np.r_[0.0, 0.0, 0.0, -1.0], A_ub=np.column_stack([A, np.ones(len(A))]), b_ub=b,
                     bounds=[(None, None)] * 3 + [(0, None)], method="highs")
        return lp.x[:3], float(lp.x[3])


def _auxiliary_points(y, h):
    """Four points around the unit ball (a regular tetrahedron of radius 2) whose cells do not meet it.

    For ``|x| <= 1``: ``<x, y_k> + h_k - (<x, g> + h_g) >= h_k - |y_k - g| - h_g >= 1``
    with ``h_g = min_k (h_k - |y_k - g|) - 1``.
    """
    g = 2.0 / np.sqrt(3.0) * np.array([[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]])
    dist = np.sqrt(((y[:, None, :] - g[None, :, :]) ** 2).sum(axis=2))
    return g, (h[:, None] - dist).min(axis=0) - 1.0


def _lower_hull_tetrahedra(y, h):
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
    offs = [np.zeros(len(sizes) + 1, np.int64) for _ in range(3)]
    for k in range(3):
        np.cumsum(sizes[:, k], out=offs[k][1:])
    return offs


def _triangulation_cells(y, g, unit):
    """Cells clipped by their weighted Delaunay neighbours (one Qhull call in R^4, four auxiliary points).

    Returns ``(moments, indptr, indices, facets, cell_pass)``, ``cell_pass()`` giving
    the polyhedra: ``(offsets, vertices, face pointers, face indices, face labels)``
    (see :meth:`PowerDiagram3D.polyhedra`), by a second pass of the kernel.
    """
    n = len(y)
    aux, aux_h = _auxiliary_points(y, heights_from_halfweights(y, g))
    yy = np.ascontiguousarray(np.vstack([y, aux]))
    gg = np.concatenate([g, halfweights(aux, aux_h)])
    tets = _lower_hull_tetrahedra(yy, heights_from_halfweights(yy, gg))
    indptr, indices = _adjacency(tets, n + _N_AUX)
    indptr = indptr[:n + 1]
    indices = indices[:indptr[-1]]
    args = (yy, gg, indptr, indices, *unit.start, unit.radius, n, np.arange(n), _chunks())
    moments, facets, sizes, status, *_ = power_cells_3d(*args, False, *_NO_OFFSETS)
    if status.any():
        raise GeometryError(f"3D cell clipping overflowed its work arrays for cells "
                            f"{np.flatnonzero(status)[:10].tolist()} (a bug: please report it)")
    return moments, indptr, indices, facets, _second_pass(lambda offs: power_cells_3d(*args, True, *offs)[4:],
                                                          sizes, moments[:, 0])


def _second_pass(kernel, sizes, volumes):
    """``cell_pass()`` of the cells builders: the kernel run again, keeping the polyhedra."""
    def cell_pass():
        offs = _offsets(sizes, volumes)
        return (offs, *kernel(offs))
    return cell_pass


def _search(y, unit, tree=None):
    """The points' k-d tree and nearest neighbours, kept on ``unit`` (built once per solve: the points do not move)."""
    if unit.search is None or unit.search[0] is not y:
        n = len(y)
        k = min(_FIRST, n - 1)
        first = cKDTree(y).query(y, k + 1, workers=-1)[1][:, 1:] if k > 0 else np.empty((n, 0))
        unit.search = (y, build_tree(y) if tree is None else tree, np.ascontiguousarray(first, dtype=np.int64))
    return unit.search[1:]


def tree_order(y, unit):
    """``(order, y[order])``: the points in the order of their k-d tree, whose tree ``unit`` keeps for them."""
    tree = build_tree(y)
    order = tree[0]
    y = np.ascontiguousarray(y[order])
    _search(y, unit, (np.arange(len(y)), *tree[1:]))  # the same tree, the points now in its order
    return order, y


def _tree_pass(y, g, unit, cells, floor, keep=False, offsets=_NO_OFFSETS):
    """:func:`~geomot._kernels.celltree.power_cells_tree` on ``cells`` (int64, the order of processing)."""
    tree, first = _search(y, unit)
    return power_cells_tree(y, g, tree, first, cells, *unit.start, unit.radius, _BUDGET, floor, _chunks(), keep,
                            *offsets)


def _chunks():
    """Chunks of cells for the parallel kernels: enough to balance the threads' load."""
    return 32 * numba.get_num_threads()


def _tree_cells(y, g, unit, floor=0.0):
    """Cells clipped by the points a k-d tree walk cannot rule out (:mod:`geomot._kernels.celltree`).

    Same return as :func:`_triangulation_cells`, the neighbour lists holding only
    the facets of positive area; ``None`` where the walk gave up (targets far
    from the domain, where its test is weak) or a cell overflowed. Raises
    :class:`~geomot.power.CellBelowFloor` when a cell's (unit-frame) volume is below ``floor``.
    """
    perm = _search(y, unit)[0][0]  # all cells in the tree's order: neighbouring cells in a chunk
    moments, neighbors, facets, counts, sizes, status, *_ = _tree_pass(y, g, unit, perm, floor)
    if (status == BELOW_FLOOR).any():
        raise CellBelowFloor
    if status.any():
        return None
    indptr, indices, facets = _rows(neighbors, facets, counts)
    return (moments, indptr, indices, facets,
            _second_pass(lambda offs: _tree_pass(y, g, unit, perm, 0.0, True, offs)[6:], sizes, moments[:, 0]))


def _rows(neighbors, facets, counts):
    """CSR ``(indptr, indices, facets)`` of the first ``counts[i]`` entries of every row."""
    full = np.arange(neighbors.shape[1]) < counts[:, None]
    indptr = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, neighbors[full], facets[full]


def _candidate_cells(y, g, unit, previous, floor=0.0):
    """Cells clipped by their previous neighbours and 8 nearest points, certified (:mod:`geomot._kernels.candidates`).

    Polytope domains only (on a ball the volumes carry more rounding than the
    certificate allows). Cells whose facets disagree with their neighbours' are
    rebuilt by the k-d tree walk, up to three rounds; then the volumes must sum
    to the domain's to ``1e-14`` of it. Returns the cells as
    :func:`_tree_cells`, or ``None`` if the certificate fails (the caller then
    builds every cell by the walk). Raises
    :class:`~geomot.power.CellBelowFloor` when a cell's volume is below ``floor``
    (clipped cells contain the true ones: a small one is small).
    """
    n = len(y)
    tree, first = _search(y, unit)
    indptr, indices = candidate_lists(previous._indptr, previous._indices, previous._facets,
                                      np.ascontiguousarray(first[:, :_CANDIDATE_NN]))
    args = (y, g, indptr, indices, *unit.start, 0.0, n, tree[0], _chunks())
    moments, facets, _, status, *_ = power_cells_3d(*args, False, *_NO_OFFSETS)
    if status.any():
        return None
    if moments[:, 0].min() < floor:
        raise CellBelowFloor
    exact = np.zeros(n, np.bool_)  # cells rebuilt by the walk
    for attempt in range(4):
        flags = facet_mismatch(indptr, indices, facets, moments[:, 0], _FACET_ATOL)
        if not flags.any():
            break
        redo = flags & ~exact
        # many neighbours changed (the walk on all cells is cheaper), or the walk's cells disagree
        if attempt == 3 or redo.sum() > 0.4 * n or not redo.any():
            return None
        cells = np.flatnonzero(redo)
        moments2, neighbors, facets2, counts, _, status, *_ = _tree_pass(y, g, unit, cells, floor)
        if (status == BELOW_FLOOR).any():
            raise CellBelowFloor
        if status.any():
            return None
        moments[cells] = moments2[cells]
        exact |= redo
        indptr, indices, facets = replace_rows(indptr, indices, facets, redo, neighbors, facets2, counts)
    if abs(math.fsum(moments[:, 0]) - unit.volume) > _VOLUME_RTOL * unit.volume:
        return None
    args = (*args[:2], indptr, indices, *args[4:])

    def cell_pass():
        # the certified rows hold every facet: clipping by them gives the cells (the sizes
        # of the rows rebuilt by the walk may differ from this clipping's, so they are recounted)
        sizes = power_cells_3d(*args, False, *_NO_OFFSETS)[2]
        return _second_pass(lambda offs: power_cells_3d(*args, True, *offs)[4:], sizes, moments[:, 0])()
    return moments, indptr, indices, facets, cell_pass


def _as_3d_source(source):
    source = as_uniform_source(source)
    if source.dim != 3:
        raise GeomotError(f"PowerDiagram3D needs a 3D source; got dimension {source.dim}")
    return source


class PowerDiagram3D(PowerDiagram):
    r"""Power diagram of weighted points in 3D, clipped to a convex domain (``Box``, ``ConvexPolytope``, ``Ball``).

    Built by ``geomot.PowerDiagram(points, heights, source)`` when the source
    is 3D; the attributes are those of the 2D diagram, one dimension up.

    Attributes
    ----------
    points : ndarray, shape (n, 3)
    heights : ndarray, shape (n,)
    masses : ndarray, shape (n,)
        ``mu(W_i)``; sums to 1.
    volumes : ndarray, shape (n,)
        Volume of each clipped cell.
    barycenters : ndarray, shape (n, 3)
        Centre of mass of each cell (NaN for an empty cell).
    cost : ndarray, shape (n,)
        ``int_{W_i} |x - y_i|^2 / 2 dmu(x)``.
    empty : ndarray of bool, shape (n,)
        True where the cell has zero volume (inside the domain).
    neighbors : tuple (indptr, indices) of int64 ndarrays
        CSR adjacency of the cells sharing a facet of positive area (rows sorted).
    facet_measures : ndarray
        Area of each facet ``F_ij = W_i ∩ W_j``, aligned with ``neighbors[1]``.
    """

    def __init__(self, points, heights, source):
        source = _as_3d_source(source)
        points = as_points(points, 3)
        heights = as_heights(heights, len(points))
        unit = _UnitDomain3D(source.domain)
        y, h = to_unit_frame(points, heights, unit.frame)
        self._init_unit(points, heights, source, unit, y, halfweights(y, h))

    @classmethod
    def from_weights(cls, points, weights, source):
        """The diagram of power weights ``psi`` (``x`` in cell i iff ``|x - y_i|^2 - psi_i`` is smallest)."""
        source = _as_3d_source(source)
        points = as_points(points, 3)
        weights = as_float_array(weights, "weights", (len(points),))
        unit = _UnitDomain3D(source.domain)
        c, s = unit.frame
        y = (points - c) / s
        return cls._from_unit(points, source, unit, y, (0.5 * weights - 0.5 * (c @ c)) / s ** 2)

    @classmethod
    def _from_unit(cls, points, source, unit, y, g, previous=None, fallback=True, floor=0.0, suspects=None):
        """Build from validated unit-frame points and half power weights (the solver's path).

        With ``previous``, a diagram of the same points, on a polytope, every
        cell is first clipped by its previous neighbours and nearest points and
        the result certified (:func:`_candidate_cells`); otherwise, or where
        that fails, by the k-d tree walk (:func:`_tree_cells`). ``fallback`` is
        accepted for the solver's sake and ignored. A cell
        of mass below ``floor`` raises :class:`~geomot.power.CellBelowFloor`,
        as soon as the k-d tree pass meets one (a rejected line-search step
        then costs a fraction of a diagram); the cells ``suspects`` (int64) are
        checked first, on their own.
        """
        self = object.__new__(cls)
        heights = from_unit_frame_heights(points, heights_from_halfweights(y, g), unit.frame)
        if floor > 0 and suspects is not None and not unit.triangulate:
            status = _tree_pass(y, g, unit, suspects, floor * unit.volume)[5]
            if (status == BELOW_FLOOR).any():
                raise CellBelowFloor
        self._init_unit(points, heights, source, unit, y, g, previous, floor=floor)
        if self.masses.min() < floor:
            raise CellBelowFloor
        return self

    def _init_unit(self, points, heights, source, unit, y, g, previous=None, fallback=True, floor=0.0):
        self.points, self.heights, self.source = points, heights, source
        self._unit, self._y, self._g = unit, y, g
        n = len(y)
        cells = None
        if previous is not None and not unit.triangulate and unit.radius == 0:
            cells = _candidate_cells(y, g, unit, previous, floor * unit.volume)
        if cells is None and not unit.triangulate:
            cells = _tree_cells(y, g, unit, floor * unit.volume)
        if cells is None:
            unit.triangulate = True  # the next diagrams of this domain (a Newton solve) go straight there
            cells = _triangulation_cells(y, g, unit)
        moments, indptr, indices, facets, self._cell_pass = cells
        # facets below rounding level (a bisector through an edge or vertex of the cell, as in
        # cospherical input, leaves a sliver of area ~1e-16 instead of 0) are not facets
        noise = _FACET_NOISE * np.abs(moments[:, 0]) ** (2.0 / 3.0)
        facets[facets <= np.repeat(noise, np.diff(indptr))] = 0.0
        self._area = moments[:, 0]
        self._moments = moments
        self._indptr, self._indices, self._facets = indptr, indices, facets
        self._triangulation = None
        self._laplacian_cache = None
        self._lifted_tree = None
        self._polyhedra = None

    def _reordered(self, index):
        """The same diagram with its cells listed in the order ``index``: cell ``k`` is cell ``index[k]`` here.

        (The solver builds its diagrams in the k-d tree order of the points, for
        memory locality, and returns them in the caller's order.)
        """
        n = len(index)
        inv = np.empty(n, np.int64)
        inv[index] = np.arange(n)
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.points, other.heights = self.points[index], self.heights[index]
        other._y, other._g = self._y[index], self._g[index]
        other._moments = self._moments[index]
        other._area = other._moments[:, 0]
        rows = np.repeat(np.arange(n), np.diff(self._indptr))
        real = self._indices < n  # the triangulation's rows list its auxiliary points too
        facets = sp.csr_array((self._facets[real], (rows[real], inv[self._indices[real]])), shape=(n, n))[index]
        facets.sort_indices()
        other._indptr, other._indices = facets.indptr.astype(np.int64), facets.indices.astype(np.int64)
        other._facets = facets.data
        other._laplacian_cache = other._lifted_tree = other._polyhedra = None
        other.__dict__.pop("_simplices", None)
        y, g, unit = other._y, other._g, other._unit
        other._cell_pass = lambda: (_tree_cells(y, g, unit) or _triangulation_cells(y, g, unit))[4]()
        return other

    # ------------------------------------------------------------------ geometry for users
    def _unit_polyhedra(self):
        """Every cell's polyhedron in the unit frame (a second kernel pass, on demand)."""
        if self._polyhedra is None:
            self._polyhedra = self._cell_pass()
        return self._polyhedra

    def polyhedra(self):
        """Every cell as a polyhedron: a list of n tuples ``(vertices, faces, neighbors)``.

        ``vertices`` (k, 3) in user coordinates; ``faces`` a list of int64
        arrays of vertex indices, each a planar polygon counter-clockwise seen
        from outside the cell; ``neighbors`` (len(faces),) int64, the cell on
        the other side of each face, or ``-1`` for a face on the domain
        boundary. Empty cells give ``(array of shape (0, 3), [], array([]))``.
        On a :class:`~geomot.Ball` these are the cells clipped to the ball's
        bounding cube (the ball cuts them along the sphere; ``volumes`` and
        ``facet_measures`` measure the cut cells).
        """
        (voff, foff, ioff), v, fptr, fidx, flab = self._unit_polyhedra()
        c, s = self._unit.frame
        n = len(self._y)
        out = []
        for i in range(n):  # building Python lists is inherently per cell; not a hot path
            nf = foff[i + 1] - foff[i]
            verts = c + s * v[voff[i]:voff[i + 1]]
            ptr = fptr[foff[i] + i:foff[i] + i + nf + 1]
            idx = fidx[ioff[i]:ioff[i + 1]]
            faces = [idx[ptr[k]:ptr[k + 1]].copy() for k in range(nf)]
            out.append((verts, faces, flab[foff[i]:foff[i + 1]].copy()))
        return out

    @property
    def cells(self):
        """Vertices of every cell: a list of n arrays of shape (k_i, 3) (empty cells: (0, 3)).

        The cell is their convex hull; :meth:`polyhedra` gives the faces too.
        """
        (voff, _, _), v, _, _, _ = self._unit_polyhedra()
        c, s = self._unit.frame
        return np.split(c + s * v, voff[1:-1])

    def facets(self):
        """Every facet of positive area as a polygon: ``(pairs, polygons)``.

        ``pairs`` int64 (k, 2) with ``i < j``; ``polygons`` a list of k arrays
        (m, 3), the vertices of ``F_ij`` in order, in user coordinates. On a
        :class:`~geomot.Ball` these are the facets of :meth:`polyhedra` (within
        the bounding cube): some lie outside the ball; ``facet_measures`` has
        the exact areas inside it.
        """
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

    def cell_geometries(self):
        raise GeomotError("cell_geometries is 2D only (shapely); in 3D use polyhedra() or cells")

    @property
    def simplices(self):
        """Weighted Delaunay tetrahedra of the points, int64 (k, 4), positively oriented.

        The lower convex hull of ``(y_i, -h_i)`` in R^4 without auxiliary
        points (a separate Qhull call, on first access). Empty for fewer than
        five points or flat (coplanar) input. Hidden points (empty cells in the
        whole space) belong to no tetrahedron; cospherical input gives Qhull's
        triangulation of the non-simplicial cells (some tetrahedra may be flat).
        """
        if not hasattr(self, "_simplices"):
            y, h = self._y, heights_from_halfweights(self._y, self._g)
            try:
                tet = _lower_hull_tetrahedra(y, h) if len(y) >= 5 else np.empty((0, 4), np.int64)
            except GeometryError:
                tet = np.empty((0, 4), np.int64)
            self._simplices = tet
        return self._simplices

