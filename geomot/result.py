"""The result of a semi-discrete OT solve."""
from dataclasses import dataclass

import numpy as np

from ._validate import as_float_array


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
    """

    iteration: int
    max_rel_error: float
    grad_norm: float
    step: float
    min_mass: float
    seconds: float


class OTResult:
    """Semi-discrete optimal transport from a source measure to weighted Diracs.

    Attributes
    ----------
    heights : ndarray, shape (n,)
        Heights ``h`` of ``u_h(x) = max_i <x, y_i> + h_i``, normalised to ``sum(h) == 0``.
    masses : ndarray, shape (n,)
        Achieved cell masses ``mu(W_i(h))``.
    target_masses : ndarray, shape (n,)
        The requested masses ``nu``.
    points : ndarray, shape (n, d)
    source : the source measure
    diagram : PowerDiagram
        The power diagram at ``heights``.
    converged : bool
        True when ``max_rel_error <= tol``.
    status : int
        0 converged, 1 iteration limit, 2 line search failed (usually: ``tol``
        below what rounding allows), 3 stopped by the callback.
    message : str
    iterations : int
    history : list of IterationInfo
        One entry per iteration, the starting point first.
    """

    def __init__(self, diagram, target_masses, *, converged, status, message, iterations, history):
        self.diagram = diagram
        self.points = diagram.points
        self.source = diagram.source
        self.heights = diagram.heights
        self.masses = diagram.masses
        self.target_masses = target_masses
        self.converged = converged
        self.status = status
        self.message = message
        self.iterations = iterations
        self.history = history

    @property
    def max_rel_error(self):
        """``max_i |w_i - nu_i| / nu_i`` at the returned heights."""
        return float(np.max(np.abs(self.masses - self.target_masses) / self.target_masses))

    @property
    def cost(self):
        """Transport cost ``W2^2 / 2 = sum_i int_{W_i} |x - y_i|^2 / 2 dmu(x)``."""
        return float(self.diagram.cost.sum())

    def transport(self, x):
        """Optimal map ``T(x) = grad u_h(x) = y_{argmax_i <x, y_i> + h_i}``, x of shape (m, d).

        Defined for every ``x`` (the Brenier extension outside the domain).
        """
        return self.points[self.diagram._argmax(x)]

    def potential(self, x):
        """Brenier potential ``u_h(x) = max_i <x, y_i> + h_i``, x of shape (m, d)."""
        x = as_float_array(x, "x", (None, self.points.shape[1]))
        i = self.diagram._argmax(x)
        return np.einsum("ij,ij->i", x, self.points[i]) + self.heights[i]

    def __repr__(self):
        return (f"OTResult(n={len(self.points)}, converged={self.converged}, iterations={self.iterations}, "
                f"max_rel_error={self.max_rel_error:.3g}, cost={self.cost:.6g})")
