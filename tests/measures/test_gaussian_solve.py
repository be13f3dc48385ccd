"""The exact Newton solver and PowerDiagram with a 2D Gaussian source (geomot.Gaussian.cell_integrals).

Independent checks: the masses of a solved diagram against a Monte Carlo
sample of the Gaussian (within binomial standard errors), the Hessian against
finite differences of the masses, half-planes against the normal CDF, and the
certificate of tests.cases.check_solution.
"""
import numpy as np
import pytest
from scipy import special

import geomot as gm
from tests.cases import check_solution

SOURCE = gm.Gaussian(2, [0.5, 0.5], 0.2)


@pytest.mark.parametrize("problem", ["uniform", "far", "clusters"])
def test_solve_converges_and_certifies(problem):
    rng = np.random.default_rng(3)
    y = {"uniform": rng.random((800, 2)),
         "far": 0.1 * rng.random((300, 2)) + [30.0, -20.0],
         "clusters": np.r_[rng.normal(0.0, 0.01, (200, 2)), rng.normal(1.0, 0.01, (200, 2))]}[problem]
    nu = np.full(len(y), 1 / len(y))
    res = gm.solve(SOURCE, y, tol=1e-8)
    check_solution(res, nu, 1e-8)


def test_masses_match_a_monte_carlo_sample():
    y = np.random.default_rng(0).random((400, 2))
    res = gm.solve(SOURCE, y, tol=1e-10)
    m = 4_000_000
    counts = np.bincount(res.diagram.locate(SOURCE.sample(m, seed=1)), minlength=len(y)) / m
    z = (counts - res.masses) / np.sqrt(res.masses * (1 - res.masses) / m)
    assert np.abs(z).max() < 5.0
    assert res.masses.sum() == pytest.approx(1.0, abs=1e-13)


def test_two_cells_split_the_plane_by_the_normal_cdf():
    """Two targets: the cells are half-planes; the mass of each is Phi of the line's signed distance."""
    y = np.array([[0.0, 0.0], [1.0, 0.3]])
    h = np.array([0.0, -0.2])
    pd = gm.PowerDiagram(y, h, SOURCE)
    # cell 1: <x, y1 - y0> + h1 - h0 >= 0, a half-plane with unit normal n and offset
    d = y[1] - y[0]
    t = -((SOURCE.mean @ d) + h[1] - h[0]) / np.linalg.norm(d) / SOURCE.std
    expected = special.ndtr(-t)
    np.testing.assert_allclose(pd.masses, [1 - expected, expected], rtol=1e-13)


def test_hessian_matches_finite_differences():
    y = np.random.default_rng(5).random((60, 2))
    res = gm.solve(SOURCE, y, tol=1e-10)
    hess = res.diagram.hessian().toarray()
    np.testing.assert_allclose(hess.sum(axis=1), 0.0, atol=1e-10 * np.abs(hess).max())
    eps = 1e-6
    for i in (0, 17, 42):
        e = np.zeros(len(y))
        e[i] = eps
        fd = (gm.PowerDiagram(y, res.heights + e, SOURCE).masses
              - gm.PowerDiagram(y, res.heights - e, SOURCE).masses) / (2 * eps)
        np.testing.assert_allclose(fd, hess[:, i], atol=1e-6 * np.abs(hess[:, i]).max())


def test_barycenters_and_cost_match_monte_carlo():
    y = np.random.default_rng(6).random((50, 2))
    res = gm.solve(SOURCE, y, tol=1e-10)
    x = SOURCE.sample(2_000_000, seed=2)
    lab = res.diagram.locate(x)
    counts = np.bincount(lab, minlength=len(y))
    bary = np.column_stack([np.bincount(lab, x[:, k], len(y)) for k in range(2)]) / counts[:, None]
    np.testing.assert_allclose(res.diagram.barycenters, bary, atol=2e-3)
    cost = 0.5 * ((x - y[lab]) ** 2).sum(axis=1).mean()
    assert res.cost == pytest.approx(cost, rel=3e-3)
