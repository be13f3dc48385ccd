"""The disk in 2D, with its exact circular boundary."""
import numpy as np

from .._validate import as_float_array, as_positive
from ._base import Domain


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

    def uniform_stream(self, cube):
        return lambda k: self.sample(cube(k))

    def clip_polygon(self):
        """The bounding square, cut by the inscribed circle exactly."""
        (a, b), (c, d) = self.bounds
        return np.array([[a, b], [c, b], [c, d], [a, d]]), True, None

    def inscribed_ball(self):
        return self.center.copy(), self.radius

    def outline(self):
        t = np.linspace(0, 2 * np.pi, 721)
        return [self.center + self.radius * np.column_stack([np.cos(t), np.sin(t)])]

    def __repr__(self):
        return f"Disk({self.center.tolist()}, {self.radius!r})"
