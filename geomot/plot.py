"""Matplotlib drawings of power diagrams and solver runs.

Imported lazily (``import geomot.plot``), never from ``geomot/__init__``.
Every function takes ``ax=None`` (a new figure) and returns the axes.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.colors import LogNorm, Normalize, to_rgba
from matplotlib.path import Path

from .errors import GeomotError


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
    """Draw the boundary of a 2D domain (its :meth:`~geomot.Domain.outline`)."""
    ax = _axes(ax)
    style = {"color": "black", "lw": 1.2} | kwargs
    for ring in domain.outline():
        ax.plot(ring[:, 0], ring[:, 1], **style)
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


def weighted_delaunay(diagram, ax=None, show_cells=True):
    """The weighted Delaunay triangulation (dual of the power diagram, Fig. 7 of the paper).

    Draws the triangles of ``diagram.simplices`` over the cell boundaries: an
    edge ``(i, j)`` of the triangulation crosses the facet ``F_ij``.
    """
    ax = _axes(ax)
    if show_cells:
        coll = PathCollection(cell_paths(diagram), facecolor="none", edgecolor="tab:blue", linewidth=0.8)
        ax.add_collection(coll)
        domain_outline(diagram.source.domain, ax)
    y = diagram.points
    ax.triplot(y[:, 0], y[:, 1], diagram.simplices, color="tab:orange", lw=0.8)
    ax.plot(y[:, 0], y[:, 1], "o", color="tab:red", ms=3)
    ax.set_aspect("equal")
    ax.autoscale_view()
    return ax


def singular_set(sing, ax=None, color="crimson", lw=2.0, label=r"$\Sigma_1$"):
    """Overlay a :class:`~geomot.SingularSet`: its curves (Sigma_1) and branch points (Sigma_2)."""
    ax = _axes(ax)
    for k, curve in enumerate(sing.curves):
        ax.plot(curve[:, 0], curve[:, 1], color=color, lw=lw, label=label if k == 0 else None)
    if len(sing.branch_points):
        ax.plot(sing.branch_points[:, 0], sing.branch_points[:, 1], "*", color="gold", mec="black", ms=12,
                label=r"$\Sigma_2$")
    return ax


def _lifted_cells(result):
    """Cells lifted to the graph of u_h: for each cell, its rings with z = <x, y_i> + h_i."""
    faces, values = [], []
    for i, ring in enumerate(result.diagram.cells):
        if len(ring) == 0:
            continue
        for part in np.split(ring, np.flatnonzero(np.isnan(ring[:, 0]))):
            part = part[~np.isnan(part[:, 0])]
            if len(part) >= 3:
                z = part @ result.points[i] + result.heights[i]
                faces.append(np.column_stack([part, z]))
                values.append(i)
    return faces, np.array(values)


def brenier_potential(result, ax=None, sing=None, cmap="viridis", alpha=0.9):
    """The graph of ``u_h(x) = max_i <x, y_i> + h_i`` over the domain, a convex polyhedron (Fig. 6, 8).

    Each face is a cell lifted to its supporting plane. With ``sing`` (a
    :class:`~geomot.SingularSet`), the ridges of ``u_h`` over ``Sigma_1`` are drawn in red.
    """
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection
    if ax is None:
        ax = plt.figure(figsize=(7, 6)).add_subplot(projection="3d")
    faces, owner = _lifted_cells(result)
    z = np.concatenate([f[:, 2] for f in faces])
    coll = Poly3DCollection(faces, cmap=cmap, edgecolor="k", linewidth=0.15, alpha=alpha)
    coll.set_array(np.array([f[:, 2].mean() for f in faces]))
    ax.add_collection3d(coll, autolim=False)  # limits are set below; autoscaling overflows here
    if sing is not None:
        for curve in sing.curves:
            zc = result.potential(curve)
            ax.plot(curve[:, 0], curve[:, 1], zc, color="red", lw=2.5, zorder=10)
    lo, hi = result.source.domain.bounds
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_zlim(z.min(), z.max())
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel(r"$u_h$")
    return ax


def legendre_dual(result, ax=None, cmap="magma"):
    """The Legendre dual ``u_h^*``: the lower convex hull of the lifted targets ``(y_i, -h_i)`` (Fig. 6).

    Its faces project to the weighted Delaunay triangles, dual to the cells of ``u_h``.
    """
    if ax is None:
        ax = plt.figure(figsize=(7, 6)).add_subplot(projection="3d")
    y, h = result.points, result.heights
    tri = result.diagram.simplices
    ax.plot_trisurf(y[:, 0], y[:, 1], -h, triangles=tri, cmap=cmap, edgecolor="k", linewidth=0.15, alpha=0.9)
    ax.scatter(y[:, 0], y[:, 1], -h, color="black", s=4)
    ax.set_xlabel("y$_1$")
    ax.set_ylabel("y$_2$")
    ax.set_zlabel(r"$-h$")
    return ax


def target_colors(points):
    """One colour per target from its position (hue by angle, lightness by radius about the centroid)."""
    from matplotlib.colors import hsv_to_rgb
    d = points - points.mean(axis=0)
    r = np.linalg.norm(d, axis=1)
    hue = (np.arctan2(d[:, 1], d[:, 0]) / (2 * np.pi)) % 1.0
    val = 0.45 + 0.55 * r / max(r.max(), 1e-300)
    return hsv_to_rgb(np.column_stack([hue, np.full(len(d), 0.75), val]))


def transport_map(result, axes=None, sing=None):
    """The map ``T``: source cells and their targets in matching colours; returns (source ax, target ax)."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 5.5))
    colors = target_colors(result.points)
    ax_s, ax_t = axes
    coll = PathCollection(cell_paths(result.diagram), facecolor=colors, edgecolor="none")
    ax_s.add_collection(coll)
    domain_outline(result.source.domain, ax_s)
    if sing is not None:
        singular_set(sing, ax_s)
    ax_s.set_aspect("equal")
    ax_s.autoscale_view()
    ax_s.set_title(r"source: cell $W_i$ coloured as its target $y_i$")
    ax_t.scatter(result.points[:, 0], result.points[:, 1], c=colors, s=6)
    ax_t.set_aspect("equal")
    ax_t.set_title(r"target Diracs $y_i$")
    return ax_s, ax_t


def _sheets(sing, points, t):
    """The images of the singular facets at time t: ``(1 - t) F_ij + t y_i`` and ``(1 - t) F_ij + t y_j``.

    Returns ``(polygons, side)``: at t = 0 the facets themselves (``side`` 0);
    for t > 0 two sheets per facet, ``side`` 0 for the one following ``y_i``
    (``i < j``), 1 for ``y_j``.
    """
    t = float(t)
    if t == 0.0:
        return list(sing.polygons), np.zeros(len(sing.polygons), np.int64)
    if points is None:
        raise GeomotError("drawing the singular sheets at t > 0 needs the target points")
    polys = [(1 - t) * f + t * points[p] for f, pair in zip(sing.polygons, sing.pairs) for p in pair]
    return polys, np.tile([0, 1], len(sing.polygons))


def singular_surface(sing, points=None, t=0.0, ax=None, colors=("crimson", "royalblue"), alpha=0.45):
    r"""Draw a 3D :class:`~geomot.SingularSet3D` on 3D axes: the singular surfaces, or their two sheets at time t.

    At ``t = 0`` the singular facets ``F_ij`` in the source (``colors[0]``).
    For ``0 < t <= 1`` the displacement interpolation tears each facet into
    ``(1 - t) F_ij + t y_i`` (``colors[0]``) and ``(1 - t) F_ij + t y_j``
    (``colors[1]``): the two lips of the fold, ``t |y_i - y_j|`` apart
    (``points`` = the targets ``y`` are needed). Returns the axes.
    """
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection
    if ax is None:
        ax = plt.figure(figsize=(7, 6)).add_subplot(projection="3d")
    polys, side = _sheets(sing, points, t)
    if polys:
        face = np.array([to_rgba(c) for c in colors])[side]
        ax.add_collection3d(Poly3DCollection(polys, facecolor=face, edgecolor="none", alpha=alpha), autolim=False)
    return ax


def singular_section(sing, points=None, t=0.0, axis=1, level=0.0, ax=None, colors=("crimson", "royalblue"), lw=1.5):
    """Draw where the singular surfaces (or their sheets at time t) cut the plane ``x[axis] = level``.

    A 2D cross-section: the other two coordinates, in increasing order, are the
    plot's x and y. The fold's two lips appear as two curves of ``colors``
    (see :func:`singular_surface`). Returns the axes.
    """
    from matplotlib.collections import LineCollection

    from ._polygons import stack_polygons
    ax = _axes(ax)
    polys, side = _sheets(sing, points, t)
    if not polys:
        return ax
    v, start, nxt = stack_polygons(polys)
    owner = np.repeat(np.arange(len(polys)), np.diff(np.r_[start, len(v)]))
    s = v[:, axis] - level
    cross = np.flatnonzero((s < 0) != (s[nxt] < 0))  # edges (k, nxt[k]) with their ends on either side
    lam = s[cross] / (s[cross] - s[nxt[cross]])
    hit = v[cross] + lam[:, None] * (v[nxt[cross]] - v[cross])
    keep = np.delete(np.arange(3), axis)
    # a convex polygon crosses a plane on exactly two edges: those rows come in consecutive pairs
    two = np.bincount(owner[cross], minlength=len(polys)) == 2
    mask = two[owner[cross]]
    seg = hit[mask][:, keep].reshape(-1, 2, 2)
    color = np.array([to_rgba(c) for c in colors])[side[owner[cross][mask][0::2]]]
    ax.add_collection(LineCollection(seg, colors=color, linewidths=lw))
    return ax
