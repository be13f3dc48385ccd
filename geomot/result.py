"""The result of a semi-discrete OT solve."""
from dataclasses import dataclass, field

import numpy as np

from ._kernels.sampling.assign import top2_cpu
from ._validate import as_count, as_float_array, as_real, as_seed
from .errors import GeomotError
from .measures import as_sampler


@dataclass(frozen=True)
class IterationInfo:
    """One solver iteration, as logged with ``verbose=True`` and passed to ``callback``.

    Attributes
    ----------
    iteration : int
        0 for the starting point, then 1, 2, ...
    max_rel_error : float
        ``max_i |w_i - nu_i| / nu_i`` after the iteration.
    grad_norm : float
        Euclidean norm of the gradient ``w - nu`` of the energy.
    step : float
        Step length ``alpha`` accepted by the line search (0 for iteration 0).
    min_mass : float
        Smallest cell mass ``min_i w_i``.
    seconds : float
        Wall-clock time since the solve started.
    samples : int
        Monte Carlo solvers: the number of samples behind this iteration's
        mass estimate (0 for exact solvers).
    heights : ndarray or None
        The heights of the iteration (mean zero), given to ``callback``; None
        in ``OTResult.history`` (which stays small).
    estimate_seconds : float
        Monte Carlo solvers: the part of ``seconds`` spent estimating the
        masses at these heights (the heights themselves existed
        ``seconds - estimate_seconds`` after the start); 0 for exact solvers.
    """

    iteration: int
    max_rel_error: float
    grad_norm: float
    step: float
    min_mass: float
    seconds: float
    samples: int = 0
    heights: np.ndarray = field(default=None, repr=False, compare=False)
    estimate_seconds: float = 0.0


class OTResult:
    """Semi-discrete optimal transport from a source measure to weighted Diracs.

    Attributes
    ----------
    heights : ndarray, shape (n,)
        Heights ``h`` of ``u_h(x) = max_i <x, y_i> + h_i``, normalised to ``sum(h) == 0``.
    masses : ndarray, shape (n,)
        The cell masses ``mu(W_i(h))`` at the returned ``heights`` exactly:
        exact (Newton: from a diagram built from ``heights`` as
        ``PowerDiagram(points, heights, source)`` builds it, so anyone can
        re-measure them), or their Monte Carlo estimate at ``heights``
        (``method="monte-carlo"``/``"adam"``).
    masses_stderr : ndarray, shape (n,)
        Standard error of each mass: 0 for exact masses,
        ``sqrt(w_i (1 - w_i) / N)`` for a Monte Carlo estimate from ``N`` samples.
    target_masses : ndarray, shape (n,)
        The requested masses ``nu``.
    points : ndarray, shape (n, d)
    source : the source measure
    diagram : PowerDiagram or None
        The power diagram at ``heights`` (None for Monte Carlo solves).
    converged : bool
        True when ``max_rel_error <= tol``, the error of these masses at the
        returned heights (Monte Carlo: for the estimate, whose noise is then
        below ``tol / 2``; see :func:`geomot.solve_monte_carlo`).
    precision_floor : float
        The smallest max relative mass error these heights can be trusted to.
        Exact solvers: what rounding alone leaves
        (:meth:`PowerDiagram.rounding_error` over ``target_masses``: the mass
        change when the heights move by a few ulps); a ``tol`` below it ends
        with status ``PRECISION_FLOOR``. Monte Carlo: the estimate's noise,
        ``z max_i se_i / nu_i`` with ``z = sqrt(2 log 2n)``.
    status : geomot.Status
        An ``IntEnum``: 0 ``CONVERGED``, 1 ``BUDGET_EXHAUSTED`` (iteration limit
        or sample budget), 2 ``LINE_SEARCH_FAILED``, 3 ``STOPPED`` by the
        callback, 4 ``PRECISION_FLOOR`` (stopped at ``precision_floor``,
        above ``tol``).
    message : str
    iterations : int
    history : list of IterationInfo
        One entry per iteration, the starting point first.
    """

    def __init__(self, points, heights, masses, target_masses, source, *, converged, status, message, iterations,
                 history, precision_floor, diagram=None, masses_stderr=None, cost=None):
        self.points = points
        self.heights = heights
        self.masses = masses
        self.target_masses = target_masses
        self.source = source
        self.diagram = diagram
        self.masses_stderr = np.zeros_like(masses) if masses_stderr is None else masses_stderr
        self._cost = cost
        self.precision_floor = precision_floor
        self.converged = converged
        self.status = status
        self.message = message
        self.iterations = iterations
        self.history = history

    @classmethod
    def from_diagram(cls, diagram, target_masses, **info):
        """The result of an exact solver, at the heights of ``diagram``."""
        return cls(diagram.points, diagram.heights, diagram.masses, target_masses, diagram.source, diagram=diagram,
                   **info)

    @property
    def max_rel_error(self):
        """``max_i |w_i - nu_i| / nu_i`` at the returned heights."""
        return float(np.max(np.abs(self.masses - self.target_masses) / self.target_masses))

    @property
    def cost(self):
        """Transport cost ``W2^2 / 2 = sum_i int_{W_i} |x - y_i|^2 / 2 dmu(x)`` (Monte Carlo: its estimate)."""
        return float(self.diagram.cost.sum()) if self.diagram is not None else self._cost

    def _argmax(self, x):
        if self.diagram is not None:
            return self.diagram._argmax(x)
        x = as_float_array(x, "x", (None, self.points.shape[1]))
        return top2_cpu(x, self.points, self.heights)[0]

    def transport(self, x):
        """Optimal map ``T(x) = grad u_h(x) = y_{argmax_i <x, y_i> + h_i}``, x of shape (m, d).

        Defined for every ``x`` (the Brenier extension outside the domain).
        """
        return self.points[self._argmax(x)]

    def interpolate(self, t, x=None, *, n=None, seed=None):
        """Displacement interpolation (McCann): samples of ``rho_t = ((1 - t) id + t T)_# mu``.

        Parameters
        ----------
        t : float in [0, 1]
            0 gives the source, 1 the targets (each sample moved onto the Dirac of its cell).
        x : (m, d) array, optional
            Samples of the source measure to move; or ``n`` of them drawn with ``seed``.

        Returns
        -------
        (m, d) array ``(1 - t) x + t T(x)``.
        """
        t = as_real(t, "t", 0.0, 1.0)
        if x is None:
            if n is None:
                raise GeomotError("interpolate needs samples x or a number n of samples to draw")
            x = as_sampler(self.source, self.points.shape[1], as_seed(seed))(as_count(n, "n", 1))
        x = as_float_array(x, "x", (None, self.points.shape[1]))
        return (1 - t) * x + t * self.transport(x)

    def potential(self, x):
        """Brenier potential ``u_h(x) = max_i <x, y_i> + h_i``, x of shape (m, d)."""
        x = as_float_array(x, "x", (None, self.points.shape[1]))
        i = self._argmax(x)
        return np.einsum("ij,ij->i", x, self.points[i]) + self.heights[i]

    def __repr__(self):
        return (f"OTResult(n={len(self.points)}, converged={self.converged}, iterations={self.iterations}, "
                f"max_rel_error={self.max_rel_error:.3g}, cost={self.cost:.6g})")
