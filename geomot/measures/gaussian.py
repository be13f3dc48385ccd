"""Gaussian probability measures in any dimension (Monte Carlo solvers)."""
import numpy as np
from scipy import special

from .._validate import as_float_array, as_real, show
from ..errors import GeomotError
from ._sampling import UnitCube, replicated


class Gaussian:
    """Gaussian probability measure ``N(mean, std^2 I)`` in any dimension (Monte Carlo solvers only).

    Parameters
    ----------
    dim : int
        Dimension d.
    mean : array_like of shape (d,), optional
        Default: the origin (a standard Gaussian with ``std = 1``).
    std : float, optional
        Standard deviation of every coordinate.
    """

    def __init__(self, dim, mean=None, std=1.0):
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, (bool, np.bool_)) or dim < 1:
            raise GeomotError(f"Gaussian needs a positive integer dimension dim; got {show(dim)}")
        self.dim = int(dim)
        self.mean = np.zeros(self.dim) if mean is None else as_float_array(mean, "Gaussian mean", (self.dim,))
        # samples a few hundred std away must stay finite, and their squares too
        self.std = as_real(std, "Gaussian std", 0.0, 1e150, low_open=True)

    def sampler(self, seed=None, qmc=False):
        """Stream ``draw(k) -> (k, d)``; with ``qmc``, the inverse normal CDF of scrambled Sobol points
        (two streams, see the module docstring)."""
        if not qmc:
            rng = np.random.default_rng(seed)
            return lambda k: self.mean + self.std * rng.standard_normal((k, self.dim))
        return replicated(self._sobol_stream, seed)

    def _sobol_stream(self, seed):
        cube = UnitCube(self.dim, seed, True)
        tiny = np.finfo(float).tiny
        return lambda k: self.mean + self.std * special.ndtri(np.clip(cube(k), tiny, 1 - 2 ** -53))

    def sample(self, k, seed=None, qmc=False):
        """``k`` samples, shape (k, d); see :meth:`sampler`."""
        return self.sampler(seed, qmc)(k)

    def __repr__(self):
        return f"Gaussian(dim={self.dim}, mean={self.mean.tolist()}, std={show(self.std)})"
