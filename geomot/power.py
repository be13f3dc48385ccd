r"""Power diagrams clipped to a domain: cells, masses, facets and the Hessian.

Convention (``../docs/design.md``): with heights ``h``, the cell of point
``y_i`` is

.. math:: W_i(h) = \{x \in \Omega : \langle x, y_i\rangle + h_i \ge \langle x, y_j\rangle + h_j \ \forall j\},

the projection of the face of the Brenier potential ``u_h(x) = max_i <x, y_i> + h_i``
with gradient ``y_i``. In power-diagram terms the weights are
``psi_i = 2 h_i + |y_i|^2`` and ``x`` is in ``W_i`` iff ``|x - y_i|^2 - psi_i``
is smallest. The cells are dual to the weighted Delaunay triangulation: the
lower convex hull of the lifted points ``(y_i, -h_i)``, built by ONE Qhull call
(a solver passes the previous diagram instead: its triangulation is repaired
by edge flips, Qhull being the fallback).

Internally (unit frame) the variable is the half power weight
``g = h + |y|^2 / 2``; see :mod:`geomot._kernels.cells2d` for why.

Three auxiliary points far from the domain, with heights low enough that
their cells never meet it, make that hull full-dimensional for any input
(``n = 1``, collinear or co-circular points), so degenerate configurations
take the same path as generic ones.
"""
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.spatial import ConvexHull, QhullError, cKDTree

from ._kernels.cells2d import adjacency_from_triangles, facet_laplacian, power_cells, ring_moments
from ._kernels.flips import regular_flips
from ._validate import as_float_array, as_heights, as_points
from .domains import Box, Disk, Polygon
from .errors import GeometryError, GeomotError
from .measures import as_source, as_uniform_source

_N_AUX = 3
_DISK_DISPLAY_SEGMENTS = 720


def to_unit_frame(points, heights, frame):
    """Map points and heights to the unit frame ``x' = (x - c) / s``.

    Cells are preserved: ``<x, y_i> + h_i`` and ``<x', y'_i> + h'_i`` differ by a
    positive factor ``s^2`` and a term independent of ``i``, for
    ``y' = (y - c) / s`` and ``h' = (h + <c, y - c>) / s^2``.
    """
    c, s = frame
    y = (points - c) / s
    return y, (heights + (points - c) @ c) / s ** 2


def from_unit_frame_heights(points, unit_heights, frame):
    """Inverse of the height map of :func:`to_unit_frame`."""
    c, s = frame
    return unit_heights * s ** 2 - (points - c) @ c


def halfweights(y, h):
    """Half power weights ``g = h + |y|^2 / 2`` (the diagram's internal variable, unit frame)."""
    return h + 0.5 * (y ** 2).sum(axis=1)


def heights_from_halfweights(y, g):
    """Inverse of :func:`halfweights`."""
    return g - 0.5 * (y ** 2).sum(axis=1)


class _UnitDomain:
    """A 2D domain seen in its unit frame, in the form the cell kernel wants."""

    def __init__(self, domain):
        c, s = domain.frame
        self.frame = (c, s)
        self.volume = domain.volume / s ** 2
        self.disk = isinstance(domain, Disk)
        self.polygon = None
        if isinstance(domain, Box):
            self.start = (domain.vertices - c) / s
        elif isinstance(domain, Polygon) and domain.is_convex:
            self.start = (domain.vertices - c) / s
        elif self.disk:
            self.start = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
        else:
            lo, hi = domain.bounds
            self.start = (Box(lo, hi).vertices - c) / s
            self.polygon = shapely.transform(domain.geometry, lambda p: (p - c) / s)
            shapely.prepare(self.polygon)
            self.boundary_segments = _segments(self.polygon)

    def display_geometry(self):
        """The unit-frame domain as a shapely geometry (the disk as a fine polygon, for drawing only)."""
        if self.polygon is not None:
            return self.polygon
        if self.disk:
            return shapely.Point(0.0, 0.0).buffer(1.0, quad_segs=_DISK_DISPLAY_SEGMENTS // 4)
        return shapely.Polygon(self.start)


def _segments(geometry):
    """The boundary of a polygonal geometry as an array of 2-point LineStrings."""
    rings = shapely.get_rings(shapely.get_parts(geometry))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    keep = ring[1:] == ring[:-1]
    return shapely.linestrings(np.stack([coords[:-1][keep], coords[1:][keep]], axis=1))


def _auxiliary_points(y, h):
    """Three points around the unit disk whose cells do not meet it.

    For ``|x| <= 1``: ``<x, y_k> + h_k - (<x, g> + h_g) >= h_k - |y_k - g| - h_g >= 1``
    with ``h_g = min_k (h_k - |y_k - g|) - 1``.
    """
    radius = 2.0
    angles = np.pi / 2 + 2 * np.pi / 3 * np.arange(_N_AUX)
    g = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    dist = np.sqrt(((y[:, None, :] - g[None, :, :]) ** 2).sum(axis=2))
    return g, (h[:, None] - dist).min(axis=0) - 1.0


def _morton_order(y):
    """Permutation sorting 2D points along a Z-order (Morton) curve.

    Qhull runs 20-30 % faster on spatially coherent input.
    """
    lo = y.min(axis=0)
    span = np.maximum(y.max(axis=0) - lo, 1e-300)
    q = ((y - lo) / span * 65535).astype(np.uint64)
    key = np.zeros(len(y), np.uint64)
    for bit in range(16):
        for axis in range(2):
            key |= ((q[:, axis] >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit + axis)
    return np.argsort(key, kind="stable")


def _lower_hull_triangles(y, h):
    """Lower convex hull of the lifted points ``(y_i, -h_i)`` (one Qhull call).

    Returns ``(triangles, neighbors)``: int64 (m, 3) triangles, counter-clockwise
    in the plane, and the triangle across the edge opposite each vertex (-1 on
    the boundary).
    """
    order = _morton_order(y)
    try:
        hull = ConvexHull(np.column_stack([y, -h])[order])
    except QhullError as exc:
        raise GeometryError(f"Qhull failed on the lifted points: {exc}") from None
    lower = hull.equations[:, 2] < 0
    renumber = np.full(len(lower), -1, np.int64)
    renumber[lower] = np.arange(lower.sum())
    tri = np.ascontiguousarray(order[hull.simplices[lower]], dtype=np.int64)
    nbr = np.ascontiguousarray(renumber[hull.neighbors[lower]])
    a, b, c = y[tri[:, 0]], y[tri[:, 1]], y[tri[:, 2]]
    cw = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]) < 0
    tri[cw] = tri[cw][:, [0, 2, 1]]
    nbr[cw] = nbr[cw][:, [0, 2, 1]]
    return tri, nbr


class FlipFailure(Exception):
    """Flips from the previous triangulation got stuck (a point should vanish) and no fallback was allowed."""


class CellBelowFloor(Exception):
    """A diagram built with a ``floor`` has a cell of smaller mass (a line search rejects the step)."""


def _regular_triangulation(y, h, previous, fallback=True):
    """Weighted Delaunay triangulation: flips from ``previous`` when given, else (or if they fail) Qhull.

    Returns ``(triangles, neighbors, reusable)``; ``reusable`` says whether the
    result may seed later flips (every point is a vertex and no triangle is
    flat). If the flips fail and ``fallback`` is False, raises :class:`FlipFailure`.
    """
    if previous is not None:
        tri, nbr = previous[0].copy(), previous[1].copy()
        if regular_flips(tri, nbr, y, h, 10 * len(tri)) >= 0:
            return tri, nbr, True
        if not fallback:
            raise FlipFailure
    tri, nbr = _lower_hull_triangles(y, h)
    a, b, c = y[tri[:, 0]], y[tri[:, 1]], y[tri[:, 2]]
    area2 = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    reusable = bool(np.bincount(tri.ravel(), minlength=len(y)).all() and (np.abs(area2) > 0).all())
    return tri, nbr, reusable


def _as_2d_source(source):
    source = as_uniform_source(source)
    if source.dim != 2:
        raise GeomotError(f"PowerDiagram supports 2D and 3D sources; got dimension {source.dim}")
    return source


def _source_dim(source):
    """Dimension of a source or domain, or None if it is not one (the constructor then says why)."""
    try:
        return as_source(source).dim
    except GeomotError:
        return None


class PowerDiagram:
    r"""Power diagram of weighted points, clipped to the support of a source measure.

    Built in the constructor, like :class:`scipy.spatial.Delaunay`.

    Parameters
    ----------
    points : array_like, shape (n, 2)
        Target points ``y_i`` (anywhere in the plane, pairwise distinct).
        With a 3D source, shape (n, 3): the object is then a
        :class:`geomot.power3d.PowerDiagram3D` (a subclass, same attributes).
    heights : array_like, shape (n,)
        Heights ``h_i`` of the supporting planes ``<x, y_i> + h_i``.
    source : geomot.Uniform or a domain
        The measure the cells are measured with.

    Attributes
    ----------
    points : ndarray, shape (n, 2)
    heights : ndarray, shape (n,)
    masses : ndarray, shape (n,)
        ``mu(W_i)``, the source mass of each cell; sums to 1.
    volumes : ndarray, shape (n,)
        Area of each clipped cell.
    barycenters : ndarray, shape (n, 2)
        Centre of mass of each cell (NaN for an empty cell).
    cost : ndarray, shape (n,)
        Transport cost of each cell, ``int_{W_i} |x - y_i|^2 / 2 dmu(x)``.
    empty : ndarray of bool, shape (n,)
        True where the cell has zero area.
    neighbors : tuple (indptr, indices) of int64 ndarrays
        CSR adjacency: the cells sharing a facet of positive length with cell
        ``i`` are ``indices[indptr[i]:indptr[i+1]]`` (sorted).
    facet_measures : ndarray, shape (len(neighbors[1]),)
        Length of each facet ``F_ij = W_i ∩ W_j``, aligned with ``neighbors[1]``.
    """

    def __new__(cls, points=None, heights=None, source=None):
        # a 3D source builds the 3D diagram (geomot.power3d.PowerDiagram3D, a subclass)
        if cls is PowerDiagram and source is not None and _source_dim(source) == 3:
            from .power3d import PowerDiagram3D
            return object.__new__(PowerDiagram3D)
        return object.__new__(cls)

    def __init__(self, points, heights, source):
        source = _as_2d_source(source)
        points = as_points(points, source.dim)
        heights = as_heights(heights, len(points))
        unit = _UnitDomain(source.domain)
        y, h = to_unit_frame(points, heights, unit.frame)
        self._init_unit(points, heights, source, unit, y, halfweights(y, h))

    def _shifted(self, constant):
        """The same diagram with ``constant`` added to every height (cells do not change)."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.heights = self.heights + constant
        other._g = self._g + constant / self._scale ** 2
        other._lifted_tree = None
        return other

    @classmethod
    def from_weights(cls, points, weights, source):
        """The diagram of power weights ``psi`` (``x`` in cell i iff ``|x - y_i|^2 - psi_i`` is smallest).

        ``psi_i = 2 h_i + |y_i|^2``: the convention of pysdot, sdot and geogram.
        """
        if cls is PowerDiagram and _source_dim(source) == 3:
            from .power3d import PowerDiagram3D
            return PowerDiagram3D.from_weights(points, weights, source)
        source = _as_2d_source(source)
        points = as_points(points, source.dim)
        weights = as_float_array(weights, "weights", (len(points),))
        unit = _UnitDomain(source.domain)
        c, s = unit.frame
        y = (points - c) / s
        return cls._from_unit(points, source, unit, y, (0.5 * weights - 0.5 * (c @ c)) / s ** 2)

    @property
    def weights(self):
        """Power weights ``psi_i = 2 h_i + |y_i|^2``, shape (n,) (for other codes; same diagram as heights)."""
        c, s = self._unit.frame
        return 2 * (s ** 2 * self._g) + c @ c

    @classmethod
    def _from_unit(cls, points, source, unit, y, g, previous=None, fallback=True, floor=0.0):
        """Build from unit-frame points and half power weights ``g`` already validated (the solvers' fast path).

        With ``previous``, a diagram of the same points, its triangulation is
        repaired by flips instead of rebuilt by Qhull. When the flips get
        stuck, Qhull rebuilds it, or with ``fallback=False`` :class:`FlipFailure`
        is raised (a line search can then reject the step: stuck flips mean
        a point left the triangulation, i.e. an empty cell). A cell of mass
        below ``floor`` raises :class:`CellBelowFloor`.
        """
        self = cls.__new__(cls)
        heights = from_unit_frame_heights(points, heights_from_halfweights(y, g), unit.frame)
        seed = previous._triangulation if previous is not None else None
        self._init_unit(points, heights, source, unit, y, g, seed, fallback)
        if self.masses.min() < floor:
            raise CellBelowFloor
        return self

    def _init_unit(self, points, heights, source, unit, y, g, seed=None, fallback=True):
        self.points, self.heights, self.source = points, heights, source
        self._unit, self._y, self._g = unit, y, g
        n = len(y)
        aux, aux_h = _auxiliary_points(y, heights_from_halfweights(y, g))
        yy = np.ascontiguousarray(np.vstack([y, aux]))
        gg = np.concatenate([g, halfweights(aux, aux_h)])
        triangles, tri_nbr, reusable = _regular_triangulation(yy, heights_from_halfweights(yy, gg), seed, fallback)
        self._triangulation = (triangles, tri_nbr) if reusable else None
        indptr, indices = adjacency_from_triangles(triangles, tri_nbr, n + _N_AUX)
        indptr = indptr[:n + 1]
        indices = indices[:indptr[-1]]
        offsets, counts, vertices, labels, moments, facets = power_cells(
            yy, gg, indptr, indices, unit.start, n, unit.disk)
        self._rings = (offsets, counts, vertices, labels)
        self._boundary_geoms = None
        if unit.polygon is not None:
            self._clip_to_polygon(y, indptr, indices, moments, facets)
        area = moments[:, 0]
        self._area = area
        self._moments = moments
        self._indptr, self._indices, self._facets = indptr, indices, facets
        self._laplacian_cache = None
        self._lifted_tree = None

    def _clip_to_polygon(self, y, indptr, indices, moments, facets):
        """Exact cells for a non-convex polygonal domain (in place).

        The kernel clipped the cells to the bounding box. Cells that no
        boundary segment touches lie wholly inside or outside the domain
        (decided at their centroid); the others are intersected with the
        domain by GEOS, and so are their facets.
        """
        unit = self._unit
        offsets, counts, vertices, labels = self._rings
        cells = self._polygons_from_rings()
        live = np.flatnonzero(counts >= 3)
        tree = shapely.STRtree(cells[live])
        hit = np.unique(tree.query(unit.boundary_segments, predicate="intersects")[1])
        touching = live[hit]
        clear = np.setdiff1d(live, touching)
        with np.errstate(invalid="ignore", divide="ignore"):
            cx = moments[clear, 1] / moments[clear, 0]
            cy = moments[clear, 2] / moments[clear, 0]
        outside = clear[~shapely.intersects_xy(unit.polygon, cx, cy)]
        if outside.size:
            moments[outside] = 0.0
            rows = np.repeat(np.arange(len(counts)), np.diff(indptr))
            facets[np.isin(rows, outside)] = 0.0
        if touching.size == 0:
            self._boundary_geoms = (touching, cells[:0])
            return
        geoms = shapely.intersection(cells[touching], unit.polygon)
        parts, owner = shapely.get_parts(geoms, return_index=True)
        is_poly = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
        parts, owner = parts[is_poly], owner[is_poly]
        rings, ring_owner = shapely.get_rings(parts, return_index=True)
        first = np.r_[True, ring_owner[1:] != ring_owner[:-1]]
        coords, ring_id = shapely.get_coordinates(rings, return_index=True)
        ring_offsets = np.r_[0, np.cumsum(np.bincount(ring_id, minlength=len(rings)))].astype(np.int64)
        cell_of_ring = touching[owner[ring_owner]]
        m = ring_moments(np.ascontiguousarray(coords), ring_offsets, y[cell_of_ring])
        sign = np.sign(m[:, 0]) * np.where(first, 1.0, -1.0)
        moments[touching] = 0.0
        np.add.at(moments, cell_of_ring, m * sign[:, None])
        # facets of the touching cells: their edges, intersected with the domain
        starts = offsets[touching]
        edge = _ring_edges(starts, counts[touching])
        nxt = _next_in_ring(edge, offsets, counts)
        slot = labels[edge]
        keep = slot >= 0
        seg = shapely.linestrings(np.stack([vertices[edge[keep]], vertices[nxt[keep]]], axis=1))
        facets[slot[keep]] = shapely.length(shapely.intersection(seg, unit.polygon))
        self._boundary_geoms = (touching, geoms)

    def _polygons_from_rings(self):
        """Shapely polygons (unit frame) of the kernel's convex rings; empty cells give empty polygons."""
        offsets, counts, vertices, _ = self._rings
        n = len(counts)
        idx = _ring_edges(offsets[:-1], counts)
        ring_offsets = np.r_[0, np.cumsum(counts)]
        polys = shapely.from_ragged_array(
            shapely.GeometryType.POLYGON, np.ascontiguousarray(vertices[idx]),
            (ring_offsets, np.arange(n + 1)))
        polys[counts < 3] = shapely.Polygon()
        return polys

    # ------------------------------------------------------------------ per-cell data
    @property
    def _scale(self):
        return self._unit.frame[1]

    @property
    def masses(self):
        return self._area / self._unit.volume

    @property
    def volumes(self):
        return self._area * self._scale ** self._y.shape[1]

    @property
    def empty(self):
        return ~(self._area > 0)

    @property
    def barycenters(self):
        c, s = self._unit.frame
        with np.errstate(invalid="ignore", divide="ignore"):
            b = self._moments[:, 1:1 + self._y.shape[1]] / self._area[:, None]
        b[self.empty] = np.nan
        return c + s * b

    @property
    def cost(self):
        # moments: [volume, first moment (d columns), second moment about y_i]
        return np.maximum(self._moments[:, 1 + self._y.shape[1]], 0.0) / 2 / self._unit.volume * self._scale ** 2

    # ------------------------------------------------------------------ facets and Hessian
    def _laplacian(self):
        """Unit-frame Hessian and symmetric facet lengths, both CSR with the same pattern (one kernel pass)."""
        if self._laplacian_cache is None:
            n = len(self._y)
            ptr, idx, val, facet = facet_laplacian(self._indptr, self._indices, self._facets, self._y, n,
                                                   1.0 / self._unit.volume)
            self._laplacian_cache = (sp.csr_array((val, idx, ptr), shape=(n, n)),
                                  sp.csr_array((facet, idx, ptr), shape=(n, n)))
        return self._laplacian_cache

    def _hessian_unit_frame(self):
        return self._laplacian()[0]

    def _facet_matrix(self):
        """Symmetric sparse matrix of facet lengths in the unit frame, sorted, without zeros."""
        f = self._laplacian()[1].copy()
        f.eliminate_zeros()
        f.sort_indices()
        return f

    @property
    def neighbors(self):
        f = self._facet_matrix()
        return f.indptr.astype(np.int64), f.indices.astype(np.int64)

    @property
    def facet_measures(self):
        return self._facet_matrix().data * self._scale ** (self._y.shape[1] - 1)

    def facets(self):
        """Every facet of positive length as a segment: ``(pairs, segments)``.

        ``pairs`` int64 (k, 2) with ``i < j``; ``segments`` (k, 2, 2), the end
        points of ``F_ij = W_i ∩ W_j`` in user coordinates (clipped to the exact
        circle on a disk; on a non-convex polygon a facet cut by the boundary
        gives one row per piece).
        """
        offsets, counts, vertices, labels = self._rings
        n = len(self._y)
        edge = _ring_edges(offsets[:-1], counts)
        slot = labels[edge]
        owner = np.repeat(np.arange(n), counts)
        keep = slot >= 0
        edge, slot, owner = edge[keep], slot[keep], owner[keep]
        other = self._indices[slot]
        keep = (other < n) & (owner < other) & (self._facets[slot] > 0)
        edge, owner, other = edge[keep], owner[keep], other[keep]
        a = vertices[edge]
        b = vertices[_next_in_ring(edge, offsets, counts)]
        unit = self._unit
        if unit.disk:
            a, b, inside = _clip_segments_to_unit_disk(a, b)
            owner, other, a, b = owner[inside], other[inside], a[inside], b[inside]
        elif unit.polygon is not None:
            pieces = shapely.intersection(shapely.linestrings(np.stack([a, b], axis=1)), unit.polygon)
            parts, which = shapely.get_parts(pieces, return_index=True)
            lines = shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING
            parts, which = parts[lines], which[lines]
            xy = shapely.get_coordinates(parts).reshape(-1, 2, 2) if len(parts) else np.empty((0, 2, 2))
            owner, other, a, b = owner[which], other[which], xy[:, 0], xy[:, 1]
        c, s = unit.frame
        segments = c + s * np.stack([a, b], axis=1)
        length = np.linalg.norm(segments[:, 1] - segments[:, 0], axis=1)
        keep = length > 0
        return np.column_stack([owner, other])[keep].astype(np.int64), segments[keep]

    def hessian(self):
        r"""Hessian ``dw/dh`` of the cell masses, a scipy.sparse CSR array (n, n).

        ``H_ij = -mu(F_ij) / |y_i - y_j|`` for ``i != j`` (``mu(F_ij)`` = facet
        length times the source density) and ``H_ii = -sum_{j != i} H_ij``:
        symmetric, positive semi-definite, rows summing to 0.
        """
        h = self._hessian_unit_frame() / self._scale ** 2
        h.sort_indices()
        return h

    # ------------------------------------------------------------------ geometry for users
    def cell_geometries(self):
        """Shapely geometry of every cell (empty geometry for empty cells), in user coordinates.

        On a disk the circular arcs are drawn with 720 segments per full turn:
        this is for display; masses and facets are computed on the exact circle.
        """
        unit = self._unit
        geoms = self._polygons_from_rings()
        if unit.disk:
            geoms = shapely.intersection(geoms, unit.display_geometry())
        elif unit.polygon is not None:
            touching, clipped = self._boundary_geoms
            outside = (self._area <= 0) & (self._rings[1] >= 3)
            geoms[outside] = shapely.Polygon()
            geoms[touching] = clipped
        c, s = unit.frame
        return shapely.transform(geoms, lambda p: c + s * p)

    @property
    def cells(self):
        """Vertices of every cell: a list of n arrays of shape (k_i, 2).

        Each ring is closed (first vertex repeated) and counter-clockwise for
        outer boundaries; a cell with several rings (a non-convex domain can
        split a cell or put a hole in it) has them one after another separated
        by a row of NaN. An empty cell is an array of shape (0, 2).
        """
        geoms = shapely.orient_polygons(self.cell_geometries())
        parts, part_owner = shapely.get_parts(geoms, return_index=True)
        rings, owner = shapely.get_rings(parts, return_index=True)
        coords, ring_id = shapely.get_coordinates(rings, return_index=True)
        n = len(self._y)
        ring_cell = part_owner[owner]
        ends = np.flatnonzero(np.r_[ring_id[1:] != ring_id[:-1], False])
        sep_ring = ring_id[ends]
        same_cell = ring_cell[sep_ring] == ring_cell[np.minimum(sep_ring + 1, len(ring_cell) - 1)]
        ends = ends[same_cell]
        coords = np.insert(coords, ends + 1, np.nan, axis=0)
        cell_of_row = np.insert(ring_cell[ring_id], ends + 1, ring_cell[ring_id[ends]])
        counts = np.bincount(cell_of_row, minlength=n)
        return np.split(coords, np.cumsum(counts)[:-1])

    @property
    def simplices(self):
        """Weighted Delaunay triangles of the points, int64 (k, 3), counter-clockwise.

        The lower convex hull of ``(y_i, -h_i)`` without auxiliary points (a
        separate Qhull call, made on first access). Empty for fewer than three
        points or collinear points. Hidden points (empty cells in the whole
        plane) belong to no triangle.
        """
        if not hasattr(self, "_simplices"):
            y, h = self._y, heights_from_halfweights(self._y, self._g)
            try:
                tri = _lower_hull_triangles(y, h)[0] if len(y) >= 3 else np.empty((0, 3), np.int64)
            except GeometryError:
                tri = np.empty((0, 3), np.int64)
            self._simplices = tri
        return self._simplices

    def _argmax(self, x):
        """``argmax_i <x, y_i> + h_i`` for every row of ``x`` (anywhere in the plane, or in space in 3D).

        Exact nearest-neighbour search: it is the index of the lifted point
        ``(y_i, sqrt(M - psi_i))`` nearest to ``(x, 0)``, with power weights
        ``psi_i = 2 h_i + |y_i|^2`` and ``M = max psi`` (unit frame).
        """
        x = as_float_array(x, "x", (None, self._y.shape[1]))
        c, s = self._unit.frame
        if self._lifted_tree is None:
            psi = 2 * self._g
            self._lifted_tree = cKDTree(np.column_stack([self._y, np.sqrt(psi.max() - psi)]))
        xu = (x - c) / s
        return self._lifted_tree.query(np.column_stack([xu, np.zeros(len(xu))]))[1].astype(np.int64)

    def locate(self, x):
        """Index of the cell containing each row of ``x`` (shape (m, 2)); -1 outside the domain."""
        idx = self._argmax(x)
        idx[~self.source.domain.contains(x)] = -1
        return idx

    def __repr__(self):
        return f"PowerDiagram(n={len(self.points)}, source={self.source!r}, empty cells={int(self.empty.sum())})"


def _clip_segments_to_unit_disk(a, b):
    """Clip segments [a, b] (rows) to the closed unit disk; returns new ends and which are non-empty."""
    d = b - a
    qa = (d * d).sum(axis=1)
    qb = (a * d).sum(axis=1)
    qc = (a * a).sum(axis=1) - 1.0
    disc = qb * qb - qa * qc
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(np.maximum(disc, 0.0))
        t1 = np.clip((-qb - root) / qa, 0.0, 1.0)
        t2 = np.clip((-qb + root) / qa, 0.0, 1.0)
    inside = (disc > 0) & (qa > 0) & (t2 > t1)
    return a + t1[:, None] * d, a + t2[:, None] * d, inside


def _ring_edges(starts, counts):
    """Flat indices ``starts[k] + 0 .. counts[k]-1`` for every k (vectorised ragged arange)."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64)
    rep = np.repeat(starts - np.r_[0, np.cumsum(counts)[:-1]], counts)
    return np.arange(total, dtype=np.int64) + rep


def _next_in_ring(edge, offsets, counts):
    """Index of the vertex after ``edge`` in its ring (wrapping around)."""
    cell = np.searchsorted(offsets, edge, side="right") - 1
    pos = edge - offsets[cell] + 1
    return offsets[cell] + np.where(pos == counts[cell], 0, pos)
