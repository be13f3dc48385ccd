r"""Newton's method with Monte Carlo masses and Hessian, its steps shortened by the noise.

The Hessian ``H_ij = -mu(F_ij) / |y_i - y_j|`` is the measure of a thin slab
about the facet ``F_ij`` over its thickness and ``|y_i - y_j|``
(:func:`~geomot.solvers.monte_carlo.estimate.estimate`); the step solves
``H d = r`` with the shared Laplacian solver (:mod:`geomot.solvers._laplacian`,
Jacobi-preconditioned conjugate gradients; between components of the
estimated facet graph, and for cells that no slab sample reaches, a gradient
step at the typical Hessian scale).
"""
import numpy as np

from ...diagram._frame import CellsRejected
from .._laplacian import LaplacianSolver
from .._linesearch import kmt_step
from .._residuals import LOG_UNTIL, lin_merit, log_merit, log_residual
from ._sampled import pow2


def _direction(laplacian, hessian, residual):
    """Solve ``H d = residual`` for an estimated graph Laplacian, at the typical scale ``median_j H_jj``.

    Zero where no cell has a slab sample (nothing to go by).
    """
    diag = hessian.diagonal()
    seen = diag > 0
    if not seen.any():
        return np.zeros_like(residual)
    return laplacian(hessian, residual, float(np.median(diag[seen])), rtol=1e-6)


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


def first_samples(nu):
    """Samples of Newton's first estimate: the larger of ``100 / min(nu)`` and ``400 n``, rounded up to a power of two.

    ``100 / min(nu)``: the smallest cell holds about 100 of them. ``400 n``: the
    first Hessian has about 40 slab samples per cell (``p = 0.1`` of them,
    :meth:`~.estimate.BlockJob.tally`). With 10 per cell (n = 1e4, 2^20
    samples), a fifth of the facets had none and the Newton step from the
    start emptied hundreds of cells; the solve then stalled at a max relative
    error of 4.4 (``docs/benchmarks.md``, issue 21).
    """
    return pow2(max(100 / nu.min(), 400 * len(nu)))


def newton(run, h, tol, maxiter, initial, line_samples=1 << 17, shortest=0.1):
    r"""Newton with Monte Carlo masses and Hessian, its steps shortened by the noise (module docstring).

    Direction: ``H d = b``, ``b`` the log residual while the largest relative
    error is above ``LOG_UNTIL`` (see :mod:`geomot.solvers._residuals`), ``nu - w``
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

    Returns the ending ``(reason, fields)`` for :meth:`~geomot.solvers._run.Run.outcome`; the heights
    returned are those of the run's last estimate (``run.last``).
    """
    k = initial
    step, revived, log_ok, judge = 0.0, False, True, None
    laplacian = LaplacianSolver(run.nu, "jacobi")
    for _ in range(maxiter + 1):
        if not run.affordable(k):
            return "samples", {"max_samples": run.max_samples}
        est = run.estimate(h, k, hessian_samples=min(k, 1 << 23))
        err, noise, stop = run.record_estimate(est, h, step)
        if err <= tol and noise <= tol / 2:
            return "converged", {"what": "estimated ", "err": err, "tol": tol,
                                 "detail": f" (noise {noise:.2g}, {est.samples} samples)"}
        if stop:
            return "callback", {}
        if judge is not None:  # the last step followed the log residual: judged on this estimate
            r2, noise2 = _merit(est, run.nu, True)
            if np.sqrt(max(r2 - noise2, 0.0)) > judge["merit"] or (est.masses == 0).sum() > judge["empty"]:
                h, est, err, log_ok = judge["h"], judge["est"], judge["err"], False
            judge = None
        empty = np.flatnonzero(est.masses == 0)
        if len(empty) and not revived:
            # Newton cannot see cells that no sample reaches: raise them until they hold about their mass
            h = h.copy()
            h[empty] += _revival(run, h, empty)
            h -= h.mean()
            step, revived = 0.0, True
            continue
        revived = False
        log_phase = log_ok and err > LOG_UNTIL
        w = np.maximum(est.masses, 0.5 / est.samples)
        d = _direction(laplacian, est.hessian, log_residual(w, run.nu) if log_phase else run.nu - est.masses)
        r2, noise2 = _merit(est, run.nu, log_phase)
        if log_phase:
            judge = {"h": h, "est": est, "err": err, "merit": np.sqrt(max(r2 - noise2, 0.0)), "empty": len(empty)}
        if err > LOG_UNTIL and not log_phase:
            step = _damping(run, h, d, max(line_samples, pow2(64 * len(h))))
        else:
            step = float(np.clip(1 - noise2 / r2, shortest, 1.0)) if r2 > 0 else 1.0
        h = h + step * d
        # the noise aimed at: half the error reached, or at once the final tol / 2 when that is within 2x
        k = max(2 * k if step < 0.25 else k, run.samples_for(err / 2 if err > 2 * tol else tol / 2))
    return "maxiter", {"maxiter": maxiter}


def _revival(run, h, empty, budget=1 << 24):
    """Height increase that gives each empty cell ``i`` about its mass ``nu_i``, on one batch of samples.

    A cell that no sample reaches has no facet in the Hessian estimate, so
    Newton cannot see it. Raising ``h_i`` by ``t`` moves into the cell the
    samples whose gap ``g_i(x) = u_h(x) - <x, y_i> - h_i`` is below ``t``: the
    increase is the ``nu_i``-quantile of the gaps over ``m`` samples (about 32 in
    the smallest cell raised; ``m`` at most 2^22, the smallest gap where even
    that holds no sample of the cell), each cell raised as if alone. (Raising
    it until it touched the samples, plus ``nu_i / median(H_jj)``, gave 2D
    cells 1.4-2.4 times their mass and left high-dimensional ones empty: a
    newborn cell's mass grows like a power of the rise, not linearly.) The
    gaps are taken ``budget // m`` cells at a time.
    """
    nu = run.nu[empty]
    m = min(pow2(max(1 << 14, 32 / nu.min())), 1 << 22)
    x = run.draw(m)
    run.used += m
    best = run.assigner.bind(run.y, h)(x)[0]
    u = np.einsum("ij,ij->i", x, run.y[best]) + h[best]
    rank = np.minimum((nu * m).astype(np.int64), m - 1)
    rise = np.empty(len(empty))
    chunk = max(1, budget // m)
    for start in range(0, len(empty), chunk):
        part = slice(start, start + chunk)
        gaps = u[:, None] - (x @ run.y[empty[part]].T + h[empty[part]])
        gaps.partition(np.unique(rank[part]), axis=0)  # each rank in its sorted place, in every column
        rise[part] = gaps[rank[part], np.arange(gaps.shape[1])]
    return rise


def _damping(run, h, d, m, smallest=1 / 1024):
    """Step ``a = 2^-j`` of Kitagawa-Merigot-Thibert (:func:`~geomot.solvers._linesearch.kmt_step`), judged on
    one batch of ``m`` samples (``smallest`` if no longer step is accepted).

    The largest ``a`` with ``|r(h + a d)|_2 <= (1 - a/2) |r(h)|_2``, ``r = (w - nu) / nu``
    the relative mass errors, and no more empty cells than at ``h``; every
    trial uses the same samples (common random numbers), so the comparison is
    not swamped by the noise of independent estimates, and the norms are
    corrected for the noise that the batch adds to all of them alike:
    ``|r|^2 - sum_i (1 - nu_i) / (m nu_i)`` (the binomial noise, also with
    ``qmc=True``, whose smaller noise would call for ``kappa^2`` times that: measured,
    that made the steps shorter and the solve slower, ``docs/benchmarks.md``).
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

    def trial(a):
        r, empty = errors(h + a * d)
        if empty > empty0:
            raise CellsRejected
        return r, None
    step = kmt_step(trial, r0, int(round(-np.log2(smallest))))[0]
    return step or smallest
