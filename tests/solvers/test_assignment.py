"""The auction of the assignment start (:mod:`geomot.solvers._assignment`) against scipy's exact assignment,
its eps-complementary prices, and the start's cells holding their samples."""
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

import geomot as gm
from geomot.solvers import _assignment
from geomot.solvers._assignment import assign, assignment_start, auction, buckets, c_transform, counts_of, sample_counts

SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1]]
HOLES = [[[0.15, 0.15], [0.45, 0.15], [0.45, 0.45], [0.15, 0.45]],
         [[0.55, 0.55], [0.85, 0.55], [0.85, 0.85], [0.55, 0.85]]]
EPS = 1e-6


def assert_eps_optimal(x, z, price, owner):
    """``owner`` is a permutation, eps-complementary at ``price`` (every sample's object worth its best value less
    eps), of total value within ``N eps`` of scipy's optimum."""
    n = len(x)
    assert np.array_equal(np.sort(owner), np.arange(n))
    v = x @ z.T - price
    assert (v[np.arange(n), owner] >= v.max(axis=1) - EPS - 1e-12).all()
    inner = x @ z.T
    rows, cols = linear_sum_assignment(inner, maximize=True)
    best = inner[rows, cols].sum()
    assert best - n * EPS <= inner[np.arange(n), owner].sum() <= best + 1e-9


@pytest.mark.parametrize("serial", [0, 16, 10 ** 9])  # Jacobi rounds to the end, the default, Gauss-Seidel only
@pytest.mark.parametrize("d", [2, 3])
def test_the_auction_is_eps_optimal_against_scipy(monkeypatch, serial, d):
    """Its prices are eps-complementary (every sample's object worth its best value less eps) and its
    assignment is a permutation whose total value is within N eps of scipy's optimum."""
    monkeypatch.setattr(_assignment, "SERIAL", serial)
    rng = np.random.default_rng(d)
    x, z = rng.random((400, d)), rng.random((400, d)) * [2.0] + [0.5]  # objects off the samples' cube
    price = 0.5 * (z ** 2).sum(axis=1)
    owner, bids = auction(x, z, price, (0.1, EPS))
    assert bids >= 400
    assert_eps_optimal(x, z, price, owner)


@pytest.mark.parametrize("d", [2, 3])
def test_the_coarse_start_keeps_the_assignment_eps_optimal(monkeypatch, d):
    """From the prices of a coarse assignment (one object in ``_COARSE``, here two levels deep) the auction
    still ends eps-complementary and within N eps of scipy's optimum, and it starts at the coarse gap."""
    monkeypatch.setattr(_assignment, "_COARSE_MIN", 3)
    levels = []
    plain = _assignment.auction

    def logged(x, z, price, eps_range):
        levels.append((len(z), eps_range[0]))
        return plain(x, z, price, eps_range)

    monkeypatch.setattr(_assignment, "auction", logged)
    rng = np.random.default_rng(10 + d)
    x, z = rng.random((1000, d)), rng.random((1000, d)) ** 2  # objects crowded to a corner: prices far from Voronoi's
    price = 0.5 * (z ** 2).sum(axis=1)
    owner, _ = assign(x, z, price, EPS)
    assert [n for n, _ in levels] == [1000 // 256 + 1, 1000 // 16 + 1, 1000]  # the coarsest first
    assert levels[-1][1] < 0.9 * 1000 ** (-1 / d)  # the fine auction started below its cold eps, at the coarse gap
    assert_eps_optimal(x, z, price, owner)


def test_the_c_transform_is_the_brute_force_maximum():
    rng = np.random.default_rng(5)
    x, z = rng.random((700, 2)), rng.normal(size=(900, 2))
    profit = rng.random(700) * 0.3 + 0.5 * (x ** 2).sum(axis=1)
    assert np.allclose(c_transform(x, profit, z), (z @ x.T - profit).max(axis=1), rtol=0, atol=1e-13)


def test_the_pruning_grid_covers_every_object_once():
    z = np.random.default_rng(0).random((1000, 3)) ** 3  # crowded near a corner: empty buckets are dropped
    order, start, lo, hi, group, glo, ghi = buckets(z, size=16)
    assert np.array_equal(np.sort(order), np.arange(1000)) and start[-1] == 1000 and (np.diff(start) > 0).all()
    b = np.repeat(np.arange(len(start) - 1), np.diff(start))
    assert ((z[order] >= lo[b]) & (z[order] <= hi[b])).all()
    assert group[0] == 0 and group[-1] == len(lo) and (np.diff(group) > 0).all() and len(group) > 2
    g = np.repeat(np.arange(len(group) - 1), np.diff(group))
    assert ((lo >= glo[g]) & (hi <= ghi[g])).all()


def test_the_samples_resolve_the_smallest_mass():
    assert sample_counts(np.full(50, 0.02)).tolist() == [1] * 50  # equal masses: one sample each
    assert sample_counts(np.array([1.0, 2.0, 5.0])).tolist() == [1, 2, 5]
    c = sample_counts(np.geomspace(1, 1e4, 230))  # the smallest share 1/3e5: capped at 16 per target
    assert 16 * 230 <= c.sum() < 17 * 230 and c[0] == 1 and c[-1] > 100  # (each target at least one)


def test_counts_follow_the_masses():
    assert counts_of(np.array([0.5, 0.25, 0.125, 0.125]), 16).tolist() == [8, 4, 2, 2]
    nu = np.random.default_rng(0).uniform(0, 1, 300) ** 4  # some masses far below one sample's share
    c = counts_of(nu, 1000)
    share = 1000 * nu / nu.sum()
    assert c.min() >= 1 and c.sum() >= 1000 and np.abs(c - np.maximum(share, 1)).max() < 1


def test_the_assignment_start_puts_its_samples_in_their_cells():
    """Every cell of the start holds its samples (``c_i >= 1`` of them, rounded from unequal masses) to within
    eps, on a domain where the Voronoi start leaves cells empty, and none is empty."""
    rng = np.random.default_rng(4)
    y = rng.random((300, 2))
    nu = rng.uniform(0.5, 1.5, 300)
    nu /= nu.sum()
    domain = gm.Polygon(SQUARE, HOLES)
    draws = []

    def draw(k):
        draws.append(gm.Uniform(domain).sample(k, seed=5, qmc=True))
        return draws[-1]

    pd, k = assignment_start(draw, y, nu, lambda k: gm.PowerDiagram(y, k, domain))  # user units as the unit frame
    x = draws[0]
    counts = sample_counts(nu)
    assert len(x) == counts.sum() and (counts >= 1).all() and not pd.empty.any()
    value = x @ y.T + k
    mine = value.argmax(axis=1)
    held = np.bincount(mine, minlength=300)
    assert np.abs(held - counts).max() <= 2  # samples on shared boundaries within eps may go either way


def test_an_empty_cell_of_the_auction_is_raised_until_its_sample_lies_inside(monkeypatch):
    """Prices that leave a cell empty (target 0's raised far above the others'): the start raises its height
    until its sample lies inside, so no cell is empty."""
    real = _assignment.auction

    def auction_pushing_target_0_out(x, z, price, eps_range):
        owner, bids = real(x, z, price, eps_range)
        price[0] += 10.0
        return owner, bids

    monkeypatch.setattr(_assignment, "auction", auction_pushing_target_0_out)
    rng = np.random.default_rng(1)
    y = rng.random((50, 2))
    domain = gm.Box([0, 0], [1, 1])
    heights = []

    def diagram(k):
        heights.append(k.copy())
        return gm.PowerDiagram(y, k, domain)

    pd, k = assignment_start(lambda m: gm.Uniform(domain).sample(m, seed=0, qmc=True), y, np.full(50, 0.02),
                             diagram)
    assert gm.PowerDiagram(y, heights[0], domain).empty[0] and len(heights) >= 2 and not pd.empty.any()
    assert heights[-1][0] > heights[0][0] + 9.0 and np.array_equal(heights[-1][1:], heights[0][1:])


def test_the_holed_square_at_4000_targets_starts_from_the_auction():
    """Above the old dense limit (3000) the assignment start still runs: few Newton steps."""
    y = np.random.default_rng(0).random((4000, 2))
    res = gm.solve(gm.Polygon(SQUARE, HOLES), y, tol=1e-8)
    assert res.converged and "assignment" in res.message and res.iterations <= 15


def test_two_rings_on_black_converge_from_the_auction():
    """An image whose support is two rings (black between and around), 4000 uniform targets over the box:
    the Voronoi start leaves most of them far from any white pixel; from the auction's start, a few steps."""
    n = 96
    xx, yy = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n)
    r1, r2 = np.hypot(xx - 0.3, yy - 0.5), np.hypot(xx - 0.72, yy - 0.5)
    rings = (((r1 > 0.12) & (r1 < 0.2)) | ((r2 > 0.1) & (r2 < 0.18))).astype(float)
    y = np.random.default_rng(0).random((4000, 2))
    res = gm.solve(gm.GridDensity(rings, gm.Box([0, 0], [1, 1])), y, tol=1e-9)
    assert res.converged and "assignment" in res.message and res.iterations <= 15
    fresh = gm.PowerDiagram(y, res.heights, gm.GridDensity(rings, gm.Box([0, 0], [1, 1])))
    assert np.abs(fresh.masses * 4000 - 1).max() <= 1e-9


def test_many_targets_on_an_image_start_from_the_auction(monkeypatch):
    """From ``DENSITY_ASSIGNMENT_MIN`` targets on, an image starts from the assignment even where its Voronoi
    start is fine (the threshold lowered to 500 here; 20000 by default): converged in a few steps."""
    from geomot.solvers import _start
    monkeypatch.setattr(_start, "DENSITY_ASSIGNMENT_MIN", 500)
    n = 64
    xx, yy = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n)
    image = gm.GridDensity(0.1 + np.exp(-((xx - 0.4) ** 2 + (yy - 0.6) ** 2) / 0.03), gm.Box([0, 0], [1, 1]))
    y = np.random.default_rng(2).random((800, 2))
    res = gm.solve(image, y, tol=1e-9)
    assert res.converged and "many targets on a density" in res.message and res.iterations <= 12
    assert np.abs(gm.PowerDiagram(y, res.heights, image).masses * 800 - 1).max() <= 1e-9
    monkeypatch.setattr(_start, "DENSITY_ASSIGNMENT_MIN", 10 ** 9)
    assert "assignment" not in gm.solve(image, y, tol=1e-9).message


def test_the_auction_stops_at_its_bid_budget(monkeypatch):
    """With a budget of one bid per sample the auction stops early: some samples hold no object (-1), the bids
    stay within the budget, and the start still returns a diagram."""
    monkeypatch.setattr(_assignment, "_MAX_BIDS", 1)
    rng = np.random.default_rng(3)
    x, z = rng.random((300, 2)), rng.random((300, 2)) * 0.2  # crowded objects: many samples want the same ones
    owner, bids = auction(x, z, 0.5 * (z ** 2).sum(axis=1), (1.0, EPS))
    assert bids <= 300 and (owner < 0).any() and len(np.unique(owner[owner >= 0])) == (owner >= 0).sum()
    y = rng.random((300, 2))
    domain = gm.Polygon(SQUARE, HOLES)
    pd, k = assignment_start(lambda m: gm.Uniform(domain).sample(m, seed=0, qmc=True), y, np.full(300, 1 / 300),
                             lambda k: gm.PowerDiagram(y, k, domain))
    assert np.isfinite(k).all() and len(pd.masses) == 300
