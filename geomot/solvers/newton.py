r"""Damped Newton method for semi-discrete optimal transport (2D and 3D).

Minimises the convex energy of Gu-Luo-Sun-Yau (paper notes §3)

.. math:: E(h) = \int_0^h \sum_i w_i(\eta)\, d\eta_i - \sum_i \nu_i h_i,
          \qquad \nabla E = w(h) - \nu, \qquad \nabla^2 E = \partial w / \partial h,

with the damping of Kitagawa, Mérigot and Thibert (JEMS 2019): the Newton
direction ``d`` solves ``H d = nu - w(h)`` (``H = dw/dh``, a graph Laplacian, on
``sum d = 0``) and the step ``alpha`` is halved until every cell keeps
mass ``>= eps0 = min(min nu, min w(h0)) / 2`` and the error has dropped by the
factor ``1 - alpha / 2``; halved from 1, or in a damped phase from 4 times the
last step accepted (the trials that would be refused are skipped: 263 -> 125
diagrams for the 44 steps of an image at n = 1e4). The error is measured as ``|(w - nu) / nu|_2``, the
Euclidean norm of the relative mass errors (KMT use ``|w - nu|_2``; with masses
spanning several orders of magnitude, that norm reaches rounding level on the
large cells while small cells still carry large relative errors). Globally
convergent from any start whose cells are all non-empty, quadratically near
the solution.

Far from the solution (``max |w - nu| / nu > 1/2``) the step is Newton's on the
log residual ``log(w / nu) - c`` instead, judged by its own norm (the idea of
sdot's damped Newton, ``sdotplan/Newton.h``): with masses ``0.03 .. 4 nu`` at a Voronoi
start, the linear step asks every starving cell for its whole gap, and is
halved; the log step asks for part of it and is usually taken whole (3D, n = 1e5:
5 iterations instead of 6), else halved up to 6 times (tight clusters: 9
iterations instead of 17). When a log step is refused even then, the
iteration is done again on the linear residual, which is used from then on.
Trial diagrams are warm-started from the current one (2D: edge flips of its
triangulation; 3D: its neighbours, certified) and stop at the first cell
found below ``eps0``; how each backend wants to be treated (preconditioner,
warm starts, screening) it declares in its ``POLICY``
(:class:`geomot.diagram._frame.SolverPolicy`): the loop has no dimension
branches.
"""
import numpy as np
from threadpoolctl import threadpool_limits

from .._validate import as_count, as_flag, as_heights, as_masses, as_points, as_positive, check_callback
from ..diagram import PowerDiagram
from ..diagram._frame import Frame, halfweights
from ..diagram.power_diagram import backend
from ..measures import as_exact_source
from ..result import OTResult
from ._laplacian import LaplacianSolver
from ._linesearch import kmt_step
from ._residuals import LOG_UNTIL, lin_merit, lin_residual, log_merit, log_residual
from ._run import Run
from ._continuation import continuation, needs_continuation
from ._start import beyond_assignment, start_diagram

_MAX_HALVINGS = 40
# a log step is halved at most this often before the iteration falls back to the linear residual (measured, tol
# 1e-9, 2D n = 1e4: five clusters of std 0.02 took 17 Newton steps with the log step taken whole or not at all, 9
# with 6 halvings, 9 with 12; targets outside the square 8 -> 7; uniform targets and a Gaussian source unchanged)
_LOG_HALVINGS = 6
# the line search starts at this many times the last step accepted on the same residual (1 after a full step)
_GROWTH = 4.0
# a failed line search within this factor of the precision floor is the floor, not a failure
_FLOOR_FACTOR = 10.0
# iterates meeting tol whose certified diagram (a fresh one of the heights returned) misses it, within
# _FLOOR_FACTOR of the floor, before the solve stops at the floor (a square with two holes, 1e5 targets, tol
# 1e-9 under a floor of 5.6e-9: iterates at 2e-10 to 5e-10, certified 1.1e-9 to 1.7e-9, 380 steps to maxiter;
# 20000 uniform targets, tol 1e-10 under a floor of 3.6e-10: the second certificate met tol). A certificate
# within the floor itself but more than twice tol ends the solve at once: that miss is the rounding of the
# heights, which more steps only draw again, with poor odds so far from tol (2D, 1e6 uniform targets, tol 1e-8
# under a floor of 1.2e-7: an iterate at 2.0e-9 certified 4.4e-8; two more Newton steps, 12.6 of the solve's
# 52 s, ended at 2.9e-8; 20000 uniform targets, tol 1e-10, four seeds: misses of 1.05e-10 and 2.6e-10 met tol
# at the next certificate, 5.6e-10 and 2.2e-10 did not)
_CERTIFY_MISSES = 10
# where the precision floor is below this times tol, the trial diagrams are built at the mean-zero user heights
# the solve would return, so that an iterate meeting tol is its own certificate (3D, 1e5 uniform targets: a
# candidate pass of 0.38 s saved); nearer the floor the iterate and its certificate are apart (2D, 1e6, tol
# 1e-8: 2.0e-9 against 4.4e-8), and centred iterates would meet that rounding in the line search instead
_CENTRED_BELOW = 1e-2


def _suspects(pd, d):
    """The 2 % of the cells most likely to shrink below the line search's floor along the direction ``d``.

    Ranked by the mass a step moves through their facets relative to their own,
    ``sum_j |H_ij| |d_i - d_j| / w_i``: in the rejected steps of a 3D solve at
    n = 1e5 (8 cells below the floor, then 1) one of them ranked in the top 1.4 %.
    """
    hessian = pd.unit_hessian()
    rows = np.repeat(np.arange(hessian.shape[0]), np.diff(hessian.indptr))
    moved = np.bincount(rows, np.abs(hessian.data) * np.abs(d[rows] - d[hessian.indices]), hessian.shape[0])
    with np.errstate(divide="ignore"):
        risk = moved / pd.unit_volumes
    k = max(64, len(d) // 50)
    return np.sort(np.argpartition(-risk, min(k, len(d) - 1))[:k]).astype(np.int64)


# BLAS on one thread while a solve runs (lifted after it): its BLAS calls are vector operations, and OpenBLAS
# splits a dot product of more than 10^4 entries over threads that then spin on the cores the numba kernels are
# about to use (3D, 1e5: 7.3 -> 6.7 s; docs/benchmarks.md, seventh stop)
@threadpool_limits.wrap(limits=1, user_api="blas")
def solve_newton(source, points, masses=None, *, tol=1e-10, maxiter=100, heights0=None, normalize=False,
                 verbose=False, callback=None):
    """Damped Newton on exact 2D and 3D diagrams (module docstring); ``gm.solve(..., method="newton")``.

    Parameters and result as :func:`geomot.solve`.
    """
    source, density = as_exact_source(source)
    impl = backend(source.dim)
    points = as_points(points, source.dim)
    n = len(points)
    nu = as_masses(masses, n, normalize=as_flag(normalize, "normalize"))
    tol = as_positive(tol, "tol")
    maxiter = as_count(maxiter, "maxiter", 0)
    verbose, callback = as_flag(verbose, "verbose"), check_callback(callback)
    h0 = as_heights(heights0, n) if heights0 is not None else None
    policy = impl.POLICY
    unit = impl.UnitDomain(source.domain, density)
    frame = Frame.of(unit.frame, points)
    order, z = impl.ordered(frame.points(points), unit)
    points, nu = points[order], nu[order]
    run = Run(nu, verbose, callback)
    back = np.argsort(order)
    note = ""
    # the state is the unit-frame half power weights g = h + |y|^2 / 2 (geomot.diagram._frame)
    pd = None
    if h0 is not None:
        pd = PowerDiagram._from_unit(points, source, unit, frame, z, halfweights(z, frame.heights(points, h0[order])))
        if pd.empty.any():
            note = f" (heights0 left {int(pd.empty.sum())} cells empty: started from a Voronoi diagram instead)"
            pd = None
    if pd is None:
        pd, start_note = start_diagram(source, points, z, frame, nu, lambda k: PowerDiagram._from_unit(
            points, source, unit, frame, z, halfweights(z, k)))
        note += start_note
    laplacian = LaplacianSolver(nu, policy.laplacian, policy.connected)
    if h0 is None and beyond_assignment(n) and needs_continuation(pd, nu):
        # a domain left with an empty cell (the iterations ran out first) is not a start
        ready = continuation(pd, nu, lambda stage, stage_tol: _newton(
            run, stage, nu, stage_tol, max(0, maxiter - run.iterations), policy, laplacian, back, certify=False,
            record_start=not run.history)[0])
        if ready is not None:
            pd, note = ready, f" (started by a continuation from the bounding box: {run.iterations} of the iterations)"
        else:
            note = (f" (a continuation from the bounding box did not reach the domain in {run.iterations} "
                    f"iterations: went on from the Voronoi start)")
    pd, reason, fields = _newton(run, pd, nu, tol, max(0, maxiter - run.iterations), policy, laplacian, back,
                                 certify=True, record_start=not run.history)
    if reason != "converged":
        if reason != "floor":  # (the loop stops at the floor on a certified diagram: judged as it is)
            pd = _certified(pd)
        fields = _ending(reason, run.error(pd.masses), tol, fields | {"maxiter": maxiter})
    floor = _floor(pd, nu)
    if reason == "line search" and fields["err"] <= _FLOOR_FACTOR * floor:
        reason = "floor"
    outcome = run.outcome(reason, **fields)
    outcome["message"] += note
    return OTResult.from_diagram(pd.permuted(back), nu[back], precision_floor=floor, **outcome)


def _newton(run, pd, nu, tol, maxiter, policy, laplacian, back, *, certify, record_start):
    """At most ``maxiter`` damped Newton iterations from the diagram ``pd``, recorded in ``run``.

    ``certify``: convergence is judged on the diagram of the heights a solve
    returns (:func:`_certified`); ``record_start``: record ``pd`` itself as an
    iterate (not when it ends a previous stage). Returns ``(diagram, reason, fields)``.
    """
    g, w = pd.halfweights, pd.masses
    eps0 = 0.5 * min(nu.min(), w.min())
    centred = certify and _floor(pd, nu) < _CENTRED_BELOW * tol
    step, log_phase, reason, fields = 0.0, True, "maxiter", {"maxiter": maxiter}
    last = {True: 1.0, False: 1.0}  # the last step accepted on the log and on the linear residual
    misses = 0  # iterates that met tol and whose certified diagram did not
    for it in range(maxiter + 1):
        if it or record_start:
            err, stop = run.record(w, pd.heights[back], step)
        else:
            err, stop = run.error(w), False
        if err <= tol and certify:
            # the certificate: the diagram of the heights the user receives (mean zero, user frame)
            pd = _certified(pd)
            g, w = pd.halfweights, pd.masses
            err = run.error(w)
            misses += err > tol
            floor = _floor(pd, nu) if err > tol else 0.0
            if err > tol and (2 * tol < err <= floor or misses >= _CERTIFY_MISSES and err <= _FLOOR_FACTOR * floor):
                reason, fields = "floor", {}
                break
        if err <= tol:
            reason, fields = "converged", {"err": err, "tol": tol}
            break
        if stop:
            reason = "callback"
            break
        if it == maxiter:
            break
        warm = err < policy.warm_below
        # never solve to more than the step needs: a relative residual r leaves an error ~ r * err,
        # so tol / err is enough to reach tol (the factor 0.1 is the margin)
        rtol = float(np.clip(max(policy.forcing * err, 0.1 * tol / err), 1e-13, policy.forcing / 10))
        # flat directions between parts of a disconnected domain: a gradient step of stiffness 1e-3 x the
        # mean diagonal (the line search takes care of its length)
        hessian = pd.unit_hessian()
        tau = 1e-3 * float(hessian.diagonal().mean())
        log_phase = log_phase and err > LOG_UNTIL
        while True:
            residual, merit = (log_residual, log_merit) if log_phase else (lin_residual, lin_merit)
            d = laplacian(hessian, residual(w, nu), tau, rtol=rtol)
            suspects = _suspects(pd, d) if policy.screen_cells and not warm else None

            def trial(a):
                # a failed warm start may rebuild afresh only for short steps (long ones empty a cell)
                out = pd.with_halfweights(g + a * d, warm=warm, floor=eps0, rebuild=a < 1 / 16, suspects=suspects,
                                          centred=centred)
                return merit(out.masses, nu), out
            # near the solution Newton steps are full: many halvings only mean tol is below the floor, and
            # within _FLOOR_FACTOR of it a refused full step is the floor (2D, 1e6 uniform targets, tol 1e-8:
            # seven refused halvings, 10 s); a log step is halved at most _LOG_HALVINGS times
            halvings = (_LOG_HALVINGS if log_phase else _MAX_HALVINGS if err > 1e-6
                        else 1 if err <= _FLOOR_FACTOR * _floor(pd, nu) else 8)
            step, trial_pd = kmt_step(trial, merit(w, nu), halvings, first=min(1.0, _GROWTH * last[log_phase]))
            if trial_pd is not None:
                last[log_phase] = step
            if trial_pd is not None or not log_phase:
                break
            log_phase = False  # the log residual's steps were refused: this iteration again, linear
        if trial_pd is None:
            reason = "line search"
            break
        g, pd, w = trial_pd.halfweights, trial_pd, trial_pd.masses
    return pd, reason, fields


def _certified(pd):
    """The diagram of the heights a solve returns, ``pd.heights - mean``, built as a fresh diagram would be
    (``pd`` itself where it was so built: ``with_halfweights(..., centred=True)``)."""
    return pd if pd._centred else pd.with_heights(pd.heights - float(np.mean(pd.heights)))


def _floor(pd, nu):
    """The precision floor: the largest relative mass error rounding alone leaves (:meth:`PowerDiagram.rounding_error`)."""
    return float(np.max(pd.rounding_error() / nu))


def _ending(reason, err, tol, fields):
    """The message fields of a solve that did not converge, at the certified error ``err``."""
    advice = {"maxiter": "; raise maxiter, loosen tol, or start from heights0 of a coarser solve",
              "line search": "; try a looser tol, or report the problem: the Newton direction did not decrease "
                             "the error"}.get(reason, "")
    return fields | {"err": err, "tol": tol, "detail": advice}
