r"""Pictures in one dimension up: the Brenier polyhedron, its Legendre dual, the paraboloid lifting.

The lifting (paper notes §2): the plane tangent to the paraboloid
``z = |x|^2 / 2`` at ``y_i`` is ``z = <x, y_i> - |y_i|^2 / 2``, the supporting
plane ``pi_i(x) = <x, y_i> + h_i`` with the Voronoi heights
``h_i = -|y_i|^2 / 2``. The upper envelope of the tangent planes projects to
the Voronoi diagram; raising plane ``i`` by ``h_i + |y_i|^2 / 2 = psi_i / 2``
(half the power weight) gives the upper envelope ``u_h`` whose projection is
the power diagram of heights ``h``.
"""
import numpy as np

from .._validate import as_flag, as_real
from ._checks import axes3d, diagram as as_diagram, exact_result, fit3d, singular


def _lifted_cells(diagram):
    """Cells lifted to the graph of u_h: ``(faces, owner)``, each face a cell's ring with z = <x, y_i> + h_i."""
    faces, owner = [], []
    for i, ring in enumerate(diagram.cells):
        if len(ring) == 0:
            continue
        for part in np.split(ring, np.flatnonzero(np.isnan(ring[:, 0]))):
            part = part[~np.isnan(part[:, 0])]
            if len(part) >= 3:
                faces.append(np.column_stack([part, part @ diagram.points[i] + diagram.heights[i]]))
                owner.append(i)
    return faces, np.array(owner, np.int64)


def _polyhedron(ax, diagram, cmap, alpha):
    """Draw the lifted cells of ``diagram`` on 3D ``ax``; returns the faces."""
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection
    faces, _ = _lifted_cells(diagram)
    coll = Poly3DCollection(faces, cmap=cmap, edgecolor="k", linewidth=0.3, alpha=alpha)
    coll.set_array(np.array([f[:, 2].mean() for f in faces]))
    ax.add_collection3d(coll, autolim=False)  # the limits are set from the faces; autoscaling overflows here
    return faces


def brenier_potential(result, ax=None, *, sing=None, cmap="viridis", alpha=0.9):
    """The graph of ``u_h(x) = max_i <x, y_i> + h_i`` over the domain, a convex polyhedron (Fig. 6, 8).

    Each face is a cell lifted to its supporting plane. With ``sing`` (a
    :class:`~geomot.SingularSet`), the ridges of ``u_h`` over ``Sigma_1`` are drawn in red.
    """
    result = exact_result(result)
    ax = axes3d(ax)
    fresh = not ax.has_data()
    faces = _polyhedron(ax, result.diagram, cmap, as_real(alpha, "alpha", 0.0, 1.0))
    if sing is not None:
        for curve in singular(sing).curves:
            ax.plot(curve[:, 0], curve[:, 1], result.potential(curve), color="red", lw=2.5, zorder=10)
    fit3d(ax, np.vstack(faces), fresh)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel(r"$u_h$")
    return ax


def legendre_dual(result, ax=None, *, cmap="magma"):
    """The Legendre dual ``u_h^*``: the lower convex hull of the lifted targets ``(y_i, -h_i)`` (Fig. 6).

    Its faces project to the weighted Delaunay triangles, dual to the cells of ``u_h``.
    """
    result = exact_result(result)
    ax = axes3d(ax)
    fresh = not ax.has_data()
    y, h = result.points, result.heights
    ax.plot_trisurf(y[:, 0], y[:, 1], -h, triangles=result.diagram.simplices, cmap=cmap, edgecolor="k",
                    linewidth=0.3, alpha=0.9)
    ax.scatter(y[:, 0], y[:, 1], -h, color="black", s=10)
    fit3d(ax, np.column_stack([y, -h]), fresh)
    ax.set_xlabel("y$_1$")
    ax.set_ylabel("y$_2$")
    ax.set_zlabel(r"$-h$")
    return ax


def lifting(diagram, ax=None, *, paraboloid=True, cmap="viridis", alpha=0.75):
    r"""The paraboloid lifting of a 2D power diagram (module docstring): its cells one dimension up.

    Draws the upper envelope ``u_h`` of the planes ``<x, y_i> + h_i`` over the
    domain (one face per cell), the paraboloid ``z = |x|^2 / 2`` (translucent,
    ``paraboloid=True``) with the tangent points ``(y_i, |y_i|^2 / 2)`` of the
    targets in the domain, and under it the cells projected on the floor.
    With Voronoi heights (``h = -|y|^2 / 2``) every face touches the
    paraboloid at its target: the Voronoi diagram; other heights lift plane
    ``i`` by ``psi_i / 2 = h_i + |y_i|^2 / 2``: the power diagram.

    Parameters
    ----------
    diagram : PowerDiagram (2D) or an exact OTResult
    ax : 3D matplotlib axes, optional
    paraboloid : bool
    cmap : colour map of the faces (by cell index)
    alpha : opacity of the faces
    """
    from mpl_toolkits.mplot3d.art3d import Line3DCollection
    diagram = as_diagram(diagram)
    ax = axes3d(ax)
    fresh = not ax.has_data()
    faces = _polyhedron(ax, diagram, cmap, as_real(alpha, "alpha", 0.0, 1.0))
    z = np.concatenate([f[:, 2] for f in faces])
    lo, hi = diagram.source.domain.bounds
    drawn = [np.vstack(faces)]
    if as_flag(paraboloid, "paraboloid"):
        u, v = np.meshgrid(np.linspace(lo[0], hi[0], 30), np.linspace(lo[1], hi[1], 30))
        ax.plot_surface(u, v, (u ** 2 + v ** 2) / 2, color="0.6", alpha=0.25, linewidth=0)
        y = diagram.points
        inside = np.all((y >= lo) & (y <= hi), axis=1)
        ax.scatter(y[inside, 0], y[inside, 1], (y[inside] ** 2).sum(1) / 2, color="black", s=12, depthshade=False)
        drawn.append(np.column_stack([u.ravel(), v.ravel(), (u ** 2 + v ** 2).ravel() / 2]))
    floor = min(z.min(), 0.0) - 0.25 * max(np.ptp(z), 1e-12)
    edges = [np.column_stack([f[:, :2], np.full(len(f), floor)]) for f in faces]
    ax.add_collection3d(Line3DCollection([np.r_[e, e[:1]] for e in edges], colors="0.2", linewidths=0.8),
                        autolim=False)
    drawn.append(np.vstack(edges))
    fit3d(ax, np.vstack(drawn), fresh)
    ax.set_xlabel("x$_1$")
    ax.set_ylabel("x$_2$")
    ax.set_zlabel("z")
    return ax
