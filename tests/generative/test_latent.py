"""The pyOMT generation rule: never across the singular set, continuous across regular facets."""
import numpy as np
import pytest

import geomot as gm
from geomot.generative.latent import gap_scale, latent_map, latent_samples, singular_pairs

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
