"""Streams of points of the unit cube (pseudo-random or scrambled Sobol) and their two-replicate form."""
import warnings

import numpy as np
from scipy import stats


class UnitCube:
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


def replicated(stream, seed):
    """Two streams ``stream(seed_r)`` of independent seeds, each giving half of every batch (the first one
    the first ``k - k // 2`` rows): randomised quasi-Monte Carlo with two replicates."""
    first, second = (stream(s) for s in np.random.default_rng(seed).spawn(2))

    def draw(k):
        return np.concatenate([first(k - k // 2), second(k // 2)])
    draw.replicates = 2
    return draw
