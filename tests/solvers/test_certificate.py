"""Every result certifies itself: its masses are those of its heights, its error meets tol or it says why.

Re-measured here by a fresh :class:`geomot.PowerDiagram` of the returned heights (the certificate), by
translating the targets (which changes neither cells nor heights in exact arithmetic), and by perturbing
the returned heights (the precision floor).
"""
import numpy as np
import pytest

import geomot as gm

from ..cases import UNIT_CUBE

SQUARE = gm.Box([0, 0], [1, 1])


def _fresh_error(res):
    fresh = gm.PowerDiagram(res.points, res.heights, res.source)
    return float(np.max(np.abs(fresh.masses - res.target_masses) / res.target_masses)), fresh


@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("tol", [1e-6, 1e-10, 1e-300])
def test_the_reported_error_is_that_of_a_fresh_diagram_of_the_returned_heights(dim, tol):
    rng = np.random.default_rng(1)
    y = rng.random((800, dim)) + np.r_[2.0, np.zeros(dim - 1)]  # targets outside the source
    res = gm.solve(SQUARE if dim == 2 else UNIT_CUBE, y, tol=tol)
    err, fresh = _fresh_error(res)
    assert err == pytest.approx(res.max_rel_error, rel=1e-3, abs=1e-14)
    np.testing.assert_allclose(fresh.masses, res.masses, rtol=0, atol=1e-15)
    assert res.converged == (res.max_rel_error <= tol)
    assert res.converged or res.status == gm.Status.PRECISION_FLOOR, res.message


@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("shift", [1e3, 1e6])
def test_translating_the_targets_changes_neither_convergence_nor_heights(dim, shift):
    """``<x, y_i + t> + h_i = <x, y_i> + h_i + <x, t>``: the same cells with the same heights."""
    rng = np.random.default_rng(2)
    y = rng.random((600, dim))
    domain = SQUARE if dim == 2 else UNIT_CUBE
    near = gm.solve(domain, y, tol=1e-10)
    t = shift * rng.standard_normal(dim)
    far = gm.solve(domain, y + t, tol=1e-10)
    assert far.converged and far.max_rel_error <= 1e-10, far.message
    assert _fresh_error(far)[0] <= 1e-10
    # y + t itself is rounded to ulp(|t|): the heights agree to that, times the sensitivity of h to y
    np.testing.assert_allclose(far.heights, near.heights, rtol=0, atol=1e-11 + 1e-13 * shift)
    assert far.iterations <= near.iterations + 1


def test_a_tol_below_the_floor_stops_at_the_floor_with_its_own_status():
    """A 12 x 12 grid, scaled: heights as good as double precision allows are not a failed line search."""
    g = (np.stack(np.meshgrid(np.arange(12), np.arange(12)), -1).reshape(-1, 2) + 0.5) / 12
    y = 0.5 + 0.8 * (g - 0.5)
    res = gm.solve(SQUARE, y, tol=1e-300)
    assert res.status == gm.Status.PRECISION_FLOOR and not res.converged
    assert "precision floor" in res.message and f"{res.max_rel_error:.3g}" in res.message
    assert res.max_rel_error <= 10 * res.precision_floor
    # the Voronoi heights of the grid's centres are the solution: the returned ones are that close
    exact = -((y - 0.1) ** 2).sum(1) / (2 * 0.8)  # <x, y_i> + h_i = 0.8 (<x, g_i> - |g_i|^2 / 2) + <x, 0.1>
    exact -= exact.mean()
    assert np.abs(res.heights - exact).max() < 1e-13


def test_iterates_that_meet_tol_but_whose_certificate_misses_it_stop_at_the_floor(monkeypatch):
    """Iterates below tol whose fresh diagram (the certificate) misses it by rounding, within ten times the floor:
    the solve stops at the floor after ten tries, it does not spin to maxiter (a square with two holes at 1e5
    targets and tol 1e-9 did, 380 steps). Simulated: the certificate's heights moved by 1e-7 (errors about
    2e-3), the floor said to be 1e-3."""
    from geomot.solvers import newton

    certified = newton._certified
    monkeypatch.setattr(newton, "_certified", lambda pd: certified(pd.with_heights(pd.heights + 1e-7 * np.sin(
        np.arange(len(pd.heights))))))
    monkeypatch.setattr(newton, "_floor", lambda pd, nu: 1e-3)
    y = np.random.default_rng(4).random((300, 2))
    res = gm.solve(SQUARE, y, tol=1e-8, maxiter=60)
    assert res.status == gm.Status.PRECISION_FLOOR and not res.converged, res.message
    assert res.iterations < 30 and res.max_rel_error > 1e-8
    assert res.max_rel_error <= 10 * res.precision_floor  # the floor the stop was judged against
    assert _fresh_error(res)[0] == pytest.approx(res.max_rel_error, rel=1e-3)  # the returned heights' error
    monkeypatch.setattr(newton, "_floor", lambda pd, nu: 1e-12)  # far above the floor: no such stop, maxiter
    res = gm.solve(SQUARE, y, tol=1e-8, maxiter=30)
    assert res.status == gm.Status.BUDGET_EXHAUSTED and res.iterations == 30


@pytest.mark.parametrize("miss,near_miss", [(3.0, False), (1.5, True)])
def test_a_certificate_that_misses_tol_within_the_floor_ends_the_solve_unless_it_is_a_near_miss(monkeypatch, miss,
                                                                                                 near_miss):
    """A first certificate that misses tol, within the floor, by more than twice tol ends the solve at once (a
    further step only draws the rounding again; at 1e6 targets that cost two Newton steps); a near miss (at most
    twice tol) goes on. Simulated, as the rounding of a real miss depends on the machine: the first certificate's
    heights have one cell raised by ``miss tol nu_k / H_kk``, which leaves that cell ``miss`` times tol too large
    (to first order; its neighbours less off), and the floor is said to be 1e-6."""
    from geomot.solvers import newton

    tol, errors = 1e-8, []
    certified = newton._certified

    def first_missed(pd):
        out = certified(pd)
        if not errors:
            k = 7
            heights = out.heights.copy()
            heights[k] += miss * tol / (len(heights) * out.hessian()[k, k])  # nu_k = 1 / n
            out = out.with_heights(heights)
        errors.append(float(np.max(np.abs(out.masses * len(pd.masses) - 1))))
        return out
    monkeypatch.setattr(newton, "_certified", first_missed)
    monkeypatch.setattr(newton, "_floor", lambda pd, nu: 1e-6)
    y = np.random.default_rng(3).random((2000, 2))
    res = gm.solve(SQUARE, y, tol=tol)
    assert errors[0] == pytest.approx(miss * tol, rel=1e-2), errors
    if not near_miss:
        assert len(errors) == 1
        assert res.status == gm.Status.PRECISION_FLOOR and res.max_rel_error == pytest.approx(errors[0], rel=1e-6)
    else:
        assert len(errors) == 2 and errors[1] <= tol
        assert res.converged and res.max_rel_error == pytest.approx(errors[1], rel=1e-6), res.message
    assert _fresh_error(res)[0] == pytest.approx(res.max_rel_error, rel=1e-3)


@pytest.mark.parametrize("dim", [2, 3])
def test_the_precision_floor_is_the_mass_change_of_an_ulp_of_the_heights(dim):
    """Move the returned heights by one ulp of their unit-frame representation (random signs): the masses
    change by about the floor (a factor 5 either way), so the floor is what the heights can be trusted to."""
    rng = np.random.default_rng(3)
    y = rng.random((2000, dim))
    res = gm.solve(SQUARE if dim == 2 else UNIT_CUBE, y, tol=1e-10)
    pd = res.diagram
    g = pd.halfweights
    scale = pd._frame.height_scale
    delta = np.finfo(float).eps * (np.abs(g) + np.abs(res.heights) / scale)
    moved = pd.with_halfweights(g + delta * rng.choice([-1.0, 1.0], len(g)))
    change = float(np.max(np.abs(moved.masses - pd.masses) / res.target_masses))
    assert res.precision_floor / 5 <= change <= 5 * res.precision_floor


@pytest.mark.parametrize("maxiter", [1, 3])
def test_monte_carlo_returns_the_heights_its_masses_were_estimated_at(maxiter):
    """Stopped early (the iteration budget), the estimate on the result is still that of its heights:
    exact 2D cells at the returned heights agree with it within its standard errors."""
    rng = np.random.default_rng(4)
    y = rng.random((50, 2))
    res = gm.solve(SQUARE, y, method="monte-carlo", tol=1e-3, maxiter=maxiter, seed=1)
    assert res.status == gm.Status.BUDGET_EXHAUSTED and f"{res.max_rel_error:.3g}" in res.message
    exact = gm.PowerDiagram(y, res.heights, SQUARE).masses
    z = np.abs(res.masses - exact) / np.maximum(res.masses_stderr, 1e-300)
    assert z.max() < 5.5, z.max()
    assert res.precision_floor > 0


def test_monte_carlo_far_targets_converge_as_near_ones():
    rng = np.random.default_rng(5)
    y = rng.random((40, 2))
    near = gm.solve(SQUARE, y, method="monte-carlo", tol=2e-2, seed=3)
    far = gm.solve(SQUARE, y + 1e7, method="monte-carlo", tol=2e-2, seed=3)
    assert near.converged and far.converged, far.message
    exact = gm.PowerDiagram(y + 1e7, far.heights, SQUARE).masses
    assert np.max(np.abs(exact - far.target_masses) / far.target_masses) < 4e-2
    # |x - y - t|^2 / 2 = |x - y|^2 / 2 - <x - y, t> + |t|^2 / 2, t = (1e7, 1e7)
    assert far.cost == pytest.approx(near.cost - (0.5 - y.mean(axis=0)).sum() * 1e7 + 1e14, rel=1e-9)


@pytest.mark.parametrize("dim", [2, 3])
def test_iterates_far_above_the_floor_are_built_at_the_returned_heights_and_certify_themselves(dim, monkeypatch):
    """With the floor far below tol, every trial diagram is that of the mean-zero user heights the solve would
    return, built from them: the last iterate is the certificate (no diagram built after it) and a fresh
    diagram of the returned heights has its masses. With tol below the floor, the certificate is built."""
    y = np.random.default_rng(5).random((600, dim))
    source = SQUARE if dim == 2 else UNIT_CUBE
    built = []
    real = gm.PowerDiagram.with_heights
    monkeypatch.setattr(gm.PowerDiagram, "with_heights", lambda self, *a, **k: built.append(1) or real(self, *a, **k))
    res = gm.solve(source, y, tol=1e-8)
    assert res.converged and not built
    err, fresh = _fresh_error(res)
    assert err == pytest.approx(res.max_rel_error, rel=1e-3, abs=1e-15)
    np.testing.assert_allclose(fresh.masses, res.masses, rtol=0, atol=1e-15)
    assert abs(res.heights.mean()) <= 1e-15 * np.abs(res.heights).max()
    res = gm.solve(source, y, tol=1e-300)
    assert res.status == gm.Status.PRECISION_FLOOR and built
