"""The Domain protocol: every domain answers the pipeline's questions, checked against independent facts."""
import numpy as np
import pytest
import shapely

import geomot as gm
from geomot.domains import rejection_stream

from ..cases import L_HOLE, L_SHELL, rotated_polytope

DOMAINS = {
    "box 2D": gm.Box([-1, 2], [3, 2.5]),
    "convex polygon": gm.Polygon([(0, 0), (2, 0), (2.5, 1), (1, 2), (-0.5, 1)]),
    "L with hole": gm.Polygon(L_SHELL, [L_HOLE]),
    "two squares": gm.Polygon(shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(1.5, 0, 2.5, 1)])),
    "disk": gm.Disk([0.5, -0.2], 1.3),
    "box 3D": gm.Box([-1, 2, 0], [3, 2.5, 1]),
    "polytope": rotated_polytope(),
    "ball": gm.Ball([1.0, -2.0, 0.5], 2.5),
}


@pytest.fixture(params=list(DOMAINS), ids=str)
def domain(request):
    return DOMAINS[request.param]


def test_frame_contains_the_domain(domain):
    center, scale = domain.frame
    x = gm.Uniform(domain).sample(4000, seed=0)
    assert (np.linalg.norm(x - center, axis=1) <= scale * (1 + 1e-12)).all()


def test_inscribed_ball_lies_inside(domain):
    center, radius = domain.inscribed_ball()
    assert radius > 0
    rng = np.random.default_rng(1)
    u = rng.standard_normal((2000, domain.dim))
    on_sphere = center + 0.999 * radius * u / np.linalg.norm(u, axis=1)[:, None]
    assert domain.contains(on_sphere).all()


@pytest.mark.parametrize("spread", [0.01, 1.0, 100.0])
def test_embedding_maps_points_into_the_domain(domain, spread):
    """z = t (y - mid) + center lies in the domain for points anywhere, at any spread; t <= 1."""
    y = 50.0 + spread * np.random.default_rng(2).random((300, domain.dim))
    t, mid, center = domain.embedding(y)
    assert 0 < t <= 1
    assert domain.contains(t * (y - mid) + center).all()


def test_uniform_samples_are_inside_and_uniform(domain):
    """Samples lie in the domain; their fraction in the left half of the bounding box matches the domain's
    share there (computed independently: shapely areas in 2D, a 2e5-point rejection count in 3D)."""
    x = gm.Uniform(domain).sample(40_000, seed=3)
    assert domain.contains(x).all() and x.shape == (40_000, domain.dim)
    lo, hi = domain.bounds
    cut = (lo[0] + hi[0]) / 2 + 0.1 * (hi[0] - lo[0])
    if domain.dim == 2:
        geom = getattr(domain, "geometry", None)
        if geom is None:
            geom = shapely.Polygon(domain.outline()[0]) if hasattr(domain, "radius") else shapely.box(*lo, *hi)
        left = shapely.intersection(geom, shapely.box(lo[0] - 1, lo[1] - 1, cut, hi[1] + 1)).area / geom.area
    else:
        u = lo + (hi - lo) * np.random.default_rng(4).random((200_000, 3))
        inside = domain.contains(u)
        left = (u[inside, 0] < cut).mean()
    got = (x[:, 0] < cut).mean()
    assert abs(got - left) < 4 * np.sqrt(left * (1 - left) / len(x)) + 2e-3


def test_outline_is_the_boundary(domain):
    """Closed rings whose total length is the perimeter, computed independently of the outline."""
    if domain.dim != 2:
        with pytest.raises(gm.GeomotError):
            domain.outline()
        return
    rings = domain.outline()
    assert all(np.allclose(r[0], r[-1]) for r in rings)
    length = sum(np.linalg.norm(np.diff(r, axis=0), axis=1).sum() for r in rings)
    if isinstance(domain, gm.Disk):
        perimeter = 2 * np.pi * domain.radius
    elif isinstance(domain, gm.Box):
        perimeter = 2 * float(np.sum(domain.upper - domain.lower))
    else:
        perimeter = domain.geometry.length
    assert length == pytest.approx(perimeter, rel=1e-4)


def test_clip_answers_match_the_dimension(domain):
    if domain.dim == 2:
        start, curved, geometry = domain.clip_polygon()
        hull = shapely.Polygon(start)
        assert hull.is_valid and shapely.orient_polygons(hull).equals(hull)  # counter-clockwise, convex start
        assert curved == isinstance(domain, gm.Disk)
        x = gm.Uniform(domain).sample(2000, seed=5)
        assert shapely.intersects_xy(hull, x[:, 0], x[:, 1]).all()
        with pytest.raises(gm.GeomotError):
            domain.clip_halfspaces()
    else:
        normals, offsets, sphere = domain.clip_halfspaces()
        np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0)
        x = gm.Uniform(domain).sample(2000, seed=5)
        assert (x @ normals.T <= offsets + 1e-9).all()
        assert sphere == isinstance(domain, gm.Ball)
        with pytest.raises(gm.GeomotError):
            domain.clip_polygon()


def test_ball_cuts_polygons_to_the_sphere():
    ball = DOMAINS["ball"]
    c, r = ball.center, ball.radius
    square = c + np.array([[-3.0, -3.0, 1.0], [3.0, -3.0, 1.0], [3.0, 3.0, 1.0], [-3.0, 3.0, 1.0]])
    (cut,) = ball.cut_polygons([square])
    assert (np.linalg.norm(cut - c, axis=1) <= r * (1 + 1e-9)).all()
    # the plane z = c_z + 1 cuts the ball in a disk of radius sqrt(r^2 - 1): its area, to the polygon's rounding
    from geomot._polygons import polygon_areas
    assert polygon_areas([cut])[0] == pytest.approx(np.pi * (r ** 2 - 1), rel=0.01)
    assert DOMAINS["polytope"].cut_polygons([square])[0] is square


def test_rejection_stream_says_when_it_cannot_fill():
    draw = rejection_stream(lambda x: np.zeros(len(x), bool), np.zeros(2), np.ones(2),
                            lambda k: np.random.default_rng(0).random((k, 2)), 0.5)
    with pytest.raises(gm.GeomotError, match="rejection sampling found only 0"):
        draw(10)
    assert draw(0).shape == (0, 2)
