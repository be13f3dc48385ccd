"""The disk in 2D, with its exact circular boundary."""
import numpy as np

from ._base import box_corners
from ._round import RoundDomain


class Disk(RoundDomain):
    """Closed disk ``{x : |x - center| <= radius}`` with its exact circular boundary.

    Cell areas and facet lengths on a disk are exact to rounding: the cells are
    intersected with the circle analytically (polygon part plus circular
    segments), never with a polygonal approximation.
    """

    dim = 2

    @property
    def volume(self):
        with np.errstate(over="ignore"):  # inf for radii whose power overflows (a source refuses it)
            return float(np.pi * np.float64(self.radius) ** 2)

    def sample(self, u):
        """Map points ``u`` of the unit square onto the disk, uniformly: ``r = R sqrt(u_0)``, ``theta = 2 pi u_1``."""
        r = self.radius * np.sqrt(u[:, 0])
        t = 2 * np.pi * u[:, 1]
        return self.center + np.column_stack([r * np.cos(t), r * np.sin(t)])

    def clip_polygon(self):
        """The bounding square, cut by the inscribed circle exactly."""
        return box_corners(*self.bounds), True, None

    def outline(self):
        t = np.linspace(0, 2 * np.pi, 721)
        return [self.center + self.radius * np.column_stack([np.cos(t), np.sin(t)])]
