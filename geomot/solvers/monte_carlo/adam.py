"""Adam on the Monte Carlo gradient: the baseline of the paper and pyOMT."""
import numpy as np

from ..._validate import as_positive

# the batch stops doubling here (a second or so per estimate at d = 16): a small patience must not make the
# iterations exponentially dearer
_MAX_BATCH = 1 << 24


def adam(run, h, tol, maxiter, batch_samples, lr, patience, beta1=0.9, beta2=0.999, eps=1e-12):
    """Adam on the Monte Carlo gradient ``w - nu`` with a fixed batch, doubled (and the learning rate times
    0.8) when the error has not improved for ``patience`` steps: the pyOMT baseline.

    Returns the ending ``(reason, fields)`` as :func:`~geomot.solvers.monte_carlo.newton.newton`.
    """
    if lr is None:
        # 1.2 x the height change that moves a cell's whole mass, nu_i / H_ii ~ spacing^2 / (2 d), for the
        # spacing (volume of the targets' bounding box / n)^(1/d); of 0.12x, 0.4x, 1.2x the best at n = 1e3, d = 2
        # (benchmarks/bench_monte_carlo.py)
        n, dim = run.y.shape
        lr = 1.2 * np.prod(np.maximum(np.ptp(run.y, axis=0), 1e-12) / n ** (1 / dim)) ** (2 / dim) / (2 * dim)
    lr = as_positive(lr, "lr")
    m, v = np.zeros_like(h), np.zeros_like(h)
    best, stale = np.inf, 0
    for t in range(maxiter + 1):
        if not run.affordable(batch_samples):
            return "samples", {"max_samples": run.max_samples}
        est = run.estimate(h, batch_samples)
        err, noise, stop = run.record_estimate(est, h, lr, log=t % 50 == 0)
        if err <= tol and noise <= tol / 2:
            return "converged", {"what": "estimated ", "err": err, "tol": tol}
        if stop:
            return "callback", {}
        if err < best * (1 - 1e-3):
            best, stale = err, 0
        else:
            stale += 1
        if stale >= patience:  # progress stalled: double the batch (up to a bound), shrink the step (pyOMT)
            batch_samples, lr, stale, best = min(2 * batch_samples, _MAX_BATCH), 0.8 * lr, 0, err
        g = est.masses - run.nu
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        mhat, vhat = m / (1 - beta1 ** (t + 1)), v / (1 - beta2 ** (t + 1))
        h = h - lr * mhat / (np.sqrt(vhat) + eps)
        h -= h.mean()
    return "maxiter", {"maxiter": maxiter}
