r"""Monte Carlo estimates for semi-discrete OT in any dimension (paper notes §4, §8).

Where cells cannot be built (latent spaces, d = 10..100s), the cell masses
``w_i(h) = mu(W_i(h))`` are estimated by drawing samples of ``mu`` and counting
how many fall in each cell, ``W_i = {x : <x, y_i> + h_i >= <x, y_j> + h_j}``.
With ``N`` samples the count of cell ``i`` is binomial: standard error
``sqrt(w_i (1 - w_i) / N)``.
"""
import numpy as np
from numba import cuda

from ._kernels.assign import assign_cpu, assign_cuda, assign_numpy
from ._validate import as_float_array
from .errors import GeomotError


def monte_carlo_masses(sampler, points, heights, n_samples, *, batch=100_000, device="cpu", seed=None):
    """Estimate the cell masses by Monte Carlo; returns ``(masses, standard_errors)``.

    Parameters
    ----------
    sampler : callable ``(k, rng) -> (k, d) array``
        Draws ``k`` samples of the source measure.
    points : (n, d) array, heights : (n,) array
    n_samples : int
        Total number of samples, drawn in batches of ``batch`` (memory stays bounded).
    device : {"cpu", "numpy", "cuda"}
        ``"cpu"``: numba kernel; ``"numpy"``: matrix-product reference; ``"cuda"``:
        numba.cuda kernel (a clear error when no GPU is available).
    seed : int or Generator, optional
    """
    y = as_float_array(points, "points", (None, None))
    h = as_float_array(heights, "heights", (len(y),))
    if device == "cuda" and not cuda.is_available():
        raise GeomotError("device='cuda' needs a CUDA GPU, and numba.cuda finds none; use device='cpu'")
    if device not in ("cpu", "numpy", "cuda"):
        raise GeomotError(f"device must be 'cpu', 'numpy' or 'cuda'; got {device!r}")
    rng = np.random.default_rng(seed)
    counts = np.zeros(len(y), np.int64)
    done = 0
    while done < n_samples:
        k = min(batch, n_samples - done)
        x = as_float_array(sampler(k, rng), "samples", (k, y.shape[1]))
        if device == "cuda":
            counts += assign_cuda(x, y, h)[1]
        else:
            idx = assign_cpu(x, y, h) if device == "cpu" else assign_numpy(x, y, h)
            counts += np.bincount(idx, minlength=len(y))
        done += k
    w = counts / n_samples
    return w, np.sqrt(w * (1 - w) / n_samples)
