"""Convex polytopes in 3D: the hull of points, or ``{x : A x <= b}``."""
import numpy as np
from scipy.optimize import linprog
from scipy.spatial import ConvexHull, HalfspaceIntersection, QhullError

from .._validate import as_float_array, show
from ..errors import GeomotError
from ._base import Domain


def chebyshev_ball(A, b):
    """The LP of the largest ball in ``{x : A x <= b}`` (unit rows): ``lp.x = (center, radius)``."""
    lp = linprog(np.r_[np.zeros(A.shape[1]), -1.0], A_ub=np.column_stack([A, np.ones(len(A))]), b_ub=b,
                 bounds=[(None, None)] * A.shape[1] + [(0, None)], method="highs")
    return lp


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
            raise GeomotError(f"ConvexPolytope is flat: volume {show(hull.volume)} for a diameter {show(span)}; "
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
        lp = chebyshev_ball(A, b)
        if lp.status == 3:
            raise GeomotError("ConvexPolytope {x : A x <= b} is unbounded; expected a bounded polytope")
        if lp.status != 0:
            raise GeomotError(f"ConvexPolytope {{x : A x <= b}} is empty ({lp.message})")
        center, radius = lp.x[:3], lp.x[3]
        scale = max(1.0, float(np.abs(b).max()))
        if not radius > 1e-12 * scale:
            raise GeomotError(f"ConvexPolytope {{x : A x <= b}} is flat or empty (inscribed radius {show(float(radius))}); "
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

    def clip_halfspaces(self):
        return (*self.halfspaces, False)

    def inscribed_ball(self):
        """The Chebyshev centre and radius (by LP)."""
        x = chebyshev_ball(self.normals, self.offsets).x
        return x[:3], float(x[3])

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


