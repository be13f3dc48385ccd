"""Singular sets: Sigma_1 curves and Sigma_2 points over a 2D picture; singular surfaces and their sheets in 3D."""
import matplotlib.patheffects as pe
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba

from .._polygons import stack_polygons
from .._validate import as_count, as_float_array, as_real
from ..errors import GeomotError
from ._checks import axes2d, axes3d, equal_box, fit2d, fit3d, singular

def singular_set(sing, ax=None, *, color="crimson", lw=2.0, label=r"$\Sigma_1$"):
    """Overlay a :class:`~geomot.SingularSet`: its curves (Sigma_1, on a white outline) and points (Sigma_2).

    Parameters
    ----------
    sing : SingularSet (2D)
    ax : matplotlib Axes, optional
        Usually the axes of :func:`power_diagram` or :func:`transport_map`;
        the limits take in what is drawn and what the axes held before.
    color, lw, label
        Colour, width (points) and legend label of the curves; the points of
        ``Sigma_2`` are gold stars labelled ``$\\Sigma_2$``.
    """
    sing = singular(sing)
    ax = axes2d(ax)
    lw = as_real(lw, "lw", 0.0, low_open=True)
    for k, curve in enumerate(sing.curves):  # on a white line a little wider: visible on cells of its colour
        ax.plot(curve[:, 0], curve[:, 1], color=color, lw=lw, label=label if k == 0 else None,
                path_effects=[pe.Stroke(linewidth=lw + 2.5, foreground="white"), pe.Normal()])
    if len(sing.branch_points):
        ax.plot(sing.branch_points[:, 0], sing.branch_points[:, 1], "*", color="gold", mec="black", ms=15,
                mew=1.0, ls="none", label=r"$\Sigma_2$", zorder=6)
    return fit2d(ax)


def _sheets(sing, points, t):
    """The images of the singular facets at time t: ``(1 - t) F_ij + t y_i`` and ``(1 - t) F_ij + t y_j``.

    Returns ``(polygons, side)``: at t = 0 the facets themselves (``side`` 0);
    for t > 0 two sheets per facet, ``side`` 0 for the one following ``y_i``
    (``i < j``), 1 for ``y_j``.
    """
    t = as_real(t, "t", 0.0, 1.0)
    if t == 0.0:
        return list(sing.polygons), np.zeros(len(sing.polygons), np.int64)
    if points is None:
        raise GeomotError("drawing the singular sheets at t > 0 needs the target points (points=res.points)")
    points = as_float_array(points, "points", (None, 3))
    if len(sing.pairs) and sing.pairs.max() >= len(points):
        raise GeomotError(f"points must be the targets of the singular set (at least {sing.pairs.max() + 1}); "
                          f"got {len(points)}")
    polys = [(1 - t) * f + t * points[p] for f, pair in zip(sing.polygons, sing.pairs) for p in pair]
    return polys, np.tile([0, 1], len(sing.polygons))


def singular_surface(sing, points=None, t=0.0, ax=None, *, colors=("crimson", "royalblue"), alpha=0.45):
    r"""Draw a 3D :class:`~geomot.SingularSet3D` on 3D axes: the singular surfaces, or their two sheets at time t.

    At ``t = 0`` the singular facets ``F_ij`` in the source (``colors[0]``).
    For ``0 < t < 1`` the displacement interpolation tears each facet into
    ``(1 - t) F_ij + t y_i`` (``colors[0]``) and ``(1 - t) F_ij + t y_j``
    (``colors[1]``): the two lips of the fold, ``t |y_i - y_j|`` apart
    (``points`` = the targets ``y`` are needed). At ``t = 1`` each sheet has
    shrunk onto its Dirac: the targets ``y_i`` and ``y_j`` of the singular
    facets are drawn as points. The limits take in what is drawn (and what
    the axes held before), with equal units on the three axes. Returns the axes.
    """
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection
    sing = singular(sing, dim=3)
    ax = axes3d(ax)
    fresh = not ax.has_data()
    polys, side = _sheets(sing, points, t)
    alpha = as_real(alpha, "alpha", 0.0, 1.0)
    if not polys:
        return ax
    face = np.array([to_rgba(c) for c in colors])[side]
    if float(t) == 1.0:
        ends = np.array([p[0] for p in polys])  # every vertex of a sheet is its Dirac
        ax.scatter(*ends.T, c=face, s=12, depthshade=False)
    else:
        ends = np.vstack(polys)
        ax.add_collection3d(Poly3DCollection(polys, facecolor=face, edgecolor="none", alpha=alpha), autolim=False)
    fit3d(ax, ends, fresh)
    return equal_box(ax)


def singular_section(sing, points=None, t=0.0, axis=1, level=0.0, ax=None, *, colors=("crimson", "royalblue"),
                     lw=1.5):
    """Draw where the singular surfaces (or their sheets at time t) cut the plane ``x[axis] = level``.

    A 2D cross-section: the other two coordinates, in increasing order, are the
    plot's x and y. The fold's two lips appear as two curves of ``colors``
    (see :func:`singular_surface`). Returns the axes.
    """
    sing = singular(sing, dim=3)
    ax = axes2d(ax)
    axis = as_count(axis, "axis", 0, 2)
    level = as_real(level, "level")
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
    ax.add_collection(LineCollection(seg, colors=color, linewidths=as_real(lw, "lw", 0.0, low_open=True)))
    return fit2d(ax)
