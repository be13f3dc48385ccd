r"""The starting points of the exact solver: the Voronoi diagram of the targets mapped into the source, and an
optimal assignment of source samples where that is poor.

**Voronoi start.** If the targets lie in the support of a uniform source, their own Voronoi
heights ``h_i = -|y_i|^2 / 2`` (each cell contains its point, so none is
empty). Otherwise the targets are mapped by a similarity
``z_i = t (y_i - mid) + center`` into the support, as the domain itself says
(:meth:`geomot.domains.Domain.embedding`: the bounding box of the points into
90 % of a box, their bounding ball into 90 % of the inscribed ball of other
domains); a Gaussian maps them onto its mean and standard deviation
(:meth:`geomot.Gaussian.embedding`), a sampler onto the mean and the spread
of 4096 of its samples. Where that start leaves a cell without mass on an image
(black pixels), the targets are mapped into the largest rectangle of positive
pixels instead (:func:`second_similarity`). The heights
``h_i = -|z_i|^2 / (2 t) = -<y_i - mid, center> - t |y_i - mid|^2 / 2 + const``
then make the cells of ``y`` the Voronoi cells of the ``z``
(``<x, z_i> = t <x, y_i> + const``). The larger ``t``, the better conditioned
the start. (The Monte Carlo solver then fits ``t`` in high dimension:
:mod:`geomot.solvers.monte_carlo.starts`.)

**Assignment start** (:mod:`._assignment`). The Voronoi start is poor
(:func:`poor_start`) when a cell is empty (a target crushed among others by a
similarity that brings a far outlier in) or, on a non-convex support (a
domain with holes, an image with black pixels: ``source.convex_support``),
when a mass is off by more than ten times: the convex set the targets are
mapped into is a small part of a domain with holes, and the cells around it
sweep across the holes, where Newton's linear model is poor. (Two blobs on
black, 500 and 1500 uniform targets: 82 and 203 damped steps from the
largest white rectangle, 7 and 11 from the assignment.) Measured quiet (tol
1e-9; Newton steps, seconds; ``python benchmarks/bench_nonconvex.py``): a
square with two holes, 2400 uniform targets: Voronoi start 265 steps;
continuation from the bounding box 35; assignment start 8 (0.6 s). An
annulus to two disks, 3000 targets: 300+ (not converged) from Voronoi, 72 by
the continuation, 9 (1.9 s) from the assignment. An L with a hole, 3000
targets over its bounding box: 114 by the continuation, 8 (1.1 s). The square
with two holes at 20000 targets: 12 steps, 11.2 s (the continuation: 156
steps, 207 s). Above :data:`ASSIGNMENT_MAX` targets a non-convex domain
starts by the continuation of :mod:`._continuation` instead.
"""
import numpy as np

from ._assignment import assignment_start
from ._residuals import log_merit

# the auction of the assignment start takes about 100 bids a sample, each a pruned search of its grid: the
# whole solve 11.0 s at n = 20000 (holes), against 207 s and 156 steps for the continuation (not measured
# beyond). Above this many targets, the continuation on non-convex domains
ASSIGNMENT_MAX = 20000
# a source with a density (an image) starts from the assignment at this many targets or more, whatever its
# Voronoi start: measured on the 256 x 256 moon image (tol 1e-8, quiet), the start corrected for the density
# took 25 / 62 / 143 Newton steps at n = 1e4 / 3e4 / 1e5 (2.6 / 39.3 / 264.6 s), the assignment start 10 / 10 / 11-15
# steps (4.2 / 16.9 / 48.9-63.4 s, most of it the auction)
DENSITY_ASSIGNMENT_MIN = 20000
# a Voronoi start on a non-convex domain is poor if a relative mass error exceeds this (or a cell is empty)
_GOOD_START = 10.0
# the shares of the density's correction the start tries (density_correction), until no cell is empty
_FITTED_SHARES = (1.0, 0.5, 0.25)


def start_diagram(source, points, z, frame, nu, diagram):
    """The exact solver's start: ``(diagram, note)``, the note saying which start was taken ("" for Voronoi's).

    The Voronoi start of the similarity that maps the targets into the support
    (:func:`similarity`; :func:`second_similarity` where it leaves a cell
    without mass on an image); corrected for the density
    (:func:`density_correction`) where that lowers the log error; the assignment
    start (:mod:`._assignment`) where the result is still poor
    (:func:`poor_start`) and ``n <= ASSIGNMENT_MAX``, and on a source with a
    density (an image) from ``DENSITY_ASSIGNMENT_MIN`` targets on. ``points`` and ``z``:
    the targets in user and unit coordinates, ``frame`` their
    :class:`~geomot.diagram._frame.Frame`; ``diagram(k)``: the diagram of the
    unit-frame heights ``k``.
    """
    sim = similarity(source, points)
    voronoi_k = voronoi_heights(z, frame.similarity(sim))
    pd, note = diagram(voronoi_k), ""
    second = second_similarity(source, pd)
    if second is not None:
        sim, voronoi_k = second, voronoi_heights(z, frame.similarity(second))
        pd = diagram(voronoi_k)
    correction = density_correction(source, z, frame, sim)
    many = correction is not None and len(z) >= DENSITY_ASSIGNMENT_MIN
    if correction is not None and not many:  # halved where it empties a cell; kept if it beats the Voronoi start
        for share in _FITTED_SHARES:
            fitted_pd = diagram(voronoi_k + share * correction)
            if not fitted_pd.empty.any():
                break
        if not fitted_pd.empty.any() and log_merit(fitted_pd.masses, nu) < log_merit(pd.masses, nu):
            pd = fitted_pd
            note = f" (started from the Voronoi diagram corrected for the density: density_correction, share {share})"
    if many or (len(z) <= ASSIGNMENT_MAX and poor_start(pd, nu)):
        draw = source.sampler(seed=0, qmc=True)
        pd, _ = assignment_start(lambda k: (draw(k) - frame.c) / frame.s, z, nu, diagram)
        why = "many targets on a density" if many else "the Voronoi start was poor"
        note = f" (started from an optimal assignment of source samples: {why})"
    return pd, note


def beyond_assignment(n):
    """Whether ``n`` targets are too many for the assignment start (:data:`ASSIGNMENT_MAX`): a non-convex domain
    then starts by the continuation of :mod:`._continuation`."""
    return n > ASSIGNMENT_MAX


def poor_start(pd, nu):
    """Whether the start ``pd`` (a :class:`~geomot.PowerDiagram`) is poor: a cell empty, or on a non-convex
    support (a domain with holes, an image with black pixels) a relative mass error above ``_GOOD_START``."""
    if pd.empty.any():
        return True
    if pd.source.convex_support:
        return False
    return bool(np.max(np.abs(pd.masses - nu) / nu) > _GOOD_START)


def similarity(source, y, draw=None):
    """``None`` if the targets ``y`` lie in the support of ``source`` (no map), else ``(t, mid, center)``.

    ``source`` is a measure (a :class:`~geomot.Uniform` answers through its
    domain) or a sampler; ``draw(k)``, a stream of its samples, is needed only
    for a source without a domain.
    """
    embedding = getattr(source, "embedding", None)  # a Gaussian: its own spread
    if embedding is not None:
        return embedding(y)
    domain = getattr(source, "domain", None)  # a sampler callable has none
    if domain is not None:
        return None if domain.contains(y).all() else domain.embedding(y)
    x = draw(4096)
    mid = y.mean(axis=0)
    return x.std(axis=0).mean() / max(float(np.sqrt(((y - mid) ** 2).mean())), 1e-300), mid, x.mean(axis=0)


def second_similarity(source, pd):
    """Where the start's diagram ``pd`` leaves a cell without mass and the source knows a region of its
    support to map the targets into (an image: :meth:`geomot.GridDensity.support_embedding`), that map;
    else None."""
    inner = getattr(source, "support_embedding", None)
    return inner(pd.points) if inner is not None and pd.empty.any() else None


def voronoi_heights(y, sim):
    """The starting heights of the targets ``y`` for the similarity ``sim`` (module docstring), up to a constant."""
    if sim is None:
        return -0.5 * (y ** 2).sum(axis=1)
    t, mid, center = sim
    return -(y - mid) @ center - 0.5 * t * ((y - mid) ** 2).sum(axis=1)


def density_correction(source, z, frame, sim):
    r"""The unit-frame correction of the Voronoi start of ``sim`` for the source's density, or None.

    A source that knows the potential ``phi`` of its linearised transport to the uniform measure on its box
    (:meth:`geomot.GridDensity.linearised_potential`) gives the targets, placed at ``p_i`` by the start's
    similarity, the power diagram of the ``p_i`` with weights ``2 phi(p_i)``: in user coordinates the cells
    maximise ``<x, p_i> - |p_i|^2 / 2 + phi(p_i)``, in the unit frames (``x = c + s x'``,
    ``p_i = c + s t (z_i - mid) + s center``) ``s^2 t (<x', z_i> + V_i + phi(p_i) / (s^2 t))``, ``V``
    the Voronoi heights (:func:`voronoi_heights`): the correction is ``phi(p_i) / (s^2 t)``. Right when
    the targets spread evenly over the box; :func:`start_diagram` keeps it only where it beats the
    Voronoi start.
    """
    potential = getattr(source, "linearised_potential", None)
    if potential is None:
        return None
    t, mid, center = frame.similarity(sim)
    return potential(frame.c + frame.s * (t * (z - mid) + center)) / (frame.s ** 2 * t)
