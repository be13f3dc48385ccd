"""Domains: the compact sets ``Omega`` that carry a source measure (protocol in :mod:`geomot.domains._base`).

Any dimension
    :class:`Box` (exact power diagrams in 2D and 3D; in higher dimension the
    support of Monte Carlo sources).
2D
    :class:`Polygon` (simple, convex or not, with holes, several parts, or a
    shapely ``Polygon`` / ``MultiPolygon``), :class:`Disk` (exact circle).
3D
    :class:`ConvexPolytope` (from vertices or half-spaces ``A x <= b``),
    :class:`Ball` (exact sphere); :mod:`geomot.domains.solids`: non-convex
    bodies to sample targets from.
"""
import shapely

from ..errors import GeomotError
from ._base import Domain, rejection_stream
from .ball import Ball
from .box import Box
from .disk import Disk
from .polygon import Polygon
from .polytope import ConvexPolytope

__all__ = ["Domain", "Box", "Polygon", "Disk", "ConvexPolytope", "Ball", "as_domain", "rejection_stream"]


def as_domain(domain):
    """Return ``domain`` as a :class:`Domain`; shapely polygons become :class:`~geomot.Polygon`."""
    if isinstance(domain, Domain):
        return domain
    if isinstance(domain, (shapely.Polygon, shapely.MultiPolygon)):
        return Polygon(domain)
    raise GeomotError(f"expected a geomot domain (Box, Polygon, Disk, ConvexPolytope, Ball) or a shapely Polygon; "
                      f"got {type(domain).__name__}")
