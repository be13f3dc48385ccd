"""Mode-collapse metrics of the 2D grid benchmark (paper notes §7) and novelty.

- modes: number of mixture components with at least one sample within
  ``3 std`` of their mean;
- high quality: fraction of samples within ``3 std`` of the nearest mean;
- reverse KL: ``KL(P_gen || P_true) = sum_k p_k log(p_k / q_k)`` of the
  histograms of samples assigned to their nearest mean (``q`` uniform for the grid);
- novelty: fraction of samples farther than ``tol`` from every training sample,
  and the median distance to the nearest training sample.
"""
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from .._validate import as_float_array, as_positive, as_real
from ..errors import GeomotError


@dataclass(frozen=True)
class ModeStats:
    """Mode statistics of a sample set; ``counts`` per mean (nearest-mean assignment)."""

    modes: int
    high_quality: float
    reverse_kl: float
    counts: np.ndarray


def mode_stats(samples, means, std, weights=None):
    """Modes captured, fraction of high-quality samples and reverse KL (see the module docstring).

    Parameters
    ----------
    samples : (m, d) array
    means : (k, d) array
    std : float
        Component standard deviation; "near" means within ``3 * std``.
    weights : (k,) array, optional
        True mixture weights, positive (default uniform; normalised to sum 1).
    """
    samples = as_float_array(samples, "samples", (None, None))
    means = as_float_array(means, "means", (None, samples.shape[1]))
    std = as_positive(std, "std")
    k = len(means)
    if k == 0:
        raise GeomotError("means must contain at least 1 mean; got 0")
    if weights is None:
        q = np.full(k, 1.0 / k)
    else:
        q = as_float_array(weights, "weights", (k,))
        if (q <= 0).any():
            i = int(np.flatnonzero(q <= 0)[0])
            raise GeomotError(f"weights must be positive; weights[{i}] = {q[i]:.6g}")
        q = q / q.sum()
    dist, nearest = cKDTree(means).query(samples)
    near = dist <= 3 * std
    counts = np.bincount(nearest, minlength=k)
    p = counts / max(len(samples), 1)
    pos = p > 0
    kl = float(np.sum(p[pos] * np.log(p[pos] / q[pos])))
    modes = int(np.unique(nearest[near]).size)
    return ModeStats(modes, float(near.mean()) if len(samples) else 0.0, kl, counts)


def novelty(samples, train, tol=1e-6):
    """``(fraction of samples farther than tol from every training sample, median nearest distance)``.

    ``samples`` (m, d) and ``train`` (n, d) with m, n >= 1; ``tol`` >= 0.
    """
    train = as_float_array(train, "train", (None, None))
    samples = as_float_array(samples, "samples", (None, train.shape[1]))
    tol = as_real(tol, "tol", 0.0)
    for name, x in (("samples", samples), ("train", train)):
        if len(x) == 0:
            raise GeomotError(f"{name} must contain at least 1 point; got 0")
    dist = cKDTree(train).query(samples)[0]
    return float(np.mean(dist > tol)), float(np.median(dist))
