r"""The one starting point of the solvers: the Voronoi diagram of the targets, mapped into the source.

If the targets lie in the support of a uniform source, their own Voronoi
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
"""
import numpy as np


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
