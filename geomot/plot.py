"""Matplotlib drawings of power diagrams and solver runs.

Imported lazily (``import geomot.plot``), never from ``geomot/__init__``.
Every function takes ``ax=None`` (a new figure) and returns the axes.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.colors import LogNorm, Normalize
from matplotlib.path import Path

from .domains import Disk


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    return ax


def cell_paths(diagram):
    """One matplotlib Path per cell (holes and several parts included); empty cells give empty paths."""
    paths = []
    for ring in diagram.cells:
        if len(ring) == 0:
            paths.append(Path(np.zeros((0, 2))))
            continue
        gap = np.isnan(ring[:, 0])
        codes = np.full(len(ring), Path.LINETO, dtype=Path.code_type)
        starts = np.r_[0, np.flatnonzero(gap) + 1]
        ends = np.r_[np.flatnonzero(gap) - 1, len(ring) - 1]
        codes[starts] = Path.MOVETO
        codes[ends] = Path.CLOSEPOLY
        keep = ~gap
        paths.append(Path(np.where(keep[:, None], ring, 0.0)[keep], codes[keep]))
    return paths


def domain_outline(domain, ax=None, **kwargs):
    """Draw the boundary of a 2D domain."""
    ax = _axes(ax)
    style = {"color": "black", "lw": 1.2} | kwargs
    if isinstance(domain, Disk):
        t = np.linspace(0, 2 * np.pi, 721)
        ax.plot(domain.center[0] + domain.radius * np.cos(t), domain.center[1] + domain.radius * np.sin(t), **style)
    elif hasattr(domain, "geometry"):
        import shapely
        for ring in shapely.get_rings(shapely.get_parts(domain.geometry)):
            xy = shapely.get_coordinates(ring)
            ax.plot(xy[:, 0], xy[:, 1], **style)
    else:
        v = np.vstack([domain.vertices, domain.vertices[:1]])
        ax.plot(v[:, 0], v[:, 1], **style)
    return ax


def power_diagram(diagram, ax=None, color_by="mass", target_masses=None, show_points=True, cmap="viridis",
                  colorbar=True, log=None):
    """Draw the cells of a :class:`~geomot.PowerDiagram`, coloured by a per-cell quantity.

    Parameters
    ----------
    color_by : {"mass", "error", None} or array of shape (n,)
        ``"mass"``: the cell mass ``mu(W_i)``; ``"error"``: the relative mass
        error ``|w_i - nu_i| / nu_i`` (needs ``target_masses``); ``None``: plain cells.
    target_masses : array of shape (n,), optional
    show_points : bool
        Also draw the target points that lie inside the plotted area.
    log : bool, optional
        Logarithmic colour scale (default: on for ``"error"``).
    """
    ax = _axes(ax)
    if isinstance(color_by, str) and color_by == "mass":
        values, label = diagram.masses, "cell mass"
    elif isinstance(color_by, str) and color_by == "error":
        values = np.abs(diagram.masses - target_masses) / target_masses
        values, label = np.maximum(values, 1e-17), "relative mass error"
    elif color_by is None:
        values, label = None, None
    else:
        values, label = np.asarray(color_by, float), None
    coll = PathCollection(cell_paths(diagram), edgecolor="white", linewidth=0.4)
    if values is None:
        coll.set_facecolor("#cfd8e3")
    else:
        use_log = (isinstance(color_by, str) and color_by == "error") if log is None else log
        coll.set_array(values)
        coll.set_cmap(cmap)
        lo, hi = np.nanmin(values), np.nanmax(values)
        coll.set_norm(LogNorm(max(lo, 1e-300), max(hi, lo * 1.0001)) if use_log else Normalize(lo, hi))
    ax.add_collection(coll)
    domain_outline(diagram.source.domain, ax)
    if show_points:
        lo, hi = diagram.source.domain.bounds
        ax.plot(diagram.points[:, 0], diagram.points[:, 1], ".", color="crimson", ms=2)
        pad = 0.05 * (hi - lo)
        ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    else:
        ax.autoscale_view()
    ax.set_aspect("equal")
    if colorbar and values is not None:
        ax.figure.colorbar(coll, ax=ax, shrink=0.8, label=label)
    return ax


def newton_history(result, ax=None):
    """Log-scale max relative mass error against Newton iteration, with the accepted steps."""
    ax = _axes(ax)
    it = [h.iteration for h in result.history]
    err = [max(h.max_rel_error, 1e-17) for h in result.history]
    ax.semilogy(it, err, "o-", color="tab:blue", label="max relative mass error")
    for h in result.history[1:]:
        if h.step < 1:
            ax.annotate(f"step {h.step:g}", (h.iteration, max(h.max_rel_error, 1e-17)), textcoords="offset points",
                        xytext=(4, 6), fontsize=7, color="tab:gray")
    ax.set_xlabel("Newton iteration")
    ax.set_ylabel("max$_i$ |w$_i$ − ν$_i$| / ν$_i$")
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(f"{'converged' if result.converged else 'not converged'} in {result.iterations} iterations")
    return ax
