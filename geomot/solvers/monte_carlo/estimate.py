"""Monte Carlo estimates of the cell masses (and Hessian, moments) at fixed heights, on any device."""
import dataclasses

import numpy as np
import scipy.sparse as sp
from numba import cuda

from ..._kernels.sampling.assign import top2_cpu, top2_cuda, top2_numpy
from ..._kernels.sampling.samples import cost_and_inverse_spacing
from ..._validate import as_count, as_flag, as_float_array, as_heights, as_seed, show
from ...errors import GeomotError
from ...measures import as_sampler

DEVICES = ("cpu", "numpy", "cuda")


class Assigner:
    """The two best cells of samples, on one device; the targets are copied to the GPU once per estimate."""

    def __init__(self, device):
        if device not in DEVICES:
            raise GeomotError(f"device must be one of {DEVICES}; got {show(device)}")
        if device == "cuda" and not cuda.is_available():
            raise GeomotError("device='cuda' needs a CUDA GPU, and numba.cuda finds none "
                              "(set NUMBA_ENABLE_CUDASIM=1 to run the kernel on the simulator); use device='cpu'")
        self.device = device

    def bind(self, y, h):
        if self.device == "cuda":
            yd, hd = cuda.to_device(y), cuda.to_device(h)
            return lambda x: top2_cuda(x, yd, hd)[:3]
        kernel = top2_cpu if self.device == "cpu" else top2_numpy
        return lambda x: kernel(x, y, h)


@dataclasses.dataclass
class Estimate:
    """One Monte Carlo pass at fixed heights (see :func:`estimate`)."""

    masses: np.ndarray
    stderr: np.ndarray
    samples: int
    cost: float
    hessian: object = None
    first_moments: np.ndarray = None
    second_moments: np.ndarray = None
    seconds: float = 0.0
    kappa: float = 1.0


def estimate(draw, y, h, n_samples, assigner, *, batch=1 << 16, hessian_samples=0, moments=False, origin=None):
    r"""Monte Carlo cell masses (and optionally Hessian and cell moments) at heights ``h``.

    Streams ``n_samples`` samples from ``draw`` in batches of ``batch``.
    With ``hessian_samples > 0`` the first ``hessian_samples`` samples also
    give the slab estimate of ``H = dw/dh`` (module docstring): a sample whose
    two best cells are ``i, j`` lies at distance
    ``gap / |y_i - y_j|`` from their bisector; those within ``eps`` of it
    count ``1 / (2 N eps |y_i - y_j|)`` towards ``-H_ij``, ``eps`` the quantile
    of the distances that puts a fraction ``p = clip(50 n / N_H, 0.01, 0.1)``
    of the samples in the slabs (slabs of one width in space, whatever the
    spacing of the targets). With ``moments``, the sums of ``x`` and
    ``|x|^2`` over the samples of each cell, divided by ``N``. ``origin``:
    the targets are ``y + origin`` (``y`` centred by the caller; the cells do
    not change, and the cost is measured to the true targets).

    Standard errors: the binomial ``sqrt(w_i (1 - w_i) / N)`` times ``kappa``.
    ``kappa = 1`` for pseudo-random samples; for a stream with two replicates
    (randomised QMC, :mod:`geomot.measures`), the estimates ``w^1, w^2`` of the
    two halves give ``kappa^2 = sum_i (w^1_i - w^2_i)^2 / 4 / sum_i w_i (1 - w_i) / N``
    (the variance of their mean, pooled over the cells, over the binomial one;
    with fewer than 16 cells the pool is too small and ``kappa = 1``).
    """
    n, d = y.shape
    run = assigner.bind(y, h)
    counts = np.zeros(n, np.int64)
    halves = np.zeros((2, n), np.int64) if getattr(draw, "replicates", 1) == 2 else None
    first_size = 0
    cost = 0.0
    first = np.zeros((n, d)) if moments else None
    second_m = np.zeros(n) if moments else None
    rows, cols, weights, width, seen_h = [], [], [], None, 0
    done = 0
    while done < n_samples:
        k = min(batch, n_samples - done)
        x = draw(k)
        best, second, gap = run(x)
        counts += np.bincount(best, minlength=n)
        if halves is not None:  # the first k - k // 2 samples come from the first replicate
            halves[0] += np.bincount(best[:k - k // 2], minlength=n)
            first_size += k - k // 2
        half_squares, inverse_spacing = cost_and_inverse_spacing(x if origin is None else x - origin, y, best,
                                                                 second)
        cost += half_squares
        if moments:
            for c in range(d):  # d bincounts: a loop over coordinates, not samples
                first[:, c] += np.bincount(best, weights=x[:, c], minlength=n)
            second_m += np.bincount(best, weights=(x ** 2).sum(axis=1), minlength=n)
        if seen_h < hessian_samples and n > 1:
            use = min(k, hessian_samples - seen_h)
            b, c = best[:use], second[:use]
            dist = gap[:use] * inverse_spacing[:use]  # distance to the bisector of y_b, y_c
            if width is None:
                p = float(np.clip(50 * n / hessian_samples, 0.01, 0.1))
                width = float(np.quantile(dist, p))
            sel = np.flatnonzero(dist < width)
            rows.append(b[sel])
            cols.append(c[sel])
            weights.append(inverse_spacing[sel])
            seen_h += use
        done += k
    w = counts / n_samples
    binomial = w * (1 - w) / n_samples
    kappa = 1.0
    if halves is not None and n >= 16 and binomial.sum() > 0:  # pooled over >= 16 cells (else binomial)
        halves[1] = counts - halves[0]
        first, second = halves / np.array([[first_size], [n_samples - first_size]])
        kappa = float(np.sqrt(np.sum((first - second) ** 2) / 4 / binomial.sum()))
    out = Estimate(w, kappa * np.sqrt(binomial), n_samples, cost / n_samples, kappa=kappa)
    if moments:
        out.first_moments, out.second_moments = first / n_samples, second_m / n_samples
    if hessian_samples and n > 1:
        i, j, wt = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
        scale = -1.0 / (2 * seen_h * width) if width > 0 else 0.0
        off = sp.coo_matrix((scale * wt, (i, j)), shape=(n, n)).tocsr()
        off = off + off.T
        out.hessian = (off - sp.diags(np.asarray(off.sum(axis=1)).ravel())).tocsr()
    elif hessian_samples:
        out.hessian = sp.csr_matrix((n, n))
    return out


def monte_carlo_masses(source, points, heights, n_samples, *, batch=1 << 16, device="cpu", seed=None, qmc=False):
    """Estimate the cell masses by Monte Carlo; returns ``(masses, standard_errors)``.

    Parameters
    ----------
    source : measure, domain, or callable ``k -> (k, d)``
        See :func:`as_sampler`.
    points : (n, d) array, heights : (n,) array
    n_samples : int
        Total number of samples, drawn in batches of ``batch`` (memory stays bounded).
    device : {"cpu", "numpy", "cuda"}
        ``"cpu"``: numba kernels; ``"numpy"``: matrix-product reference;
        ``"cuda"``: numba.cuda kernel (a clear error when no GPU is available).
    seed : int or Generator, optional
    qmc : bool
        Scrambled Sobol points instead of pseudo-random ones: two independently
        scrambled sequences, half the samples each, whose difference gives the
        standard errors returned (:func:`estimate`).
    """
    y = as_float_array(points, "points", (None, None))
    if len(y) == 0:
        raise GeomotError("points must contain at least 1 point; got 0")
    h = as_heights(heights, len(y))
    n_samples = as_count(n_samples, "n_samples", 1)
    draw = as_sampler(source, y.shape[1], as_seed(seed), as_flag(qmc, "qmc"))
    est = estimate(draw, y, h, n_samples, Assigner(device), batch=as_count(batch, "batch", 1))
    return est.masses, est.stderr
