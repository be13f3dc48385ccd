"""Data sets of the paper's experiments.

The 2D grid of the PacGAN / VEEGAN mode-collapse protocol (paper notes §7):
a mixture of 25 isotropic Gaussians with means on ``{-4, -2, 0, 2, 4}^2``,
standard deviation 0.05, equal weights.
"""
import numpy as np

GRID_MEANS = np.stack(np.meshgrid(np.arange(-4.0, 5.0, 2.0), np.arange(-4.0, 5.0, 2.0), indexing="ij"),
                      axis=-1).reshape(-1, 2)
GRID_STD = 0.05


def grid_gaussians(n, seed=None, std=GRID_STD):
    """``n`` samples of the 25-Gaussian grid (each sample picks a mean uniformly at random).

    Parameters
    ----------
    n : int
    seed : int or numpy Generator, optional
    std : float
        Standard deviation of each component (0.05 in the protocol).

    Returns
    -------
    ndarray, shape (n, 2)
    """
    rng = np.random.default_rng(seed)
    return GRID_MEANS[rng.integers(0, len(GRID_MEANS), n)] + std * rng.standard_normal((n, 2))
