r"""The unit frame, half power weights, auxiliary points and kernel chunks shared by both backends.

Every diagram is computed in a unit frame (:class:`Frame`): the domain's for
the source, ``x' = (x - c) / s``, where the domain lies in the unit ball, and
the targets' own, ``z = (y - m) / S``, where they lie in the unit ball too.
Its variable is the half power weight ``g = k + |z|^2 / 2`` of the unit-frame
heights ``k``: ``x'`` lies in cell ``i`` iff ``<x', z_i> + k_i`` is largest,
i.e. iff ``|x' - z_i|^2 / 2 - g_i`` is smallest.

Neither backend imports the other; both import this module.
"""
from dataclasses import dataclass

import numba
import numpy as np

from .._kernels.auxiliary import auxiliary_heights


class CellsRejected(Exception):
    """A trial diagram was refused on the way: a cell fell below the ``floor`` it was built with, or the
    flips from the previous triangulation got stuck and ``rebuild=False`` forbade a fresh one (a point
    left the triangulation: an empty cell). The solvers' line search rejects the step; never reaches users."""


@dataclass(frozen=True)
class SolverPolicy:
    """How the exact Newton solver should treat a backend's diagrams (declared by each backend).

    Attributes
    ----------
    laplacian : {"ldl", "amg"}
        Preconditioner of the Newton system (:mod:`geomot.solvers._laplacian`).
    connected : bool
        The facet graph is connected whenever every cell is non-empty (convex
        domains): the solver may skip the check.
    forcing : float
        Inexact Newton: the linear solve stops at a relative residual of
        about ``forcing * error``.
    warm_below : float
        Trial diagrams are warm-started from the current one while the largest
        relative mass error is below this (``inf``: always).
    screen_cells : bool
        When not warm-started, build first the cells likeliest to fall below
        the floor (a rejected step then costs a fraction of a diagram).
    """

    laplacian: str
    connected: bool
    forcing: float
    warm_below: float
    screen_cells: bool


@dataclass(frozen=True)
class Frame:
    r"""The unit frames of a domain and of a set of targets, in which every diagram is computed.

    Source points are seen as ``x' = (x - c) / s`` (the domain's frame,
    :attr:`geomot.domains.Domain.frame`: the domain lies in the unit ball) and
    targets as ``z = (y - m) / S`` (their own frame: ``m`` the centre of their
    bounding box, ``S`` their largest distance from it), heights as

    .. math:: k_i = \frac{h_i + \langle c, y_i - m\rangle}{s S}.

    Cells are preserved: ``<x, y_i> + h_i = s S (<x', z_i> + k_i) + (terms
    independent of i)``. Coordinates are of order one whatever the user's
    units and wherever the targets are: translating the targets alone leaves
    ``z`` and ``k`` unchanged, to rounding (``y - m`` is exact for far targets,
    where ``y`` itself would lose the digits of the cells' sizes).
    """

    c: np.ndarray
    s: float
    m: np.ndarray
    S: float

    @classmethod
    def of(cls, domain_frame, points):
        """The frame of targets ``points`` (n, d) over a domain of frame ``(c, s)``."""
        c, s = domain_frame
        lower, upper = points.min(axis=0), points.max(axis=0)
        m = lower + (upper - lower) / 2
        spread = float(np.sqrt(((points - m) ** 2).sum(axis=1).max()))
        return cls(c, s, m, spread if spread > 0 else s)

    def points(self, y):
        """Target coordinates ``z = (y - m) / S``, C-contiguous."""
        return np.ascontiguousarray((y - self.m) / self.S)

    def heights(self, y, h):
        """Unit-frame heights ``k`` of user heights ``h`` at targets ``y``."""
        return (h + (y - self.m) @ self.c) / (self.s * self.S)

    def user_heights(self, y, k):
        """User heights of unit-frame heights ``k`` (inverse of :meth:`heights`)."""
        return (self.s * self.S) * k - (y - self.m) @ self.c

    @property
    def height_scale(self):
        """``dh / dk = s S``: unit-frame heights are user heights divided by it (up to a shift)."""
        return self.s * self.S

    def similarity(self, sim):
        """A start similarity ``y -> t (y - mid) + center`` (user units, ``None``: the identity) seen from the
        target frame to the domain's: ``(t S / s, (mid - m) / S, (center - c) / s)``."""
        t, mid, center = (1.0, self.m, self.m) if sim is None else sim
        return t * self.S / self.s, (mid - self.m) / self.S, (center - self.c) / self.s


def halfweights(y, h):
    """Half power weights ``g = k + |z|^2 / 2`` (the diagram's internal variable, unit frame)."""
    return h + _half_squares(y)


def heights_from_halfweights(y, g):
    """Inverse of :func:`halfweights`."""
    return g - _half_squares(y)


def _half_squares(y):
    """``|y_k|^2 / 2``: the coordinates' squares summed in order, as ``(y ** 2).sum(axis=1)`` does, without
    its slow reduction over a short axis (4x at n = 1e6)."""
    total = y[:, 0] ** 2
    for c in range(1, y.shape[1]):
        total += y[:, c] ** 2
    return 0.5 * total


# vertices of a regular simplex of radius 2 about the unit ball: a triangle in 2D, a tetrahedron in 3D
_SIMPLEX = {2: 2.0 * np.column_stack([np.cos(np.pi / 2 + 2 * np.pi / 3 * np.arange(3)),
                                      np.sin(np.pi / 2 + 2 * np.pi / 3 * np.arange(3))]),
            3: 2.0 / np.sqrt(3.0) * np.array([[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0],
                                              [-1.0, -1.0, 1.0]])}


def with_auxiliary_points(y, g):
    """The points and half weights with ``d + 1`` auxiliary points appended, whose cells miss the unit ball.

    They sit at the vertices of a regular simplex of radius 2, with heights
    ``h_a = min_k (h_k - |y_k - a|) - 1``: for ``|x| <= 1``,
    ``<x, y_k> + h_k - (<x, a> + h_a) >= h_k - |y_k - a| - h_a >= 1``. They
    make the lifted hull full-dimensional for any input (``n = 1``, collinear,
    coplanar or cospherical points), so degenerate input takes the generic path.
    Returns ``(yy, gg)``, C-contiguous.
    """
    aux = _SIMPLEX[y.shape[1]]
    aux_h = auxiliary_heights(y, g, aux)
    return np.ascontiguousarray(np.vstack([y, aux])), np.concatenate([g, halfweights(aux, aux_h)])


def chunks():
    """Chunks of cells for the parallel cell kernels: enough to balance the threads' load."""
    return 32 * numba.get_num_threads()
