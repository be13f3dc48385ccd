"""Per-sample quantities of a Monte Carlo estimate, in one fused pass (:func:`geomot.solvers.monte_carlo.estimate`)."""
import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def cost_and_inverse_spacing(x, origin, y, best, second):
    r"""``(sum_s |x_s - origin - y_{b_s}|^2 / 2, inv)`` with ``inv_s = 1 / |y_{b_s} - y_{c_s}|`` (0 where ``c_s < 0``).

    ``b = best``, ``c = second`` (the two best cells of each sample): the first
    is the transport cost of the samples, the second turns a sample's gap into
    its distance to the bisector of ``y_b, y_c`` (the slab Hessian). ``origin``:
    the targets are ``y + origin`` (the solvers centre them).
    """
    m, d = x.shape
    inv = np.zeros(m)
    total = 0.0
    for s in prange(m):
        b, c = best[s], second[s]
        r2 = 0.0
        for k in range(d):
            r2 += (x[s, k] - origin[k] - y[b, k]) ** 2
        total += 0.5 * r2
        if c >= 0:
            q2 = 0.0
            for k in range(d):
                q2 += (y[b, k] - y[c, k]) ** 2
            inv[s] = 1.0 / np.sqrt(q2)
    return total, inv
