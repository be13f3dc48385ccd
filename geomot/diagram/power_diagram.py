r"""The power diagram: one public class over a planar (2D) and a spatial (3D) backend.

Convention (``docs/theory.md``): with heights ``h``, the cell of point ``y_i`` is

.. math:: W_i(h) = \{x \in \Omega : \langle x, y_i\rangle + h_i \ge \langle x, y_j\rangle + h_j \ \forall j\},

the projection of the face of the Brenier potential ``u_h(x) = max_i <x, y_i> + h_i``
with gradient ``y_i``. In power-diagram terms the weights are
``psi_i = 2 h_i + |y_i|^2`` and ``x`` is in ``W_i`` iff ``|x - y_i|^2 - psi_i``
is smallest. The cells are dual to the weighted Delaunay triangulation, the
lower convex hull of the lifted points ``(y_i, -h_i)``.

The backends (:mod:`._planar`, :mod:`._spatial`) build the clipped cells in
the unit frame of the domain (:mod:`._frame`) and return their moments and
facets; this class turns them into masses, barycentres, costs, facet
measures and the Hessian, once for both dimensions.
"""
import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from .._kernels.laplacian import facet_laplacian
from .._kernels.walk import steepest_walk
from .._validate import as_flag, as_float_array, as_heights, as_points
from ..errors import GeomotError
from ..measures import as_exact_source
from . import _planar, _spatial
from ._frame import Frame, halfweights, heights_from_halfweights

_BACKENDS = {2: _planar, 3: _spatial}


def backend(dim):
    """The backend module of a dimension (2: planar, 3: spatial), or a :class:`~geomot.GeomotError`."""
    if dim not in _BACKENDS:
        raise GeomotError(f"exact power diagrams support 2D and 3D sources; got dimension {dim} "
                          f"(Monte Carlo handles any dimension: gm.solve(..., method='monte-carlo'))")
    return _BACKENDS[dim]


class PowerDiagram:
    r"""Power diagram of weighted points, clipped to the support of a uniform source measure (2D or 3D).

    Built in the constructor, then only read, like :class:`scipy.spatial.Delaunay`.

    Parameters
    ----------
    points : array_like, shape (n, d), d = 2 or 3 (the source's dimension)
        Target points ``y_i`` (anywhere in the plane or space, pairwise distinct).
    heights : array_like, shape (n,)
        Heights ``h_i`` of the supporting planes ``<x, y_i> + h_i``.
    source : geomot.Uniform or a domain
        The measure the cells are measured with: 2D (:class:`~geomot.Box`,
        :class:`~geomot.Polygon`, :class:`~geomot.Disk`) or 3D
        (:class:`~geomot.Box`, :class:`~geomot.ConvexPolytope`, :class:`~geomot.Ball`).

    Attributes
    ----------
    points : ndarray, shape (n, d)
    heights : ndarray, shape (n,)
    source : geomot.Uniform
    masses : ndarray, shape (n,)
        ``mu(W_i)``, the source mass of each cell; sums to 1.
    volumes : ndarray, shape (n,)
        Area (2D) or volume (3D) of each clipped cell.
    barycenters : ndarray, shape (n, d)
        Centre of mass of each cell (NaN for an empty cell).
    cost : ndarray, shape (n,)
        Transport cost of each cell, ``int_{W_i} |x - y_i|^2 / 2 dmu(x)``.
    empty : ndarray of bool, shape (n,)
        True where the cell has zero measure.
    weights : ndarray, shape (n,)
        Power weights ``psi_i = 2 h_i + |y_i|^2`` (for other codes).
    neighbors : tuple (indptr, indices) of int64 ndarrays
        CSR adjacency: the cells sharing a facet of positive measure with cell
        ``i`` are ``indices[indptr[i]:indptr[i+1]]`` (sorted).
    facet_measures : ndarray, shape (len(neighbors[1]),)
        Length (2D) or area (3D) of each facet ``F_ij = W_i ∩ W_j``, aligned
        with ``neighbors[1]``.
    cells : list of n ndarrays
        2D: the closed rings of each cell, (k_i, 2), several rings separated by
        a row of NaN; 3D: the vertices of each cell, (k_i, 3). Empty cells: (0, d).
    simplices : ndarray of int64, shape (k, d + 1)
        The weighted Delaunay triangles (2D, counter-clockwise) or tetrahedra
        (3D, positively oriented) of the points, without auxiliary points;
        empty for degenerate input. Hidden points belong to none.

    Notes
    -----
    The solvers use a small interface beside the attributes: the unit-frame
    :attr:`halfweights`, :attr:`unit_volumes` and :meth:`unit_hessian`, and
    :meth:`with_halfweights` and :meth:`with_heights` (a new diagram of the same points,
    warm-started from this one), :meth:`rounding_error` and :meth:`permuted`.
    """

    def __init__(self, points, heights, source):
        source, density = as_exact_source(source)
        impl = backend(source.dim)
        points = as_points(points, source.dim)
        heights = as_heights(heights, len(points))
        unit = impl.UnitDomain(source.domain, density)
        frame = Frame.of(unit.frame, points)
        z = frame.points(points)
        g = halfweights(z, frame.heights(points, heights))
        self._assign(points, heights, source, unit, frame, z, g, impl.build(unit, z, g))

    @classmethod
    def from_weights(cls, points, weights, source):
        """The diagram of power weights ``psi`` (``x`` in cell i iff ``|x - y_i|^2 - psi_i`` is smallest).

        ``psi_i = 2 h_i + |y_i|^2``: the convention of pysdot, sdot and geogram.
        """
        source = as_exact_source(source)[0]
        points = as_points(points, source.dim)
        weights = as_float_array(weights, "weights", (len(points),))
        return cls(points, 0.5 * (weights - (points ** 2).sum(axis=1)), source)

    @classmethod
    def _from_unit(cls, points, source, unit, frame, z, g, previous=None, centred=False, **build):
        """A diagram from validated points, their frame and unit-frame half weights (``build``: the backend's
        options); ``centred``: of the mean-zero user heights they round to instead, kept exactly."""
        self = object.__new__(cls)
        heights = frame.user_heights(points, heights_from_halfweights(z, g))
        if centred:
            heights -= np.mean(heights)
            g = halfweights(z, frame.heights(points, heights))
        cells = backend(z.shape[1]).build(unit, z, g, previous, **build)
        self._assign(points, heights, source, unit, frame, z, g, cells)
        self._centred = centred
        return self

    def _assign(self, points, heights, source, unit, frame, z, g, cells):
        self.points, self.heights, self.source = points, heights, source
        self._unit, self._frame, self._y, self._g, self._cells = unit, frame, z, g, cells
        self._cache = {}
        self._centred = False  # built from mean-zero heights, kept exactly (with_halfweights)

    def _cached(self, key, compute):
        """The one cache of derived data (the diagram never changes after construction)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # ------------------------------------------------------------------ the solvers' interface
    @property
    def halfweights(self):
        """Unit-frame half power weights ``g = k + |z|^2 / 2`` (:class:`geomot.diagram._frame.Frame`), shape (n,)."""
        return self._g

    def unit_halfweights(self, heights):
        """The unit-frame half weights of user heights ``heights`` (shape (n,)) at this diagram's points."""
        return halfweights(self._y, self._frame.heights(self.points, heights))

    @property
    def unit_volumes(self):
        """Cell volumes in the unit frame, shape (n,)."""
        return self._cells.moments[:, 0]

    def unit_hessian(self):
        """The Hessian ``dw/dk`` in the unit frame's heights (CSR; :meth:`hessian` is in the user's)."""
        return self._laplacian()[0]

    def with_halfweights(self, g, *, warm=True, floor=0.0, rebuild=True, suspects=None, centred=False):
        """The diagram of the same points and source at unit-frame half weights ``g``.

        ``warm``: start from this diagram's combinatorics (2D: flips of its
        triangulation; 3D: its neighbours, certified). A cell of mass below
        ``floor`` raises the solvers' ``CellsRejected``, and so do stuck flips
        with ``rebuild=False``; ``suspects`` (3D): cells to check first.
        ``centred``: the diagram of the user heights of ``g`` less their mean,
        built from them as a fresh diagram would be (the heights a solve returns:
        such a diagram is its own certificate).
        """
        return self._from_unit(self.points, self.source, self._unit, self._frame, self._y, g,
                               self._cells if warm else None, centred, floor=floor * self._unit.volume,
                               rebuild=rebuild, suspects=suspects)

    def with_heights(self, heights, *, warm=True):
        """The diagram of the same points and source at the user heights ``heights``, kept exactly as given.

        Warm-started from this one (the cells are exact either way); the diagram
        a fresh :class:`PowerDiagram` builds from ``heights``.
        """
        heights = as_heights(heights, len(self.points))
        g = self.unit_halfweights(heights)
        other = object.__new__(type(self))
        other._assign(self.points, heights, self.source, self._unit, self._frame, self._y, g,
                      backend(self._dim).build(self._unit, self._y, g, self._cells if as_flag(warm, "warm") else None))
        return other

    def rounding_error(self):
        r"""The mass error rounding alone leaves in each cell, an estimate (shape (n,)).

        The heights pass through two representations, each exact to an ulp
        ``eps``: the user's ``h`` and the unit frame's half weights ``g``
        (:class:`~geomot.diagram._frame.Frame`), so no representable heights
        are nearer the solution than ``delta_i = eps (|g_i| + |h_i| / (s S))``
        in ``g``. Independent errors of that size move
        the mass of cell ``i`` by about
        ``sqrt(sum_j H_ij^2 (delta_i^2 + delta_j^2))`` (``H`` the unit-frame
        Hessian), the standard deviation of the change: no solver can bring
        ``|w_i - nu_i|`` reliably below it.
        """
        def compute():
            delta = np.finfo(float).eps * (np.abs(self._g) + np.abs(self.heights) / self._frame.height_scale)
            off = self.unit_hessian().tocsr() ** 2
            off.setdiag(0)
            return np.sqrt(off @ delta ** 2 + (off @ np.ones(len(delta))) * delta ** 2)
        return self._cached("rounding_error", compute).copy()

    def permuted(self, index):
        """The same diagram with its cells listed in the order ``index``: cell ``k`` is cell ``index[k]`` here."""
        if np.array_equal(index, np.arange(len(index))):
            return self
        other = object.__new__(type(self))
        y, g = self._y[index], self._g[index]
        other._assign(self.points[index], self.heights[index], self.source, self._unit, self._frame, y, g,
                      self._cells.permuted(index, y, g))
        return other

    # ------------------------------------------------------------------ per-cell data
    @property
    def _dim(self):
        return self._y.shape[1]

    @property
    def masses(self):
        return self.unit_volumes / self._unit.volume

    @property
    def volumes(self):
        return self._cells.volumes * self._unit.frame[1] ** self._dim

    @property
    def empty(self):
        return ~(self.unit_volumes > 0)

    @property
    def barycenters(self):
        c, s = self._unit.frame
        with np.errstate(invalid="ignore", divide="ignore"):
            b = self._cells.moments[:, 1:1 + self._dim] / self.unit_volumes[:, None]
        b[self.empty] = np.nan
        return c + s * b

    @property
    def cost(self):
        # moments (unit frame): [volume V, first moment M (d columns), second moment about z_i];
        # about y'_i = (y_i - c) / s instead: + 2 <M - V z_i, z_i - y'_i> + V |z_i - y'_i|^2
        c, s = self._unit.frame
        moments, d = self._cells.moments, self._dim
        v, first = moments[:, 0], moments[:, 1:1 + d]
        shift = self._y - (self.points - c) / s
        second = moments[:, 1 + d] + 2 * ((first - v[:, None] * self._y) * shift).sum(axis=1) \
            + v * (shift ** 2).sum(axis=1)
        return np.maximum(second, 0.0) / 2 / self._unit.volume * s ** 2

    @property
    def weights(self):
        return 2 * self.heights + (self.points ** 2).sum(axis=1)

    # ------------------------------------------------------------------ facets and Hessian
    def _laplacian(self):
        """Unit-frame Hessian and symmetric facet measures, both CSR (one kernel pass for a uniform source;
        a density's Hessian weighs the facets by their masses, which can vanish where their lengths do not,
        so its facet lengths take a second pass with their own pattern)."""
        def compute():
            n = len(self._y)
            cells = self._cells
            ptr, idx, val, facet = facet_laplacian(cells.indptr, cells.indices, cells.mass_facets, self._y, n,
                                                   1.0 / self._unit.volume)
            hessian = sp.csr_array((val, idx, ptr), shape=(n, n))
            if cells.mass_facets is not cells.facets:
                ptr, idx, _, facet = facet_laplacian(cells.indptr, cells.indices, cells.facets, self._y, n, 1.0)
            return hessian, sp.csr_array((facet, idx, ptr), shape=(n, n))
        return self._cached("laplacian", compute)

    def _facet_matrix(self):
        """Symmetric sparse matrix of facet measures in the unit frame, sorted, without zeros."""
        def compute():
            f = self._laplacian()[1].copy()
            f.eliminate_zeros()
            f.sort_indices()
            return f
        return self._cached("facets", compute)

    @property
    def neighbors(self):
        f = self._facet_matrix()
        return f.indptr.astype(np.int64), f.indices.astype(np.int64)

    @property
    def facet_measures(self):
        return self._facet_matrix().data * self._unit.frame[1] ** (self._dim - 1)

    def hessian(self):
        r"""Hessian ``dw/dh`` of the cell masses, a scipy.sparse CSR array (n, n).

        ``H_ij = -mu(F_ij) / |y_i - y_j|`` for ``i != j`` (``mu(F_ij)`` = facet
        measure times the source density) and ``H_ii = -sum_{j != i} H_ij``:
        symmetric, positive semi-definite, rows summing to 0.
        """
        h = self.unit_hessian() / self._frame.height_scale
        h.sort_indices()
        return h

    def facets(self):
        """Every facet of positive measure: ``(pairs, geometry)``, ``pairs`` int64 (k, 2) with ``i < j``.

        2D: ``geometry`` (k, 2, 2), the end points of each segment
        ``F_ij = W_i ∩ W_j`` in user coordinates (clipped to the exact circle on
        a disk; on a non-convex polygon a facet cut by the boundary gives one
        row per piece). 3D: a list of k arrays (m, 3), the vertices of each
        facet polygon in order (on a :class:`~geomot.Ball`, the facets of
        :meth:`polyhedra`, within its bounding cube: ``facet_measures`` has the
        exact areas inside the ball).
        """
        return self._cells.facet_geometries()

    # ------------------------------------------------------------------ geometry for users
    @property
    def cells(self):
        return self._cells.cells()

    def cell_geometries(self):
        """Shapely geometry of every cell (empty geometry for empty cells), in user coordinates (2D only).

        On a disk the circular arcs are drawn with 720 segments per full turn:
        this is for display; masses and facets are computed on the exact circle.
        """
        if self._dim != 2:
            raise GeomotError("cell_geometries is 2D only (shapely); in 3D use polyhedra() or cells")
        return self._cells.cell_geometries()

    def polyhedra(self):
        """Every cell as a polyhedron (3D only): a list of n tuples ``(vertices, faces, neighbors)``.

        ``vertices`` (k, 3) in user coordinates; ``faces`` a list of int64
        arrays of vertex indices, each a planar polygon counter-clockwise seen
        from outside the cell; ``neighbors`` (len(faces),) int64, the cell on
        the other side of each face, or ``-1`` for a face on the domain
        boundary. Empty cells give ``(array of shape (0, 3), [], array([]))``.
        On a :class:`~geomot.Ball` these are the cells clipped to the ball's
        bounding cube (the ball cuts them along the sphere; ``volumes`` and
        ``facet_measures`` measure the cut cells).
        """
        if self._dim != 3:
            raise GeomotError("polyhedra is 3D only; in 2D use cells or cell_geometries()")
        return self._cells.polyhedra()

    @property
    def simplices(self):
        return self._cached("simplices", lambda: backend(self._dim).simplices(
            self._y, heights_from_halfweights(self._y, self._g)))

    def _argmax(self, x):
        """``argmax_i <x, y_i> + h_i`` for every row of ``x`` (anywhere in the plane or space).

        Points of the domain: a walk on the cells' adjacency
        (:func:`geomot._kernels.walk.steepest_walk`, unit frames, ``<x', z_i> + k_i``) from the site
        nearest to each point. Elsewhere (and wherever a walk gives up), an exact nearest-neighbour
        search: the lifted point ``(z_i, sqrt(M - psi_i))`` nearest to ``(x', 0)``, with unit-frame power
        weights ``psi_i = 2 g_i`` and ``M = max psi`` (slow when the weights spread far: the lifted
        coordinate then ranges far beyond the spacing of the sites).
        """
        x = as_float_array(x, "x", (None, self._dim))
        c, s = self._unit.frame
        xu = (x - c) / s
        idx = np.full(len(x), -1, np.int64)
        inside = np.flatnonzero(self.source.domain.contains(x))
        live = np.flatnonzero(self._cells.volumes > 0)  # geometric: a cell of zero mass may hold x
        if inside.size and live.size:
            sites = self._cached("site tree", lambda: cKDTree(self._y[live]))
            start = live[sites.query(xu[inside])[1]]
            k = self._g - 0.5 * (self._y ** 2).sum(axis=1)
            cells = self._cells
            idx[inside] = steepest_walk(xu[inside], self._y, k, cells.indptr, cells.indices, start)
        rest = np.flatnonzero(idx < 0)
        if rest.size:
            def lifted_tree():
                psi = 2 * self._g
                return cKDTree(np.column_stack([self._y, np.sqrt(psi.max() - psi)]))
            idx[rest] = self._cached("lifted tree", lifted_tree).query(
                np.column_stack([xu[rest], np.zeros(len(rest))]))[1]
        return idx

    def locate(self, x):
        """Index of the cell containing each row of ``x`` (shape (m, d)); -1 outside the domain."""
        idx = self._argmax(x)
        idx[~self.source.domain.contains(x)] = -1
        return idx

    def __repr__(self):
        return f"PowerDiagram(n={len(self.points)}, source={self.source!r}, empty cells={int(self.empty.sum())})"
