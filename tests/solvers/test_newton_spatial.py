"""Damped Newton solver in 3D: convergence on uniform, clustered and outside targets, boxes and polytopes."""
import numpy as np
import pytest

import geomot as gm
from ..cases import SPATIAL_DOMAINS as DOMAINS, check_solution, random_points_in as random_points
from ..reference3d import brute_force_cells


def cases(domain, rng):
    lo, hi = domain.bounds
    span = hi - lo
    inside = random_points(domain, 400, rng)
    inside = inside[domain.contains(inside)][:200]
    blob = inside[0] + 1e-2 * span.min() * (rng.random((150, 3)) - 0.5)
    far = lo + span * (np.array([3.0, -2.0, 0.5]) + rng.random((30, 3)))
    return {
        "uniform": (inside, None),
        "partly outside": (random_points(domain, 150, rng, spill=0.5), None),
        "entirely outside": (lo + span * (np.array([2.0, 0.5, -3.0]) + rng.random((120, 3))), None),
        "clustered": (np.vstack([blob, far]), None),
        "masses ratio 1e3": (inside, np.geomspace(1, 1e3, len(inside))),
    }


@pytest.mark.parametrize("name", ["cube", "polytope"])
@pytest.mark.parametrize("case", ["uniform", "partly outside", "entirely outside", "clustered", "masses ratio 1e3"])
def test_newton_converges(name, case):
    domain = DOMAINS[name]
    y, nu = cases(domain, np.random.default_rng(10))[case]
    res = gm.solve(gm.Uniform(domain), y, nu, tol=1e-10, normalize=True)
    check_solution(res, nu / nu.sum() if nu is not None else np.full(len(y), 1 / len(y)), 1e-10)
    grad = [h.grad_norm for h in res.history]
    assert all(b < a for a, b in zip(grad, grad[1:]))  # KMT: the gradient norm drops every step
    assert type(res.diagram) is gm.PowerDiagram and res.diagram.points.shape[1] == 3
    # the solver's last diagram (built from the previous one's neighbours, certified) is the diagram
    fresh = gm.PowerDiagram(y, res.heights, gm.Uniform(domain))
    np.testing.assert_allclose(fresh.masses, res.masses, rtol=1e-9, atol=0)  # heights round-trip: ~1e-11
    np.testing.assert_array_equal(fresh.neighbors[0], res.diagram.neighbors[0])
    np.testing.assert_array_equal(fresh.neighbors[1], res.diagram.neighbors[1])
    np.testing.assert_allclose(fresh.facet_measures, res.diagram.facet_measures, rtol=0,
                               atol=1e-10 * fresh.facet_measures.max())


def test_unit_cube_just_works():
    """The issue's one-liner, and the result's map and potential in 3D."""
    rng = np.random.default_rng(11)
    y = rng.random((200, 3))
    res = gm.solve(gm.Uniform(gm.Box([0, 0, 0], [1, 1, 1])), y)
    check_solution(res, np.full(200, 1 / 200), 1e-10)
    x = rng.random((5000, 3))
    i = res.diagram.locate(x)
    np.testing.assert_array_equal(res.transport(x), y[i])
    np.testing.assert_allclose(res.potential(x), np.max(x @ y.T + res.heights, axis=1), atol=1e-12)
    # Monte Carlo check of the transported masses
    counts = np.bincount(i, minlength=200) / len(x)
    assert np.abs(counts - 1 / 200).max() < 5 * np.sqrt(1 / 200 / len(x))
    assert res.cost == pytest.approx(res.diagram.cost.sum())
    assert 0 < res.cost < 0.05
    assert "converged=True" in repr(res)


def test_solution_checked_by_brute_force():
    """Masses of the returned heights measured by the independent half-space intersection."""
    domain = DOMAINS["polytope"]
    y = random_points(domain, 20, np.random.default_rng(12), spill=0.3)
    res = gm.solve(gm.Uniform(domain), y, tol=1e-12)
    assert res.converged, res.message
    vol, *_ = brute_force_cells(y, res.heights, *domain.clip_halfspaces()[:2], scale=domain.volume ** (1 / 3))
    np.testing.assert_allclose(vol / domain.volume, 1 / 20, rtol=1e-9)


def test_translated_targets_closed_form():
    """Brenier: targets y = x_i + b (a translation of the cube's grid centres) are reached by
    ``h = -<b, y>`` + const-free Voronoi heights of the centres; the solver must find the same cells."""
    g = (np.stack(np.meshgrid(*[np.arange(4)] * 3, indexing="ij"), -1).reshape(-1, 3) + 0.5) / 4
    b = np.array([5.0, -3.0, 0.25])
    res = gm.solve(gm.Box([0, 0, 0], [1, 1, 1]), g + b, tol=1e-12)
    assert res.converged, res.message
    np.testing.assert_allclose(res.diagram.barycenters, g, atol=1e-10)
    # cost = |b|^2 / 2 + the grid's quantisation cost 3 (1/4)^2 / 24 (cross term vanishes: barycentres = centres)
    assert res.cost == pytest.approx(b @ b / 2 + 3 / 16 / 24, rel=1e-10)


def test_heights0_and_history():
    rng = np.random.default_rng(13)
    y = rng.random((60, 3))
    src = gm.Uniform(gm.Box([0, 0, 0], [1, 1, 1]))
    first = gm.solve(src, y, tol=1e-6)
    again = gm.solve(src, y, heights0=first.heights, tol=1e-10)
    assert again.converged and again.iterations <= 3
    bad = gm.solve(src, y, heights0=np.r_[100.0, np.zeros(59)])  # cell 0 swallows everything
    assert bad.converged and "heights0" in bad.message


@pytest.mark.parametrize("domain", [gm.Box([0, 0, 0], [1, 1, 1]), gm.Ball([0.5, 0.5, 0.5], 0.5)])
def test_newton_on_the_triangulation_path(domain):
    """Targets far outside: the k-d tree walk gives up, every diagram comes from the weighted Delaunay
    triangulation (auxiliary points in its rows); the result, in the caller's order, is a fresh diagram's."""
    y = 10.0 + np.random.default_rng(9).random((3000, 3))
    res = gm.solve(gm.Uniform(domain), y, tol=1e-9)
    check_solution(res, np.full(len(y), 1 / len(y)), 1e-9)
    fresh = gm.PowerDiagram(y, res.heights, gm.Uniform(domain))
    np.testing.assert_allclose(fresh.masses, res.masses, rtol=1e-8, atol=0)
    np.testing.assert_array_equal(fresh.neighbors[1], res.diagram.neighbors[1])
    np.testing.assert_allclose(fresh.facet_measures, res.diagram.facet_measures, rtol=0,
                               atol=1e-9 * fresh.facet_measures.max())
    np.testing.assert_allclose(res.diagram.barycenters, fresh.barycenters, atol=1e-9)
