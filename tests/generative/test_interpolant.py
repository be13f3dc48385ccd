"""The piecewise-linear map: the walk kernel against scipy, collinear and repeated data, the solver's frame,
quasi-Monte Carlo noise."""
import numpy as np
import pytest
from scipy.spatial import Delaunay

import geomot as gm
from geomot._kernels.generative import locate_barycentric
from geomot.generative.datasets import GRID_MEANS, GRID_STD, RING_MEANS, RING_STD, grid_gaussians, ring_gaussians
from geomot.generative.metrics import mode_stats

SQUARE = gm.Uniform(gm.Box([0.0, 0.0], [1.0, 1.0]))


def test_walk_matches_scipy_find_simplex_and_transform():
    rng = np.random.default_rng(0)
    v = rng.random((300, 2))
    tri = Delaunay(v)
    x = np.vstack([rng.random((2000, 2)) * 1.2 - 0.1, v[:50]])  # some outside the hull, some on vertices
    start = rng.integers(0, len(tri.simplices), len(x))       # far starts: long walks
    simplex, lam = locate_barycentric(x, v, tri.simplices.astype(np.int64), tri.neighbors.astype(np.int64),
                                      start, len(tri.simplices) + 2)
    want = tri.find_simplex(x)
    inside = want >= 0
    assert 0 < inside.sum() < len(x)
    np.testing.assert_array_equal(simplex < 0, ~inside)
    # on vertices and edges the containing triangle is not unique: compare the points they give
    corners = v[tri.simplices[simplex[inside]]]
    np.testing.assert_allclose(np.einsum("mk,mkd->md", lam[inside], corners), x[inside], atol=1e-12)
    assert (lam[inside] >= 0).all()
    np.testing.assert_allclose(lam[inside].sum(axis=1), 1.0, rtol=1e-14)
    # scipy's barycentric transform where the triangle is the same
    same = inside & (simplex == want)
    t = tri.transform[want[same]]
    b = np.einsum("mij,mj->mi", t[:, :2], x[same] - t[:, 2])
    np.testing.assert_allclose(lam[same], np.column_stack([b, 1 - b.sum(axis=1)]), atol=1e-12)


def test_walk_gives_up_after_max_steps():
    v = np.random.default_rng(1).random((200, 2))
    tri = Delaunay(v)
    x = np.array([[0.5, 0.5]])
    far = np.array([int(np.argmax(np.linalg.norm(v[tri.simplices].mean(axis=1) - 0.5, axis=1)))])
    simplex, _ = locate_barycentric(x, v, tri.simplices.astype(np.int64), tri.neighbors.astype(np.int64), far, 1)
    assert simplex[0] == -1


def test_heights_in_the_data_frame_give_the_data_masses():
    """The solve runs on mapped data; heights_ = scale_ x its heights are the OT heights of the data."""
    train = grid_gaussians(400, seed=5)
    gen = gm.OTGenerator().fit(train)
    pd = gm.PowerDiagram(train, gen.heights_, SQUARE)
    np.testing.assert_allclose(pd.masses, 1 / 400, rtol=2 * gen.tol)  # tol in the solver's frame, plus rounding
    np.testing.assert_allclose(pd.barycenters, gen.result_.diagram.barycenters, atol=1e-9)
    np.testing.assert_allclose(gen.result_.points, 0.5 + (train - gen.center_) / gen.scale_, rtol=1e-15)
    assert gen.result_.points.min() >= 0.05 - 1e-12 and gen.result_.points.max() <= 0.95 + 1e-12


def test_collinear_data_interpolate_along_their_line():
    """Two clusters on the line y = 2x + 1: samples on the line, in the clusters, never in the gap."""
    rng = np.random.default_rng(2)
    t = np.r_[rng.random(100) * 0.2, 0.8 + rng.random(100) * 0.2]
    train = np.column_stack([t, 2 * t + 1])
    gen = gm.OTGenerator().fit(train)
    assert gen.simplices_.shape == (199, 2) and gen.keep_.sum() == 198  # the one segment across the gap removed
    s = gen.sample(3000, seed=0)
    np.testing.assert_allclose(s[:, 1], 2 * s[:, 0] + 1, atol=1e-12)
    assert ((s[:, 0] <= 0.2) | (s[:, 0] >= 0.8)).all()
    np.testing.assert_allclose(np.mean(s[:, 0] < 0.5), 0.5, atol=0.01)  # each cluster keeps its mass
    assert np.min(np.abs(s[:, :1] - t[None]), axis=1).max() > 0  # new points, not only the training ones
    # exactly axis-aligned (barycentres exactly collinear: Qhull's "initial simplex is flat" before)
    flat = np.column_stack([t, np.zeros_like(t)])
    s = gm.OTGenerator().fit(flat).sample(500, seed=1)
    assert (s[:, 1] == 0).all() and ((s[:, 0] <= 0.2) | (s[:, 0] >= 0.8)).all()


def test_repeated_samples_are_one_target_with_their_count():
    base = grid_gaussians(100, seed=3)
    train = np.vstack([base, base[:10], base[:10]])  # the first 10 three times
    gen = gm.OTGenerator().fit(train)
    np.testing.assert_array_equal(gen.data_, base)
    np.testing.assert_allclose(gen.masses_, np.r_[np.full(10, 3 / 120), np.full(90, 1 / 120)])
    np.testing.assert_allclose(gen.result_.diagram.masses, gen.masses_, rtol=1e-6)


def test_all_equal_or_two_samples():
    with pytest.raises(gm.GeomotError, match="at least 2 distinct"):
        gm.OTGenerator().fit(np.ones((5, 2)))
    s = gm.OTGenerator().fit([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]).sample(1000, seed=0)
    np.testing.assert_allclose(s[:, 0], s[:, 1])  # on the segment, masses 2/3 and 1/3
    assert 0.55 < np.mean(s[:, 0] < 0.5) < 0.8


def test_quasi_monte_carlo_noise_follows_the_cell_masses():
    """Sobol noise: the mode histogram is within a few samples of the training proportions, far closer
    than pseudo-random noise (binomial noise: about sqrt(2500 / 8) = 18 samples per mode)."""
    train = ring_gaussians(4000, seed=0)
    gen = gm.OTGenerator().fit(train)
    want = mode_stats(train, RING_MEANS, RING_STD).counts / len(train) * 2500
    err = {}
    for qmc in (True, False):
        counts = np.array([mode_stats(gen.sample(2500, seed=s, qmc=qmc), RING_MEANS, RING_STD).counts
                           for s in range(8)])
        err[qmc] = np.sqrt(np.mean((counts - want) ** 2))
    assert err[True] < 5 and err[False] > 10


def test_noise_is_reproducible_with_a_seed_either_way():
    gen = gm.OTGenerator().fit(grid_gaussians(300, seed=6))
    for qmc in (True, False):
        a = gen.sample(400, seed=11, qmc=qmc)
        np.testing.assert_array_equal(a, gen.sample(400, seed=11, qmc=qmc))
        np.testing.assert_array_equal(a, gen.sample(400, seed=np.random.default_rng(11), qmc=qmc))
        assert not np.array_equal(a, gen.sample(400, seed=12, qmc=qmc))
    assert not np.array_equal(gen.sample(400, seed=11), gen.sample(400, seed=11, qmc=False))


def test_generated_grid_histogram_beats_pseudo_random_noise():
    train = grid_gaussians(2000, seed=4)
    gen = gm.OTGenerator().fit(train)
    kl = [mode_stats(gen.sample(2500, seed=s), GRID_MEANS, GRID_STD).reverse_kl for s in range(4)]
    # the training data's own KL (about 0.006) plus little: 2500 pseudo-random draws alone add about 0.005
    assert max(kl) < mode_stats(train, GRID_MEANS, GRID_STD).reverse_kl + 0.002


def test_fit_solves_with_one_blas_thread(monkeypatch):
    """The solve's BLAS calls are short vector operations: fit runs them on one thread (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    from geomot.generative import generate
    seen = []
    solve = generate.solve
    monkeypatch.setattr(generate, "solve", lambda *a, **kw: seen.append(
        [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]) or solve(*a, **kw))
    gm.OTGenerator().fit(grid_gaussians(64, seed=0))
    assert seen and seen[0] and all(t == 1 for t in seen[0])
