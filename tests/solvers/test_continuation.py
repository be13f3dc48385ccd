"""Starts on non-convex domains and poor starts: the assignment start (:mod:`geomot.solvers._assignment`, its
auction tested in ``test_assignment.py``) and the continuation from the bounding box
(:mod:`geomot.solvers._continuation`), its fallback beyond ``ASSIGNMENT_MAX`` targets."""
import numpy as np
import shapely

import geomot as gm
from geomot.solvers import _start
from geomot.solvers._continuation import Blend

from ..cases import check_solution

SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1]]
HOLES = [[[0.15, 0.15], [0.45, 0.15], [0.45, 0.45], [0.15, 0.45]],
         [[0.55, 0.55], [0.85, 0.55], [0.85, 0.85], [0.55, 0.85]]]
L_SHELL = [(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)]
L_HOLE = [(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)]


def two_disks(n, rng):
    r, t = 0.3 * np.sqrt(rng.random(n)), 2 * np.pi * rng.random(n)
    return np.where(rng.random((n, 1)) < 0.5, [-0.6, 0], [0.6, 0]) + np.c_[r * np.cos(t), r * np.sin(t)]


ANNULUS = shapely.Point(0, 0).buffer(1.0, 64).difference(shapely.Point(0, 0).buffer(0.5, 64))


def test_targets_in_the_holes_start_from_an_assignment():
    """Uniform targets on a square with two holes, a fifth of them inside the holes (their Voronoi cells
    are empty): the assignment start converges in a few Newton steps (8 at n = 2400; 35 by the
    continuation, 265 from the Voronoi start)."""
    y = np.random.default_rng(0).random((1200, 2))
    res = gm.solve(gm.Polygon(SQUARE, HOLES), y, tol=1e-9)
    check_solution(res, np.full(1200, 1 / 1200), 1e-9)
    assert "assignment" in res.message and res.iterations <= 12


def test_annulus_to_two_disks():
    y = two_disks(1500, np.random.default_rng(1))
    res = gm.solve(ANNULUS, y, tol=1e-9)
    check_solution(res, np.full(1500, 1 / 1500), 1e-9)
    assert "assignment" in res.message and res.iterations <= 15  # issue 18: about 15 steps


def test_l_with_hole_and_targets_over_its_bounding_box_unequal_masses():
    rng = np.random.default_rng(3)
    y = rng.random((1000, 2)) * 2
    nu = rng.uniform(0.2, 1, 1000)
    nu /= nu.sum()
    res = gm.solve(gm.Polygon(L_SHELL, [L_HOLE]), y, nu, tol=1e-9)
    check_solution(res, nu, 1e-9)
    assert "assignment" in res.message and res.iterations <= 15


def test_the_continuation_is_the_fallback_beyond_the_assignment_size(monkeypatch):
    """Above ``ASSIGNMENT_MAX`` targets the continuation from the bounding box starts the solve."""
    monkeypatch.setattr(_start, "ASSIGNMENT_MAX", 100)
    y = np.random.default_rng(0).random((600, 2))
    res = gm.solve(gm.Polygon(SQUARE, HOLES), y, tol=1e-9)
    check_solution(res, np.full(600, 1 / 600), 1e-9)
    assert "continuation" in res.message and res.iterations <= 40


def test_the_blend_hessian_is_the_derivative_of_the_blend_masses():
    """``H^t = (1 - t) H^B + t H^Omega`` against central differences of ``w^t`` in the half weights."""
    rng = np.random.default_rng(2)
    y = rng.random((60, 2))
    domain = gm.Polygon(SQUARE, HOLES)
    h = -0.5 * (y ** 2).sum(1) + 0.01 * rng.standard_normal(60)
    blend = Blend(gm.PowerDiagram(y, h, gm.Box([0, 0], [1, 1])), gm.PowerDiagram(y, h, domain), 0.7)
    np.testing.assert_array_equal(blend.box.halfweights, blend.domain.halfweights)  # one frame
    g, step = blend.halfweights, 1e-7
    hessian = blend.unit_hessian().toarray()
    for i in rng.choice(60, 8, replace=False):
        e = np.zeros(60)
        e[i] = step
        column = (blend.with_halfweights(g + e).masses - blend.with_halfweights(g - e).masses) / (2 * step)
        np.testing.assert_allclose(column, hessian[:, i], atol=1e-5 * np.abs(hessian).max())
