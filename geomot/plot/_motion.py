r"""Displacement interpolation (McCann): samples of ``rho_t = ((1 - t) id + t T)_# mu`` in 2D and 3D."""
import numpy as np

from .._validate import as_count, as_float_array, as_real
from ..errors import GeomotError
from ..result import OTResult
from ._cells import target_colors
from ._checks import axes2d, axes3d, equal_box, fit2d, fit3d


def displacement_interpolation(result, t, ax=None, *, x=None, n=20000, seed=0, point_size=1.0):
    r"""Scatter samples of ``rho_t``, each coloured by its destination ``T(x)`` (:func:`target_colors`).

    A sample ``x`` of the source sits at ``(1 - t) x + t T(x)``
    (:meth:`~geomot.OTResult.interpolate`): at ``t = 0`` the source, at
    ``t = 1`` the Diracs; where the map jumps (the singular set) the picture
    tears. The limits are those of the whole motion (the samples at t = 0 and
    at t = 1), so the frames of a sequence over ``t`` share them.

    Parameters
    ----------
    result : OTResult (2D or 3D; Monte Carlo results too)
    t : float in [0, 1]
    ax : matplotlib Axes (2D) or 3D axes, optional
    x : array (m, d), optional
        Samples of the source; by default ``n`` drawn with ``seed`` (the same for every ``t``).
    n : int
    seed : int
    point_size : float
        Marker size of the samples, in points.
    """
    if not isinstance(result, OTResult):
        raise GeomotError(f"result must be an OTResult (gm.solve(...)); got {type(result).__name__}")
    dim = result.points.shape[1]
    if dim not in (2, 3):
        raise GeomotError(f"displacement_interpolation draws 2D and 3D results; got dimension {dim}")
    t = as_real(t, "t", 0.0, 1.0)
    if x is None:
        x = result.interpolate(0.0, n=as_count(n, "n", 1), seed=seed)
    x = as_float_array(x, "x", (None, dim))
    s = as_real(point_size, "point_size", 0.0, low_open=True) ** 2
    best = result._argmax(x)
    tx = result.points[best]
    xt = (1 - t) * x + t * tx
    colors = target_colors(result.points)[best]
    if dim == 2:
        ax = axes2d(ax)
        ax.scatter(xt[:, 0], xt[:, 1], c=colors, s=s, linewidths=0)
        ax.update_datalim(np.vstack([x, tx]))
        fit2d(ax)
    else:
        ax = axes3d(ax)
        fresh = not ax.has_data()
        ax.scatter(*xt.T, c=colors, s=s, linewidths=0, depthshade=False)
        fit3d(ax, np.vstack([x, tx]), fresh)
        equal_box(ax)
    ax.set_title(f"$\\rho_t$ at t = {t:.3g}")
    return ax
