"""Source measures: probability measures that the power cells are measured with.

``w_i(h) = mu(W_i(h))``. :class:`Uniform` (density ``1 / |Omega|`` on a
domain) is measured exactly by the power-diagram code in 2D and by Monte Carlo
in any dimension; :class:`Gaussian` only by Monte Carlo. Every measure can be
sampled, by pseudo-random numbers or by scrambled Sobol points (randomised
quasi-Monte Carlo, ``scipy.stats.qmc``), through the same interface:
``measure.sampler(seed, qmc)`` returns ``draw(k) -> (k, d)`` array, a stream
(successive calls continue the sequence; with ``qmc=True``, batches whose sizes
are powers of two keep the Sobol balance properties). With ``qmc=True`` the
stream draws half of every batch from each of two independently scrambled
Sobol sequences (``draw.replicates == 2``): the difference of the halves
estimates the error of randomised quasi-Monte Carlo, which the binomial formula
of plain Monte Carlo overstates (many times in 2D).
"""
import warnings

import numpy as np
from scipy import special, stats

from ._validate import as_float_array, as_positive
from .domains import Ball, Box, Disk, as_domain
from .errors import GeomotError


class _UnitCube:
    """Stream of points of ``[0, 1)^d``: pseudo-random, or one scrambled Sobol sequence."""

    def __init__(self, dim, seed, qmc):
        self.dim = dim
        self.rng = np.random.default_rng(seed)
        self.engine = stats.qmc.Sobol(dim, scramble=True, seed=self.rng) if qmc else None

    def __call__(self, k):
        if self.engine is None:
            return self.rng.random((k, self.dim))
        with warnings.catch_warnings():  # rejection sampling draws batches of any size
            warnings.filterwarnings("ignore", "The balance properties of Sobol", UserWarning)
            return self.engine.random(k)


def _replicated(stream, seed):
    """Two streams ``stream(seed_r)`` of independent seeds, each giving half of every batch (the first one
    the first ``k - k // 2`` rows): randomised quasi-Monte Carlo with two replicates."""
    first, second = (stream(s) for s in np.random.default_rng(seed).spawn(2))

    def draw(k):
        return np.concatenate([first(k - k // 2), second(k // 2)])
    draw.replicates = 2
    return draw


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

    @property
    def density(self):
        """Constant density ``1 / |Omega|``."""
        return 1.0 / self.domain.volume

    def sampler(self, seed=None, qmc=False):
        """Stream ``draw(k) -> (k, d)`` of independent uniform samples of the domain.

        Boxes, disks and balls map the unit cube onto the domain (so Sobol points stay
        low-discrepancy); other domains reject the points of their bounding
        box that fall outside. ``qmc``: two scrambled Sobol streams (module docstring).
        """
        return _replicated(lambda s: self._stream(s, True), seed) if qmc else self._stream(seed, False)

    def _stream(self, seed, qmc):
        cube = _UnitCube(self.dim, seed, qmc)
        if isinstance(self.domain, (Box, Disk, Ball)):
            return lambda k: self.domain.sample(cube(k))
        lower, upper = self.domain.bounds
        accept = self.domain.volume / np.prod(upper - lower)

        def draw(k):
            parts, got = [], 0
            while got < k:
                x = lower + cube(int(1.1 * (k - got) / accept) + 16) * (upper - lower)
                x = x[self.domain.contains(x)]
                parts.append(x)
                got += len(x)
            return np.concatenate(parts)[:k]
        return draw

    def sample(self, k, seed=None, qmc=False):
        """``k`` samples, shape (k, d); see :meth:`sampler`."""
        return self.sampler(seed, qmc)(k)

    def __repr__(self):
        return f"Uniform({self.domain!r})"


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
        if not isinstance(dim, (int, np.integer)) or dim < 1:
            raise GeomotError(f"Gaussian needs a positive integer dimension; got {dim!r}")
        self.dim = int(dim)
        self.mean = np.zeros(self.dim) if mean is None else as_float_array(mean, "Gaussian mean", (self.dim,))
        self.std = as_positive(std, "Gaussian std")

    def sampler(self, seed=None, qmc=False):
        """Stream ``draw(k) -> (k, d)``; with ``qmc``, the inverse normal CDF of scrambled Sobol points
        (two streams, see the module docstring)."""
        if not qmc:
            rng = np.random.default_rng(seed)
            return lambda k: self.mean + self.std * rng.standard_normal((k, self.dim))
        return _replicated(self._sobol_stream, seed)

    def _sobol_stream(self, seed):
        cube = _UnitCube(self.dim, seed, True)
        tiny = np.finfo(float).tiny
        return lambda k: self.mean + self.std * special.ndtri(np.clip(cube(k), tiny, 1 - 2 ** -53))

    def sample(self, k, seed=None, qmc=False):
        """``k`` samples, shape (k, d); see :meth:`sampler`."""
        return self.sampler(seed, qmc)(k)

    def __repr__(self):
        return f"Gaussian(dim={self.dim}, mean={self.mean.tolist()}, std={self.std!r})"


def as_source(source):
    """Return ``source`` as a measure; a bare domain means the uniform measure on it."""
    if isinstance(source, (Uniform, Gaussian)):
        return source
    try:
        return Uniform(source)
    except GeomotError:
        raise GeomotError(f"expected a source measure (e.g. geomot.Uniform(domain), geomot.Gaussian(d)) or a domain; "
                          f"got {type(source).__name__}") from None


def as_uniform_source(source):
    """Return ``source`` as a :class:`Uniform` measure (what exact power diagrams integrate), or raise."""
    source = as_source(source)
    if not isinstance(source, Uniform):
        raise GeomotError(f"exact power diagrams need a uniform source on a domain; got {source!r} "
                          f"(Monte Carlo handles it: gm.solve(..., method='monte-carlo'), gm.monte_carlo_masses)")
    return source


def as_sampler(source, dim, seed=None, qmc=False):
    """A stream ``draw(k) -> (k, dim)`` of samples of ``source``.

    ``source`` is a measure (:class:`~geomot.Uniform`, :class:`~geomot.Gaussian`),
    a domain (its uniform measure), or a callable ``k -> (k, dim)`` array (the
    user's sampler, responsible for its own randomness; ``seed`` and ``qmc`` do
    not apply to it).
    """
    if callable(source) and not isinstance(source, (Uniform, Gaussian)):
        def draw(k):
            return as_float_array(source(k), "the sampler's output", (k, dim))
        return draw
    measure = as_source(source)
    if measure.dim != dim:
        raise GeomotError(f"points have dimension {dim} but the source lives in dimension {measure.dim}")
    return measure.sampler(seed, qmc)
