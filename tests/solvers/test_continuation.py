"""The continuation from the bounding box on non-convex domains (:mod:`geomot.solvers._continuation`)."""
import numpy as np
import shapely

import geomot as gm
from geomot.solvers._continuation import Blend

from ..cases import check_solution

SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1]]
HOLES = [[[0.15, 0.15], [0.45, 0.15], [0.45, 0.45], [0.15, 0.45]],
         [[0.55, 0.55], [0.85, 0.55], [0.85, 0.85], [0.55, 0.85]]]


def test_targets_in_the_holes_converge_with_the_defaults():
    """Uniform targets on a square with two holes, a fifth of them inside the holes (their Voronoi cells
    are empty): the Voronoi start is replaced by the continuation, which converges within maxiter=100."""
    y = np.random.default_rng(0).random((600, 2))
    res = gm.solve(gm.Polygon(SQUARE, HOLES), y, tol=1e-9)
    check_solution(res, np.full(600, 1 / 600), 1e-9)
    assert "continuation" in res.message and res.iterations <= 40


def test_annulus_to_two_disks():
    rng = np.random.default_rng(1)
    r, t = 0.3 * np.sqrt(rng.random(500)), 2 * np.pi * rng.random(500)
    y = np.where(rng.random((500, 1)) < 0.5, [-0.6, 0], [0.6, 0]) + np.c_[r * np.cos(t), r * np.sin(t)]
    annulus = shapely.Point(0, 0).buffer(1.0, 64).difference(shapely.Point(0, 0).buffer(0.5, 64))
    res = gm.solve(annulus, y, tol=1e-9)
    check_solution(res, np.full(500, 1 / 500), 1e-9)


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
