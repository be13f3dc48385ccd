"""Bad input gets a clear error; error messages name what was expected and found."""
import numpy as np
import pytest
import shapely

import geomot as gm

box = gm.Uniform(gm.Box([0, 0], [1, 1]))
y = np.random.default_rng(0).random((10, 2))


@pytest.mark.parametrize("points,match", [
    (np.r_[y[:9], [[np.nan, 0]]], "NaN"),
    (np.r_[y[:9], [[np.inf, 0]]], "inf"),
    (y[:, :1], r"dimension 1 .* dimension 2"),
    (np.random.default_rng(1).random((10, 3)), "dimension 3"),
    (y.ravel(), "2-D array"),
    (np.empty((0, 2)), "at least 1 point"),
    (np.r_[y, y[3:4]], "points 3 and 10 coincide.*merge"),
    ("abc", "array of numbers"),
])
def test_bad_points(points, match):
    with pytest.raises(gm.GeomotError, match=match):
        gm.solve(box, points)
    with pytest.raises(ValueError, match=match):
        gm.PowerDiagram(points, np.zeros(len(np.atleast_1d(points))), box)


def test_coinciding_points_are_the_lexicographically_first_pair():
    """Only points sharing a first coordinate are compared: the error names the same pair as a sort of all
    the points would (lattices, repeated rows, points that differ in their last coordinate only)."""
    from geomot._validate import as_points
    rng = np.random.default_rng(2)
    for _ in range(200):
        d = int(rng.integers(1, 4))
        pts = rng.integers(0, 4, (int(rng.integers(2, 60)), d)).astype(float)
        order = np.lexsort(pts.T[::-1])
        same = np.flatnonzero(np.all(pts[order[1:]] == pts[order[:-1]], axis=1))
        if same.size == 0:
            np.testing.assert_array_equal(as_points(pts, d), pts)
            continue
        i, j = sorted((int(order[same[0]]), int(order[same[0] + 1])))
        with pytest.raises(gm.GeomotError, match=f"points {i} and {j} coincide"):
            as_points(pts, d)


@pytest.mark.parametrize("masses,match", [
    (np.full(9, 0.1), r"shape \(10\); got shape \(9,\)"),
    (np.r_[0.0, np.full(9, 1 / 9)], "positive"),
    (np.r_[-0.1, np.full(9, 1.1 / 9)], "positive"),
    (np.full(10, 0.2), "sum to 1.*normalize=True"),
    (np.r_[np.nan, np.full(9, 0.1)], "NaN"),
])
def test_bad_masses(masses, match):
    with pytest.raises(gm.GeomotError, match=match):
        gm.solve(box, y, masses)


def test_normalize_rescales():
    res = gm.solve(box, y, np.arange(1, 11.0), normalize=True)
    np.testing.assert_allclose(res.masses, np.arange(1, 11.0) / 55, rtol=1e-10)


@pytest.mark.parametrize("kwargs,match", [
    ({"tol": 0}, "tol"), ({"tol": -1}, "tol"), ({"tol": np.nan}, "tol"),
    ({"maxiter": 1.5}, "maxiter"), ({"heights0": np.zeros(3)}, "heights"),
    ({"heights0": np.r_[np.inf, np.zeros(9)]}, "inf"),
])
def test_bad_options(kwargs, match):
    with pytest.raises(gm.GeomotError, match=match):
        gm.solve(box, y, **kwargs)


def test_bad_heights_for_diagram():
    with pytest.raises(gm.GeomotError, match=r"heights must have shape \(10\)"):
        gm.PowerDiagram(y, np.zeros(9), box)


@pytest.mark.parametrize("make,match", [
    (lambda: gm.Box([0, 0], [0, 1]), "lower < upper"),
    (lambda: gm.Box([0, 0], [1, 1, 1]), "equal shape"),
    (lambda: gm.Box([0, np.nan], [1, 1]), "NaN"),
    (lambda: gm.Disk([0, 0], 0), "radius"),
    (lambda: gm.Disk([0, 0], -1), "radius"),
    (lambda: gm.Disk([0, 0, 0], 1), "shape"),
    (lambda: gm.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), "not valid.*Self-intersection"),
    (lambda: gm.Polygon([(0, 0), (1, 1), (2, 2)]), "zero area|not valid"),
    (lambda: gm.Polygon([(0, 0), (1, 1)]), "at least 3"),
    (lambda: gm.Polygon(shapely.Polygon()), "empty"),
    (lambda: gm.Uniform("square"), "domain"),
])
def test_bad_domains(make, match):
    with pytest.raises(gm.GeomotError, match=match):
        make()


def test_error_is_a_value_error():
    assert issubclass(gm.GeomotError, ValueError)


def test_shapely_polygon_is_accepted_as_is():
    src = gm.Uniform(shapely.box(0, 0, 2, 1))
    assert isinstance(src.domain, gm.Polygon) and src.domain.volume == 2
    assert gm.solve(src, y * [2, 1]).converged
