"""The solvers: ``solve`` is the front door above the exact and the Monte Carlo families.

``solve`` only dispatches; the families (:mod:`.newton`, :mod:`.monte_carlo`)
never import it, and share the skeleton of :mod:`._run`, the Laplacian solver
of :mod:`._laplacian`, the line search of :mod:`._linesearch` and the start of
:mod:`._start`.
"""
from .._validate import as_choice
from ._run import Status
from .monte_carlo import monte_carlo_masses, solve_monte_carlo
from .newton import solve_newton

__all__ = ["solve", "solve_newton", "solve_monte_carlo", "monte_carlo_masses", "Status"]


def solve(source, points, masses=None, *, method="newton", tol=None, maxiter=None, heights0=None, normalize=False,
          verbose=False, callback=None, **options):
    r"""Semi-discrete optimal transport: damped Newton on exact 2D and 3D geometry, or Monte Carlo in any dimension.

    Finds heights ``h`` such that every power cell
    ``W_i(h) = {x : <x, y_i> + h_i >= <x, y_j> + h_j for all j}`` carries
    ``mu(W_i(h)) = nu_i``.

    ``method="newton"`` (default; :func:`geomot.solvers.newton.solve_newton`)
    is documented here. ``method="monte-carlo"`` (Newton with Monte Carlo
    masses and Hessian) and ``method="adam"`` (the pyOMT baseline) call
    :func:`geomot.solve_monte_carlo` with ``optimizer="newton"`` resp.
    ``"adam"``, default ``tol=1e-2``, and pass it ``options`` (``seed``,
    ``qmc``, ``device``, ``clusters``, ``max_samples``, ...).

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
        ``callback(info)`` with an :class:`IterationInfo` (its ``heights``: the
        iterate's, mean zero) for the starting point (iteration 0) and after
        every iteration, the last included; returning True stops the solver
        (status 3) unless that iterate converged.

    Returns
    -------
    OTResult
        ``heights`` with ``sum(heights) == 0``, the diagram, masses,
        convergence facts and history. Non-convergence is reported there
        (``converged``, ``status``, ``message``), never raised.
    """
    method = as_choice(method, "method", ("newton", "monte-carlo", "adam"))
    if method in ("monte-carlo", "adam"):
        return solve_monte_carlo(source, points, masses, optimizer="newton" if method == "monte-carlo" else "adam",
                                 tol=1e-2 if tol is None else tol, maxiter=maxiter, heights0=heights0,
                                 normalize=normalize, verbose=verbose, callback=callback, **options)
    if options:
        raise TypeError(f"solve() with method='newton' got unexpected keyword arguments {sorted(options)} "
                        f"(the Monte Carlo options need method='monte-carlo')")
    return solve_newton(source, points, masses, tol=1e-10 if tol is None else tol,
                        maxiter=100 if maxiter is None else maxiter, heights0=heights0, normalize=normalize,
                        verbose=verbose, callback=callback)
