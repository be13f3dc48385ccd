r"""Generation in a latent space with the pyOMT rule (AE-OT, paper notes §5, §8).

The semi-discrete OT map ``T(x) = y_{argmax_i <x, y_i> + h_i}`` only
reproduces the training codes. AE-OT generates *new* codes near the facets of
the power diagram, and refuses to do it across the singular set, where the
two cells' codes lie in different parts of the support and their mixture
would decode to an unrealistic image (paper Fig. 12):

1. draw ``x`` from the source and find its two best cells ``i, j`` and the gap
   ``g = (<x, y_i> + h_i) - (<x, y_j> + h_j) >= 0``;
2. the facet between them is *singular* when the supporting planes
   ``z = <x, y_i> + h_i`` and ``z = <x, y_j> + h_j`` of the Brenier potential
   meet at a large dihedral angle ``theta_ij`` (their normals ``(y_i, -1)``,
   ``(y_j, -1)``, :class:`geomot.singular.AngleRule`), or, by default,
   when ``|y_i - y_j|`` exceeds ``threshold`` times the local target spacing
   (:class:`geomot.SpacingRule`, the rule of :func:`geomot.singular_set`,
   with the defaults of the latent dimension: :meth:`~geomot.SpacingRule.default`);
3. a sample on a singular facet is rejected (and redrawn); otherwise its code
   is ``(1 - lam) y_i + lam y_j`` with ``lam = (1 - g / g0)_+ / 2``, ``g0`` the
   90th percentile of the gaps of the samples: deep inside a cell ``lam = 0``
   (the training code), on the facet ``lam = 1/2`` from both sides. The generated codes are
   therefore a continuous function of ``x`` across regular facets, and jump
   only across the singular ones, which the rule never fills.
"""
import numpy as np

from .._kernels.sampling.assign import top2_cpu
from .._validate import as_count, as_float_array, as_positive, as_real, as_seed, show
from ..errors import GeomotError
from ..measures import as_sampler
from ..result import OTResult
from ..singular import as_rule


def singular_pairs(points, best, second, threshold=None, criterion="spacing", *, rule=None):
    """Boolean mask: is the facet between cells ``best[k]`` and ``second[k]`` singular?

    ``criterion="spacing"``: ``|y_i - y_j| > threshold * max(s_i, s_j)``, ``s_i``
    the distance from ``y_i`` to its k-th nearest target, the rule
    ``SpacingRule.default(d)`` of the dimension ``d`` of the points (k = 4 and
    threshold 5, except k = 8 and threshold 4 in 3D); ``threshold`` replaces
    its threshold. ``criterion="angle"``: ``theta_ij > threshold`` (radians; no
    default). ``rule``: a :class:`~geomot.SpacingRule` or
    :class:`~geomot.singular.AngleRule`, or one bound to ``points``
    (``rule.bind(points)``, whose spacing is then not computed again), instead
    of ``threshold`` and ``criterion``.
    """
    return as_rule(points, threshold, criterion, rule).is_singular(best, second)


def latent_map(result, x, gap_scale, *, threshold=None, criterion="spacing", rule=None):
    """The pyOMT rule at given source points ``x``: ``(codes, singular, best)``.

    ``codes[k] = (1 - lam) y_i + lam y_j`` with ``lam = (1 - g / gap_scale)_+ / 2``
    (module docstring); ``singular[k]`` says that ``x[k]`` lies on a singular
    facet (:func:`latent_samples` rejects those); ``best[k] = i``. ``threshold``,
    ``criterion``, ``rule``: which facets are singular, see :func:`singular_pairs`
    (pass ``rule=SpacingRule.default(d).bind(result.points)`` to map many
    batches with one spacing computation).
    """
    result = as_result(result)
    y = result.points
    x = as_float_array(x, "x", (None, y.shape[1]))
    gap_scale = as_positive(gap_scale, "gap_scale")
    bound = as_rule(y, threshold, criterion, rule)
    best, second, gap = top2_cpu(x, y, result.heights)
    singular = bound.is_singular(best, second)
    lam = 0.5 * np.clip(1 - gap / gap_scale, 0, None)
    return (1 - lam)[:, None] * y[best] + lam[:, None] * y[second], singular, best


def gap_scale(result, quantile=0.9, samples=1 << 14, seed=None):
    """A quantile of the top-two gaps of source samples: the ``g0`` of the interpolation weight.

    ``quantile`` in [0, 1]; ``samples`` >= 1 source samples; ``seed`` as for :func:`latent_samples`.
    """
    result = as_result(result)
    quantile = as_real(quantile, "quantile", 0.0, 1.0)
    samples = as_count(samples, "samples", 1)
    x = as_sampler(result.source, result.points.shape[1], np.random.default_rng(as_seed(seed)))(samples)
    return float(np.quantile(top2_cpu(x, result.points, result.heights)[2], quantile))


def latent_samples(result, m, *, threshold=None, criterion="spacing", rule=None, seed=None, max_rounds=100):
    """Generate ``m`` latent codes by the pyOMT rule (module docstring).

    Parameters
    ----------
    result : OTResult
        Semi-discrete OT from the latent source (``result.source``: a measure,
        a domain or a sampler callable) to the training codes.
    m : int
        Number of codes, >= 0.
    threshold, criterion, rule
        Which facets are singular; see :func:`singular_pairs`. The rule is
        bound to the targets once (one spacing computation per call, whatever
        the number of rounds of draws).
    seed : None, int, SeedSequence or numpy Generator
    max_rounds : int
        Bound on the rounds of draws (>= 1): fewer than ``m`` codes after
        them is an error.

    Returns
    -------
    codes : (m, d) array
    info : dict
        ``acceptance`` (fraction of draws kept), ``cells`` (the best cell of
        each kept draw), ``gap_scale`` (the ``g0`` used).
    """
    result = as_result(result)
    m = as_count(m, "m")
    max_rounds = as_count(max_rounds, "max_rounds", 1)
    rng = np.random.default_rng(as_seed(seed))
    y = result.points
    if len(y) < 2:
        raise GeomotError("latent_samples needs at least two target codes")
    bound = as_rule(y, threshold, criterion, rule)
    g0 = gap_scale(result, seed=rng)
    draw = as_sampler(result.source, y.shape[1], rng)
    codes, cells, drawn = [], [], 0
    for _ in range(max_rounds):
        x = draw(max(2 * m, 1024))
        drawn += len(x)
        z, singular, best = latent_map(result, x, g0, rule=bound)
        codes.append(z[~singular])
        cells.append(best[~singular])
        if sum(len(c) for c in codes) >= m:
            break
    else:
        raise GeomotError(f"fewer than {m} codes after {max_rounds} rounds: almost every draw hits a singular "
                          f"facet; raise the threshold")
    kept = sum(len(c) for c in cells)
    return np.concatenate(codes)[:m], {"acceptance": kept / drawn, "cells": np.concatenate(cells)[:m],
                                       "gap_scale": g0}


def as_result(result):
    """``result`` if it is an :class:`~geomot.OTResult`, else a GeomotError saying what was found."""
    if not isinstance(result, OTResult):
        raise GeomotError(f"result must be an OTResult (from geomot.solve); got {show(result)}")
    return result
