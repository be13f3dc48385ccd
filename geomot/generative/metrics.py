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

from .._validate import as_float_array


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
        True mixture weights (default uniform).
    """
    samples = as_float_array(samples, "samples", (None, None))
    means = as_float_array(means, "means", (None, samples.shape[1]))
    k = len(means)
    q = np.full(k, 1.0 / k) if weights is None else as_float_array(weights, "weights", (k,)) / np.sum(weights)
    dist, nearest = cKDTree(means).query(samples)
    near = dist <= 3 * std
    counts = np.bincount(nearest, minlength=k)
    p = counts / max(len(samples), 1)
    pos = p > 0
    kl = float(np.sum(p[pos] * np.log(p[pos] / q[pos])))
    modes = int(np.unique(nearest[near]).size)
    return ModeStats(modes, float(near.mean()) if len(samples) else 0.0, kl, counts)


def novelty(samples, train, tol=1e-6):
    """``(fraction of samples farther than tol from every training sample, median nearest distance)``."""
    tree = cKDTree(as_float_array(train, "train", (None, None)))
    dist = tree.query(as_float_array(samples, "samples", (None, None)))[0]
    return float(np.mean(dist > tol)), float(np.median(dist))
