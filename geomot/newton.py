r"""Damped Newton method for semi-discrete optimal transport (2D and 3D).

Minimises the convex energy of Gu-Luo-Sun-Yau (paper notes §3)

.. math:: E(h) = \int_0^h \sum_i w_i(\eta)\, d\eta_i - \sum_i \nu_i h_i,
          \qquad \nabla E = w(h) - \nu, \qquad \nabla^2 E = \partial w / \partial h,

with the damping of Kitagawa, Mérigot and Thibert (JEMS 2019): the Newton
direction ``d`` solves ``H d = nu - w(h)`` (``H = dw/dh``, a graph Laplacian, on
``sum d = 0``) and the step ``alpha`` is halved from 1 until every cell keeps
mass ``>= eps0 = min(min nu, min w(h0)) / 2`` and the error has dropped by the
factor ``1 - alpha / 2``. The error is measured as ``|(w - nu) / nu|_2``, the
Euclidean norm of the relative mass errors (KMT use ``|w - nu|_2``; with masses
spanning several orders of magnitude, that norm reaches rounding level on the
large cells while small cells still carry large relative errors). Globally
convergent from any start whose cells are all non-empty, quadratically near
the solution.

Far from the solution (``max |w - nu| / nu > 1/2``) the step is Newton's on the
log residual ``log(w / nu) - c`` instead, judged by its own norm (the idea of
sdot's damped Newton, ``sdotplan/Newton.h``): with masses ``0.03 .. 4 nu`` at a Voronoi
start, the linear step asks every starving cell for its whole gap, and is
halved; the log step asks for part of it and is taken whole (3D, n = 1e5:
5 iterations instead of 6). When a log step is refused (tight clusters), the
iteration is done again on the linear residual, which is used from then on.
Between steps the weighted Delaunay triangulation is repaired by
edge flips (see :mod:`geomot._kernels.flips`) instead of rebuilt by Qhull
(2D; in 3D every trial diagram is built afresh, see :mod:`geomot.power3d`,
and a trial stops at the first cell it finds below ``eps0``).
"""
import dataclasses
import time

import warnings

import numpy as np
import pyamg
import qdldl
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, cg

from ._validate import as_heights, as_masses, as_points, as_positive
from .domains import Box
from .errors import GeomotError
from .measures import as_uniform_source
from .power import CellBelowFloor, FlipFailure, PowerDiagram, _UnitDomain, halfweights, to_unit_frame
from .power3d import PowerDiagram3D, _UnitDomain3D, tree_order
from .residuals import LOG_UNTIL, lin_merit, lin_residual, log_merit, log_residual
from .result import IterationInfo, OTResult
from .stochastic import solve_monte_carlo

_MAX_HALVINGS = 40


def _inscribed_disk(unit):
    """A disk (centre, radius) inside the unit-frame domain (a polygon or the unit disk; a ball in 3D)."""
    if hasattr(unit, "inscribed_ball"):
        return unit.inscribed_ball()
    if unit.disk:
        return np.zeros(2), 1.0
    geom = unit.polygon if unit.polygon is not None else shapely.Polygon(unit.start)
    line = shapely.maximum_inscribed_circle(geom, 1e-3 * np.sqrt(unit.volume))
    a, b = shapely.get_coordinates(line)
    return a, float(np.linalg.norm(b - a))


def initial_heights(domain, unit, y):
    """Unit-frame heights whose cells are all non-empty: a Voronoi diagram.

    If every point lies in the domain, the Voronoi heights ``-|y_i|^2 / 2``
    (each cell contains its point). Otherwise the points are mapped by a
    similarity ``z_i = t y_i + b`` into the domain (the bounding box of the
    points into a box domain, their bounding disk (ball) into a disk (ball)
    inscribed in other domains, as large as fits) and given the Voronoi heights of the
    ``z_i`` rescaled, ``-|z_i|^2 / (2 t)``: the cells of ``y`` are then the
    Voronoi cells of ``z`` (``<x, z_i> = t <x, y_i> + <x, b>``). The larger
    ``t``, the better conditioned the start.
    """
    c, s = unit.frame
    if domain.contains(c + s * y).all():
        return -0.5 * (y ** 2).sum(axis=1)
    lo, hi = y.min(axis=0), y.max(axis=0)
    mid = (lo + hi) / 2
    if isinstance(domain, Box):
        center = np.zeros(y.shape[1])
        with np.errstate(divide="ignore"):
            t = 0.9 * np.min((domain.upper - domain.lower) / s / np.maximum(hi - lo, 1e-300))
    else:
        center, radius = _inscribed_disk(unit)
        spread = np.sqrt(((y - mid) ** 2).sum(axis=1).max())
        t = 0.9 * radius / spread if spread > 0 else 1.0
    t = min(t, 1.0)
    z = t * (y - mid) + center
    return -0.5 * (z ** 2).sum(axis=1) / t


class NewtonDirection:
    """Solve ``H d = residual`` for the graph Laplacians ``H`` of successive Newton steps.

    When the facet graph is connected (the usual case) the kernel of ``H`` is
    the constants: the unknown of cell ``pinned`` is set to 0 and the others
    solved, then ``d`` is shifted to zero mean. The pinned equation is the one
    left unsolved; it absorbs the rounding of ``sum(residual) = 0`` (about
    1e-16), so the cell of largest target mass is pinned, where that is
    negligible relative to the mass.

    The reduced system is symmetric positive definite. In 2D
    (``preconditioner="ldl"``) it is factored by
    sparse LDL^T with an AMD ordering (qdldl, three times faster than SuperLU
    here) and the factor is kept: the next Hessians, close to it, are solved by
    conjugate gradients preconditioned with it (a few iterations near the
    solution), and refactored only when that needs more iterations than a
    refactoring is worth: a quarter of the factorisation flops (``sum_j c_j^2`` over
    the column counts of L) over the cost of one iteration
    (``2 nnz(L) + nnz(H)``), between 10 and 200 — counted, not timed, so runs
    are reproducible.
    The conjugate gradients stop at a relative residual ``rtol`` (an inexact
    Newton step: the caller makes it proportional to the current error, which
    keeps the convergence quadratic).

    In 3D (``preconditioner="amg"``) the LDL^T factor fills in too much (0.6 s
    at n = 1e4, against 0.1 s for the preconditioned solve below; measured in
    ``docs/benchmarks.md``): the conjugate gradients are preconditioned by a
    smoothed-aggregation algebraic multigrid V-cycle (pyamg), whose hierarchy is
    kept for the next Hessians and rebuilt after a solve that needed more than
    15 iterations (a fresh one needs about 10 at n = 1e5).

    When the facet graph is not connected (a domain in several parts whose
    cells do not straddle the gaps), moving mass between components is a flat
    direction of the energy, invisible to ``H``: the step then solves
    ``(H + tau I) d = residual``, ``tau`` a small fraction of the mean diagonal,
    which adds a gradient step along those directions; the line search takes
    care of its length. With ``connected=True`` the caller vouches for a
    connected graph and the check is skipped (a convex domain whose cells are
    all non-empty: the 3D solver; 35 ms a step at n = 1e5).
    """

    def __init__(self, pinned, preconditioner="ldl", connected=False):
        self.pinned = pinned
        self.connected = connected
        self.factor = None
        self.maxiter = 10
        self.amg = preconditioner == "amg"
        self.stale = False

    def __call__(self, hessian, residual, rtol=1e-12):
        n = hessian.shape[0]
        if n == 1:
            return np.zeros(1)
        if not self.connected and connected_components(hessian, directed=False)[0] > 1:
            tau = 1e-3 * hessian.diagonal().mean()
            shifted = sp.csr_array(hessian + tau * sp.eye_array(n))
            d = self._multigrid(shifted, residual, rtol, reuse=False) if self.amg else \
                _factor_and_solve(shifted, residual)[1]
            return d - d.mean()
        keep = np.arange(n) != self.pinned
        reduced = sp.csr_array(hessian[keep][:, keep])
        d = np.zeros(n)
        if self.amg:
            d[keep] = self._multigrid(reduced, residual[keep], rtol)
            return d - d.mean()
        if self.factor is not None:
            x, info = cg(reduced, residual[keep], rtol=rtol, atol=0.0, maxiter=self.maxiter,
                         M=LinearOperator(reduced.shape, matvec=self.factor.solve, dtype=float))
            if info == 0:
                d[keep] = x
                return d - d.mean()
        self.factor, d[keep] = _factor_and_solve(reduced, residual[keep])
        lower = self.factor.factors()[0]
        flops = float(np.sum(np.diff(lower.indptr).astype(float) ** 2))
        self.maxiter = int(np.clip(0.25 * flops / (2 * lower.nnz + reduced.nnz), 10, 200))
        return d - d.mean()

    def _multigrid(self, matrix, rhs, rtol, reuse=True):
        """Conjugate gradients preconditioned by an AMG V-cycle (the kept hierarchy first, if ``reuse``)."""
        if reuse and self.factor is not None and self.factor.levels[0].A.shape == matrix.shape and not self.stale:
            count = []
            x, info = cg(matrix, rhs, rtol=rtol, atol=0.0, maxiter=40, M=self.factor.aspreconditioner(),
                         callback=count.append)
            # a hierarchy built for an older Hessian costs iterations: past 15 (a fresh one takes about 10
            # at n = 1e5, its setup as much as 15), the next solve builds a new one (25 % less time, measured)
            self.stale = len(count) > 15
            if info == 0:
                return x
        # the near-null space of a graph Laplacian is the constants exactly: nothing to improve (0.2 s of
        # setup at n = 1e5); a forward Gauss-Seidel sweep before and a backward one after keep the V-cycle
        # symmetric at half the smoothing of the default symmetric sweeps (10 % faster solves, measured)
        ml = pyamg.smoothed_aggregation_solver(sp.csr_matrix(matrix), symmetry="symmetric", improve_candidates=None,
                                               presmoother=("gauss_seidel", {"sweep": "forward"}),
                                               postsmoother=("gauss_seidel", {"sweep": "backward"}))
        if reuse:
            self.factor, self.stale = ml, False
        x, info = cg(matrix, rhs, rtol=rtol, atol=0.0, maxiter=1000, M=ml.aspreconditioner())
        if info != 0:  # not expected for a connected Laplacian; the line search judges the step anyway
            warnings.warn(f"AMG-preconditioned CG stopped before rtol={rtol:.1e} "
                          f"(residual {np.linalg.norm(matrix @ x - rhs) / np.linalg.norm(rhs):.1e})",
                          RuntimeWarning, stacklevel=3)
        return x


def _damped_step(diagram, merit, current, halvings, full_only=False):
    """The step ``a = 2^-k`` of Kitagawa-Merigot-Thibert and its diagram, or ``(0, None)``.

    The largest ``a`` (at most ``halvings`` halvings from 1) whose diagram
    ``diagram(a)`` keeps every cell above the floor (else it raises
    :class:`CellBelowFloor`, or :class:`FlipFailure` in 2D) and whose
    ``merit`` is below ``(1 - a / 2) current``; ``full_only``: only ``a = 1``.
    """
    step = 1.0
    for _ in range(1 if full_only else halvings):
        try:
            trial = diagram(step)
        except (FlipFailure, CellBelowFloor):
            step /= 2
            continue
        rt = merit(trial.masses)  # every cell >= the floor, or CellBelowFloor was raised
        if rt <= (1 - step / 2) * current and rt < current:
            return step, trial
        step /= 2
    return 0.0, None


def _suspects(pd, d):
    """The 2 % of the cells most likely to shrink below the line search's floor along the direction ``d``.

    Ranked by the mass a step moves through their facets relative to their own,
    ``sum_j |H_ij| |d_i - d_j| / w_i``: in the rejected steps of a 3D solve at
    n = 1e5 (8 cells below the floor, then 1) one of them ranked in the top 1.4 %.
    """
    hessian = pd._hessian_unit_frame()
    rows = np.repeat(np.arange(hessian.shape[0]), np.diff(hessian.indptr))
    moved = np.bincount(rows, np.abs(hessian.data) * np.abs(d[rows] - d[hessian.indices]), hessian.shape[0])
    with np.errstate(divide="ignore"):
        risk = moved / pd._area
    k = max(64, len(d) // 50)
    return np.sort(np.argpartition(-risk, min(k, len(d) - 1))[:k]).astype(np.int64)


def _factor_and_solve(matrix, rhs):
    """LDL^T factor (qdldl) of a sparse SPD matrix and the solution, with one step of iterative refinement.

    The refinement costs two triangular solves and lets Newton reach the
    floating-point floor on ill-conditioned problems (tight clusters).
    """
    factor = qdldl.Solver(sp.triu(matrix, format="csc"))
    x = factor.solve(rhs)
    return factor, x + factor.solve(rhs - matrix @ x)


def solve(source, points, masses=None, *, method="newton", tol=None, maxiter=None, heights0=None, normalize=False,
          verbose=False, callback=None, **options):
    r"""Semi-discrete optimal transport: damped Newton on exact 2D and 3D geometry, or Monte Carlo in any dimension.

    Finds heights ``h`` such that every power cell
    ``W_i(h) = {x : <x, y_i> + h_i >= <x, y_j> + h_j for all j}`` carries
    ``mu(W_i(h)) = nu_i``.

    ``method="newton"`` (default) is documented here. ``method="monte-carlo"``
    (Newton with Monte Carlo masses and Hessian) and ``method="adam"`` (the
    pyOMT baseline) call :func:`geomot.stochastic.solve_monte_carlo` with
    ``optimizer="newton"`` resp. ``"adam"``, default ``tol=1e-2``, and pass it
    ``options`` (``seed``, ``qmc``, ``device``, ``clusters``, ``max_samples``, ...).

    Parameters
    ----------
    source : geomot.Uniform or a domain
        Source probability measure ``mu``.
    points : array_like, shape (n, d), d = 2 or 3 (the source's dimension)
        Target points ``y_i``, pairwise distinct, anywhere in the plane or space.
    masses : array_like, shape (n,), optional
        Target masses ``nu_i > 0`` summing to 1 (default uniform ``1/n``).
    method : {"newton", "monte-carlo", "adam"}
    tol : float
        Stop when ``max_i |w_i - nu_i| / nu_i <= tol`` (default 1e-10).
    maxiter : int
        Maximum number of Newton iterations (default 100).
    heights0 : array_like, shape (n,), optional
        Starting heights. Their cells must all be non-empty; if some are
        empty, the default start (a Voronoi diagram) is used instead and the
        result's message says so.
    normalize : bool
        Rescale ``masses`` to sum 1 instead of raising when they do not.
    verbose : bool
        Print one line per iteration (error, step, smallest cell mass, time).
    callback : callable, optional
        ``callback(info)`` with an :class:`IterationInfo` after every
        iteration; returning True stops the solver (status 3).

    Returns
    -------
    OTResult
        ``heights`` with ``sum(heights) == 0``, the diagram, masses,
        convergence facts and history. Non-convergence is reported there
        (``converged``, ``status``, ``message``), never raised.
    """
    if method in ("monte-carlo", "adam"):
        return solve_monte_carlo(source, points, masses, optimizer="newton" if method == "monte-carlo" else "adam",
                                 tol=1e-2 if tol is None else tol, maxiter=maxiter, heights0=heights0,
                                 normalize=normalize, verbose=verbose, callback=callback, **options)
    if method != "newton":
        raise GeomotError(f"method must be 'newton', 'monte-carlo' or 'adam'; got {method!r}")
    if options:
        raise GeomotError(f"method='newton' takes no option {sorted(options)} (Monte Carlo options need "
                          f"method='monte-carlo')")
    tol = 1e-10 if tol is None else tol
    maxiter = 100 if maxiter is None else maxiter
    source = as_uniform_source(source)
    if source.dim not in (2, 3):
        raise GeomotError(f"method='newton' supports 2D and 3D sources; got dimension {source.dim} "
                          f"(use method='monte-carlo')")
    # 3D: every diagram is built afresh (the flip repair is 2D only)
    Diagram, UnitDomain = (PowerDiagram3D, _UnitDomain3D) if source.dim == 3 else (PowerDiagram, _UnitDomain)
    points = as_points(points, source.dim)
    n = len(points)
    nu = as_masses(masses, n, normalize=normalize)
    tol = as_positive(tol, "tol")
    if int(maxiter) != maxiter or maxiter < 0:
        raise GeomotError(f"maxiter must be a non-negative integer; got {maxiter!r}")
    domain = source.domain
    unit = UnitDomain(domain)
    y, _ = to_unit_frame(points, np.zeros(n), unit.frame)
    clock = time.perf_counter()
    h0 = as_heights(heights0, n) if heights0 is not None else None
    # 3D: the points are taken in the order of their k-d tree, so that neighbouring cells sit together
    # in memory (20 % faster at n = 1e5); the result comes back in the caller's order
    order, y = tree_order(y, unit) if source.dim == 3 else (np.arange(n), y)
    points, nu = points[order], nu[order]
    back = np.argsort(order)
    note = ""
    # the state is the unit-frame half power weights g = h + |y|^2 / 2 (see power.halfweights)
    g = None
    if h0 is not None:
        g = halfweights(y, to_unit_frame(points, h0[order], unit.frame)[1])
        pd = Diagram._from_unit(points, source, unit, y, g)
        if pd.empty.any():
            note = f" (heights0 left {int(pd.empty.sum())} cells empty: started from a Voronoi diagram instead)"
            g = None
    if g is None:
        g = halfweights(y, initial_heights(domain, unit, y))
        pd = Diagram._from_unit(points, source, unit, y, g)
    w = pd.masses
    eps0 = 0.5 * min(nu.min(), w.min())
    history = []
    # 3D domains are convex, and the floor keeps every cell non-empty: the facet graph is connected
    direction = NewtonDirection(pinned=int(np.argmax(nu)), preconditioner="amg" if source.dim == 3 else "ldl",
                                connected=source.dim == 3)
    # inexact Newton: CG stops at a residual proportional to the error (AMG iterations are dearer than
    # LDL-preconditioned ones, so looser in 3D: same iteration counts, 15 % faster at n = 1e5)
    forcing = 1e-2 if source.dim == 3 else 1e-3
    status, message = 1, f"iteration limit maxiter={maxiter} reached"
    step = 0.0
    log_phase = True
    if verbose:
        print(f"{'iter':>4} {'max rel err':>12} {'|w - nu|':>10} {'step':>8} {'min mass':>10} {'seconds':>8}", flush=True)
    for it in range(maxiter + 1):
        err = float(np.max(np.abs(w - nu) / nu))
        gnorm = float(np.linalg.norm(w - nu))
        info = IterationInfo(it, err, gnorm, step, float(w.min()), time.perf_counter() - clock)
        history.append(info)
        if verbose:
            print(f"{it:4d} {err:12.3e} {gnorm:10.3e} {step:8.4g} {info.min_mass:10.3e} {info.seconds:8.3f}", flush=True)
        if err <= tol:
            status, message = 0, f"converged: max relative mass error {err:.3g} <= tol {tol:.3g}"
            break
        if callback is not None and it > 0 and callback(
                dataclasses.replace(info, heights=pd.heights[back] - pd.heights.mean())):
            status, message = 3, "stopped by callback"
            break
        if it == maxiter:
            break
        # 3D reuses the neighbours of the current diagram only near the solution: far from it
        # a quarter of them change and the check costs more than it saves (see power3d); there,
        # steps get rejected, and the cells likeliest to fall below the floor are built first
        reuse = pd if source.dim == 2 or err < 1.0 else None
        # never solve to more than the step needs: a relative residual r leaves an error ~ r * err,
        # so tol / err is enough to reach tol (the factor 0.1 is the margin)
        rtol = float(np.clip(max(forcing * err, 0.1 * tol / err), 1e-13, forcing / 10))
        log_phase = log_phase and err > LOG_UNTIL
        while True:
            residual, merit = (log_residual, log_merit) if log_phase else (lin_residual, lin_merit)
            d = direction(pd._hessian_unit_frame(), residual(w, nu), rtol=rtol)
            options = {"suspects": _suspects(pd, d)} if source.dim == 3 and reuse is None else {}
            # near the solution Newton steps are full: many halvings only mean tol is below the floor
            step, trial = _damped_step(lambda a: Diagram._from_unit(
                points, source, unit, y, g + a * d, previous=reuse, fallback=a < 1 / 16, floor=eps0, **options),
                lambda wt: merit(wt, nu), merit(w, nu), _MAX_HALVINGS if err > 1e-6 else 8,
                full_only=log_phase)
            if trial is not None or not log_phase:
                break
            log_phase = False  # the log residual's full step was refused: this iteration again, linear
        if trial is None:
            status = 2
            message = (f"line search failed at max relative error {err:.3g}"
                       + (": tol is probably below what floating point allows for this problem"
                          if err < 1e-6 else ""))
            break
        g, pd, w = g + step * d, trial, trial.masses
    final = pd._shifted(-float(np.mean(pd.heights)))
    if source.dim == 3:
        final = final._reordered(back)
    return OTResult.from_diagram(final, nu[back], converged=status == 0, status=status, message=message + note,
                                 iterations=len(history) - 1, history=history)
