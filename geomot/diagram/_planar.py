r"""The 2D backend: power cells clipped to a convex polygon, a disk or any polygonal domain.

The cells are dual to the weighted Delaunay triangulation, the lower convex
hull of the lifted points ``(y_i, -h_i)``: built by ONE Qhull call (from
``INSERTION_MIN`` points on, Qhull on a sample and the other points inserted:
:mod:`geomot._kernels.planar.insertion`), or, when a solver passes the
previous diagram, repaired by edge flips from its triangulation
(:mod:`geomot._kernels.planar.flips`; Qhull is the fallback of both).
Every cell is then clipped, in one numba pass, by its neighbours and the
domain's start polygon (:func:`geomot._kernels.planar.cells.power_cells`: area,
moments and facet lengths, circular arcs exact on a disk); on a non-convex
polygon the cells that touch the boundary are cut by GEOS afterwards.
Three auxiliary points (:func:`geomot.diagram._frame.with_auxiliary_points`)
keep the hull full-dimensional for any input.
"""
import numpy as np
import shapely
from scipy.spatial import ConvexHull, QhullError

from .._kernels.planar.cells import adjacency_from_triangles, power_cells, ring_moments
from .._kernels.planar.flips import regular_flips
from .._kernels.planar.insertion import insert_points
from .._kernels.planar.permute import permuted_cells
from ..errors import GeometryError
from ._frame import CellsRejected, SolverPolicy, chunks, heights_from_halfweights, with_auxiliary_points

# from this many points on, a triangulation without a previous one is built by inserting the points into Qhull's
# triangulation of a sample (inserted_triangulation): 0.01 / 0.13 / 1.8 s at n = 1e4 / 1e5 / 1e6 against Qhull's
# 0.07 / 0.91 / 12.3 s (random points in the Z order, docs/benchmarks.md)
INSERTION_MIN = 1000
# the sample Qhull triangulates first: one point in this many (in the Z order), and the convex hull's vertices
_INSERTION_STRIDE = 16
# Flips keep the triangulation between Newton steps (always warm); LDL^T factors of a planar Laplacian are cheap;
# a domain in several parts can leave the facet graph disconnected.
POLICY = SolverPolicy(laplacian="ldl", connected=False, forcing=1e-3, warm_below=np.inf, screen_cells=False)
_DISK_DISPLAY_SEGMENTS = 720


class UnitDomain:
    """A 2D domain seen in its unit frame, in the form the cell kernel wants (from ``domain.clip_polygon()``).

    Attributes: ``frame``, ``volume`` (unit frame; 1 for a ``density``: masses are its integrals), ``start (the convex
    start polygon, counter-clockwise), ``disk`` (the boundary is the unit
    circle, integrated exactly), ``polygon`` (the non-convex domain to cut
    the cells by, or None) and its ``boundary_segments``.
    """

    def __init__(self, domain, density=None):
        c, s = domain.frame
        self.frame = (c, s)
        # ``density``: a non-uniform source that integrates the clipped cells itself (``cell_integrals``);
        # its masses are probabilities already, so the unit "volume" dividing them is 1
        self.density = density
        self.volume = domain.volume / s ** 2 if density is None else 1.0
        start, self.disk, geometry = domain.clip_polygon()
        self.start = np.ascontiguousarray((start - c) / s)
        self.polygon = None
        if geometry is not None:
            self.polygon = shapely.transform(geometry, lambda p: (p - c) / s)
            shapely.prepare(self.polygon)
            self.boundary_segments = _segments(self.polygon)

    def display_geometry(self):
        """The unit-frame domain as a shapely geometry (the disk as a fine polygon, for drawing only)."""
        if self.polygon is not None:
            return self.polygon
        if self.disk:
            return shapely.Point(0.0, 0.0).buffer(1.0, quad_segs=_DISK_DISPLAY_SEGMENTS // 4)
        return shapely.Polygon(self.start)


def ordered(y, unit):
    """``(order, y[order])``: the points in the order the solver lists them, along a Z-order curve.

    Neighbouring cells then sit together in memory: at n = 1e6 the cell, flip
    and Hessian kernels run 1.8-3x faster than in a random order
    (docs/benchmarks.md).
    """
    order = _morton_order(y)
    return order, np.ascontiguousarray(y[order])


def _segments(geometry):
    """The boundary of a polygonal geometry as an array of 2-point LineStrings."""
    rings = shapely.get_rings(shapely.get_parts(geometry))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    keep = ring[1:] == ring[:-1]
    return shapely.linestrings(np.stack([coords[:-1][keep], coords[1:][keep]], axis=1))


def _morton_order(y):
    """Permutation sorting 2D points along a Z-order (Morton) curve.

    Qhull runs faster on spatially coherent input (``docs/benchmarks.md``, design measurements).
    """
    lo = y.min(axis=0)
    span = np.maximum(y.max(axis=0) - lo, 1e-300)
    q = ((y - lo) / span * 65535).astype(np.uint64)
    key = np.zeros(len(y), np.uint64)
    for bit in range(16):
        for axis in range(2):
            key |= ((q[:, axis] >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit + axis)
    return np.argsort(key, kind="stable")


def lower_hull(y, h):
    """Weighted Delaunay triangles: the lower convex hull of ``(y_i, -h_i)`` (one Qhull call).

    Returns ``(triangles, neighbors)``: int64 (m, 3) triangles, counter-clockwise
    in the plane, and the triangle across the edge opposite each vertex (-1 on
    the boundary). Raises :class:`~geomot.GeometryError` if Qhull fails.
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


def inserted_triangulation(y, h):
    """The weighted Delaunay triangles of :func:`lower_hull`, built by insertion, or None where it gives up.

    Qhull triangulates a sample (one point in ``_INSERTION_STRIDE`` along the
    Z-order curve, and the vertices of the convex hull, so that every other
    point lies inside); the other points are inserted in the Z order
    (:func:`~geomot._kernels.planar.insertion.insert_points`), and a last
    pass of :func:`~geomot._kernels.planar.flips.regular_flips` checks every
    edge. None (the caller runs Qhull on all points) where the sample leaves a
    point off the triangulation, or the insertion gives up (a point on an
    edge, a cell that would be empty).
    """
    n = len(y)
    order = _morton_order(y)
    picked = np.zeros(n, bool)
    picked[order[::_INSERTION_STRIDE]] = True
    try:
        picked[ConvexHull(y).vertices] = True
    except QhullError:
        return None
    sample = np.flatnonzero(picked)
    try:
        tri, nbr = lower_hull(y[sample], h[sample])
    except GeometryError:
        return None
    if len(np.unique(tri)) < len(sample):
        return None
    rest = order[~picked[order]]
    size = len(tri) + 2 * len(rest)
    triangles = np.zeros((size, 3), np.int64)
    neighbors = np.full((size, 3), -1, np.int64)
    triangles[:len(tri)] = sample[tri]
    neighbors[:len(tri)] = nbr
    z = np.ascontiguousarray(-h, dtype=float)
    if insert_points(triangles, neighbors, len(tri), y, z, rest, 10 * int(np.sqrt(size)) + 100) < 0:
        return None
    if regular_flips(triangles, neighbors, y, h, len(triangles)) < 0:
        return None
    return triangles, neighbors


def simplices(y, h):
    """Weighted Delaunay triangles of the points alone, int64 (k, 3), counter-clockwise (empty if degenerate)."""
    if len(y) < 3:
        return np.empty((0, 3), np.int64)
    try:
        return lower_hull(y, h)[0]
    except GeometryError:
        return np.empty((0, 3), np.int64)


def _regular_triangulation(y, h, previous, rebuild):
    """Weighted Delaunay triangulation: flips from ``previous`` when given, else (or if they fail) Qhull.

    Returns ``(triangles, neighbors, reusable)``; ``reusable`` says whether the
    result may seed later flips (every point is a vertex and no triangle is
    flat). If the flips fail and ``rebuild`` is False, raises :class:`CellsRejected`.
    """
    if previous is not None:
        tri, nbr = previous[0].copy(), previous[1].copy()
        if regular_flips(tri, nbr, y, h, 10 * len(tri)) >= 0:
            return tri, nbr, True
        if not rebuild:
            raise CellsRejected
    built = inserted_triangulation(y, h) if len(y) >= INSERTION_MIN else None
    tri, nbr = lower_hull(y, h) if built is None else built
    a, b, c = y[tri[:, 0]], y[tri[:, 1]], y[tri[:, 2]]
    area2 = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    reusable = bool(np.bincount(tri.ravel(), minlength=len(y)).all() and (np.abs(area2) > 0).all())
    return tri, nbr, reusable


def build(unit, y, g, previous=None, floor=0.0, rebuild=True, suspects=None):
    """The clipped cells of unit-frame points ``y`` with half weights ``g``: a :class:`PlanarCells`.

    ``previous`` (cells of the same points) seeds the triangulation's flips;
    when they get stuck, Qhull rebuilds it, or with ``rebuild=False``
    :class:`CellsRejected` is raised (stuck flips mean a point left the
    triangulation: an empty cell). A cell of unit-frame volume below
    ``floor`` raises :class:`CellsRejected` too. ``suspects`` is for the 3D
    backend's screening and unused here.
    """
    return PlanarCells(unit, y, g, None if previous is None else previous.triangulation, floor, rebuild)


# the attributes of PlanarCells that a permuted diagram relists on first use
_RELISTED = frozenset({"indptr", "indices", "facets", "mass_facets", "rings", "triangulation", "boundary_geoms"})


class PlanarCells:
    """The clipped cells of one 2D diagram (unit frame), read-only after construction.

    ``moments`` (n, 4): measure (area, or mass of a ``unit.density``), first moments, second moment
    about ``y_i``; ``volumes`` (n,): the areas; ``indptr, indices, facets``: each cell's weighted Delaunay
    neighbours (auxiliary points ``>= n`` included) and the facet lengths, CSR; ``mass_facets``: the
    facets' measures (``facets`` for a uniform source, ``int_F rho`` for a density).
    """

    def __init__(self, unit, y, g, seed, floor, rebuild):
        self.unit = unit
        n = len(y)
        yy, gg = with_auxiliary_points(y, g)
        triangles, tri_nbr, reusable = _regular_triangulation(yy, heights_from_halfweights(yy, gg), seed, rebuild)
        self.triangulation = (triangles, tri_nbr) if reusable else None
        indptr, indices = adjacency_from_triangles(triangles, tri_nbr, len(yy))
        indptr = indptr[:n + 1]
        indices = indices[:indptr[-1]]
        offsets, counts, vertices, labels, moments, facets = power_cells(
            yy, gg, indptr, indices, unit.start, n, unit.disk, chunks())
        self.rings = (offsets, counts, vertices, labels)
        self.boundary_geoms = None
        if unit.polygon is not None:
            self._clip_to_polygon(y, indptr, indices, moments, facets)
        self.volumes, self.mass_facets = moments[:, 0], facets
        if unit.density is not None:
            moments, self.mass_facets = unit.density.cell_integrals(self.rings, y, unit.frame, facets.size)
        if floor > 0 and moments[:, 0].min() < floor:
            raise CellsRejected
        self.moments = moments
        self.indptr, self.indices, self.facets = indptr, indices, facets

    def permuted(self, index, y, g):
        """The same cells listed in the order ``index`` (cell ``k`` is cell ``index[k]`` here), relabelled,
        not rebuilt: every number is the one this diagram computed (a solver's certified masses stay
        what it judged). ``y``, ``g``: the points and half weights in that order (unused).

        The masses are relisted now, the rows and rings on first use
        (:meth:`__getattr__`): a solve's result at n = 1e6 skips 1.5 s of
        random-order copies that most callers never read.
        """
        other = object.__new__(PlanarCells)
        other.unit = self.unit
        other.moments, other.volumes = self.moments[index], self.volumes[index]
        other._pending = (self, index)
        return other

    def __getattr__(self, name):
        """The rows and rings of a :meth:`permuted` diagram, relisted the first time one is asked for."""
        pending = self.__dict__.get("_pending")
        if pending is None or name not in _RELISTED:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        del self._pending
        self._relist(*pending)
        return getattr(self, name)

    def _relist(self, cells, index):
        """Fill the rows and rings of cells ``index`` of ``cells`` (:meth:`permuted`)."""
        n = len(index)
        inv = np.empty(n, np.int64)
        inv[index] = np.arange(n)
        dim = cells.rings[2].shape[1]
        relabel = np.concatenate([inv, np.arange(n, n + dim + 1)])  # auxiliary points keep theirs
        offsets, counts, vertices, labels = cells.rings
        (self.indptr, self.indices, self.facets, mass_facets, new_offsets, vertices,
         labels) = permuted_cells(index, relabel, cells.indptr, cells.indices, cells.facets, cells.mass_facets,
                                  offsets, counts, vertices, labels)  # rows unsorted: the facet matrix sorts its copy
        self.mass_facets = self.facets if cells.mass_facets is cells.facets else mass_facets
        self.rings = (new_offsets, counts[index], vertices, labels)
        self.triangulation = None if cells.triangulation is None else (
            relabel[cells.triangulation[0]], cells.triangulation[1])
        self.boundary_geoms = None if cells.boundary_geoms is None else (
            inv[cells.boundary_geoms[0]], cells.boundary_geoms[1])

    def _clip_to_polygon(self, y, indptr, indices, moments, facets):
        """Exact cells for a non-convex polygonal domain (in place).

        The kernel clipped the cells to the bounding box. Cells that no
        boundary segment touches lie wholly inside or outside the domain
        (decided at their centroid); the others are intersected with the
        domain by GEOS, and so are their facets.
        """
        unit = self.unit
        offsets, counts, vertices, labels = self.rings
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
            self.boundary_geoms = (touching, cells[:0])
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
        self.boundary_geoms = (touching, geoms)

    def _polygons_from_rings(self):
        """Shapely polygons (unit frame) of the kernel's convex rings; empty cells give empty polygons."""
        offsets, counts, vertices, _ = self.rings
        n = len(counts)
        idx = _ring_edges(offsets[:-1], counts)
        ring_offsets = np.r_[0, np.cumsum(counts)]
        polys = shapely.from_ragged_array(
            shapely.GeometryType.POLYGON, np.ascontiguousarray(vertices[idx]),
            (ring_offsets, np.arange(n + 1)))
        polys[counts < 3] = shapely.Polygon()
        return polys

    # ------------------------------------------------------------------ geometry for users (user coordinates)
    def facet_geometries(self):
        """Every facet of positive length: ``(pairs, segments)`` in user coordinates (see ``PowerDiagram.facets``)."""
        offsets, counts, vertices, labels = self.rings
        n = len(counts)
        edge = _ring_edges(offsets[:-1], counts)
        slot = labels[edge]
        owner = np.repeat(np.arange(n), counts)
        keep = slot >= 0
        edge, slot, owner = edge[keep], slot[keep], owner[keep]
        other = self.indices[slot]
        keep = (other < n) & (owner < other) & (self.facets[slot] > 0)
        edge, owner, other = edge[keep], owner[keep], other[keep]
        a = vertices[edge]
        b = vertices[_next_in_ring(edge, offsets, counts)]
        unit = self.unit
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

    def cell_geometries(self):
        """Shapely geometry of every cell, user coordinates (:meth:`geomot.PowerDiagram.cell_geometries`)."""
        unit = self.unit
        geoms = self._polygons_from_rings()
        if unit.disk:
            geoms = shapely.intersection(geoms, unit.display_geometry())
        elif unit.polygon is not None:
            touching, clipped = self.boundary_geoms
            outside = (self.moments[:, 0] <= 0) & (self.rings[1] >= 3)
            geoms[outside] = shapely.Polygon()
            geoms[touching] = clipped
        c, s = unit.frame
        return shapely.transform(geoms, lambda p: c + s * p)

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
        n = len(self.rings[1])
        ring_cell = part_owner[owner]
        ends = np.flatnonzero(np.r_[ring_id[1:] != ring_id[:-1], False])
        sep_ring = ring_id[ends]
        same_cell = ring_cell[sep_ring] == ring_cell[np.minimum(sep_ring + 1, len(ring_cell) - 1)]
        ends = ends[same_cell]
        coords = np.insert(coords, ends + 1, np.nan, axis=0)
        cell_of_row = np.insert(ring_cell[ring_id], ends + 1, ring_cell[ring_id[ends]])
        counts = np.bincount(cell_of_row, minlength=n)
        return np.split(coords, np.cumsum(counts)[:-1])


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
