"""What the disk and the solid ball share: ``{x : |x - center| <= radius}``, its own frame and inscribed ball."""
import numpy as np

from .._validate import as_float_array, as_positive, show
from ._base import Domain


class RoundDomain(Domain):
    """Closed ball ``{x : |x - center| <= radius}`` in dimension ``dim`` (set by the subclass).

    Subclasses give ``volume`` and ``sample(u)``, the map of the unit cube onto it.
    """

    def __init__(self, center, radius):
        name = type(self).__name__
        self.center = as_float_array(center, f"{name} center", (self.dim,))
        self.radius = as_positive(radius, f"{name} radius")

    @property
    def bounds(self):
        return self.center - self.radius, self.center + self.radius

    @property
    def frame(self):
        return self.center.copy(), self.radius

    def contains(self, x):
        x = self._check_x(x)
        return np.sum((x - self.center) ** 2, axis=1) <= self.radius ** 2

    maps_cube = True

    def uniform_stream(self, cube):
        return lambda k: self.sample(cube(k))

    def inscribed_ball(self):
        return self.center.copy(), self.radius

    def __repr__(self):
        return f"{type(self).__name__}({self.center.tolist()}, {show(self.radius)})"
