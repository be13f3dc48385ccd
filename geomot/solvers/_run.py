"""The skeleton every solver runs in: history, the verbose table, the callback contract, statuses, budgets.

One :class:`Run` per solve. The solver calls :meth:`Run.record` for its
starting point (iteration 0) and after every iteration, the last included;
the run appends an :class:`~geomot.IterationInfo` to the history, prints a row
of the one verbose table, and calls ``callback(info)`` (``info.heights``: the
iterate's heights, mean zero), which stops the solve by returning True
(:attr:`Status.STOPPED`; convergence at the same iterate wins). The solver
ends with :meth:`Run.outcome`, the convergence facts of the
:class:`~geomot.OTResult` it returns: status, message, iterations, history.
"""
import dataclasses
import time
from enum import IntEnum

import numpy as np

from ..result import IterationInfo


class Status(IntEnum):
    """How a solve ended (``OTResult.status``; compares equal to the integers)."""

    CONVERGED = 0
    BUDGET_EXHAUSTED = 1  # the iteration limit, or the Monte Carlo sample budget
    LINE_SEARCH_FAILED = 2  # no step length decreased the error: usually tol below what rounding allows
    STOPPED = 3  # the callback returned True
    PRECISION_FLOOR = 4  # stopped at what double precision allows, above tol: the error is OTResult.precision_floor's


_MESSAGES = {
    "converged": (Status.CONVERGED, "converged: {what}max relative mass error {err:.3g} <= tol {tol:.3g}{detail}"),
    "maxiter": (Status.BUDGET_EXHAUSTED, "iteration limit maxiter={maxiter} reached{at}{detail}"),
    "samples": (Status.BUDGET_EXHAUSTED, "sample budget max_samples={max_samples} exhausted"),
    "line search": (Status.LINE_SEARCH_FAILED, "line search failed at max relative error {err:.3g}{detail}"),
    "floor": (Status.PRECISION_FLOOR, "stopped at the precision floor: max relative mass error {err:.3g} is as "
                                      "good as double precision allows for this problem (precision_floor), above "
                                      "tol {tol:.3g}; ask for tol >= {err:.1g}"),
    "callback": (Status.STOPPED, "stopped by callback"),
}

_HEADER = (f"{'iter':>5} {'max rel err':>12} {'|w - nu|':>10} {'step':>8} {'min mass':>10} {'samples':>11} "
           f"{'noise':>9} {'seconds':>8}")


class Run:
    """The bookkeeping of one solve (module docstring).

    Parameters
    ----------
    nu : ndarray, shape (n,)
        Target masses.
    verbose : bool
        Print the table: one row per recorded iteration (``log=False`` rows are
        kept in the history but not printed).
    callback : callable or None
    """

    def __init__(self, nu, verbose=False, callback=None):
        self.nu = nu
        self.verbose, self.callback = verbose, callback
        self.history = []
        self.clock = time.perf_counter()

    @property
    def iterations(self):
        """The iterations recorded so far (the start is iteration 0)."""
        return max(len(self.history) - 1, 0)

    def error(self, masses):
        """``max_i |w_i - nu_i| / nu_i``, the error every solver reports."""
        return float(np.max(np.abs(masses - self.nu) / self.nu))

    def record(self, masses, heights, step, *, samples=0, noise=None, estimate_seconds=0.0, log=True):
        """Record an iterate (masses ``w`` at ``heights``); returns ``(max relative error, stop)``."""
        err = self.error(masses)
        info = IterationInfo(len(self.history), err, float(np.linalg.norm(masses - self.nu)), step,
                             float(masses.min()), time.perf_counter() - self.clock, samples,
                             estimate_seconds=estimate_seconds)
        self.history.append(info)
        if self.verbose and log:
            if info.iteration == 0:
                print(_HEADER, flush=True)
            exact = noise is None
            print(f"{info.iteration:5d} {err:12.3e} {info.grad_norm:10.3e} {step:8.4g} {info.min_mass:10.3e} "
                  f"{'-' if exact else samples:>11} {'-' if exact else format(noise, '.2e'):>9} "
                  f"{info.seconds:8.3f}", flush=True)
        stop = self.callback is not None and bool(
            self.callback(dataclasses.replace(info, heights=heights - heights.mean())))
        return err, stop

    def outcome(self, reason, **fields):
        """``dict(converged, status, message, iterations, history)`` for the ending ``reason`` (a key of the
        message table: "converged", "maxiter", "samples", "line search", "callback"), its message filled
        from ``fields``."""
        status, template = _MESSAGES[reason]
        if "err" in fields and reason == "maxiter":
            fields = fields | {"at": f" at max relative error {fields['err']:.3g} (tol {fields['tol']:.3g})"}
        message = template.format(**({"what": "", "detail": "", "at": ""} | fields))
        return {"converged": status == Status.CONVERGED, "status": status, "message": message,
                "iterations": self.iterations, "history": self.history}
