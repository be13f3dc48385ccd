"""Monte Carlo estimates of the cell masses (and Hessian, moments) at fixed heights, on any device."""
import dataclasses

import numpy as np
import scipy.sparse as sp
from numba import cuda

from ..._kernels.sampling.assign import top2_cpu, top2_cuda, top2_numpy
from ..._kernels.sampling.samples import cost_and_inverse_spacing
from ..._validate import as_client, as_count, as_flag, as_float_array, as_heights, as_seed, show
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


@dataclasses.dataclass
class Tally:
    """What consecutive blocks of samples add to an estimate: the sums :func:`reduce` divides by ``N``.

    ``counts`` (n,) the samples of each cell, ``first_counts`` those of the
    first replicate's part (``first_size`` samples; randomised QMC), and the
    slab samples of the Hessian: ``rows, cols, weights`` (best cell, second
    cell, ``1 / |y_i - y_j|``) of the ``hessian_seen`` samples that counted
    towards it, ``width`` the slab half-width: integers and lists, merged
    exactly (:func:`merge`). The floating sums are kept per block (a leading
    axis, one row per block), to be added in block order: ``cost`` the sums
    of ``|x - y_best|^2 / 2``, ``first`` (blocks, n, d) and ``second``
    (blocks, n) the sums of ``x`` and ``|x|^2`` over each cell (``moments``).
    """

    counts: np.ndarray
    first_counts: np.ndarray = None
    first_size: int = 0
    cost: float = 0.0
    first: np.ndarray = None
    second: np.ndarray = None
    rows: np.ndarray = None
    cols: np.ndarray = None
    weights: np.ndarray = None
    hessian_seen: int = 0
    width: float = None


@dataclasses.dataclass(frozen=True)
class BlockJob:
    r"""The blocks of one estimate and what to tally of each (:func:`estimate`): what a worker needs besides
    the targets and heights.

    ``draw`` a sampler (:func:`~geomot.measures.as_sampler`), ``index`` the
    estimate's number ``e``, ``size`` the block size ``B``, ``n_samples`` the
    estimate's ``N`` (block ``b`` holds samples ``b B .. min((b + 1) B, N)``).
    """

    draw: object
    index: int
    size: int
    n_samples: int
    device: str = "cpu"
    hessian_samples: int = 0
    moments: bool = False
    origin: np.ndarray = None

    @property
    def blocks(self):
        """The number of blocks, ``ceil(N / B)``."""
        return -(-self.n_samples // self.size)

    def tally(self, run, y, b, width):
        r"""The :class:`Tally` of block ``b``, ``run`` the bound assignment (:meth:`Assigner.bind`).

        Its first ``hessian_samples - b B`` samples (if any) are slab samples:
        distance ``gap / |y_i - y_j|`` to the bisector of their two best
        cells, kept within ``width`` of it. ``width=None`` (block 0) sets it:
        the quantile of the distances that puts a fraction
        ``p = clip(50 n / N_H, 0.01, 0.1)`` of the samples in the slabs.
        """
        n, d = y.shape
        start = b * self.size
        k = min(self.size, self.n_samples - start)
        x = self.draw.block(self.index, b, k, self.size)
        best, second, gap = run(x)
        out = Tally(np.bincount(best, minlength=n))
        if self.draw.replicates == 2:  # the first k - k // 2 samples come from the first replicate
            out.first_size = k - k // 2
            out.first_counts = np.bincount(best[:out.first_size], minlength=n)
        cost, inverse_spacing = cost_and_inverse_spacing(x, np.zeros(d) if self.origin is None else self.origin, y,
                                                         best, second)
        out.cost = np.array([cost])
        if self.moments:  # d bincounts: a loop over coordinates, not samples
            out.first = np.stack([np.bincount(best, weights=x[:, c], minlength=n) for c in range(d)], axis=1)[None]
            out.second = np.bincount(best, weights=(x ** 2).sum(axis=1), minlength=n)[None]
        use = min(k, self.hessian_samples - start)
        if use > 0 and n > 1:
            dist = gap[:use] * inverse_spacing[:use]  # distance to the bisector of y_best, y_second
            if width is None:
                p = float(np.clip(50 * n / self.hessian_samples, 0.01, 0.1))
                width = float(np.quantile(dist, p))
            sel = np.flatnonzero(dist < width)
            out.rows, out.cols, out.weights = best[sel], second[sel], inverse_spacing[sel]
            out.hessian_seen, out.width = use, width
        return out

    def tallies(self, y, h, blocks, width):
        """The merged tally of the blocks ``blocks`` (a range), on the device named (a task of a worker)."""
        run = Assigner(self.device).bind(y, h)
        return merge([self.tally(run, y, b, width) for b in blocks])


def merge(tallies):
    """One :class:`Tally` for the tallies of consecutive blocks, in order: the counts added (integers: exact),
    the per-block rows and the slab samples concatenated."""
    def joined(name):
        parts = [getattr(t, name) for t in tallies if getattr(t, name) is not None]
        return np.concatenate(parts) if parts else None
    first_counts = [t.first_counts for t in tallies if t.first_counts is not None]
    return Tally(sum(t.counts for t in tallies), sum(first_counts) if first_counts else None,
                 sum(t.first_size for t in tallies), joined("cost"), joined("first"), joined("second"),
                 joined("rows"), joined("cols"), joined("weights"), sum(t.hessian_seen for t in tallies),
                 next((t.width for t in tallies if t.width is not None), None))


def slab_hessian(rows, cols, weights, n, seen, width):
    """The slab estimate of ``H = dw/dh`` (CSR): ``-1 / (2 N_H eps)`` times the slab samples' weights
    ``1 / |y_i - y_j|`` at ``(i, j) = (rows, cols)``, symmetrised, its diagonal minus the row sums;
    ``seen = N_H`` the samples that could enter a slab, ``width = eps`` the slab half-width."""
    scale = -1.0 / (2 * seen * width) if width > 0 else 0.0
    off = sp.coo_matrix((scale * weights, (rows, cols)), shape=(n, n)).tocsr()
    off = off + off.T
    return (off - sp.diags(np.asarray(off.sum(axis=1)).ravel())).tocsr()


def reduce(tallies, n, d, job):
    r"""The :class:`Estimate` from the tallies of all the blocks of ``job`` (one per block, or merged), in block
    order.

    ``w_i = sum_b counts_bi / N``; the cost, the moments and the Hessian likewise
    (the Hessian ``-1 / (2 N_H eps)`` times the slab weights, symmetrised,
    its diagonal minus the row sums). The same code and order reduce the
    blocks of one process and those of workers: the counts are integers and
    the floating sums are added block by block, so the estimate is the same
    bit for bit, however the blocks were grouped into tasks.

    Standard errors: the binomial ``sqrt(w_i (1 - w_i) / N)`` times ``kappa``.
    ``kappa = 1`` for pseudo-random samples; for two replicates (randomised
    QMC, :mod:`geomot.measures`), the estimates ``w^1, w^2`` of the two halves
    give ``kappa^2 = sum_i (w^1_i - w^2_i)^2 / 4 / sum_i w_i (1 - w_i) / N``
    (the variance of their mean, pooled over the cells, over the binomial one;
    with fewer than 16 cells the pool is too small and ``kappa = 1``).
    """
    n_samples = job.n_samples
    counts, halves = np.zeros(n, np.int64), np.zeros((2, n), np.int64)
    first_size, cost, seen, width = 0, 0.0, 0, None
    first, second = (np.zeros((n, d)), np.zeros(n)) if job.moments else (None, None)
    rows, cols, weights = [], [], []
    for t in tallies:
        counts += t.counts
        for c in t.cost:  # block by block, in order
            cost += c
        if t.first_counts is not None:
            halves[0] += t.first_counts
            first_size += t.first_size
        if job.moments:
            for f, q in zip(t.first, t.second):
                first += f
                second += q
        if t.hessian_seen:
            rows.append(t.rows)
            cols.append(t.cols)
            weights.append(t.weights)
            seen += t.hessian_seen
            width = t.width
    w = counts / n_samples
    binomial = w * (1 - w) / n_samples
    kappa = 1.0
    if job.draw.replicates == 2 and n >= 16 and binomial.sum() > 0:  # pooled over >= 16 cells (else binomial)
        halves[1] = counts - halves[0]
        w1, w2 = halves / np.array([[first_size], [n_samples - first_size]])
        kappa = float(np.sqrt(np.sum((w1 - w2) ** 2) / 4 / binomial.sum()))
    out = Estimate(w, kappa * np.sqrt(binomial), n_samples, cost / n_samples, kappa=kappa)
    if job.moments:
        out.first_moments, out.second_moments = first / n_samples, second / n_samples
    if seen:
        out.hessian = slab_hessian(np.concatenate(rows), np.concatenate(cols), np.concatenate(weights), n, seen,
                                   width)
    elif job.hessian_samples:
        out.hessian = sp.csr_matrix((n, n))
    return out


def estimate(draw, y, h, n_samples, assigner, *, batch=1 << 16, hessian_samples=0, moments=False, origin=None,
             client=None):
    r"""Monte Carlo cell masses (and optionally Hessian and cell moments) at heights ``h``.

    Draws ``n_samples`` samples from the sampler ``draw`` in blocks of
    ``batch`` (:mod:`geomot.measures._sampling`; the estimate takes the next
    number ``e`` of the sampler), tallies each block (:meth:`BlockJob.tally`)
    and reduces the tallies in block order (:func:`reduce`). With
    ``hessian_samples > 0`` the first ``hessian_samples`` samples also
    give the slab estimate of ``H = dw/dh`` (module docstring): a sample whose
    two best cells are ``i, j`` lies at distance
    ``gap / |y_i - y_j|`` from their bisector; those within ``eps`` of it
    count ``1 / (2 N eps |y_i - y_j|)`` towards ``-H_ij``, ``eps`` the quantile
    of the distances in the first block that puts a fraction
    ``p = clip(50 n / N_H, 0.01, 0.1)`` of its slab samples in the slabs (slabs
    of one width in space, whatever the spacing of the targets). With
    ``moments``, the sums of ``x`` and ``|x|^2`` over the samples of each cell,
    divided by ``N``. ``origin``: the targets are ``y + origin`` (``y`` centred
    by the caller; the cells do not change, and the cost is measured to the
    true targets).

    ``client``: a ``dask.distributed.Client`` (:mod:`._dask`) whose workers tally the blocks; the estimate is
    the same as without it.
    """
    n, d = y.shape
    job = BlockJob(draw, draw.start(), batch, n_samples, assigner.device, hessian_samples, moments, origin)
    if client is not None:
        from ._dask import tallies
        return reduce(tallies(client, job, y, h), n, d, job)
    run = assigner.bind(y, h)

    def local():
        first = job.tally(run, y, 0, None)
        yield first
        for b in range(1, job.blocks):
            yield job.tally(run, y, b, first.width)
    return reduce(local(), n, d, job)


def monte_carlo_masses(source, points, heights, n_samples, *, batch=1 << 16, device="cpu", seed=None, qmc=False,
                       client=None):
    """Estimate the cell masses by Monte Carlo; returns ``(masses, standard_errors)``.

    Parameters
    ----------
    source : measure, domain, or callable ``k -> (k, d)``
        See :func:`as_sampler`.
    points : (n, d) array, heights : (n,) array
    n_samples : int
        Total number of samples, drawn in blocks of ``batch`` (memory stays bounded), block ``b`` seeded by
        ``(seed, b)`` (:mod:`geomot.measures._sampling`).
    device : {"cpu", "numpy", "cuda"}
        ``"cpu"``: numba kernels; ``"numpy"``: matrix-product reference;
        ``"cuda"``: numba.cuda kernel (a clear error when no GPU is available).
    seed : int or Generator, optional
    qmc : bool
        Scrambled Sobol points instead of pseudo-random ones: two independently
        scrambled sequences, half the samples each, whose difference gives the
        standard errors returned (:func:`estimate`).
    client : dask.distributed.Client, optional
        Draw and assign the blocks on its workers (``pip install 'geomot[dask]'``, ``docs/dask.md``): the same
        masses, bit for bit, as without it. Not with a callable ``source`` (its samples are not seeded).
    """
    y = as_float_array(points, "points", (None, None))
    if len(y) == 0:
        raise GeomotError("points must contain at least 1 point; got 0")
    h = as_heights(heights, len(y))
    n_samples = as_count(n_samples, "n_samples", 1)
    draw = as_sampler(source, y.shape[1], as_seed(seed), as_flag(qmc, "qmc"))
    client = as_client(client, draw)
    est = estimate(draw, y, h, n_samples, Assigner(device), batch=as_count(batch, "batch", 1), client=client)
    return est.masses, est.stderr
