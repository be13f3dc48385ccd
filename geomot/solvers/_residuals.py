"""Residuals of the Newton step and the merits its damping judges steps by (exact and Monte Carlo solvers).

Newton drives the masses ``w(h)`` to ``nu``. Near the solution it works on the
linear residual ``nu - w``; far from it, on the log residual
``log(w / nu) - c`` (see :mod:`geomot.solvers.newton`).
"""
import numpy as np

LOG_UNTIL = 0.5  # the log residual until max |w - nu| / nu <= this (0.5-1: 5 iterations at n = 1e5 in 3D, 6 with 2)


def log_residual(w, nu):
    r"""Right-hand side of the Newton step on the log residual ``log(w_i / nu_i) - c``.

    Newton on ``F(h) = log(w(h) / nu) - c`` solves ``diag(1/w) H d = c - log(w / nu)``,
    i.e. ``H d = b`` with ``b_i = w_i (c - log(w_i / nu_i))``; ``c`` is the
    ``w``-weighted mean of the logs, which makes ``sum b = 0`` (a graph
    Laplacian's range). A starving cell (``w_i << nu_i``) then asks for a
    fraction of its logarithmic gap only, instead of its whole linear gap.
    """
    x = np.log(np.maximum(w / nu, 1e-300))
    return w * (np.sum(w * x) / np.sum(w) - x)


def log_merit(w, nu):
    """The damping's merit in the log phase: ``|log(w / nu) - c|_2``, ``c`` as in :func:`log_residual`."""
    x = np.log(np.maximum(w / nu, 1e-300))
    return float(np.linalg.norm(x - np.sum(w * x) / np.sum(w)))


def lin_residual(w, nu):
    """``nu - w``, less the rounding of ``sum(nu) - sum(w)``.

    Heights cannot change ``sum(w) = 1``, so the part of ``nu - w`` that rounding
    put in ``sum(nu) - sum(w)`` (``~ n * 1e-16``) is dropped, spread in
    proportion to ``nu``, rather than left for the pinned cell to absorb.
    """
    residual = nu - w
    return residual - nu * (residual.sum() / nu.sum())


def lin_merit(w, nu):
    """The damping's merit near the solution: ``|(w - nu) / nu|_2``."""
    return float(np.linalg.norm((w - nu) / nu))
