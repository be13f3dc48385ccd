r"""Monte Carlo semi-discrete OT in any dimension (paper notes §4, §8).

Where cells cannot be built (latent spaces, d = 10..100s), the cell masses
``w_i(h) = mu(W_i(h))`` are estimated by drawing ``N`` samples of ``mu`` and
counting how many fall in each cell ``W_i = {x : <x, y_i> + h_i >= <x, y_j> + h_j}``.
The count of cell ``i`` is binomial: the standard error of ``w_i`` is
``sqrt(w_i (1 - w_i) / N)``.

The energy ``E(h) = int u_h dmu - sum_i nu_i h_i`` is convex with gradient
``w(h) - nu``. Two minimisers:

``optimizer="newton"`` (the default, ours)
    Newton's method with a Monte Carlo Hessian. ``H_ij = -mu(F_ij) / |y_i - y_j|``
    is the measure of a thin slab about the facet ``F_ij``, divided by its
    thickness and by ``|y_i - y_j|``: a sample whose two best cells are
    ``i, j`` with gap ``(<x, y_i> + h_i) - (<x, y_j> + h_j)`` lies at distance
    ``gap / |y_i - y_j|`` from the hyperplane of ``F_ij``, so with ``c_ij`` the
    samples within ``eps`` of it,
    ``H_ij ~ -(c_ij + c_ji) / (2 N eps |y_i - y_j|)`` (the assignment kernels
    return the two best cells and the gap at no extra cost). The step solves
    ``H d = nu - w`` (conjugate gradients; far from the solution, the log
    residual of :mod:`geomot.residuals`), is shortened by the noise of the
    estimate (``a = 1 - |noise|^2 / |r|^2``, :func:`_newton`), empty cells are
    revived (:func:`_revival`), and the sample count grows with the accuracy
    reached, so the noise stays below the error. The start fits the spread of
    the targets' Voronoi diagram to the source (:func:`initial_heights`).
``optimizer="adam"`` (the baseline of the paper / pyOMT)
    Adam on the Monte Carlo gradient with a fixed batch, doubled (and the
    learning rate multiplied by 0.8) when the error has not improved for
    ``patience`` steps.

Convergence is declared when the estimated ``max_i |w_i - nu_i| / nu_i <= tol``
and the estimate is precise enough to tell: its noise
``z max_i se_i / nu_i <= tol / 2`` with ``z = sqrt(2 log 2n)`` (the typical
maximum of ``n`` standard normal deviates). With ``qmc=True`` the standard
errors are measured (two independently scrambled Sobol streams, see
:func:`estimate`), not the binomial ones: in 2D they are several times smaller,
and so are the sample counts the solver asks for.

A hierarchical start (``clusters=k``, paper §4) solves to the ``k`` k-means
centres of the targets first, then starts each target of cluster ``c`` from
the Voronoi diagram, inside the coarse cell ``C_c``, of the targets mapped about
the cell's barycentre ``xbar_c``:
``h_i = H_c + <xbar_c, Y_c - y_i> - alpha_c |y_i - Y_c|^2 / 2``, ``alpha_c`` the
ratio of the spreads of the cell and of the cluster.
"""
import dataclasses
import time

import numpy as np
import scipy.sparse as sp
from numba import cuda
from scipy.cluster.vq import kmeans2
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import cg

from ._kernels.assign import top2_cpu, top2_cuda, top2_numpy
from ._kernels.samples import cost_and_inverse_spacing
from ._validate import as_float_array, as_heights, as_masses, as_points, as_positive
from .errors import GeomotError
from .measures import Gaussian, Uniform, as_sampler, as_source
from .residuals import LOG_UNTIL, lin_merit, log_merit, log_residual
from .result import IterationInfo, OTResult

DEVICES = ("cpu", "numpy", "cuda")


class _Assigner:
    """The two best cells of samples, on one device; the targets are copied to the GPU once per estimate."""

    def __init__(self, device):
        if device not in DEVICES:
            raise GeomotError(f"device must be one of {DEVICES}; got {device!r}")
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


def estimate(draw, y, h, n_samples, assigner, *, batch=1 << 16, hessian_samples=0, moments=False):
    r"""Monte Carlo cell masses (and optionally Hessian and cell moments) at heights ``h``.

    Streams ``n_samples`` samples from ``draw`` in batches of ``batch``.
    With ``hessian_samples > 0`` the first ``hessian_samples`` samples also
    give the slab estimate of ``H = dw/dh`` (module docstring): a sample whose
    two best cells are ``i, j`` lies at distance
    ``gap / |y_i - y_j|`` from their bisector; those within ``eps`` of it
    count ``1 / (2 N eps |y_i - y_j|)`` towards ``-H_ij``, ``eps`` the quantile
    of the distances that puts a fraction ``p = clip(200 n / N_H, 0.02, 0.2)``
    of the samples in the slabs (slabs of one width in space, whatever the
    spacing of the targets). With ``moments``, the sums of ``x`` and
    ``|x|^2`` over the samples of each cell, divided by ``N``.

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
        half_squares, inverse_spacing = cost_and_inverse_spacing(x, y, best, second)
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
    h = as_heights(heights, len(y))
    n_samples = _as_count(n_samples, "n_samples")
    est = estimate(as_sampler(source, y.shape[1], seed, qmc), y, h, n_samples, _Assigner(device),
                   batch=_as_count(batch, "batch"))
    return est.masses, est.stderr


def _as_count(value, name, minimum=1):
    if int(value) != value or value < minimum:
        raise GeomotError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _pow2(k):
    return 1 << int(np.ceil(np.log2(max(k, 1))))


def initial_heights(source, y, draw, run=None, samples=1 << 13):
    r"""Starting heights: the Voronoi diagram of the targets mapped into the support (empty cells are revived later).

    The targets are mapped by ``z_i = t (y_i - m) + b`` (``m`` their mean) and
    ``h_i = -|z_i|^2 / (2 t)`` gives the Voronoi cells of the ``z_i``
    (``<x, z_i> = t <x, y_i> + const``). Targets inside the support of a
    uniform source keep their own diagram (``b = m, t = 1``); otherwise they
    are mapped into 90 % of a box support (their bounding box, scaled, ``b``
    its centre), or onto the mean ``b`` and mean standard deviation of 4096
    samples from ``draw``.

    In more than 3 dimensions, with a ``run`` (its assigner, masses ``nu`` and
    sample count), ``t`` is then fitted. Up to a constant,
    ``h(t) = -<y_i - m, b> + t q_i`` with ``q_i = -|y_i - m|^2 / 2`` is affine
    in ``t``, so the energy is convex along it and its derivative
    ``f(t) = sum_i (w_i(h(t)) - nu_i) q_i`` is non-decreasing; ``t`` is its
    root (the mapped source then has the targets' spread about ``m``) on one
    batch of ``samples`` samples, bracketed by doubling, bisected to 5 %. In
    high dimension this start is far better: d = 16, n = 1e3 uniform targets in
    the cube, largest relative mass error 3.1 at ``t = 1``, 0.9 at the root
    ``t = 0.72``. In 2D the root is within 1 % of ``t = 1``, and Voronoi heights
    keep the k-d tree assignment fast (its lifted coordinate is zero).
    """
    m = y.mean(axis=0)
    if isinstance(source, Uniform) and source.domain.contains(y).all():
        center, t = m, 1.0
    elif isinstance(source, Uniform) and hasattr(source.domain, "lower"):
        lo, hi = source.domain.lower, source.domain.upper
        center, spread = (lo + hi) / 2, np.abs(y - m).max(axis=0)
        t = 0.9 * np.min((hi - lo) / 2 / np.maximum(spread, 1e-300))
    else:
        x = draw(4096)
        center = x.mean(axis=0)
        t = x.std(axis=0).mean() / max(float(np.sqrt(((y - m) ** 2).mean())), 1e-300)
    base = -(y - m) @ center
    q = -0.5 * ((y - m) ** 2).sum(axis=1)
    if run is None or y.shape[1] <= 3 or np.ptp(q) <= 1e-9 * np.abs(q).max():  # (t moves no facet)
        return base + t * q
    x = draw(samples)
    run.used += samples
    target = float(run.nu @ q)

    def slope(t):  # f(t), on the same samples at every t: exactly non-decreasing
        return float(q[run.assigner.bind(y, base + t * q)(x)[0]].mean()) - target
    factor = 0.5 if slope(t) > 0 else 2.0  # the root is below t, or above
    for _ in range(60):  # bracket it between t and t * factor, doubling
        t, previous = t * factor, t
        f = slope(t)
        if (f <= 0) if factor < 1 else (f >= 0):
            break
    lo_t, hi_t = sorted((t, previous))
    while hi_t > 1.05 * lo_t:
        mid = np.sqrt(lo_t * hi_t)
        lo_t, hi_t = (lo_t, mid) if slope(mid) > 0 else (mid, hi_t)
    return base + np.sqrt(lo_t * hi_t) * q


def _noise_factor(nu):
    """``z max_i sqrt((1 - nu_i) / nu_i)``: the max relative noise of a mass estimate is this over ``sqrt(N)``."""
    z = np.sqrt(2 * np.log(2 * len(nu)))
    return float(z * np.sqrt((1 - nu) / nu).max())


def _newton_direction(hessian, residual):
    """Solve ``H d = residual`` for an estimated graph Laplacian ``H`` (Jacobi-preconditioned CG).

    Mass moves only along the facet graph, so on each connected component the
    residual is made zero-sum and ``d`` is taken zero-mean. A cell with no
    slab sample (empty, or too small to be seen) gets a gradient step at the
    typical Hessian scale, ``d_i = residual_i / median_j H_jj``.
    """
    diag = hessian.diagonal()
    seen = diag > 0
    if not seen.any():
        return np.zeros_like(residual)
    fill = float(np.median(diag[seen]))
    n_comp, comp = connected_components(hessian, directed=False)
    size = np.bincount(comp, minlength=n_comp)
    linked = size[comp] > 1
    r = residual.copy()
    r[linked] -= (np.bincount(comp, weights=residual, minlength=n_comp) / size)[comp][linked]
    a = hessian + sp.diags(np.where(linked, 1e-9 * fill, fill))
    d, _ = cg(a, r, rtol=1e-6, maxiter=2000, M=sp.diags(1 / a.diagonal()))
    d[linked] -= (np.bincount(comp, weights=d, minlength=n_comp) / size)[comp][linked]
    return d


def solve_monte_carlo(source, points, masses=None, *, optimizer="newton", tol=1e-2, maxiter=None, max_samples=None,
                      heights0=None, normalize=False, clusters=None, qmc=False, device="cpu", seed=None,
                      batch=1 << 16, lr=None, initial_samples=None, patience=20, verbose=False, callback=None):
    r"""Semi-discrete OT by Monte Carlo, in any dimension (``gm.solve(..., method="monte-carlo")``).

    Parameters
    ----------
    source : measure, domain or callable ``k -> (k, d)``
        :class:`~geomot.Uniform` on a box (any d) or on a 2D domain,
        :class:`~geomot.Gaussian`, or the user's sampler (see :func:`as_sampler`).
    points : (n, d) array
    masses : (n,) array, optional
        Target masses, positive, summing to 1 (or ``normalize=True``); uniform by default.
    optimizer : {"newton", "adam"}
        See the module docstring. ``"newton"`` is ours, ``"adam"`` the pyOMT baseline.
    tol : float
        Target for the estimated ``max_i |w_i - nu_i| / nu_i`` (see the module
        docstring for the noise condition). Each ``10x`` smaller ``tol`` costs
        about ``100x`` more samples (Monte Carlo error ``~ N^-1/2``).
    maxiter : int, optional
        Iteration limit (default 50 for Newton, 100000 for Adam).
    max_samples : int, optional
        Budget on the total number of samples drawn (default: none).
    heights0 : (n,) array, optional
        Starting heights (default: :func:`initial_heights`).
    clusters : int, optional
        Hierarchical start on ``clusters`` k-means clusters of the targets.
    qmc : bool
        Scrambled Sobol samples (randomised quasi-Monte Carlo) instead of pseudo-random ones.
    device : {"cpu", "numpy", "cuda"}
        Assignment kernel (see :func:`monte_carlo_masses`).
    seed : int, optional
        Results are reproducible for a given seed (and device).
    batch : int
        Samples per kernel call (memory bound); a power of two.
    lr : float, optional
        Adam's learning rate, in height units (default: 1.2 x the height
        change that moves a cell's whole mass, estimated from the target spacing).
    initial_samples : int, optional
        Samples of the first estimate (Newton) or of each Adam step (default
        ``100 / min(nu)`` resp. ``16 n``, rounded up to a power of two).
    patience : int
        Adam: steps without improvement before the batch doubles.
    verbose : bool
        Print one line per iteration (per 50 steps for Adam).
    callback : callable, optional
        ``callback(info)`` after every estimate, with an :class:`IterationInfo`
        whose ``heights`` are the heights estimated; returning True stops (status 3).

    Returns
    -------
    OTResult
        Without a diagram: ``masses`` are the last estimate, ``masses_stderr``
        their standard errors, ``cost`` its estimate; ``history`` gives the
        samples of each iteration. ``status``: 0 converged, 1 iteration or
        sample budget exhausted, 3 stopped by the callback.
    """
    y = as_float_array(points, "points", (None, None))
    if y.shape[1] < 1:
        raise GeomotError(f"points must have at least one coordinate; got shape {y.shape}")
    y = as_points(y, y.shape[1])
    n, dim = y.shape
    nu = as_masses(masses, n, normalize=normalize)
    tol = as_positive(tol, "tol")
    if optimizer not in ("newton", "adam"):
        raise GeomotError(f"optimizer must be 'newton' or 'adam'; got {optimizer!r}")
    batch = _as_count(batch, "batch")
    maxiter = _as_count(maxiter, "maxiter", 0) if maxiter is not None else (50 if optimizer == "newton" else 100_000)
    max_samples = _as_count(max_samples, "max_samples") if max_samples is not None else None
    assigner = _Assigner(device)
    rng = np.random.default_rng(seed)
    if not callable(source) or isinstance(source, (Uniform, Gaussian)):
        source = as_source(source)
    draw = as_sampler(source, dim, rng, qmc)
    state = _Run(draw, y, nu, assigner, batch, max_samples, verbose, callback)
    if heights0 is not None:
        h = as_heights(heights0, n).copy()
    elif clusters is not None:
        h = _hierarchical_start(state, _as_count(clusters, "clusters"), tol, rng, source)
    else:
        h = initial_heights(source, y, draw, state)
    if optimizer == "newton":
        initial = initial_samples or _pow2(100 / nu.min())
        est, h, status, message = _newton(state, h, tol, maxiter, _as_count(initial, "initial_samples"))
    else:
        initial = initial_samples or _pow2(16 * n)
        est, h, status, message = _adam(state, h, tol, maxiter, _as_count(initial, "initial_samples"), lr, patience)
    shift = float(h.mean())
    return OTResult(y, h - shift, est.masses, nu, source, converged=status == 0, status=status,
                    message=message, iterations=len(state.history) - 1, history=state.history,
                    masses_stderr=est.stderr, cost=est.cost)


class _Run:
    """Shared bookkeeping of the Monte Carlo optimizers: estimates, history, log, budget."""

    def __init__(self, draw, y, nu, assigner, batch, max_samples, verbose, callback):
        self.draw, self.y, self.nu, self.assigner, self.batch = draw, y, nu, assigner, batch
        self.max_samples, self.verbose, self.callback = max_samples, verbose, callback
        self.noise_factor = _noise_factor(nu)
        self.kappa = 1.0
        self.used = 0
        self.history = []
        self.clock = time.perf_counter()

    def samples_for(self, noise):
        """Fewest samples ``N`` whose predicted max relative noise is at most ``noise``.

        The prediction is ``kappa noise_factor / sqrt(N)``, ``kappa`` that of the
        last estimate (randomised QMC: the error measured by its two replicates
        over the binomial one; QMC errors fall faster than ``N^-1/2``, so
        extrapolating with the exponent 1/2 overestimates ``N``). ``N`` is a
        power of two up to one batch and a whole number of batches above
        (with ``qmc=True`` each batch is a power-of-two block of both Sobol
        streams). Rounding up to a power of two cost up to 2x more samples
        (d = 16, n = 1e3: 1e-1 at 1.36 s with it, 1.09 s without, medians of
        5 seeds).
        """
        k = (self.kappa * self.noise_factor / noise) ** 2
        return _pow2(k) if k <= self.batch else self.batch * int(np.ceil(k / self.batch))

    def affordable(self, k):
        """Whether ``k`` more samples fit the budget; the first estimate must fit it."""
        if self.max_samples is None or self.used + k <= self.max_samples:
            return True
        if not self.history:
            raise GeomotError(f"max_samples={self.max_samples} is smaller than the first estimate ({k} samples)")
        return False

    def estimate(self, h, k, **kw):
        self.used += k
        start = time.perf_counter()
        est = estimate(self.draw, self.y, h, k, self.assigner, batch=self.batch, **kw)
        est.seconds = time.perf_counter() - start
        return est

    def record(self, est, h, step, log=True):
        """Append to the history, log, call back; returns ``(error, noise, stop)``."""
        err = float(np.max(np.abs(est.masses - self.nu) / self.nu))
        self.kappa = est.kappa
        noise = est.kappa * self.noise_factor / np.sqrt(est.samples)
        info = IterationInfo(len(self.history), err, float(np.linalg.norm(est.masses - self.nu)), step,
                             float(est.masses.min()), time.perf_counter() - self.clock, est.samples,
                             estimate_seconds=est.seconds)
        self.history.append(info)
        if self.verbose and log:
            if info.iteration == 0:
                print(f"{'iter':>5} {'samples':>11} {'max rel err':>12} {'noise':>9} {'step':>7} {'seconds':>8}",
                      flush=True)
            print(f"{info.iteration:5d} {est.samples:11d} {err:12.3e} {noise:9.2e} {step:7.3g} {info.seconds:8.2f}",
                  flush=True)
        stop = self.callback is not None and bool(self.callback(dataclasses.replace(info, heights=h - h.mean())))
        return err, noise, stop


def _merit(est, nu, log_phase):
    """``(|r|_2^2, its expected noise)``: ``r`` the log residual or the relative mass errors of an estimate.

    The noise of ``w_i`` is ``kappa^2 w_i (1 - w_i) / N``; that of ``log w_i``
    is that over ``w_i^2`` (``w`` clipped at half a sample, ``0.5 / N``).
    """
    w = np.maximum(est.masses, 0.5 / est.samples)
    scale = est.kappa ** 2 / est.samples
    if log_phase:
        return log_merit(w, nu) ** 2, scale * float(np.sum((1 - w) / w))
    return lin_merit(est.masses, nu) ** 2, scale * float(np.sum(w * (1 - w) / nu ** 2))


def _newton(run, h, tol, maxiter, initial, line_samples=1 << 17, shortest=0.1):
    r"""Newton with Monte Carlo masses and Hessian, its steps shortened by the noise (module docstring).

    Direction: ``H d = b``, ``b`` the log residual while the largest relative
    error is above ``LOG_UNTIL`` (see :mod:`geomot.residuals`), ``nu - w``
    after. Step: the shrinkage ``a = 1 - |noise|^2 / |r|^2`` (at least
    ``shortest``), ``|r|^2`` the squared merit of the estimate and
    ``|noise|^2`` its expected part (:func:`_merit`): ``a d`` is the step that
    minimises the expected squared error when the residual is signal plus
    independent noise, so a noisy estimate moves the heights only part of the
    way, and successive estimates are averaged. A log step is judged on the
    next estimate: if its denoised merit ``sqrt(|r|^2 - |noise|^2)`` rose, or
    more cells are empty, the heights go back and the rest of the solve is
    linear. Linear steps far from the solution are damped as in
    Kitagawa-Merigot-Thibert on one batch of samples (:func:`_damping`).

    Samples: the next estimate's noise is aimed at half the error reached
    (at ``tol / 2``, the convergence test's, once that is less than 2x away); a
    step shorter than ``1/4`` doubles them (the direction was poor, most often
    because the Hessian had too few samples in its slabs).
    """
    k = initial
    step, revived, est, log_ok, judge = 0.0, False, None, True, None
    for _ in range(maxiter + 1):
        if not run.affordable(k):
            return est, h, 1, f"sample budget max_samples={run.max_samples} exhausted"
        est = run.estimate(h, k, hessian_samples=min(k, 1 << 23))
        err, noise, stop = run.record(est, h, step)
        if err <= tol and noise <= tol / 2:
            return est, h, 0, f"converged: estimated max relative mass error {err:.3g} <= tol {tol:.3g} " \
                              f"(noise {noise:.2g}, {est.samples} samples)"
        if stop:
            return est, h, 3, "stopped by callback"
        if judge is not None:  # the last step followed the log residual: judged on this estimate
            r2, noise2 = _merit(est, run.nu, True)
            if np.sqrt(max(r2 - noise2, 0.0)) > judge["merit"] or (est.masses == 0).sum() > judge["empty"]:
                h, est, err, log_ok = judge["h"], judge["est"], judge["err"], False
            judge = None
        empty = np.flatnonzero(est.masses == 0)
        if len(empty) and not revived:
            # Newton cannot see cells that no sample reaches: raise them until they hold about their mass
            diag = est.hessian.diagonal()
            scale = float(np.median(diag[diag > 0])) if (diag > 0).any() else np.inf
            h = h.copy()
            h[empty] += _revival(run, h, empty) + run.nu[empty] / scale
            h -= h.mean()
            step, revived = 0.0, True
            continue
        revived = False
        log_phase = log_ok and err > LOG_UNTIL
        w = np.maximum(est.masses, 0.5 / est.samples)
        d = _newton_direction(est.hessian, log_residual(w, run.nu) if log_phase else run.nu - est.masses)
        r2, noise2 = _merit(est, run.nu, log_phase)
        if log_phase:
            judge = {"h": h, "est": est, "err": err, "merit": np.sqrt(max(r2 - noise2, 0.0)), "empty": len(empty)}
        if err > LOG_UNTIL and not log_phase:
            step = _damping(run, h, d, max(line_samples, _pow2(64 * len(h))))
        else:
            step = float(np.clip(1 - noise2 / r2, shortest, 1.0)) if r2 > 0 else 1.0
        h = h + step * d
        # the noise aimed at: half the error reached, or at once the final tol / 2 when that is within 2x
        k = max(2 * k if step < 0.25 else k, run.samples_for(err / 2 if err > 2 * tol else tol / 2))
    return est, h, 1, f"iteration limit maxiter={maxiter} reached"


def _revival(run, h, empty, m=1 << 14):
    """Height increase that brings each empty cell ``i`` back: ``min_x u_h(x) - <x, y_i> - h_i`` over ``m`` samples.

    A cell that no sample reaches has no facet in the Hessian estimate, so
    Newton cannot see it; raising its height by its smallest gap to the
    potential makes it touch the samples again (the caller adds
    ``nu_i / median(H_jj)``, the rise that gives a typical cell about its mass).
    """
    x = run.draw(m)
    run.used += m
    best = run.assigner.bind(run.y, h)(x)[0]
    u = np.einsum("ij,ij->i", x, run.y[best]) + h[best]
    return (u[:, None] - (x @ run.y[empty].T + h[empty])).min(axis=0)


def _damping(run, h, d, m, smallest=1 / 1024):
    """Step ``a = 2^-j`` of Kitagawa-Merigot-Thibert, judged on one batch of ``m`` samples.

    The largest ``a`` with ``|r(h + a d)|_2 <= (1 - a/2) |r(h)|_2``, ``r = (w - nu) / nu``
    the relative mass errors, and no more empty cells than at ``h``; every
    trial uses the same samples (common random numbers), so the comparison is
    not swamped by the noise of independent estimates, and the norms are
    corrected for the noise that the batch adds to all of them alike:
    ``|r|^2 - sum_i (1 - nu_i) / (m nu_i)`` (the binomial noise, also with
    ``qmc=True``, whose smaller noise would call for ``kappa^2`` times that: measured,
    that made the steps shorter, d = 16: 1e-1 at 7.0 s instead of 4.7 s).
    """
    x = run.draw(m)
    run.used += m
    n = len(run.nu)
    noise2 = float(np.sum((1 - run.nu) / (m * run.nu)))  # expected squared norm of the sampling noise of r

    def errors(heights):
        w = np.bincount(run.assigner.bind(run.y, heights)(x)[0], minlength=n) / m
        r2 = lin_merit(w, run.nu) ** 2
        return np.sqrt(max(r2 - noise2, 0.0)), int((w == 0).sum())
    r0, empty0 = errors(h)
    if r0 == 0:  # the error is below the noise of the batch: nothing to judge, take the step
        return 1.0
    step = 1.0
    while step > smallest:
        r, empty = errors(h + step * d)
        if r <= (1 - step / 2) * r0 and empty <= empty0:
            break
        step /= 2
    return step


def _adam(run, h, tol, maxiter, batch_samples, lr, patience, beta1=0.9, beta2=0.999, eps=1e-12):
    if lr is None:
        # 1.2 x the height change that moves a cell's whole mass, nu_i / H_ii ~ spacing^2 / (2 d), for the
        # spacing (volume of the targets' bounding box / n)^(1/d); of 0.12x, 0.4x, 1.2x the best at n = 1e3, d = 2
        # (benchmarks/bench_monte_carlo.py)
        n, dim = run.y.shape
        lr = 1.2 * np.prod(np.maximum(np.ptp(run.y, axis=0), 1e-12) / n ** (1 / dim)) ** (2 / dim) / (2 * dim)
    lr = as_positive(lr, "lr")
    m, v = np.zeros_like(h), np.zeros_like(h)
    best, stale, est = np.inf, 0, None
    for t in range(maxiter + 1):
        if not run.affordable(batch_samples):
            return est, h, 1, f"sample budget max_samples={run.max_samples} exhausted"
        est = run.estimate(h, batch_samples)
        err, noise, stop = run.record(est, h, lr, log=t % 50 == 0)
        if err <= tol and noise <= tol / 2:
            return est, h, 0, f"converged: estimated max relative mass error {err:.3g} <= tol {tol:.3g}"
        if stop:
            return est, h, 3, "stopped by callback"
        if err < best * (1 - 1e-3):
            best, stale = err, 0
        else:
            stale += 1
        if stale >= patience:  # progress stalled: double the batch, shrink the step (pyOMT)
            batch_samples, lr, stale, best = 2 * batch_samples, 0.8 * lr, 0, err
        g = est.masses - run.nu
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        mhat, vhat = m / (1 - beta1 ** (t + 1)), v / (1 - beta2 ** (t + 1))
        h = h - lr * mhat / (np.sqrt(vhat) + eps)
        h -= h.mean()
    return est, h, 1, f"iteration limit maxiter={maxiter} reached"


def _hierarchical_start(run, k, tol, rng, source):
    """Solve to the k-means centres of the targets, then split each coarse cell (module docstring)."""
    y, nu = run.y, run.nu
    k = min(k, len(y))
    _, labels = kmeans2(y, k, minit="++", seed=rng)
    used, labels = np.unique(labels, return_inverse=True)
    nu_c = np.bincount(labels, weights=nu)
    yc = np.stack([np.bincount(labels, weights=nu * y[:, c]) for c in range(y.shape[1])], axis=1) / nu_c[:, None]
    coarse = _Run(run.draw, yc, nu_c, run.assigner, run.batch, None, False, None)
    h0 = initial_heights(source, yc, run.draw, coarse)
    _, hc, _, _ = _newton(coarse, h0, max(tol, 0.05), 20, _pow2(100 / nu_c.min()))
    cells = coarse.estimate(hc, _pow2(400 / nu_c.min()), moments=True)
    run.used += coarse.used
    wc = np.maximum(cells.masses, 1e-300)
    xbar = cells.first_moments / wc[:, None]
    cell_var = np.maximum(cells.second_moments / wc - (xbar ** 2).sum(axis=1), 0)
    dy = y - yc[labels]
    cluster_var = np.bincount(labels, weights=nu * (dy ** 2).sum(axis=1)) / nu_c
    alpha = np.sqrt(cell_var / np.where(cluster_var > 0, cluster_var, np.inf))
    return hc[labels] + ((xbar[labels]) * (-dy)).sum(axis=1) - 0.5 * alpha[labels] * (dy ** 2).sum(axis=1)
