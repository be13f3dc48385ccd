"""The Domain protocol: what every compact set ``Omega`` carrying a source measure answers for itself.

The pipeline asks a domain these questions, and nothing else about it (no
``isinstance`` on domains outside their own files):

``dim``, ``volume``, ``bounds``, ``contains(x)``
    Its size and membership.
``frame``
    ``(center, scale)`` with ``|x - center| <= scale`` on the domain: every
    diagram is computed in the unit frame ``(x - center) / scale``.
``uniform_stream(cube)``
    A stream ``draw(k)`` of uniform samples from a stream of points of the
    unit cube (a map where one exists, else :func:`rejection_stream`);
    ``maps_cube``: whether it is a map (``k`` samples from ``k`` cube points).
``clip_polygon()`` (2D diagrams)
    ``(start, curved, geometry)``: the convex polygon every cell starts from,
    whether the boundary is the circle inscribed in it (a disk, integrated
    exactly), and the shapely geometry that cells are cut by afterwards
    (non-convex polygons; ``None`` otherwise).
``clip_halfspaces()`` (3D diagrams)
    ``(normals, offsets, sphere)``: the polytope ``normals @ x <= offsets``
    every cell starts from, and whether the ball inscribed in it is the
    domain (integrated exactly against the sphere).
``inscribed_ball()``
    ``(center, radius)`` of a large ball inside the domain.
``embedding(y)``
    The similarity ``z = t (y - mid) + center`` that puts points into the
    domain (the solvers' starting Voronoi diagram).
``outline()`` (2D)
    The boundary as a list of closed polylines (for drawing).
``cut_polygons(polygons)`` (3D)
    Planar polygons of the start polytope cut by the domain (facets for drawing).

A new domain is one new file: a subclass answering these.
"""
import numpy as np

from .._validate import as_float_array
from ..errors import GeomotError


class Domain:
    """Base class of domains. Subclasses set ``dim`` and answer the questions of the module docstring."""

    dim = None
    maps_cube = False  # uniform_stream rejects points (True where it maps the cube onto the domain)

    @property
    def volume(self):
        """Lebesgue measure of the domain (area in 2D, volume in 3D)."""
        raise NotImplementedError

    @property
    def bounds(self):
        """``(lower, upper)``: the corners of the bounding box, arrays of shape (dim,)."""
        raise NotImplementedError

    def contains(self, x):
        """Boolean array, True where the rows of ``x`` (shape (m, dim)) lie in the closed domain."""
        raise NotImplementedError

    @property
    def frame(self):
        """``(center, scale)`` with ``|x - center| <= scale`` for every ``x`` in the domain."""
        lower, upper = self.bounds
        return (lower + upper) / 2, float(np.linalg.norm(upper - lower) / 2)

    def uniform_stream(self, cube):
        """Stream ``draw(k) -> (k, dim)`` of uniform samples, from a stream ``cube(k)`` of the unit cube.

        By default rejection from the bounding box (:func:`rejection_stream`).
        """
        lower, upper = self.bounds
        return rejection_stream(self.contains, lower, upper, cube, self.volume / np.prod(upper - lower))

    def clip_polygon(self):
        """``(start, curved, geometry)`` for exact 2D diagrams (module docstring)."""
        raise GeomotError(f"exact 2D power diagrams do not support {self!r}")

    def clip_halfspaces(self):
        """``(normals, offsets, sphere)`` for exact 3D diagrams (module docstring)."""
        raise GeomotError(f"3D power diagrams support Box, ConvexPolytope and Ball domains; got {self!r}")

    def inscribed_ball(self):
        """``(center, radius)`` of a ball inside the domain."""
        raise NotImplementedError

    def embedding(self, y):
        """``(t, mid, center)``: ``z = t (y - mid) + center`` maps the points ``y`` (m, dim) into the domain.

        The bounding ball of the points (about the middle ``mid`` of their
        bounding box) onto 90 % of :meth:`inscribed_ball`, ``t <= 1``.
        """
        lo, hi = y.min(axis=0), y.max(axis=0)
        mid = (lo + hi) / 2
        center, radius = self.inscribed_ball()
        spread = float(np.sqrt(((y - mid) ** 2).sum(axis=1).max()))
        t = 0.9 * radius / spread if spread > 0 else 1.0
        return min(t, 1.0), mid, center

    def outline(self):
        """The boundary as a list of closed polylines, arrays (k, dim) (2D domains)."""
        raise GeomotError(f"{self!r} has no planar outline")

    def cut_polygons(self, polygons):
        """Planar polygons (list of (m, 3) arrays) of the start polytope cut by the domain: unchanged here."""
        return polygons

    def _check_x(self, x):
        return as_float_array(x, "x", (None, self.dim))


def box_corners(lower, upper):
    """The corners of the rectangle ``[lower, upper]`` counter-clockwise, shape (4, 2)."""
    (a, b), (c, d) = lower, upper
    return np.array([[a, b], [c, b], [c, d], [a, d]])


def rejection_stream(contains, lower, upper, cube, accept, margin=1.1):
    """Uniform samples of ``{x : contains(x)}`` by rejection from the box ``[lower, upper]``: a stream ``draw(k)``.

    ``cube(k)`` gives points of the unit cube; ``accept`` the expected fraction
    kept (the set's share of the box), to size the first round; each round
    draws ``margin`` times the points still missing over the fraction kept so
    far. The one rejection sampler of geomot (domains, solids, measures).
    """
    def draw(k):
        parts, got, fraction = [], 0, max(float(accept), 1e-3)
        for _ in range(64):
            if got >= k:
                break
            x = lower + cube(int(margin * (k - got) / fraction) + 16) * (upper - lower)
            inside = contains(x)
            fraction = max(float(inside.mean()), 1e-3)
            parts.append(x[inside])
            got += int(inside.sum())
        if got < k:
            raise GeomotError(f"rejection sampling found only {got} of {k} points inside the set (a tiny "
                              f"fraction of its bounding box {np.asarray(lower).tolist()} .. "
                              f"{np.asarray(upper).tolist()})")
        return np.concatenate(parts)[:k] if k else np.empty((0, len(lower)))
    return draw
