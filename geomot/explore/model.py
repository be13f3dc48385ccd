"""The explorer's state and its one-Newton-step logic, in plain Python (no Bokeh: testable without a browser).

An :class:`Explorer` holds a source domain, target points ``y_i`` with
relative weights (masses ``nu_i = weight_i / sum(weight)``) and the current
heights ``h`` of ``u_h(x) = max_i <x, y_i> + h_i``. Every change rebuilds the
power diagram ``W_i(h)`` at the current heights; ``step`` runs one damped
Newton iteration of :func:`geomot.solve` from them, ``solve`` runs to ``tol``.
Bad input raises :class:`geomot.GeomotError` and leaves the state unchanged
(the page shows the message).
"""
from dataclasses import dataclass

import numpy as np
import shapely

import geomot as gm

from ..errors import GeomotError

#: the explorer's source domains, by name
DOMAINS = {
    "square": lambda: gm.Box([0, 0], [1, 1]),
    "disk": lambda: gm.Disk([0.5, 0.5], 0.5),
    "polygon with a hole": lambda: gm.Polygon(shapely.box(0, 0, 1, 1).difference(shapely.Point(0.5, 0.5).buffer(0.2))),
    "rectangle 1 x 0.6": lambda: gm.Box([0, 0], [1, 0.6]),
}


def _blobs(centres, radius):
    return shapely.union_all([shapely.Point(c).buffer(radius) for c in centres])


def _sample(geometry, n, seed):
    """``n`` points uniform in a shapely geometry (geomot's rejection sampler)."""
    return gm.Uniform(gm.Polygon(geometry)).sample(n, seed=seed)


def _preset_random(domain, n, seed):
    return None, gm.Uniform(domain).sample(n, seed=seed)


def _preset_fig5_hole(domain, n, seed):
    # Fig. 5 left: square -> annulus; the singular facets meet at one point whose subgradient covers the hole
    annulus = shapely.Point(0.5, 0.5).buffer(0.45).difference(shapely.Point(0.5, 0.5).buffer(0.22))
    return "square", _sample(annulus, n, seed)


def _preset_fig5_three(domain, n, seed):
    # Fig. 5 right: square -> three blobs; three curves of Sigma_1 meet at a branch point
    angles = np.pi / 2 + 2 * np.pi / 3 * np.arange(3)
    return "square", _sample(_blobs(0.5 + 0.32 * np.c_[np.cos(angles), np.sin(angles)], 0.16), n, seed)


def _preset_fig8(domain, n, seed):
    # Fig. 8: disk -> two clusters; u_h has a ridge over Sigma_1 (the paper's unit disk, scaled into [0, 1]^2)
    y = _sample(_blobs([(0.25, 0.5), (0.75, 0.5)], 0.18), n, seed)
    return "disk", 0.5 + 0.8 * (y - 0.5)


def _preset_fig10(domain, n, seed):
    # Fig. 10: rectangle -> dumbbell (connected, not convex): Sigma_1 is two curves either side of the neck
    bell = shapely.union_all([_blobs([(0.25, 0.5), (0.75, 0.5)], 0.2), shapely.box(0.25, 0.47, 0.75, 0.53)])
    return "rectangle 1 x 0.6", _sample(bell, n, seed) * [1, 0.6]


#: presets by name: ``f(domain, n, seed) -> (key of DOMAINS or None to keep the domain, points)``
PRESETS = {
    "random": _preset_random,
    "Fig. 5: annulus (target with a hole)": _preset_fig5_hole,
    "Fig. 5: three clusters": _preset_fig5_three,
    "Fig. 8: disk to two clusters": _preset_fig8,
    "Fig. 10: rectangle to dumbbell": _preset_fig10,
}


@dataclass(frozen=True)
class Iteration:
    """One entry of the explorer's Newton history.

    Attributes
    ----------
    iteration : int
        Counted over all steps since the last reset (0: the start).
    max_rel_error : float
        ``max_i |w_i - nu_i| / nu_i`` at the iterate.
    step : float
        The damping ``alpha`` the line search accepted (0 at the start).
    """

    iteration: int
    max_rel_error: float
    step: float


class Explorer:
    """The state of the teaching page: domain, targets, masses, heights, Newton history.

    Parameters
    ----------
    domain : str or geomot.Domain
        A key of :data:`DOMAINS` or a 2D domain (named "custom").
    points : array_like, shape (n, 2), optional
        Targets (default: ``n`` points uniform in the domain, seeded).
    n : int
        Number of random targets when ``points`` is not given.
    seed : int

    Attributes
    ----------
    domain : geomot.Domain
    domain_name : str
        Its key in :data:`DOMAINS`, or "custom".
    points : ndarray, shape (n, 2)
    weights : ndarray, shape (n,)
        Positive relative masses; ``masses = weights / weights.sum()``.
    heights : ndarray, shape (n,)
        Current heights, mean zero (the diagram does not change with a constant).
    history : list of Iteration
        Newton iterates since the problem last changed (targets, masses,
        domain) or the last reset; the first is the state at that moment.
    message : str
        What the last action did (the solver's message, or the start).
    result : geomot.OTResult or None
        The last ``step`` or ``solve`` result, None once the targets changed.
    """

    def __init__(self, domain="square", points=None, *, n=40, seed=0):
        self._choose(domain)
        if points is None:
            points = gm.Uniform(self.domain).sample(n, seed=seed)
        points = np.asarray(points, dtype=float)
        self._apply(points, np.ones(len(points)), self._voronoi(points))
        self.history = [self._entry(0, 0.0)]
        self.message = "start: the Voronoi diagram (h_i = -|y_i|^2 / 2)"

    # ------------------------------------------------------------------ state
    def _choose(self, domain):
        if isinstance(domain, str) and domain not in DOMAINS:
            raise GeomotError(f"domain must be one of {sorted(DOMAINS)} or a geomot domain; got {domain!r}")
        self.domain_name = domain if isinstance(domain, str) else "custom"
        self.domain = DOMAINS[domain]() if isinstance(domain, str) else domain

    @property
    def source(self):
        return gm.Uniform(self.domain)

    @property
    def masses(self):
        """Target masses ``nu_i = weight_i / sum_j weight_j``."""
        return self.weights / self.weights.sum()

    @property
    def errors(self):
        """Relative mass errors ``(w_i - nu_i) / nu_i`` of the current cells (-1: an empty cell)."""
        return self.diagram.masses / self.masses - 1

    @property
    def max_rel_error(self):
        return float(np.abs(self.errors).max())

    @staticmethod
    def _voronoi(points):
        h = -0.5 * (points ** 2).sum(axis=1)
        return h - h.mean()

    def _apply(self, points, weights, heights):
        """Build the diagram first, so that bad input raises before any attribute changes."""
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (len(points),):
            raise GeomotError(f"mass weights must have shape ({len(points)},); got {weights.shape}")
        bad = np.flatnonzero(~(np.isfinite(weights) & (weights > 0)))
        if len(bad):
            raise GeomotError(f"mass weights must be positive and finite; got {float(weights[bad[0]])!r} "
                              f"at target {bad[0]}")
        diagram = gm.PowerDiagram(points, heights, self.source)
        self.points, self.weights, self.diagram = diagram.points, weights, diagram
        self.heights = heights - heights.mean()
        self.result = None

    def _entry(self, iteration, step):
        return Iteration(iteration, self.max_rel_error, step)

    def set_points(self, points, previous=None, weights=None):
        """Replace the targets, keeping the power weights of those that stay.

        Parameters
        ----------
        points : array_like, shape (m, 2)
        previous : array_like of int, shape (m,), optional
            For each new row, its row in the current targets, or -1 for a new
            point (default: row ``k`` is the current row ``k``; extra rows new).
            A kept point keeps its power weight ``psi_i = 2 h_i + |y_i|^2`` (a
            moved point takes its cell along: ``h_i`` changes by
            ``(|y_old|^2 - |y_new|^2) / 2``); a new point at ``y`` in cell
            ``W_k`` gets ``psi_k`` (so its own cell contains ``y``: never empty),
            outside the domain the mean power weight.
        weights : array_like, shape (m,), optional
            Relative masses (default: kept, 1 for new points).
        """
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise GeomotError(f"points must be a non-empty array of shape (m, 2); got shape {points.shape}")
        m = len(points)
        prev = np.arange(m) if previous is None else np.asarray(previous, dtype=np.int64)
        prev = np.where(prev < len(self.points), prev, -1)
        kept = prev >= 0
        psi = 2 * self.heights + (self.points ** 2).sum(axis=1)
        host = self.diagram.locate(points)
        new = np.where(host >= 0, psi[np.maximum(host, 0)], psi.mean())
        heights = 0.5 * (np.where(kept, psi[np.maximum(prev, 0)], new) - (points ** 2).sum(axis=1))
        if weights is None:
            weights = np.where(kept, self.weights[np.maximum(prev, 0)], 1.0)
        self._apply(points, weights, heights)
        self.history = [self._entry(0, 0.0)]  # a new problem: its Newton history starts here
        self.message = f"{m} targets; power weights kept for {int(kept.sum())}"

    def set_weights(self, weights):
        """New relative masses; the heights (so the cells) stay, the errors change."""
        self._apply(self.points, weights, self.heights)
        self.history = [self._entry(0, 0.0)]
        self.message = "masses changed; the cells stay until the next Newton step"

    def set_domain(self, domain):
        """A new source domain (a key of :data:`DOMAINS` or a 2D domain), from the Voronoi start."""
        old = self.domain, self.domain_name
        self._choose(domain)
        try:
            self.reset()
        except GeomotError:
            self.domain, self.domain_name = old
            raise

    def preset(self, name, n=200, seed=0):
        """Load a configuration of :data:`PRESETS` (the paper's bring their own domain) from the Voronoi start."""
        if name not in PRESETS:
            raise GeomotError(f"preset must be one of {sorted(PRESETS)}; got {name!r}")
        if int(n) != n or n < 1:
            raise GeomotError(f"a preset needs a positive whole number of targets; got {n!r}")
        key, points = PRESETS[name](self.domain, int(n), seed)
        if key is not None:
            self._choose(key)
        self._apply(points, np.ones(len(points)), self._voronoi(points))
        self.history = [self._entry(0, 0.0)]
        self.message = f"preset {name!r}: {len(points)} targets, Voronoi start"

    def reset(self):
        """Back to the Voronoi diagram ``h_i = -|y_i|^2 / 2``; the history restarts."""
        self._apply(self.points, self.weights, self._voronoi(self.points))
        self.history = [self._entry(0, 0.0)]
        self.message = "reset to the Voronoi diagram"

    # ------------------------------------------------------------------ Newton
    def _run(self, maxiter, tol):
        seen = []
        res = gm.solve(self.source, self.points, self.masses, heights0=self.heights, maxiter=maxiter, tol=tol,
                       callback=seen.append)
        # the solver's own start (it replaces heights that leave a cell empty) is an iterate of its own
        start = 0 if np.allclose(seen[0].heights, self.heights, rtol=0, atol=1e-9) else 1
        self._apply(self.points, self.weights, res.heights)
        self.result = res
        last = self.history[-1].iteration + start
        self.history += [Iteration(last + info.iteration, info.max_rel_error, info.step) for info in seen[1 - start:]]
        self.message = res.message if len(seen) == 1 else f"{res.message}; last step length {seen[-1].step:g}"
        return res

    def step(self):
        """One damped Newton iteration (KMT line search) from the current heights.

        Calls ``gm.solve(source, points, masses, heights0=h, maxiter=1)``. The
        line search's floor ``eps0 = min(min nu, min w(h)) / 2`` is taken at
        the current heights, so a run of steps can differ from one solve
        (whose floor is set once, at its start). If the current heights leave
        a cell empty, the solver starts from its own Voronoi-like start (the
        message says so).
        """
        return self._run(1, 1e-10)

    def solve(self, tol=1e-10, maxiter=100):
        """Damped Newton from the current heights until ``max_i |w_i - nu_i| / nu_i <= tol``."""
        return self._run(maxiter, tol)

    def singular(self):
        """The singular set of the last ``step``/``solve`` result (:func:`geomot.singular_set`), or None."""
        return None if self.result is None else gm.singular_set(self.result)

    # ------------------------------------------------------------------ pictures (plain arrays)
    def cell_polygons(self):
        """Each cell as Bokeh's ``multi_polygons`` wants it: ``xs[i][part][ring]`` (exterior, then holes).

        Empty cells give ``[]``.
        """
        xs, ys = [], []
        for geom in self.diagram.cell_geometries():
            parts = [] if geom.is_empty else getattr(geom, "geoms", [geom])
            xs.append([[np.asarray(r.coords)[:, 0] for r in (p.exterior, *p.interiors)] for p in parts])
            ys.append([[np.asarray(r.coords)[:, 1] for r in (p.exterior, *p.interiors)] for p in parts])
        return xs, ys

    def delaunay_edges(self):
        """The weighted Delaunay edges (dual to the facets): two lists of ``[a, b]`` coordinates."""
        tri = self.diagram.simplices
        edges = np.unique(np.sort(np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]]), axis=1), axis=0)
        y = self.points
        return y[edges, 0].tolist(), y[edges, 1].tolist()

    def potential_image(self, size=160):
        """``u_h(x) = max_i <x, y_i> + h_i`` on a ``size`` x ``size`` grid of the domain's box.

        Returns ``(image, index, (x0, y0, dw, dh))``: ``image[r, c]`` at row r
        upward in y (NaN outside the domain), ``index`` the cell of each pixel
        (-1 outside), and the box.
        """
        (x0, y0), (x1, y1) = self.domain.bounds
        gx, gy = np.meshgrid(np.linspace(x0, x1, size), np.linspace(y0, y1, size))
        x = np.column_stack([gx.ravel(), gy.ravel()])
        idx = self.diagram.locate(x)
        u = np.einsum("ij,ij->i", x, self.points[np.maximum(idx, 0)]) + self.heights[np.maximum(idx, 0)]
        u[idx < 0] = np.nan
        return u.reshape(size, size), idx.reshape(size, size), (x0, y0, x1 - x0, y1 - y0)

    def dual_triangles(self):
        """The faces of the Legendre dual ``u_h^*``, the lower hull of the lifted targets ``(y_i, -h_i)``.

        Returns ``(xs, ys, values)``: each face's triangle in the ``y`` plane
        (the weighted Delaunay triangles) and the mean of ``-h`` over its
        vertices (the face is planar, so this is its value at the centroid).
        """
        tri = self.diagram.simplices
        y = self.points
        return y[tri, 0].tolist(), y[tri, 1].tolist(), (-self.heights[tri]).mean(axis=1)

    def slice(self, level, size=400):
        """``u_h`` along the horizontal line ``x_2 = level``: the upper envelope of the planes crossing it.

        Returns ``(t, u, planes, ends)``: ``t`` (size,) the abscissae across
        the domain's box, ``u`` (size,) ``u_h(t, level)`` (NaN outside the
        domain), ``planes`` the targets whose cells the line crosses, and
        ``ends`` (len(planes), 2) the value of each plane ``<x, y_i> + h_i`` at
        both ends of the line (the planes are straight lines on it).
        """
        (x0, _), (x1, _) = self.domain.bounds
        t = np.linspace(x0, x1, size)
        x = np.column_stack([t, np.full(size, float(level))])
        idx = self.diagram.locate(x)
        planes = np.unique(idx[idx >= 0])
        u = np.where(idx >= 0, (x @ self.points.T + self.heights)[np.arange(size), np.maximum(idx, 0)], np.nan)
        ends = np.array([[x0, level], [x1, level]]) @ self.points[planes].T + self.heights[planes]
        return t, u, planes, ends.T
