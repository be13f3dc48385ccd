"""Source measures: probability measures that the power cells are measured with.

``w_i(h) = mu(W_i(h))``. :class:`Uniform` (density ``1 / |Omega|`` on a
domain) is measured exactly by the power-diagram code in 2D and 3D and by Monte Carlo
in any dimension; :class:`Gaussian` exactly in 2D and 3D (its ``cell_integrals``,
``polyhedron_integrals``), by Monte Carlo in any dimension; :class:`GridDensity` (an image: a density constant
on each pixel of a 2D box or voxel of a 3D box) exactly, pixel (voxel) by pixel, and by Monte Carlo. Every measure can be
sampled, by pseudo-random numbers or by scrambled Sobol points (randomised
quasi-Monte Carlo, ``scipy.stats.qmc``), through the same interface:
``measure.sampler(seed, qmc)`` returns a sampler that draws the samples of
an estimate in blocks seeded by (seed, estimate, block)
(:mod:`geomot.measures._sampling`), so that workers can draw them apart and
the estimate stays the same; it is also a stream ``draw(k) -> (k, d)`` array
(each call the first block of a new estimate; with ``qmc=True``, sizes that are
powers of two keep the Sobol balance properties). With ``qmc=True`` half of
every block comes from each of two independently scrambled Sobol sequences
(``replicates == 2``): the difference of the halves estimates the error of
randomised quasi-Monte Carlo, which the binomial formula of plain Monte Carlo
overstates (many times in 2D).
"""
import shapely

from ..domains import Domain
from ..errors import GeomotError
from .gaussian import Gaussian
from ._sampling import UserSampler
from .grid_density import GridDensity
from .uniform import Uniform

MEASURES = (Uniform, Gaussian, GridDensity)

__all__ = ["Uniform", "Gaussian", "GridDensity", "MEASURES", "as_source", "as_uniform_source", "as_exact_source", "as_sampler"]


def as_source(source):
    """Return ``source`` as a measure; a bare domain means the uniform measure on it."""
    if isinstance(source, MEASURES):
        return source
    if not isinstance(source, (Domain, shapely.Polygon, shapely.MultiPolygon)):
        raise GeomotError(f"expected a source measure (e.g. geomot.Uniform(domain), geomot.Gaussian(d), "
                          f"geomot.GridDensity(image, box)) or a domain; "
                          f"got {type(source).__name__}")
    return Uniform(source)


def as_uniform_source(source):
    """Return ``source`` as a :class:`Uniform` measure (what exact power diagrams integrate), or raise."""
    source = as_source(source)
    if not isinstance(source, Uniform):
        raise GeomotError(f"exact power diagrams need a uniform source on a domain; got {source!r} "
                          f"(Monte Carlo handles it: gm.solve(..., method='monte-carlo'), gm.monte_carlo_masses)")
    return source


def as_exact_source(source):
    """``(source, density)``: ``source`` as a measure the exact diagrams integrate, and the density that
    integrates the cells itself (None for a :class:`Uniform`: the diagram's own areas); else a GeomotError.

    A :class:`Gaussian` is exact in 2D and 3D (on its :attr:`Gaussian.support`), a :class:`GridDensity` on its 2D or
    3D box.
    """
    source = as_source(source)
    if isinstance(source, Gaussian):
        source.support  # noqa: B018 (raises outside 2D and 3D)
        return source, source
    if isinstance(source, GridDensity):
        return source, source
    return as_uniform_source(source), None


def as_sampler(source, dim, seed=None, qmc=False):
    """A sampler of ``source``: blocks (``block(e, b, k, size)``, :mod:`geomot.measures._sampling`) and a stream
    ``draw(k) -> (k, dim)``.

    ``source`` is a measure (:class:`~geomot.Uniform`, :class:`~geomot.Gaussian`, :class:`~geomot.GridDensity`),
    a domain (its uniform measure), or a callable ``k -> (k, dim)`` array (the
    user's sampler, responsible for its own randomness; ``seed`` and ``qmc`` do
    not apply to it, and its blocks are not seeded: ``seeded`` is False).
    """
    if callable(source) and not isinstance(source, MEASURES):
        return UserSampler(source, dim)
    measure = as_source(source)
    if measure.dim != dim:
        raise GeomotError(f"points have dimension {dim} but the source lives in dimension {measure.dim}")
    return measure.sampler(seed, qmc)
