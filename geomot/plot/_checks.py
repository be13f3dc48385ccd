"""What every drawing checks and shares: its axes, its inputs, its limits, its default marker size."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .._validate import as_real, show
from ..diagram import PowerDiagram
from ..errors import GeomotError
from ..result import OTResult
from ..singular import SingularSet, SingularSet3D

# a white halo under dark marks and text: legible on any colour map (viridis, tab20, coolwarm)
HALO = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85}


def _found(value):
    """A wrong value as a message shows it: numbers, strings and None as themselves, other objects by type."""
    if value is None or isinstance(value, (bool, int, float, str, np.generic)):
        return show(value)
    return type(value).__name__


def axes2d(ax, figsize=(6, 6)):
    """``ax``, or new axes: a 2D matplotlib ``Axes``, else a GeomotError."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
        return ax
    if not isinstance(ax, Axes) or getattr(ax, "name", "") == "3d":
        raise GeomotError(f"ax must be 2D matplotlib axes or None; got {_found(ax)}"
                          + (" (3D axes)" if getattr(ax, "name", "") == "3d" else ""))
    return ax


def axes3d(ax, figsize=(7, 6)):
    """``ax``, or new axes: 3D matplotlib axes (``projection="3d"``), else a GeomotError."""
    if ax is None:
        return plt.figure(figsize=figsize).add_subplot(projection="3d")
    if not isinstance(ax, Axes) or getattr(ax, "name", "") != "3d":
        raise GeomotError(f"ax must be 3D matplotlib axes (projection='3d') or None; got {_found(ax)}")
    return ax


def diagram(value, name="diagram", dim=2):
    """A PowerDiagram of dimension ``dim``: ``value`` itself or the diagram of an exact OTResult."""
    if isinstance(value, OTResult):
        if value.diagram is None:
            raise GeomotError(f"{name} must be a PowerDiagram or an exact result (method='newton'); got a Monte "
                              f"Carlo result, which has no cells: pass gm.PowerDiagram(res.points, res.heights, "
                              f"res.source)")
        value = value.diagram
    if not isinstance(value, PowerDiagram):
        raise GeomotError(f"{name} must be a PowerDiagram or an OTResult; got {_found(value)}")
    if value.points.shape[1] != dim:
        raise GeomotError(f"{name} must be a {dim}D diagram; got dimension {value.points.shape[1]}")
    return value


def exact_result(value, name="result", dim=2):
    """An OTResult with a diagram of dimension ``dim``, else a GeomotError."""
    if not isinstance(value, OTResult):
        raise GeomotError(f"{name} must be an OTResult (gm.solve(...)); got {_found(value)}")
    diagram(value, name, dim)
    return value


def singular(value, name="sing", dim=2):
    """A SingularSet (2D) or SingularSet3D (3D), else a GeomotError."""
    want = SingularSet if dim == 2 else SingularSet3D
    if not isinstance(value, want):
        raise GeomotError(f"{name} must be a {want.__name__} (gm.singular_set of a {dim}D result); "
                          f"got {_found(value)}")
    return value


def size(value, name, n):
    """A marker size in points, positive; ``None``: legible for ``n`` markers (2.5 to 7 points, ~ 60 / sqrt(n))."""
    if value is None:
        return float(np.clip(60.0 / np.sqrt(max(n, 1)), 2.5, 7.0))
    return as_real(value, name, 0.0, low_open=True)


def fit2d(ax):
    """Limits from everything drawn on ``ax`` (its data limits), with a small margin, equal aspect."""
    ax.set_aspect("equal")
    ax.margins(0.04)
    ax.autoscale_view()
    return ax


def fit3d(ax, points, fresh):
    """Limits of 3D axes from the drawn ``points`` (k, 3), joined with what was there unless ``fresh``."""
    points = np.asarray(points, float).reshape(-1, 3)
    if len(points) == 0:
        return ax
    lo, hi = points.min(0), points.max(0)
    if not fresh:
        old = np.array([ax.get_xlim3d(), ax.get_ylim3d(), ax.get_zlim3d()])
        lo, hi = np.minimum(lo, old[:, 0]), np.maximum(hi, old[:, 1])
    pad = 0.02 * np.maximum(hi - lo, 1e-12 * max(1.0, float(np.abs(hi).max())))
    lo, hi = lo - pad, hi + pad
    ax.set_xlim3d(lo[0], hi[0])
    ax.set_ylim3d(lo[1], hi[1])
    ax.set_zlim3d(lo[2], hi[2])
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):  # 5 ticks at most: the labels of a small panel do not collide
        axis.set_major_locator(MaxNLocator(5))
    return ax


def equal_box(ax):
    """Equal units on the three axes of 3D ``ax`` (after its limits are set)."""
    spans = [np.ptp(lim) for lim in (ax.get_xlim3d(), ax.get_ylim3d(), ax.get_zlim3d())]
    ax.set_box_aspect(spans)
    return ax
