"""Damped Newton solver in 2D: convergence on hard cases, closed forms, logging, result API."""
import re

import numpy as np
import pytest
import shapely

import geomot as gm
from ..cases import check_solution, random_points_in
from ..reference import brute_force_cells


def hard_cases(domain, rng):
    lo, hi = domain.bounds
    span = hi - lo
    inside = random_points_in(domain, 300, rng)
    inside = inside[domain.contains(inside)]
    blob = inside[0] + 1e-3 * span.min() * (rng.random((300, 2)) - 0.5)
    far = lo + span * (np.array([3.0, -2.0]) + rng.random((30, 2)))
    return {
        "inside": (inside, None),
        "partly outside": (random_points_in(domain, 200, rng, spill=0.5), None),
        "entirely outside": (lo + span * (np.array([2.0, 0.5]) + rng.random((150, 2))), None),
        "clustered": (np.vstack([blob, far]), None),
        "masses ratio 1e4": (inside, np.geomspace(1, 1e4, len(inside))),
    }


CASES = ["inside", "partly outside", "entirely outside", "clustered", "masses ratio 1e4"]


@pytest.mark.parametrize("case", CASES)
def test_newton_converges(domain_case, case):
    name, domain, _ = domain_case
    y, nu = hard_cases(domain, np.random.default_rng(10))[case]
    # A 1e-3-wide blob of 300 points: neighbouring heights differ by ~1e-6 of their size,
    # so cell masses are only defined to ~1e-9 .. 1e-8 relative (Qhull, flips and the
    # brute-force reference disagree at that level on the thin rectangle); ask for 1e-7.
    tol = 1e-7 if case == "clustered" else 1e-10
    res = gm.solve(gm.Uniform(domain), y, nu, tol=tol, normalize=True)
    check_solution(res, nu / nu.sum() if nu is not None else np.full(len(y), 1 / len(y)), tol)
    # KMT: the gradient norm drops every step (of the last stage, after a continuation's stages)
    stages = re.search(r"continuation from the bounding box: (\d+) of the iterations", res.message)
    grad = [h.grad_norm for h in res.history[int(stages.group(1)) + 1 if stages else 0:]]
    assert all(b < a for a, b in zip(grad, grad[1:]))


def test_solution_checked_by_brute_force(domain_case):
    """Masses of the returned heights measured by the independent brute-force cells."""
    name, domain, geometry = domain_case
    y = random_points_in(domain, 20, np.random.default_rng(11), spill=0.3)
    res = gm.solve(gm.Uniform(domain), y, tol=1e-12)
    areas = np.array([c.area for c in brute_force_cells(y, res.heights, geometry)])
    np.testing.assert_allclose(areas / geometry.area, 1 / 20, rtol=1e-5 if name == "disk" else 1e-9)


@pytest.mark.parametrize("a,b", [(4, 4), (7, 3)])
def test_grid_centres_give_voronoi_heights(a, b):
    c = np.stack(np.meshgrid((np.arange(a) + 0.5) / a, (np.arange(b) + 0.5) / b, indexing="ij"), -1).reshape(-1, 2)
    rng = np.random.default_rng(12)
    res = gm.solve(gm.Box([0, 0], [1, 1]), c, heights0=-0.5 * (c ** 2).sum(1) + 1e-3 * rng.standard_normal(a * b))
    expected = -0.5 * (c ** 2).sum(1)
    np.testing.assert_allclose(res.heights, expected - expected.mean(), atol=1e-10)
    assert res.cost == pytest.approx((1 / a ** 2 + 1 / b ** 2) / 24, rel=1e-9)


def test_diagonal_scaling_heights():
    a, b = 5, 6
    c = np.stack(np.meshgrid((np.arange(a) + 0.5) / a, (np.arange(b) + 0.5) / b, indexing="ij"), -1).reshape(-1, 2)
    A = np.array([0.3, 4.0])
    res = gm.solve(gm.Box([0, 0], [1, 1]), c * A + [1.0, -2.0], tol=1e-12)
    expected = -0.5 * (c ** 2 * A).sum(1)
    np.testing.assert_allclose(res.heights, expected - expected.mean(), atol=1e-9)


def test_large_problem_converges_quadratically():
    y = np.random.default_rng(13).random((20000, 2))
    res = gm.solve(gm.Box([0, 0], [1, 1]), y, tol=1e-10)
    assert res.converged and res.iterations <= 10
    errs = [h.max_rel_error for h in res.history]
    assert errs[-1] < 1e-10 and errs[-2] < 1e-3  # last step squares the error (roughly)


def test_verbose_log_and_callback(capsys):
    y = np.random.default_rng(14).random((200, 2))
    seen = []
    res = gm.solve(gm.Box([0, 0], [1, 1]), y, verbose=True, callback=seen.append)
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["iter", "max", "rel"]
    assert len(out) == res.iterations + 2
    # the callback sees the start (iteration 0) and every iteration, the last included
    assert [s.iteration for s in seen] == list(range(res.iterations + 1))
    assert res.history[0].step == 0 and 0 < res.history[-1].step <= 1
    silent = gm.solve(gm.Box([0, 0], [1, 1]), y)
    assert capsys.readouterr().out == ""
    np.testing.assert_allclose(silent.heights, res.heights)


def test_callback_can_stop():
    y = np.random.default_rng(15).random((200, 2))
    res = gm.solve(gm.Box([0, 0], [1, 1]), y, callback=lambda info: info.iteration >= 2)
    assert not res.converged and res.status == 3 and res.iterations == 2


def test_iteration_limit_and_unreachable_tol_are_reported_not_raised():
    y = np.random.default_rng(16).random((300, 2))
    res = gm.solve(gm.Box([0, 0], [1, 1]), y, maxiter=2)
    assert not res.converged and res.status == 1 and res.iterations == 2 and "maxiter" in res.message
    assert f"{res.max_rel_error:.3g}" in res.message and "raise maxiter" in res.message
    res = gm.solve(gm.Box([0, 0], [1, 1]), y, tol=1e-300)
    assert not res.converged and res.status == gm.Status.PRECISION_FLOOR
    # stopped at the floor, which is what rounding allows: well below 1e-9 here, and the error within 10x of it
    assert res.max_rel_error <= 10 * res.precision_floor < 1e-9


def test_heights0_with_empty_cells_falls_back_and_says_so():
    y = np.random.default_rng(17).random((50, 2))
    res = gm.solve(gm.Box([0, 0], [1, 1]), y, heights0=np.r_[100.0, np.zeros(49)])
    assert res.converged and "heights0 left" in res.message


def test_transport_and_potential():
    rng = np.random.default_rng(18)
    y = rng.random((100, 2)) * 2 - 0.5
    res = gm.solve(gm.Box([0, 0], [1, 1]), y)
    x = rng.random((500, 2))
    brute = x @ y.T + res.heights
    np.testing.assert_allclose(res.potential(x), brute.max(1), rtol=1e-12)
    np.testing.assert_array_equal(res.transport(x), y[brute.argmax(1)])
    np.testing.assert_array_equal(res.transport(res.diagram.barycenters), y)
    assert res.cost == pytest.approx(res.diagram.cost.sum())
    mc = np.mean(((x - res.transport(x)) ** 2).sum(1)) / 2
    assert res.cost == pytest.approx(mc, rel=0.15)


def test_mass_moves_between_parts_of_a_disconnected_domain():
    """Two squares, ten points in each, 70 % of the mass wanted on the left: cells must cross the gap."""
    domain = gm.Polygon(shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(1.5, 0, 2.5, 1)]))
    rng = np.random.default_rng(19)
    y = np.vstack([rng.random((10, 2)), rng.random((10, 2)) + [1.5, 0]])
    nu = np.r_[np.full(10, 0.07), np.full(10, 0.03)]
    start = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), domain)
    assert start.masses[:10].sum() == pytest.approx(0.5)  # the start does not cross the gap
    check_solution(gm.solve(domain, y, nu), nu, 1e-10)


def test_n_equals_one_and_two():
    res = gm.solve(gm.Disk([0, 0], 1), [[5.0, 5.0]])
    assert res.converged and res.iterations == 0 and res.heights.tolist() == [0.0]
    res = gm.solve(gm.Disk([0, 0], 1), [[-1.0, 0.0], [3.0, 0.0]], [0.25, 0.75])
    assert res.converged
    # the chord x = c cuts off a segment of area 0.25 * pi
    c = res.heights @ [1, -1] / 4
    seg = np.arccos(c) - c * np.sqrt(1 - c * c)
    assert seg / np.pi == pytest.approx(0.75, rel=1e-10)


def test_power_weights_are_the_same_diagram():
    """from_weights(y, 2h + |y|^2) is PowerDiagram(y, h); .weights inverts it (up to rounding of |y|^2)."""
    rng = np.random.default_rng(20)
    y = rng.random((300, 2)) * 3 - 1
    h = -0.5 * (y ** 2).sum(1) + 0.05 * rng.standard_normal(300)
    box = gm.Box([0, 0], [1, 1])
    a = gm.PowerDiagram(y, h, box)
    b = gm.PowerDiagram.from_weights(y, 2 * h + (y ** 2).sum(1), box)
    np.testing.assert_allclose(b.masses, a.masses, atol=1e-13)
    np.testing.assert_allclose(a.weights, 2 * h + (y ** 2).sum(1), atol=1e-13)


def test_log_residual_step_is_newtons_on_log_masses():
    """H d = b with b = log_residual(w, nu) moves log(w / nu) towards its w-mean c at unit rate (finite difference)."""
    from geomot.solvers._residuals import log_merit, log_residual
    rng = np.random.default_rng(3)
    y = rng.random((60, 2))
    nu = rng.uniform(0.5, 2.0, 60)
    nu /= nu.sum()
    src = gm.Uniform(gm.Box([0, 0], [1, 1]))
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), src)
    w = pd.masses
    b = log_residual(w, nu)
    assert abs(b.sum()) < 1e-15 and np.all(np.sign(b) == -np.sign(np.log(w / nu) - np.sum(w * np.log(w / nu))))
    d = np.linalg.lstsq(pd.hessian().toarray(), b, rcond=None)[0]
    t = 1e-6
    rate = (np.log(gm.PowerDiagram(y, pd.heights + t * d, src).masses) - np.log(w)) / t
    x = np.log(w / nu)
    np.testing.assert_allclose(rate, np.sum(w * x) - x, atol=1e-4)
    assert log_merit(nu, nu) == 0.0 and log_merit(w, nu) == pytest.approx(np.linalg.norm(x - np.sum(w * x)))
