"""Data sets of the mode-collapse benchmarks (paper notes §7), as PacGAN defines them.

- The 2D grid (PacGAN / VEEGAN): 25 isotropic Gaussians with means on
  ``{-4, -2, 0, 2, 4}^2``, standard deviation 0.05, equal weights.
- The 2D ring (PacGAN, Lin et al. 2018, ``synthetic_data_experiments/2DRing_GAN&PacGAN/config.py``
  of github.com/fjxmlzn/PacGAN): 8 isotropic Gaussians with means
  ``(cos(2 pi i / 8), sin(2 pi i / 8))`` on the unit circle, standard deviation 0.01, equal weights.

Each sample picks a component uniformly at random.
"""
import numpy as np

from .._validate import as_count, as_positive, as_seed

GRID_MEANS = np.stack(np.meshgrid(np.arange(-4.0, 5.0, 2.0), np.arange(-4.0, 5.0, 2.0), indexing="ij"),
                      axis=-1).reshape(-1, 2)
GRID_STD = 0.05
RING_MEANS = np.column_stack([np.cos(2 * np.pi * np.arange(8) / 8), np.sin(2 * np.pi * np.arange(8) / 8)])
RING_STD = 0.01


def mixture(means, n, seed=None, std=1.0):
    """``n`` samples of the equal-weight mixture of isotropic Gaussians ``N(means[k], std^2 I)``.

    Parameters
    ----------
    means : ndarray (k, d)
    n : int
        Number of samples, >= 0.
    seed : None, int, SeedSequence or numpy Generator
    std : float
        Standard deviation of every component, positive.

    Returns
    -------
    ndarray, shape (n, d)
    """
    n = as_count(n, "n")
    std = as_positive(std, "std")
    rng = np.random.default_rng(as_seed(seed))
    return means[rng.integers(0, len(means), n)] + std * rng.standard_normal((n, means.shape[1]))


def grid_gaussians(n, seed=None, std=GRID_STD):
    """``n`` samples of the 25-Gaussian grid (std 0.05 in the protocol): :func:`mixture` of ``GRID_MEANS``."""
    return mixture(GRID_MEANS, n, seed, std)


def ring_gaussians(n, seed=None, std=RING_STD):
    """``n`` samples of PacGAN's ring of 8 Gaussians (std 0.01): :func:`mixture` of ``RING_MEANS``."""
    return mixture(RING_MEANS, n, seed, std)
