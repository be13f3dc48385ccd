"""Singular sets on configurations whose answer is known."""
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

import geomot as gm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "demos"))
from shapes import dumbbell, sample  # noqa: E402

BOX = gm.Box([0, 0], [1, 1])


def two_mirrored_clusters(rng, n=300):
    left = rng.random((n, 2)) * [0.3, 1]
    return np.vstack([left, left * [-1, 1] + [1, 0]])


@pytest.mark.parametrize("seed", range(4))
def test_two_clusters_symmetric_about_a_line_give_one_curve_on_that_line(seed):
    y = two_mirrored_clusters(np.random.default_rng(seed))
    res = gm.solve(BOX, y)
    s = gm.singular_set(res)
    assert len(s.curves) == 1 and len(s.branch_points) == 0
    np.testing.assert_allclose(s.segments[..., 0], 0.5, atol=1e-9)
    curve = s.curves[0]
    assert {round(curve[0, 1], 9), round(curve[-1, 1], 9)} == {0.0, 1.0}  # crosses the whole square
    # it separates the clusters: every singular facet has one cell on each side
    left = s.pairs < 300
    assert (left[:, 0] != left[:, 1]).all()
    assert s.jumps.min() >= 0.4 - 1e-12  # the gap between the clusters


@pytest.mark.parametrize("kind", ["uniform", "grid", "disk sample"])
def test_convex_support_has_empty_singular_set(kind):
    rng = np.random.default_rng(1)
    if kind == "uniform":
        y = rng.random((600, 2))
    elif kind == "grid":
        y = np.stack(np.meshgrid(np.linspace(0.05, 0.95, 20), np.linspace(0.05, 0.95, 20)), -1).reshape(-1, 2)
    else:
        y = sample(shapely.Point(0.5, 0.5).buffer(0.4), 600, rng)
    s = gm.singular_set(gm.solve(BOX, y))
    assert len(s.pairs) == 0 and s.curves == [] and len(s.branch_points) == 0


def test_annulus_target_has_a_sigma2_point_near_its_centre():
    rng = np.random.default_rng(2)
    t = rng.random(800) * 2 * np.pi
    r = np.sqrt(0.16 + 0.09 * rng.random(800))
    y = 0.5 + np.column_stack([r * np.cos(t), r * np.sin(t)])
    s = gm.singular_set(gm.solve(BOX, y))
    assert len(s.branch_points) >= 1
    assert np.linalg.norm(s.branch_points - 0.5, axis=1).min() < 0.1
    assert (s.branch_degree >= 3).all()


def test_dumbbell_target_gives_two_curves():
    rng = np.random.default_rng(0)
    y = sample(dumbbell(), 1500, rng) * [1, 0.6]
    s = gm.singular_set(gm.solve(gm.Box([0, 0], [1, 0.6]), y))
    # gamma_1 above the neck and gamma_2 below, each from the boundary of the rectangle;
    # anything else is a short spur at a concave corner of the sampled neck
    assert len(s.curves) >= 2 and (np.diff(s.lengths) <= 0).all()
    assert s.lengths[1] > 3 * (s.lengths[2] if len(s.lengths) > 2 else 0)
    top, bottom = sorted(s.curves[:2], key=lambda c: -c[:, 1].mean())
    assert top[:, 1].max() == pytest.approx(0.6) and bottom[:, 1].min() == pytest.approx(0.0)
    np.testing.assert_allclose(np.r_[top[:, 0], bottom[:, 0]], 0.5, atol=0.05)


def test_angle_criterion_and_bad_arguments():
    y = two_mirrored_clusters(np.random.default_rng(3), 100)
    res = gm.solve(BOX, y)
    s = gm.singular_set(res, threshold=0.2, criterion="angle")
    np.testing.assert_allclose(s.segments[..., 0], 0.5, atol=1e-9)
    a, b = y[s.pairs[:, 0]], y[s.pairs[:, 1]]
    cos = ((a * b).sum(1) + 1) / np.sqrt(((a * a).sum(1) + 1) * ((b * b).sum(1) + 1))
    np.testing.assert_allclose(np.cos(s.angles), cos)
    assert (s.angles > 0.2).all()
    with pytest.raises(gm.GeomotError, match="threshold"):
        gm.singular_set(res, criterion="angle")
    with pytest.raises(gm.GeomotError, match="criterion"):
        gm.singular_set(res, criterion="nope")


def test_facets_match_facet_measures(domain_case):
    name, domain, _ = domain_case
    lo, hi = domain.bounds
    y = lo + (hi - lo) * np.random.default_rng(4).random((60, 2))
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), domain)
    pairs, seg = pd.facets()
    assert (pairs[:, 0] < pairs[:, 1]).all()
    got = np.zeros((60, 60))
    np.add.at(got, (pairs[:, 0], pairs[:, 1]), np.linalg.norm(seg[:, 1] - seg[:, 0], axis=1))
    indptr, indices = pd.neighbors
    want = np.zeros((60, 60))
    want[np.repeat(np.arange(60), np.diff(indptr)), indices] = pd.facet_measures
    np.testing.assert_allclose(got + got.T, want, atol=1e-12)
