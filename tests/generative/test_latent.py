"""The pyOMT generation rule: never across the singular set, continuous across regular facets."""
import numpy as np
import pytest
from scipy.spatial import cKDTree

import geomot as gm
import geomot.singular
from geomot.generative import latent
from geomot.generative.latent import gap_scale, latent_map, latent_samples, singular_pairs
from geomot.singular import AngleRule, SpacingRule

SQUARE = gm.Box([0, 0], [1, 1])


@pytest.fixture(scope="module")
def two_clusters():
    """Two uniform blobs of targets, x in [0, 0.3] and [0.7, 1]: the OT map jumps across x = 1/2."""
    rng = np.random.default_rng(0)
    left = rng.random((200, 2)) * [0.3, 1]
    return gm.solve(SQUARE, np.vstack([left, left * [-1, 1] + [1, 0]]))


def test_generated_codes_never_fill_the_gap(two_clusters):
    codes, info = latent_samples(two_clusters, 4000, seed=1)
    assert codes.shape == (4000, 2)
    assert ((codes[:, 0] <= 0.3 + 1e-12) | (codes[:, 0] >= 0.7 - 1e-12)).all()
    assert 0.5 < info["acceptance"] < 1  # draws on the ridge x = 1/2 were rejected, and only those
    # new codes: most are not training codes
    y = two_clusters.points
    fresh = np.min(np.linalg.norm(codes[:, None] - y[None], axis=2), axis=1) > 1e-9
    assert fresh.mean() > 0.5


def test_rule_is_continuous_across_a_regular_facet(two_clusters):
    """On both sides of a facet between two cells of one cluster the code tends to the midpoint."""
    res = two_clusters
    g0 = gap_scale(res, seed=0)
    pairs, segments = res.diagram.facets()
    y = res.points
    regular = ~singular_pairs(y, pairs[:, 0], pairs[:, 1])
    k = np.flatnonzero(regular)[0]
    mid = segments[k].mean(axis=0)
    normal = (y[pairs[k, 1]] - y[pairs[k, 0]]) / np.linalg.norm(y[pairs[k, 1]] - y[pairs[k, 0]])
    x = np.array([mid - 1e-9 * normal, mid + 1e-9 * normal])
    codes, singular, best = latent_map(res, x, g0)
    assert not singular.any() and best[0] != best[1]
    np.testing.assert_allclose(codes[0], codes[1], atol=1e-6)
    np.testing.assert_allclose(codes[0], (y[pairs[k, 0]] + y[pairs[k, 1]]) / 2, atol=1e-6)


def test_spacing_rule_flags_the_singular_set_facets(two_clusters):
    res = two_clusters
    sing = gm.singular_set(res)
    pairs = res.diagram.facets()[0]
    flagged = singular_pairs(res.points, pairs[:, 0], pairs[:, 1])
    as_set = {tuple(sorted(p)) for p in sing.pairs.tolist()}
    assert flagged.any() and all(tuple(sorted(p)) in as_set for p in pairs[flagged].tolist())
    angles = singular_pairs(res.points, pairs[:, 0], pairs[:, 1], threshold=0.2, criterion="angle")
    assert angles.sum() > 0


def test_monte_carlo_result_in_higher_dimension():
    rng = np.random.default_rng(3)
    y = np.vstack([rng.random((60, 4)) * 0.2, rng.random((60, 4)) * 0.2 + 0.8])
    res = gm.solve(gm.Box(np.zeros(4), np.ones(4)), y, method="monte-carlo", tol=0.2, seed=0)
    codes, info = latent_samples(res, 500, seed=2, criterion="angle", threshold=0.3)
    assert codes.shape == (500, 4)
    assert ((codes <= 0.2 + 1e-12).all(axis=1) | (codes >= 0.8 - 1e-12).all(axis=1)).all()


def test_bad_arguments(two_clusters):
    with pytest.raises(gm.GeomotError, match="threshold"):
        latent_samples(two_clusters, 10, criterion="angle")
    with pytest.raises(gm.GeomotError, match="criterion"):
        latent_samples(two_clusters, 10, criterion="volume")
    one = gm.solve(SQUARE, [[0.5, 0.5]])
    with pytest.raises(gm.GeomotError, match="two"):
        latent_samples(one, 10)


def brute_force_singular(y, i, j, k, threshold):
    """Oracle: ``|y_i - y_j| > threshold * max(s_i, s_j)``, ``s`` the k-th nearest other target (cKDTree)."""
    s = cKDTree(y).query(y, k + 1)[0][:, k]
    # the k-d tree against all pairwise distances, sorted (column 0 is the point itself)
    full = np.sort(np.linalg.norm(y[:, None] - y[None], axis=2), axis=1)[:, k]
    np.testing.assert_allclose(s, full, rtol=1e-12)
    return np.linalg.norm(y[i] - y[j], axis=1) > threshold * np.maximum(s[i], s[j])


# the defaults written out: (k, threshold) in 2D and 3D as calibrated, k = 4 and 5 above (SpacingRule notes)
@pytest.mark.parametrize("dim, k, threshold", [(2, 4, 5.0), (3, 8, 4.0), (5, 4, 5.0), (64, 4, 5.0)])
def test_singular_pairs_equals_a_brute_force_spacing_rule(dim, k, threshold):
    rng = np.random.default_rng(dim)
    # two blobs and a few loose points, so that both answers occur
    y = np.vstack([rng.random((150, dim)) * 0.2, rng.random((150, dim)) * 0.2 + 0.8, rng.random((10, dim))])
    i, j = rng.integers(0, len(y), (2, 4000))
    want = brute_force_singular(y, i, j, k, threshold)
    assert 0 < want.sum() < len(want)
    assert SpacingRule.default(dim) == SpacingRule(k, threshold)
    np.testing.assert_array_equal(singular_pairs(y, i, j), want)
    np.testing.assert_array_equal(singular_pairs(y, i, j, rule=SpacingRule.default(dim)), want)
    bound = SpacingRule.default(dim).bind(y)
    np.testing.assert_array_equal(singular_pairs(y, i, j, rule=bound), want)
    np.testing.assert_array_equal(bound.mask(np.column_stack([i, j])), want)
    np.testing.assert_array_equal(SpacingRule.default(dim).is_singular(y, i, j), want)
    # another rule and a threshold given by the caller
    np.testing.assert_array_equal(singular_pairs(y, i, j, rule=SpacingRule(k=7, threshold=2.5)),
                                  brute_force_singular(y, i, j, 7, 2.5))
    np.testing.assert_array_equal(singular_pairs(y, i, j, threshold=2.5), brute_force_singular(y, i, j, k, 2.5))


def test_angle_rule_matches_singular_pairs_angle_criterion(two_clusters):
    y = two_clusters.points
    pairs = two_clusters.diagram.facets()[0]
    a, b = y[pairs[:, 0]], y[pairs[:, 1]]
    theta = np.arccos(np.clip(((a * b).sum(1) + 1) / np.sqrt(((a * a).sum(1) + 1) * ((b * b).sum(1) + 1)), -1, 1))
    want = theta > 0.2
    assert 0 < want.sum() < len(want)
    np.testing.assert_array_equal(singular_pairs(y, pairs[:, 0], pairs[:, 1], 0.2, "angle"), want)
    np.testing.assert_array_equal(singular_pairs(y, pairs[:, 0], pairs[:, 1], rule=AngleRule(0.2)), want)
    assert AngleRule(0.2).bind(y).spacing is None


def test_latent_samples_computes_the_spacing_once(two_clusters, monkeypatch):
    calls, rounds = [], []
    spacing, latent_map_ = geomot.singular.local_spacing, latent.latent_map
    monkeypatch.setattr(geomot.singular, "local_spacing", lambda *a, **kw: calls.append(1) or spacing(*a, **kw))
    monkeypatch.setattr(latent, "latent_map", lambda *a, **kw: rounds.append(1) or latent_map_(*a, **kw))
    # a low threshold rejects most draws: several rounds of draws, one spacing
    codes, info = latent_samples(two_clusters, 2000, seed=1, threshold=0.3)
    assert codes.shape == (2000, 2) and info["acceptance"] < 0.5
    assert len(rounds) >= 2 and len(calls) == 1
    # the same codes with the rule given as an object, bound or not
    np.testing.assert_array_equal(latent_samples(two_clusters, 2000, seed=1, rule=SpacingRule(4, 0.3))[0], codes)
    calls.clear()
    bound = SpacingRule(4, 0.3).bind(two_clusters.points)
    assert len(calls) == 1
    np.testing.assert_array_equal(latent_samples(two_clusters, 2000, seed=1, rule=bound)[0], codes)
    assert len(calls) == 1  # a bound rule is used as is


def test_rule_arguments(two_clusters):
    y = two_clusters.points
    with pytest.raises(gm.GeomotError, match="bound to other targets"):
        latent_samples(two_clusters, 10, rule=SpacingRule().bind(y[:-1]))
    with pytest.raises(gm.GeomotError, match="not both"):
        latent_samples(two_clusters, 10, rule=SpacingRule(), threshold=3.0)
    with pytest.raises(gm.GeomotError, match="rule must be"):
        singular_pairs(y, [0], [1], rule="spacing")
    with pytest.raises(gm.GeomotError, match="either rule or criterion"):
        singular_pairs(y, [0], [1], criterion="angle", rule=SpacingRule())
    with pytest.raises(gm.GeomotError, match="criterion"):
        singular_pairs(y, [0], [1], criterion="volume", rule=SpacingRule())
    assert repr(SpacingRule().bind(y)) == "BoundRule(rule=SpacingRule(k=4, threshold=5.0))"
