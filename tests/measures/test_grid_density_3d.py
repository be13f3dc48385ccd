"""GridDensity on a 3D box (voxels) as an exact source: geomot._kernels.spatial.grid through PowerDiagram and solve.

Independent checks: a constant grid against gm.Uniform, a two-level grid split
by a plane (closed forms), every cell cut by every voxel with scipy's
HalfspaceIntersection (tests.reference3d), a Monte Carlo sample of the class's
own sampler located by brute force, central finite differences of the masses,
the solver's certificate with targets on zero voxels, and the bad inputs.
"""
import numpy as np
import pytest

import geomot as gm
from geomot._kernels.spatial.grid import largest_box
from geomot.errors import GeomotError
from tests.cases import check_solution
from tests.reference3d import brute_force_cell

BOX = gm.Box([0.0, 0.0, 0.0], [2.0, 1.0, 1.5])


def _points(n, seed, box=BOX):
    return box.lower + np.random.default_rng(seed).random((n, 3)) * (box.upper - box.lower)


def test_constant_grid_equals_uniform():
    y = _points(150, 1)
    h = np.random.default_rng(2).normal(0.0, 0.02, len(y))
    uniform = gm.PowerDiagram(y, h, gm.Uniform(BOX))
    grid = gm.PowerDiagram(y, h, gm.GridDensity(np.full((5, 7, 4), 3.0), BOX))
    np.testing.assert_allclose(grid.masses, uniform.masses, rtol=0, atol=1e-13)
    np.testing.assert_allclose(grid.barycenters, uniform.barycenters, rtol=0, atol=1e-12)
    np.testing.assert_allclose(grid.cost, uniform.cost, rtol=0, atol=1e-13)
    np.testing.assert_allclose(grid.volumes, uniform.volumes, rtol=0, atol=0)
    np.testing.assert_allclose(grid.facet_measures, uniform.facet_measures, rtol=0, atol=0)
    np.testing.assert_allclose(grid.hessian().toarray(), uniform.hessian().toarray(), rtol=0, atol=1e-12)


def _split(zc, layers):
    """Closed forms for two targets above each other on BOX, their cells split by the plane ``z = zc``, and a
    grid whose layers (4 of them, uniform across x and y) carry ``layers``: the marginal density ``f`` of z."""
    dz = 1.5 / 4
    f = np.asarray(layers, float) / (np.sum(layers) * dz)
    edges = dz * np.arange(5)

    def integral(g, a, b):  # int_a^b g(z) f(z) dz, g a polynomial (numpy.polynomial), f piecewise constant
        total = 0.0
        for k in range(4):
            lo, hi = max(a, edges[k]), min(b, edges[k + 1])
            if hi > lo:
                prim = g.integ()
                total += f[k] * (prim(hi) - prim(lo))
        return total
    return f, integral


@pytest.mark.parametrize("zc", [0.6, 0.75])
def test_two_level_grid_split_by_a_plane(zc):
    """Targets y1 = (1, 0.5, 0.25), y2 = (1, 0.5, 1.25), heights (zc, 0): cell 1 is ``<x, y1 - y2> >= h2 - h1``,
    i.e. ``z <= zc``.

    ``w_1 = int_0^zc f``, barycentre ``(1, 0.5, int z f / w_1)``, cost ``(w_1 (2^2 + 1) / 12 + int (z - 0.25)^2 f)
    / 2``, ``H_12 = -f(zc) / |y1 - y2|`` (on the voxel plane z = 0.75: the mean of the layers beside it).
    """
    P = np.polynomial.Polynomial
    layers = [1.0, 1.0, 3.0, 3.0]
    values = np.repeat(np.array(layers)[:, None, None], 2, axis=1).repeat(3, axis=2)
    y = np.array([[1.0, 0.5, 0.25], [1.0, 0.5, 1.25]])
    pd = gm.PowerDiagram(y, [zc, 0.0], gm.GridDensity(values, BOX))
    f, integral = _split(zc, layers)
    w1 = integral(P([1.0]), 0.0, zc)
    np.testing.assert_allclose(pd.masses, [w1, 1.0 - w1], rtol=0, atol=1e-14)
    np.testing.assert_allclose(pd.barycenters[0], [1.0, 0.5, integral(P([0.0, 1.0]), 0.0, zc) / w1], atol=1e-14)
    cost = (w1 * 5.0 / 12.0 + integral(P([-0.25, 1.0]) ** 2, 0.0, zc)) / 2
    assert pd.cost[0] == pytest.approx(cost, abs=1e-14)
    k = int(zc // 0.375)
    rho = (f[k - 1] + f[k]) / 2 if zc == 0.375 * k else f[k]
    hessian = pd.hessian().toarray()
    assert hessian[0, 1] == pytest.approx(-rho / 1.0, abs=1e-13)
    assert pd.facet_measures[0] == pytest.approx(2.0, abs=1e-14)


def test_cells_and_facets_match_a_per_voxel_halfspace_reference():
    """Every cell ∩ every voxel by scipy's HalfspaceIntersection: masses, first and second moments, facets."""
    rng = np.random.default_rng(5)
    y = _points(14, 4)
    h = rng.normal(0.0, 0.03, len(y))
    values = rng.random((3, 2, 3))
    values[1, 0, 2] = 0.0
    density = gm.GridDensity(values, BOX)
    pd = gm.PowerDiagram(y, h, density)
    n = len(y)
    mass, first, second, facets = np.zeros(n), np.zeros((n, 3)), np.zeros(n), np.zeros((n, n))
    for k, r, c in np.ndindex(values.shape):
        lo = BOX.lower + density.step * [c, r, k]
        normals = np.vstack([np.eye(3), -np.eye(3)])
        offsets = np.r_[lo + density.step, -lo]
        rho = density.values[k, r, c]
        for i in range(n):
            piece = brute_force_cell(y, h, i, normals, offsets)
            if piece["volume"] > 0:
                mass[i] += rho * piece["volume"]
                first[i] += rho * piece["volume"] * piece["barycenter"]
                second[i] += rho * piece["second"]
            for j, area in piece["facets"].items():
                facets[i, j] += rho * area
    np.testing.assert_allclose(pd.masses, mass, rtol=0, atol=1e-12)
    with np.errstate(invalid="ignore"):  # empty cells: NaN barycentres on both sides
        np.testing.assert_allclose(pd.barycenters, first / mass[:, None], rtol=0, atol=1e-11)
    np.testing.assert_allclose(pd.cost, second / 2, rtol=0, atol=1e-12)
    distance = np.linalg.norm(y[:, None] - y[None], axis=2) + np.eye(n)
    off = -(facets + facets.T) / 2 / distance
    np.testing.assert_allclose(pd.hessian().toarray() - np.diag(np.diag(pd.hessian().toarray())), off,
                               rtol=0, atol=1e-11)


def test_masses_match_a_monte_carlo_sample_of_its_own_sampler():
    rng = np.random.default_rng(7)
    values = rng.random((4, 5, 3)) ** 3
    values[2] = 0.0
    density = gm.GridDensity(values, BOX)
    y = _points(60, 8)
    pd = gm.PowerDiagram(y, rng.normal(0.0, 0.02, len(y)), density)
    m = 1_000_000
    x = density.sample(m, seed=3)
    assert (density.density(x) > 0).all()
    owner = np.argmax(x @ y.T + pd.heights, axis=1)  # brute force: the largest <x, y_i> + h_i
    counts = np.bincount(owner, minlength=len(y)) / m
    w = np.maximum(pd.masses, 1e-12)
    z = (counts - pd.masses) / np.sqrt(w * (1 - w) / m)
    assert np.abs(z).max() < 5.0
    # the voxel histogram of the samples is the voxel masses
    index = np.floor((x - BOX.lower) / density.step).astype(np.int64)[:, ::-1]
    hist = np.bincount(np.ravel_multi_index(index.T, values.shape), minlength=values.size) / m
    p = density.pixel_masses.ravel()
    assert np.abs(hist - p).max() < 5 * np.sqrt(p.max() / m)


def test_hessian_matches_finite_differences_of_the_masses():
    rng = np.random.default_rng(11)
    values = rng.random((3, 4, 5)) + 0.1
    density = gm.GridDensity(values, BOX)
    y = _points(20, 12)
    h = rng.normal(0.0, 0.02, len(y))
    pd = gm.PowerDiagram(y, h, density)
    eps = 1e-6
    fd = np.empty((len(y), len(y)))
    for j in range(len(y)):
        e = np.zeros(len(y))
        e[j] = eps
        fd[:, j] = (gm.PowerDiagram(y, h + e, density).masses - gm.PowerDiagram(y, h - e, density).masses) / (2 * eps)
    np.testing.assert_allclose(pd.hessian().toarray(), fd, rtol=0, atol=1e-6)


def test_solve_certified_with_targets_on_zero_voxels():
    """A ball of density in a box of zeros; the targets uniform over the box, most on zero voxels."""
    box = gm.Box([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    centres = (np.indices((10, 10, 10)).transpose(1, 2, 3, 0)[..., ::-1] + 0.5) / 10
    values = (np.linalg.norm(centres - 0.5, axis=-1) < 0.35).astype(float)
    y = _points(300, 13, box)
    density = gm.GridDensity(values, box)
    assert (density.density(y) == 0).any()
    nu = np.full(len(y), 1 / len(y))
    res = gm.solve(density, y, tol=1e-9)
    check_solution(res, nu, 1e-9)


def test_support_embedding_puts_every_target_on_positive_voxels():
    values = np.zeros((6, 5, 4))
    values[1:4, 2:5, 1:3] = 1.0
    values[5, 0, 0] = 1.0
    density = gm.GridDensity(values, BOX)
    y = _points(50, 14)
    t, mid, centre = density.support_embedding(y)
    assert (density.density(t * (y - mid) + centre) > 0).all()


def test_largest_box_against_brute_force():
    rng = np.random.default_rng(15)
    for _ in range(20):
        mask = rng.random((4, 5, 6)) < 0.7
        k0, r0, c0, k1, r1, c1 = largest_box(mask)
        assert mask[k0:k1, r0:r1, c0:c1].all()
        best = max((b - a) * (d - c) * (f - e)
                   for a in range(4) for b in range(a + 1, 5) for c in range(5) for d in range(c + 1, 6)
                   for e in range(6) for f in range(e + 1, 7) if mask[a:b, c:d, e:f].all())
        assert (k1 - k0) * (r1 - r0) * (c1 - c0) == best


@pytest.mark.parametrize("values, box", [
    (np.ones((3, 4)), BOX),
    (np.ones((2, 3, 4)), gm.Box([0.0, 0.0], [1.0, 1.0])),
    (-np.ones((2, 3, 4)), BOX),
    (np.full((2, 3, 4), np.nan), BOX),
    (np.zeros((2, 3, 4)), BOX),
    (np.ones((0, 3, 4)), BOX),
])
def test_bad_voxel_grids_raise(values, box):
    with pytest.raises(GeomotError, match="values"):
        gm.GridDensity(values, box)
