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
    residual of :mod:`geomot.solvers._residuals`), is shortened by the noise of the
    estimate (``a = 1 - |noise|^2 / |r|^2``, :mod:`.newton`), empty cells are
    revived, and the sample count grows with the accuracy
    reached, so the noise stays below the error. The start fits the spread of
    the targets' Voronoi diagram to the source (:func:`.starts.initial_heights`).
``optimizer="adam"`` (the baseline of the paper / pyOMT)
    Adam on the Monte Carlo gradient with a fixed batch, doubled (and the
    learning rate multiplied by 0.8) when the error has not improved for
    ``patience`` steps.

Convergence is declared when the estimated ``max_i |w_i - nu_i| / nu_i <= tol``
and the estimate is precise enough to tell: its noise
``z max_i se_i / nu_i <= tol / 2`` with ``z = sqrt(2 log 2n)`` (the typical
maximum of ``n`` standard normal deviates). With ``qmc=True`` the standard
errors are measured (two independently scrambled Sobol streams, see
:func:`.estimate.estimate`), not the binomial ones: in 2D they are several times smaller,
and so are the sample counts the solver asks for.

A hierarchical start (``clusters=k``, paper §4) solves to the ``k`` k-means
centres of the targets first, then starts each target of cluster ``c`` from
the Voronoi diagram, inside the coarse cell ``C_c``, of the targets mapped about
the cell's barycentre ``xbar_c``:
``h_i = H_c + <xbar_c, Y_c - y_i> - alpha_c |y_i - Y_c|^2 / 2``, ``alpha_c`` the
ratio of the spreads of the cell and of the cluster.
"""
import dataclasses

import numpy as np

from ..._validate import (as_choice, as_client, as_count, as_flag, as_float_array, as_heights, as_masses, as_points,
                          as_positive, as_seed, check_callback)
from ...errors import GeomotError
from ...measures import MEASURES, as_sampler, as_source
from ...result import OTResult
from ._sampled import SampledRun, pow2
from .adam import adam
from .estimate import Assigner, estimate, monte_carlo_masses
from .newton import first_samples, newton
from .starts import hierarchical_start, initial_heights

__all__ = ["solve_monte_carlo", "monte_carlo_masses", "estimate", "MonteCarloOptions"]


@dataclasses.dataclass(frozen=True)
class MonteCarloOptions:
    """The options of :func:`solve_monte_carlo` beyond the common ones (keywords; see its docstring)."""

    max_samples: int = None
    clusters: int = None
    qmc: bool = False
    device: str = "cpu"
    seed: object = None
    batch: int = 1 << 16
    lr: float = None
    initial_samples: int = None
    patience: int = 20
    client: object = None

    @classmethod
    def from_keywords(cls, options):
        """The options from keyword arguments; an unknown keyword is a ``TypeError`` naming it."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"Monte Carlo solvers take no option {unknown}; the options are {sorted(known)}")
        return cls(**options)._checked()

    def _checked(self):
        """The options with every value validated (:class:`~geomot.GeomotError` naming the one that is not)."""
        def optional(value, check, *args):
            return None if value is None else check(value, *args)
        return dataclasses.replace(
            self, max_samples=optional(self.max_samples, as_count, "max_samples", 1),
            clusters=optional(self.clusters, as_count, "clusters", 1), qmc=as_flag(self.qmc, "qmc"),
            seed=as_seed(self.seed), batch=as_count(self.batch, "batch", 1), lr=optional(self.lr, as_positive, "lr"),
            initial_samples=optional(self.initial_samples, as_count, "initial_samples", 1),
            patience=as_count(self.patience, "patience", 1), client=as_client(self.client))


def solve_monte_carlo(source, points, masses=None, *, optimizer="newton", tol=1e-2, maxiter=None, heights0=None,
                      normalize=False, verbose=False, callback=None, **options):
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
        Results are reproducible for a given seed (and device): the samples of the ``e``-th estimate are
        blocks of ``batch`` samples, block ``b`` seeded by ``(seed, e, b)`` (:mod:`geomot.measures._sampling`).
    client : dask.distributed.Client, optional
        Draw and assign the blocks of every estimate on its workers (``pip install 'geomot[dask]'``,
        ``docs/dask.md``); the result is the one without a client, for any number of workers. Needs a
        source measure (not a callable sampler).
    batch : int
        Samples per block (a kernel call, and a worker's unit of work; memory bound); a power of two.
    lr : float, optional
        Adam's learning rate, in height units (default: 1.2 x the height
        change that moves a cell's whole mass, estimated from the target spacing).
    initial_samples : int, optional
        Samples of the first estimate (Newton) or of each Adam step (default
        ``max(100 / min(nu), 400 n)`` resp. ``16 n``, rounded up to a power of
        two: Newton's first Hessian needs about 40 samples per cell near its
        facets, :func:`.newton.first_samples`).
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
    normalize, verbose, callback = as_flag(normalize, "normalize"), as_flag(verbose, "verbose"), check_callback(callback)
    nu = as_masses(masses, n, normalize=normalize)
    tol = as_positive(tol, "tol")
    optimizer = as_choice(optimizer, "optimizer", ("newton", "adam"))
    opt = MonteCarloOptions.from_keywords(options)
    batch, max_samples = opt.batch, opt.max_samples
    maxiter = as_count(maxiter, "maxiter", 0) if maxiter is not None else (50 if optimizer == "newton" else 100_000)
    assigner = Assigner(opt.device)
    rng = np.random.default_rng(opt.seed)
    if not callable(source) or isinstance(source, MEASURES):
        source = as_source(source)
    draw = as_sampler(source, dim, opt.seed, opt.qmc)
    as_client(opt.client, draw)
    # the targets about the centre of their bounding box: <x, y_i> + h_i and <x, y_i - mid> + h_i differ by a
    # term independent of i, so the cells and the heights are the same, and far targets keep their digits
    mid = (y.min(axis=0) + y.max(axis=0)) / 2
    run = SampledRun(draw, y - mid, nu, assigner, batch, max_samples, verbose, callback, origin=mid,
                     client=opt.client)
    if heights0 is not None:
        h = as_heights(heights0, n).copy()
    elif opt.clusters is not None:
        h = hierarchical_start(run, opt.clusters, tol, rng, source)
    else:
        h = initial_heights(source, run.y, draw, run)
    if optimizer == "newton":
        initial = opt.initial_samples or first_samples(nu)
        reason, fields = newton(run, h, tol, maxiter, initial)
    else:
        initial = opt.initial_samples or pow2(16 * n)
        reason, fields = adam(run, h, tol, maxiter, initial, opt.lr, opt.patience)
    est, h, noise = run.last  # the heights returned, and the estimate of their masses
    if reason != "converged":
        fields = fields | {"err": run.error(est.masses), "tol": tol}
    return OTResult(y, h - float(h.mean()), est.masses, nu, source, masses_stderr=est.stderr, cost=est.cost,
                    precision_floor=noise, **run.outcome(reason, **fields))
