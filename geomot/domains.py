"""Domains: the compact sets ``Omega`` that carry a source measure.

A domain knows its dimension, volume, bounds and how to test containment, and
exposes to the power-diagram code a *frame*: a centre ``c`` and a scale ``s``
such that ``(x - c) / s`` maps the domain into the closed unit ball. All
geometry is computed in that frame, which keeps coordinates of order one
whatever the user's units (1e-6 or 1e6).

Any dimension
    :class:`Box` (exact power diagrams in 2D; in higher dimension it is the
    support of Monte Carlo sources, see :mod:`geomot.stochastic`).
2D domains
    :class:`Polygon` (any simple polygon, convex or not, with
    holes, or a shapely ``Polygon`` / ``MultiPolygon``), :class:`Disk` (exact
    circular boundary).

3D domains
    :class:`Box` (3D corners), :class:`ConvexPolytope` (from vertices or
    from half-spaces ``A x <= b``) and :class:`Ball` (exact spherical boundary).
"""
import numpy as np
import shapely
from scipy.optimize import linprog
from scipy.spatial import ConvexHull, HalfspaceIntersection, QhullError

from ._validate import as_float_array, as_positive
from .errors import GeomotError


class Domain:
    """Base class of domains. Subclasses set ``dim`` and implement the API."""

    dim = None

    @property
    def volume(self):
        """Lebesgue measure of the domain (area in 2D, volume in 3D)."""
        raise NotImplementedError

    @property
    def bounds(self):
        """``(lower, upper)``: the corners of the bounding box, arrays of shape (dim,)."""
        raise NotImplementedError

    def contains(self, x):
        """Boolean array, True where the rows of ``x`` (shape (m, dim)) lie in the closed domain."""
        raise NotImplementedError

    @property
    def frame(self):
        """``(center, scale)`` with ``|x - center| <= scale`` for every ``x`` in the domain."""
        lower, upper = self.bounds
        return (lower + upper) / 2, float(np.linalg.norm(upper - lower) / 2)

    def _check_x(self, x):
        return as_float_array(x, "x", (None, self.dim))


class Box(Domain):
    """Axis-aligned box ``[lower_0, upper_0] x ... x [lower_{d-1}, upper_{d-1}]`` in any dimension.

    Parameters
    ----------
    lower, upper : array_like, shape (d,)
        Opposite corners, ``lower < upper`` componentwise, d >= 1.
    """

    def __init__(self, lower, upper):
        lower = as_float_array(lower, "lower")
        upper = as_float_array(upper, "upper")
        if lower.ndim != 1 or lower.shape != upper.shape or lower.size == 0:
            raise GeomotError(
                f"Box needs lower and upper corners of equal shape (d,); got {lower.shape} and {upper.shape}")
        if not (lower < upper).all():
            raise GeomotError(f"Box needs lower < upper in every coordinate (a box of positive volume); "
                              f"got lower={lower.tolist()}, upper={upper.tolist()}")
        self.lower, self.upper = lower, upper
        self.dim = lower.size

    @property
    def volume(self):
        return float(np.prod(self.upper - self.lower))

    @property
    def bounds(self):
        return self.lower.copy(), self.upper.copy()

    def contains(self, x):
        x = self._check_x(x)
        return np.all((x >= self.lower) & (x <= self.upper), axis=1)

    @property
    def vertices(self):
        """Corners in counter-clockwise order (2D only), shape (4, 2)."""
        if self.dim != 2:
            raise GeomotError("Box.vertices is defined for 2D boxes only")
        (a, b), (c, d) = self.lower, self.upper
        return np.array([[a, b], [c, b], [c, d], [a, d]])

    def sample(self, u):
        """Map points ``u`` of the unit cube ``[0, 1)^d`` onto the box, uniformly (an affine map)."""
        return self.lower + u * (self.upper - self.lower)

    def __repr__(self):
        return f"Box({self.lower.tolist()}, {self.upper.tolist()})"


class Polygon(Domain):
    """Polygonal domain in 2D: simple polygon, convex or not, with holes, or several parts.

    Parameters
    ----------
    shell : array_like of shape (k, 2), or shapely Polygon / MultiPolygon
        Outer boundary (any orientation, closing vertex optional), or a shapely
        geometry used as is.
    holes : sequence of array_like of shape (k_j, 2), optional
        Inner boundaries (only with a coordinate ``shell``).

    Raises
    ------
    GeomotError
        If the polygon is not valid (self-intersecting, for instance) or has zero area.
    """

    dim = 2

    def __init__(self, shell, holes=()):
        if isinstance(shell, (shapely.Polygon, shapely.MultiPolygon)):
            if len(holes):
                raise GeomotError("Polygon: pass holes inside the shapely geometry, not as a separate argument")
            geom = shell
        else:
            ring = as_float_array(shell, "Polygon shell", (None, 2))
            hole_rings = [as_float_array(h, f"Polygon hole {k}", (None, 2)) for k, h in enumerate(holes)]
            if len(ring) < 3:
                raise GeomotError(f"Polygon shell needs at least 3 vertices; got {len(ring)}")
            geom = shapely.Polygon(ring, hole_rings)
        if geom.is_empty or not np.isfinite(shapely.get_coordinates(geom)).all():
            raise GeomotError("Polygon is empty or has non-finite coordinates")
        if not geom.is_valid:
            raise GeomotError(f"Polygon is not valid ({shapely.is_valid_reason(geom)}); "
                              f"expected a simple polygon: no self-intersection, holes inside the shell")
        if not geom.area > 0:
            raise GeomotError("Polygon has zero area; expected a domain of positive area")
        self.geometry = shapely.normalize(geom)
        shapely.prepare(self.geometry)
        hull = self.geometry.convex_hull
        self.is_convex = (isinstance(self.geometry, shapely.Polygon) and not self.geometry.interiors
                          and self.geometry.area >= hull.area * (1 - 1e-12))

    @property
    def volume(self):
        return float(self.geometry.area)

    @property
    def bounds(self):
        b = np.asarray(self.geometry.bounds, dtype=float)
        return b[:2], b[2:]

    def contains(self, x):
        x = self._check_x(x)
        return shapely.intersects_xy(self.geometry, x[:, 0], x[:, 1])

    @property
    def vertices(self):
        """Counter-clockwise vertices of a convex polygon's boundary, shape (k, 2), no repeated closing vertex."""
        if not self.is_convex:
            raise GeomotError("Polygon.vertices is defined for convex polygons only; use .geometry")
        ring = shapely.get_coordinates(shapely.orient_polygons(self.geometry).exterior)[:-1]
        return ring

    def __repr__(self):
        return f"Polygon(<{self.geometry.geom_type}, area={self.volume:.6g}, convex={self.is_convex}>)"


class Disk(Domain):
    """Closed disk ``{x : |x - center| <= radius}`` with its exact circular boundary.

    Cell areas and facet lengths on a disk are exact to rounding: the cells are
    intersected with the circle analytically (polygon part plus circular
    segments), never with a polygonal approximation.
    """

    dim = 2

    def __init__(self, center, radius):
        self.center = as_float_array(center, "Disk center", (2,))
        self.radius = as_positive(radius, "Disk radius")

    @property
    def volume(self):
        return float(np.pi * self.radius ** 2)

    @property
    def bounds(self):
        return self.center - self.radius, self.center + self.radius

    @property
    def frame(self):
        return self.center.copy(), self.radius

    def contains(self, x):
        x = self._check_x(x)
        return np.sum((x - self.center) ** 2, axis=1) <= self.radius ** 2

    def sample(self, u):
        """Map points ``u`` of the unit square onto the disk, uniformly: ``r = R sqrt(u_0)``, ``theta = 2 pi u_1``."""
        r = self.radius * np.sqrt(u[:, 0])
        t = 2 * np.pi * u[:, 1]
        return self.center + np.column_stack([r * np.cos(t), r * np.sin(t)])

    def __repr__(self):
        return f"Disk({self.center.tolist()}, {self.radius!r})"


class Ball(Domain):
    """Closed solid ball ``{x : |x - center| <= radius}`` in 3D, with its exact spherical boundary.

    Power cells on a ball are intersected with the sphere analytically (cell
    volumes, moments and facet areas in closed form: a polyhedral part plus
    spherical-cone terms), never with a polyhedral approximation.
    """

    dim = 3

    def __init__(self, center, radius):
        self.center = as_float_array(center, "Ball center", (3,))
        self.radius = as_positive(radius, "Ball radius")

    @property
    def volume(self):
        return float(4.0 / 3.0 * np.pi * self.radius ** 3)

    @property
    def bounds(self):
        return self.center - self.radius, self.center + self.radius

    @property
    def frame(self):
        return self.center.copy(), self.radius

    def contains(self, x):
        x = self._check_x(x)
        return np.sum((x - self.center) ** 2, axis=1) <= self.radius ** 2

    def sample(self, u):
        """Map points ``u`` of the unit cube onto the ball, uniformly.

        ``r = R u_0^(1/3)``, ``cos(polar angle) = 1 - 2 u_1``, ``azimuth = 2 pi u_2``.
        """
        r = self.radius * np.cbrt(u[:, 0])
        z = 1.0 - 2.0 * u[:, 1]
        s = np.sqrt(np.maximum(1.0 - z * z, 0.0))
        t = 2 * np.pi * u[:, 2]
        return self.center + r[:, None] * np.column_stack([s * np.cos(t), s * np.sin(t), z])

    def __repr__(self):
        return f"Ball({self.center.tolist()}, {self.radius!r})"


class ConvexPolytope(Domain):
    r"""Convex polytope in 3D: the convex hull of points, or ``{x : A x <= b}``.

    Stored in both forms: its vertices and its facets as half-spaces
    ``<n_k, x> <= b_k`` with outward unit normals ``n_k`` (coplanar triangles
    of the hull merged into one facet, redundant half-spaces dropped).

    Parameters
    ----------
    vertices : array_like, shape (k, 3)
        Points whose convex hull is the polytope (interior points are allowed
        and dropped). Use :meth:`from_halfspaces` for the other form.

    Attributes
    ----------
    vertices : ndarray, shape (v, 3)
        The extreme points.
    normals : ndarray, shape (m, 3)
        Outward unit normal of each facet.
    offsets : ndarray, shape (m,)
        ``b_k``: the polytope is ``{x : normals @ x <= offsets}``.

    Raises
    ------
    GeomotError
        For non-finite input, fewer than 4 points, or a flat polytope (zero volume).
    """

    dim = 3

    def __init__(self, vertices):
        pts = as_float_array(vertices, "ConvexPolytope vertices", (None, 3))
        if len(pts) < 4:
            raise GeomotError(f"ConvexPolytope needs at least 4 vertices (a tetrahedron); got {len(pts)}")
        span = float(np.ptp(pts, axis=0).max())
        if not span > 0:
            raise GeomotError("ConvexPolytope vertices all coincide; expected a polytope of positive volume")
        try:
            hull = ConvexHull(pts)
        except QhullError:
            raise GeomotError("ConvexPolytope vertices are flat (coplanar, collinear or coincident); "
                              "expected a polytope of positive volume") from None
        if not hull.volume > 1e-12 * span ** 3:
            raise GeomotError(f"ConvexPolytope is flat: volume {hull.volume!r} for a diameter {span!r}; "
                              f"expected a polytope of positive volume")
        self.vertices = pts[hull.vertices]
        self._volume = float(hull.volume)
        # facets: Qhull triangulates them; merge triangles on the same plane
        eq = hull.equations
        key = np.column_stack([eq[:, :3], eq[:, 3] / span])
        close = np.abs(key[:, None, :] - key[None, :, :]).max(axis=2) < 1e-10
        first = np.argmax(close, axis=1) == np.arange(len(eq))
        self.normals = np.ascontiguousarray(eq[first, :3]) + 0.0  # + 0.0: no negative zeros
        self.offsets = np.ascontiguousarray(-eq[first, 3]) + 0.0

    @classmethod
    def from_halfspaces(cls, A, b):
        """The polytope ``{x : A x <= b}`` (rows of ``A`` need not be unit; redundant rows are fine).

        Raises :class:`GeomotError` if the set is empty, flat or unbounded.
        """
        A = as_float_array(A, "ConvexPolytope A", (None, 3))
        b = as_float_array(b, "ConvexPolytope b", (len(A),))
        norm = np.linalg.norm(A, axis=1)
        if (norm == 0).any():
            raise GeomotError(f"ConvexPolytope A has a zero row (index {int(np.flatnonzero(norm == 0)[0])}); "
                              f"expected normals of positive length")
        A, b = A / norm[:, None], b / norm
        # Chebyshev centre: max r such that the ball B(c, r) satisfies every row
        lp = linprog(np.r_[0.0, 0.0, 0.0, -1.0], A_ub=np.column_stack([A, np.ones(len(A))]), b_ub=b,
                     bounds=[(None, None)] * 3 + [(0, None)], method="highs")
        if lp.status == 3:
            raise GeomotError("ConvexPolytope {x : A x <= b} is unbounded; expected a bounded polytope")
        if lp.status != 0:
            raise GeomotError(f"ConvexPolytope {{x : A x <= b}} is empty ({lp.message})")
        center, radius = lp.x[:3], lp.x[3]
        scale = max(1.0, float(np.abs(b).max()))
        if not radius > 1e-12 * scale:
            raise GeomotError(f"ConvexPolytope {{x : A x <= b}} is flat or empty (inscribed radius {float(radius)!r}); "
                              f"expected a polytope of positive volume")
        try:
            hs = HalfspaceIntersection(np.column_stack([A, -b]), center)
        except QhullError as exc:
            raise GeomotError(f"ConvexPolytope {{x : A x <= b}}: Qhull could not intersect the half-spaces "
                              f"({exc})") from None
        return cls(hs.intersections)

    @property
    def volume(self):
        return self._volume

    @property
    def bounds(self):
        return self.vertices.min(axis=0), self.vertices.max(axis=0)

    @property
    def halfspaces(self):
        """``(normals, offsets)``: the polytope is ``{x : normals @ x <= offsets}``, outward unit normals."""
        return self.normals.copy(), self.offsets.copy()

    def contains(self, x, tol=1e-12):
        """True where the rows of ``x`` lie in the closed polytope (up to ``tol`` times its diameter)."""
        x = self._check_x(x)
        lo, hi = self.bounds
        return np.all(x @ self.normals.T <= self.offsets + tol * np.linalg.norm(hi - lo), axis=1)

    def __repr__(self):
        return (f"ConvexPolytope(<{len(self.vertices)} vertices, {len(self.normals)} facets, "
                f"volume={self.volume:.6g}>)")


def as_domain(domain):
    """Return ``domain`` as a :class:`Domain`; shapely polygons become :class:`Polygon`."""
    if isinstance(domain, Domain):
        return domain
    if isinstance(domain, (shapely.Polygon, shapely.MultiPolygon)):
        return Polygon(domain)
    raise GeomotError(f"expected a geomot domain (Box, Polygon, Disk, ConvexPolytope, Ball) or a shapely Polygon; "
                      f"got {type(domain).__name__}")
