"""Polygonal domains in 2D: convex or not, with holes, in several parts (shapely geometry)."""
import numpy as np
import shapely

from .._validate import as_float_array
from ..errors import GeomotError
from ._base import Domain, box_corners


class Polygon(Domain):
    """Polygonal domain in 2D: simple polygon, convex or not, with holes, or several parts.

    Parameters
    ----------
    shell : array_like of shape (k, 2), or shapely Polygon / MultiPolygon
        Outer boundary (any orientation, closing vertex optional), or a shapely
        geometry used as is.
    holes : sequence of array_like of shape (k_j, 2), optional
        Inner boundaries (only with a coordinate ``shell``).

    Raises
    ------
    GeomotError
        If the polygon is not valid (self-intersecting, for instance) or has zero area.
    """

    dim = 2

    def __init__(self, shell, holes=()):
        if isinstance(shell, (shapely.Polygon, shapely.MultiPolygon)):
            if len(holes):
                raise GeomotError("Polygon: pass holes inside the shapely geometry, not as a separate argument")
            geom = shell
        else:
            ring = as_float_array(shell, "Polygon shell", (None, 2))
            hole_rings = [as_float_array(h, f"Polygon hole {k}", (None, 2)) for k, h in enumerate(holes)]
            for name, r in [("shell", ring)] + [(f"hole {k}", h) for k, h in enumerate(hole_rings)]:
                if len(r) < 3:
                    raise GeomotError(f"Polygon {name} needs at least 3 vertices; got {len(r)}")
            geom = shapely.Polygon(ring, hole_rings)
        if geom.is_empty or not np.isfinite(shapely.get_coordinates(geom)).all():
            raise GeomotError("Polygon is empty or has non-finite coordinates")
        if not geom.is_valid:
            raise GeomotError(f"Polygon is not valid ({shapely.is_valid_reason(geom)}); "
                              f"expected a simple polygon: no self-intersection, holes inside the shell")
        if not geom.area > 0:
            raise GeomotError("Polygon has zero area; expected a domain of positive area")
        self.geometry = shapely.normalize(geom)
        shapely.prepare(self.geometry)
        hull = self.geometry.convex_hull
        self.is_convex = (isinstance(self.geometry, shapely.Polygon) and not self.geometry.interiors
                          and self.geometry.area >= hull.area * (1 - 1e-12))

    @property
    def volume(self):
        return float(self.geometry.area)

    @property
    def bounds(self):
        b = np.asarray(self.geometry.bounds, dtype=float)
        return b[:2], b[2:]

    def contains(self, x):
        x = self._check_x(x)
        return shapely.intersects_xy(self.geometry, x[:, 0], x[:, 1])

    @property
    def vertices(self):
        """Counter-clockwise vertices of a convex polygon's boundary, shape (k, 2), no repeated closing vertex."""
        if not self.is_convex:
            raise GeomotError("Polygon.vertices is defined for convex polygons only; use .geometry")
        return shapely.get_coordinates(shapely.orient_polygons(self.geometry).exterior)[:-1]

    def clip_polygon(self):
        """A convex polygon is the start itself; another starts from its bounding box and is cut by GEOS."""
        if self.is_convex:
            return self.vertices, False, None
        return box_corners(*self.bounds), False, self.geometry

    def inscribed_ball(self):
        line = shapely.maximum_inscribed_circle(self.geometry, 1e-3 * np.sqrt(self.volume))
        a, b = shapely.get_coordinates(line)
        return a, float(np.linalg.norm(b - a))

    def outline(self):
        return [shapely.get_coordinates(ring) for ring in shapely.get_rings(shapely.get_parts(self.geometry))]

    def __repr__(self):
        return f"Polygon(<{self.geometry.geom_type}, area={self.volume:.6g}, convex={self.is_convex}>)"
