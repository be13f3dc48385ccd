r"""The unit frame, half power weights and auxiliary points shared by both backends.

Every diagram is computed in the unit frame of its domain, ``x' = (x - c) / s``
(:attr:`geomot.domains.Domain.frame`), where the domain lies in the unit ball
and coordinates are of order one whatever the user's units. Its variable is
the half power weight ``g = h + |y|^2 / 2``: ``x`` lies in cell ``i`` iff
``<x, y_i> + h_i`` is largest, i.e. iff ``|x - y_i|^2 / 2 - g_i`` is smallest.

Neither backend imports the other; both import this module.
"""
from dataclasses import dataclass

import numpy as np


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


def to_unit_frame(points, heights, frame):
    """Map points and heights to the unit frame ``x' = (x - c) / s``.

    Cells are preserved: ``<x, y_i> + h_i`` and ``<x', y'_i> + h'_i`` differ by a
    positive factor ``s^2`` and a term independent of ``i``, for
    ``y' = (y - c) / s`` and ``h' = (h + <c, y - c>) / s^2``.
    """
    c, s = frame
    y = (points - c) / s
    return y, (heights + (points - c) @ c) / s ** 2


def from_unit_frame_heights(points, unit_heights, frame):
    """Inverse of the height map of :func:`to_unit_frame`."""
    c, s = frame
    return unit_heights * s ** 2 - (points - c) @ c


def halfweights(y, h):
    """Half power weights ``g = h + |y|^2 / 2`` (the diagram's internal variable, unit frame)."""
    return h + 0.5 * (y ** 2).sum(axis=1)


def heights_from_halfweights(y, g):
    """Inverse of :func:`halfweights`."""
    return g - 0.5 * (y ** 2).sum(axis=1)


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
    h = heights_from_halfweights(y, g)
    dist = np.sqrt(((y[:, None, :] - aux[None, :, :]) ** 2).sum(axis=2))
    aux_h = (h[:, None] - dist).min(axis=0) - 1.0
    return np.ascontiguousarray(np.vstack([y, aux])), np.concatenate([g, halfweights(aux, aux_h)])
