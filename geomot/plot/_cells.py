"""Power diagrams in the plane: cells coloured by a quantity, the dual triangulation, the transport map."""
import matplotlib.patheffects as pe
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.colors import LogNorm, Normalize, hsv_to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path

from .._validate import as_choice, as_flag, as_float_array, as_real, show
from ..errors import GeomotError
from ..measures import GridDensity, Uniform
from ._checks import HALO, axes2d, diagram as as_diagram, exact_result, fit2d, singular, size
from ._singular import singular_set

# the colour of target points: dark with a white edge, visible on every colour map
POINT = {"marker": "o", "ls": "none", "mfc": "black", "mec": "white", "mew": 0.5}


def cell_paths(diagram):
    """One matplotlib Path per cell (holes and several parts included); empty cells give empty paths."""
    paths = []
    for ring in as_diagram(diagram).cells:
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


def domain_outline(domain, ax=None, **style):
    """Draw the boundary of a 2D domain (its :meth:`~geomot.Domain.outline`); ``style``: ``Line2D`` options."""
    ax = axes2d(ax)
    if not hasattr(domain, "outline") or len(domain.bounds[0]) != 2:
        raise GeomotError(f"domain must be a 2D geomot domain (Box, Polygon, Disk); got {type(domain).__name__}")
    style = {"color": "black", "lw": 1.2} | style
    for ring in domain.outline():
        ax.plot(ring[:, 0], ring[:, 1], **style)
    return fit2d(ax)


def _values(diagram, color_by, target_masses):
    """The per-cell values and colour-bar label that ``color_by`` names (:func:`power_diagram`)."""
    n = len(diagram.points)
    if color_by is None:
        return None, None
    if isinstance(color_by, str):
        as_choice(color_by, "color_by", ("mass", "error"))
        if color_by == "mass":
            return diagram.masses, "cell mass"
        if target_masses is None:
            raise GeomotError("color_by='error' needs target_masses (the masses nu_i the cells should carry, "
                              f"shape ({n},)); got None")
        nu = as_float_array(target_masses, "target_masses", (n,))
        if (nu <= 0).any():
            raise GeomotError(f"target_masses must be positive; target_masses[{int(np.argmin(nu))}] = {show(nu.min())}")
        return np.maximum(np.abs(diagram.masses - nu) / nu, 1e-17), "relative mass error"
    try:
        return as_float_array(color_by, "color_by", (n,)), None
    except GeomotError as exc:
        raise GeomotError(f"color_by must be 'mass', 'error', None or an array of shape ({n},): {exc}") from None


def _norm(values, log, norm, vmin, vmax):
    """The colour scale: ``norm`` itself, else linear or logarithmic from ``vmin``/``vmax`` (default: the data's)."""
    if norm is not None:
        if vmin is not None or vmax is not None:
            raise GeomotError("give either norm or vmin/vmax, not both")
        if not isinstance(norm, Normalize):
            raise GeomotError(f"norm must be a matplotlib Normalize (e.g. LogNorm(1e-12, 1)); "
                              f"got {type(norm).__name__}")
        return norm
    lo = float(np.min(values)) if vmin is None else as_real(vmin, "vmin")
    hi = float(np.max(values)) if vmax is None else as_real(vmax, "vmax")
    if hi < lo:
        raise GeomotError(f"vmin must not exceed vmax; got vmin = {show(lo)}, vmax = {show(hi)}")
    if log:
        if vmin is not None and lo <= 0:
            raise GeomotError(f"vmin must be positive on a logarithmic scale; got {show(lo)}")
        lo = max(lo, 1e-300)
        return LogNorm(lo, max(hi, lo * 1.0001))
    return Normalize(lo, hi)


def power_diagram(diagram, ax=None, *, color_by="mass", target_masses=None, show_points=True, point_size=None,
                  labels=None, cmap="viridis", norm=None, vmin=None, vmax=None, log=None, colorbar=True,
                  density=None):
    """Draw the cells of a :class:`~geomot.PowerDiagram`, coloured by a per-cell quantity.

    Parameters
    ----------
    diagram : PowerDiagram (2D) or an exact OTResult (its diagram)
    ax : matplotlib Axes, optional
    color_by : {"mass", "error", None} or array of shape (n,)
        ``"mass"``: the cell mass ``mu(W_i)``; ``"error"``: the relative mass
        error ``|w_i - nu_i| / nu_i`` (needs ``target_masses``); ``None``: plain cells.
    target_masses : array of shape (n,), optional
        ``nu``, for ``color_by="error"``.
    show_points : bool
        Also draw the targets, those outside the domain included (the limits
        take them in: a cell's owner is always on the picture).
    point_size : float, optional
        Marker size of the targets in points (default: 2.5 to 7, larger for fewer targets).
    labels : {None, "index", "mass"}
        Write each non-empty cell's index (also beside its target, so that a
        cell and its owner match) or mass at the cell's barycentre, on a white halo.
    cmap, norm, vmin, vmax
        The colour map and scale (``norm``: a matplotlib ``Normalize``, or
        ``vmin``/``vmax`` to share one scale between the frames of a sequence).
    log : bool, optional
        Logarithmic colour scale (default: on for ``"error"``).
    colorbar : bool
        Draw a colour bar beside the axes (when the cells are coloured).
    density : bool, optional
        Draw the source's density under the cells (gray, darker where denser: an
        image's pixels, a Gaussian within 4 std of its mean); the cells are then
        translucent, or outlines only when not coloured. Default: for every
        source but a uniform one.

    Returns
    -------
    matplotlib Axes
    """
    diagram = as_diagram(diagram)
    density = not isinstance(diagram.source, Uniform) if density is None else as_flag(density, "density")
    ax = axes2d(ax)
    values, label = _values(diagram, color_by, target_masses)
    show_points, colorbar = as_flag(show_points, "show_points"), as_flag(colorbar, "colorbar")
    log = (isinstance(color_by, str) and color_by == "error") if log is None else as_flag(log, "log")
    labels = labels if labels is None else as_choice(labels, "labels", ("index", "mass"))
    ms = size(point_size, "point_size", len(diagram.points))
    if density:
        _density_image(diagram.source, ax)
    coll = PathCollection(cell_paths(diagram), edgecolor="tab:orange" if density and values is None else "white",
                          linewidth=0.5)
    if values is None:
        coll.set_facecolor("none" if density else "#cfd8e3")
    else:
        coll.set_array(values)
        coll.set_cmap(cmap)
        coll.set_norm(_norm(values, log, norm, vmin, vmax))
        coll.set_alpha(0.55 if density else None)
    ax.add_collection(coll)
    domain_outline(diagram.source.domain, ax)
    y = diagram.points
    if show_points:
        ax.plot(y[:, 0], y[:, 1], ms=ms, **POINT)
    if labels is not None:
        _label_cells(ax, diagram, labels, show_points, ms)
    fit2d(ax)
    if colorbar and values is not None:
        ax.figure.colorbar(coll, ax=ax, shrink=0.8, label=label)
    return ax


def _density_image(source, ax):
    """The density of a non-uniform source as a gray image (an image's own pixels; a Gaussian sampled on a
    400 x 400 grid within 4 std of its mean)."""
    if isinstance(source, GridDensity):
        (x0, y0), (x1, y1) = source.domain.lower, source.domain.upper
        values = source.values
    else:
        (x0, y0), (x1, y1) = source.mean - 4 * source.std, source.mean + 4 * source.std
        gx, gy = np.meshgrid(np.linspace(x0, x1, 400), np.linspace(y0, y1, 400))
        values = np.exp(-0.5 * ((gx - source.mean[0]) ** 2 + (gy - source.mean[1]) ** 2) / source.std ** 2)
    ax.imshow(values, origin="lower", extent=(x0, x1, y0, y1), cmap="Greys", interpolation="nearest", zorder=0)


def _label_cells(ax, diagram, labels, at_points, ms):
    """Index or mass of every non-empty cell at its barycentre; with ``at_points``, the index beside each target."""
    full = np.flatnonzero(~diagram.empty)
    text = [str(i) for i in full] if labels == "index" else [f"{m:.3g}" for m in diagram.masses[full]]
    fontsize = 9 if len(full) <= 40 else 6
    for (bx, by), t in zip(diagram.barycenters[full], text):
        ax.text(bx, by, t, ha="center", va="center", fontsize=fontsize, bbox=HALO, zorder=5)
    if at_points and labels == "index":
        for i, (px, py) in enumerate(diagram.points):
            ax.annotate(str(i), (px, py), xytext=(ms / 2 + 2, ms / 2 + 2), textcoords="offset points",
                        fontsize=fontsize, color="black", weight="bold", zorder=6,
                        path_effects=[pe.withStroke(linewidth=2.5, foreground="white")])


def weighted_delaunay(diagram, ax=None, *, show_cells=True, point_size=None):
    """The weighted Delaunay triangulation (dual of the power diagram, Fig. 7 of the paper).

    Draws the triangles of ``diagram.simplices`` over the cell boundaries
    (``show_cells``): an edge ``(i, j)`` of the triangulation crosses the facet
    ``F_ij``. ``point_size``: marker size of the targets in points.
    """
    diagram = as_diagram(diagram)
    ax = axes2d(ax)
    if as_flag(show_cells, "show_cells"):
        ax.add_collection(PathCollection(cell_paths(diagram), facecolor="none", edgecolor="tab:blue", linewidth=1.0))
        domain_outline(diagram.source.domain, ax)
    y = diagram.points
    ax.triplot(y[:, 0], y[:, 1], diagram.simplices, color="tab:orange", lw=1.0)
    ax.plot(y[:, 0], y[:, 1], ms=size(point_size, "point_size", len(y)), **POINT)
    return fit2d(ax)


def target_colors(points):
    """One colour per target from its position.

    2D: hue by angle, lightness by radius about the centroid. 3D: red, green
    and blue from the position in the targets' bounding box.
    """
    points = as_float_array(points, "points")
    if points.ndim != 2 or points.shape[1] not in (2, 3):
        raise GeomotError(f"points must have shape (n, 2) or (n, 3); got shape {points.shape}")
    if points.shape[1] == 3:
        lo, hi = points.min(0), points.max(0)
        return 0.1 + 0.8 * (points - lo) / np.where(hi > lo, hi - lo, 1.0)
    d = points - points.mean(axis=0)
    r = np.linalg.norm(d, axis=1)
    hue = (np.arctan2(d[:, 1], d[:, 0]) / (2 * np.pi)) % 1.0
    val = 0.45 + 0.55 * r / max(r.max(), 1e-300)
    return hsv_to_rgb(np.column_stack([hue, np.full(len(d), 0.75), val]))


def transport_map(result, axes=None, *, sing=None, point_size=None, legend=True):
    """The map ``T``: source cells and their targets in matching colours; returns (source ax, target ax).

    Parameters
    ----------
    result : OTResult (2D, exact)
    axes : pair of matplotlib Axes, optional
    sing : SingularSet, optional
        Drawn over the source cells (:func:`singular_set`).
    point_size : float, optional
        Marker size of the targets in points.
    legend : bool
        A legend on each axes: what the colours and marks are.
    """
    result = exact_result(result)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 5.5))
    try:
        ax_s, ax_t = axes
    except (TypeError, ValueError):
        raise GeomotError(f"axes must be a pair of matplotlib Axes (source, target) or None; "
                          f"got {type(axes).__name__}") from None
    ax_s, ax_t = axes2d(ax_s), axes2d(ax_t)
    colors = target_colors(result.points)
    ax_s.add_collection(PathCollection(cell_paths(result.diagram), facecolor=colors, edgecolor="none"))
    domain_outline(result.source.domain, ax_s)
    handles = [Patch(fc=colors[len(colors) // 2], label=r"cell $W_i$, coloured as its target $y_i$")]
    if sing is not None:
        singular_set(singular(sing), ax_s)
        handles += ax_s.get_legend_handles_labels()[0]
    fit2d(ax_s)
    ax_s.set_title(r"source: cell $W_i$ coloured as its target $y_i$")
    ms = size(point_size, "point_size", len(result.points))
    ax_t.scatter(result.points[:, 0], result.points[:, 1], c=colors, s=ms ** 2, linewidths=0)
    fit2d(ax_t)
    ax_t.set_title(r"target Diracs $y_i$")
    if as_flag(legend, "legend"):
        ax_s.legend(handles=handles, loc="lower left", framealpha=0.9)
        ax_t.legend(handles=[Line2D([], [], marker="o", ls="none", color=colors[0], ms=5,
                                    label=rf"Dirac $y_i$ of mass $\nu_i$ ({len(colors)})")],
                    loc="lower left", framealpha=0.9)
    return ax_s, ax_t
