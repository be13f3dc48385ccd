"""Axis-aligned boxes, in any dimension (exact diagrams in 2D and 3D; Monte Carlo supports above)."""
import numpy as np

from .._validate import as_float_array
from ..errors import GeomotError
from ._base import Domain, box_corners


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
        return box_corners(self.lower, self.upper)

    @property
    def halfspaces(self):
        """``(normals, offsets)``: the box is ``{x : normals @ x <= offsets}``, outward unit normals (2d rows)."""
        eye = np.eye(self.dim)
        return np.vstack([eye, -eye]), np.concatenate([self.upper, -self.lower])

    def sample(self, u):
        """Map points ``u`` of the unit cube ``[0, 1)^d`` onto the box, uniformly (an affine map)."""
        return self.lower + u * (self.upper - self.lower)

    maps_cube = True

    def uniform_stream(self, cube):
        return lambda k: self.sample(cube(k))

    def clip_polygon(self):
        return self.vertices, False, None

    def clip_halfspaces(self):
        if self.dim != 3:
            raise GeomotError(f"3D power diagrams need a 3D box; got {self!r}")
        return (*self.halfspaces, False)

    def inscribed_ball(self):
        return (self.lower + self.upper) / 2, float(np.min(self.upper - self.lower) / 2)

    def embedding(self, y):
        """The bounding box of the points onto 90 % of the box, about its centre (one scale for all axes)."""
        lo, hi = y.min(axis=0), y.max(axis=0)
        with np.errstate(divide="ignore"):
            t = 0.9 * np.min((self.upper - self.lower) / np.maximum(hi - lo, 1e-300))
        return min(float(t), 1.0), (lo + hi) / 2, (self.lower + self.upper) / 2

    def outline(self):
        return [np.vstack([self.vertices, self.vertices[:1]])]

    def __repr__(self):
        return f"Box({self.lower.tolist()}, {self.upper.tolist()})"
