import matplotlib
import pytest
import shapely

import geomot as gm

matplotlib.use("Agg")

# Non-convex polygon with a hole: an L-shape with a square hole.
L_SHELL = [(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)]
L_HOLE = [(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)]


def domains():
    """(name, domain, shapely geometry of the same set for the brute-force reference)."""
    from reference import disk_polygon
    return [
        ("box", gm.Box([0, 0], [1, 1]), shapely.box(0, 0, 1, 1)),
        ("rectangle", gm.Box([-1, 2], [3, 2.5]), shapely.box(-1, 2, 3, 2.5)),
        ("convex polygon", gm.Polygon([(0, 0), (2, 0), (2.5, 1), (1, 2), (-0.5, 1)]),
         shapely.Polygon([(0, 0), (2, 0), (2.5, 1), (1, 2), (-0.5, 1)])),
        ("L with hole", gm.Polygon(L_SHELL, [L_HOLE]), shapely.Polygon(L_SHELL, [L_HOLE])),
        ("two squares", gm.Polygon(shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(1.5, 0, 2.5, 1)])),
         shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(1.5, 0, 2.5, 1)])),
        ("disk", gm.Disk([0.5, -0.2], 1.3), disk_polygon([0.5, -0.2], 1.3)),
    ]


@pytest.fixture(params=domains(), ids=lambda d: d[0])
def domain_case(request):
    return request.param


def random_points_in(domain, n, rng, spill=0.0):
    """n points spread over the bounding box of the domain, widened by ``spill`` on each side."""
    lo, hi = domain.bounds
    span = hi - lo
    return lo - spill * span + (1 + 2 * spill) * span * rng.random((n, 2))
