"""The uniform probability measure on a domain."""
import numpy as np

from .._validate import show
from ..domains import as_domain
from ..errors import GeomotError
from ._sampling import BlockSampler


class Uniform:
    """Uniform probability measure on a domain, density ``1 / |Omega|``.

    Parameters
    ----------
    domain : Domain or shapely Polygon / MultiPolygon
        The support ``Omega``.
    """

    def __init__(self, domain):
        self.domain = as_domain(domain)
        self.dim = self.domain.dim
        volume = self.domain.volume
        if not np.finfo(float).tiny < volume < np.inf:
            raise GeomotError(
                f"the domain's volume {show(volume)} is outside the range of double precision (its sides span "
                f"{show(self.domain.frame[1])}); rescale the coordinates by a power of ten: cells are the same, "
                f"heights scale by the square of the factor")

    @property
    def convex_support(self):
        """Whether the support is convex: that of the domain (a polygon with holes or a concave one is not)."""
        return bool(getattr(self.domain, "is_convex", True))

    @property
    def density(self):
        """Constant density ``1 / |Omega|``."""
        return 1.0 / self.domain.volume

    def sampler(self, seed=None, qmc=False):
        """Sampler of independent uniform samples of the domain, in seeded blocks (:mod:`geomot.measures`).

        Boxes, disks and balls map the unit cube onto the domain (so Sobol points stay
        low-discrepancy); other domains reject the points of their bounding
        box that fall outside. ``qmc``: two scrambled Sobol sequences (module docstring).
        """
        return BlockSampler(self, seed, qmc)

    def _stream(self, cube):
        return self.domain.uniform_stream(cube)

    @property
    def _maps_cube(self):
        return self.domain.maps_cube

    def sample(self, k, seed=None, qmc=False):
        """``k`` samples, shape (k, d); see :meth:`sampler`."""
        return self.sampler(seed, qmc)(k)

    def __repr__(self):
        return f"Uniform({self.domain!r})"
