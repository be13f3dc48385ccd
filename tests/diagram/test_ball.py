"""Power cells on a solid ball (exact spherical boundary) against closed forms, Monte Carlo and shapely."""
import itertools

import numpy as np
import pytest
import shapely
from scipy.spatial import ConvexHull
from hypothesis import given, settings
from hypothesis import strategies as st

import geomot as gm
from geomot._kernels.spatial.cells import ball_moments, polyhedron_moments

from ..cases import polytope_faces

CENTER = np.array([1.0, -2.0, 0.5])
RADIUS = 2.5
BALL = gm.Ball(CENTER, RADIUS)
SRC = gm.Uniform(BALL)
VOLUME = 4 / 3 * np.pi * RADIUS ** 3


def octant_points():
    return CENTER + np.array(list(itertools.product([-1.0, 1.0], repeat=3)))


def random_case(n, seed, spill=0.3):
    """Points in and around the ball, heights near Voronoi plus noise (some cells empty, some outside)."""
    rng = np.random.default_rng(seed)
    y = CENTER + RADIUS * (1 + spill) * (2 * rng.random((n, 3)) - 1)
    return y, -0.5 * (y ** 2).sum(1) + 0.05 * RADIUS ** 2 * rng.standard_normal(n)


# ---------------------------------------------------------------- closed forms
def test_ball_domain_basics():
    assert BALL.volume == pytest.approx(VOLUME, rel=1e-15)
    lo, hi = BALL.bounds
    np.testing.assert_allclose(hi - lo, 2 * RADIUS)
    x = SRC.sample(4096, seed=0, qmc=True)
    assert BALL.contains(x).all()
    np.testing.assert_allclose(x.mean(0), CENTER, atol=2e-3 * RADIUS)
    # E|x - c|^2 = 3 R^2 / 5 for the uniform ball
    assert ((x - CENTER) ** 2).sum(1).mean() == pytest.approx(0.6 * RADIUS ** 2, rel=2e-3)
    for bad in [([0, 0], 1), ([0, 0, 0], 0), ([0, 0, np.nan], 1), ([0, 0, 0], -1)]:
        with pytest.raises(gm.GeomotError):
            gm.Ball(*bad)


def test_one_point_is_the_whole_ball():
    y = np.array([[0.3, 0.1, -4.0]])
    pd = gm.PowerDiagram(y, [0.0], SRC)
    assert pd.volumes[0] == pytest.approx(VOLUME, rel=1e-13)
    np.testing.assert_allclose(pd.barycenters[0], CENTER, atol=1e-13 * RADIUS)
    # int |x - y|^2 / 2 dmu = (3 R^2 / 5 + |c - y|^2) / 2
    assert pd.cost[0] == pytest.approx((0.6 * RADIUS ** 2 + ((CENTER - y[0]) ** 2).sum()) / 2, rel=1e-13)


def test_octants():
    """Eight points at the corners of a cube about the centre, equal heights: the cells are octants."""
    y = octant_points()
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), SRC)
    np.testing.assert_allclose(pd.volumes, VOLUME / 8, rtol=1e-13)
    np.testing.assert_allclose(pd.barycenters, CENTER + 3 * RADIUS / 8 * (y - CENTER), atol=1e-13 * RADIUS)
    # each facet is a quarter disk; each cell has three
    np.testing.assert_allclose(pd.facet_measures, np.pi * RADIUS ** 2 / 4, rtol=1e-13)
    assert np.all(np.diff(pd.neighbors[0]) == 3)
    # int_octant |x - y|^2 = pi R^5 / 10 - 2 (y - c) . m1 + |y - c|^2 V / 8, m1 = V/8 * 3R/8 (y - c)
    v8 = VOLUME / 8
    expected = (np.pi * RADIUS ** 5 / 10 - 2 * v8 * 3 * RADIUS / 8 * 3 + 3 * v8) / VOLUME / 2
    np.testing.assert_allclose(pd.cost, expected, rtol=1e-13)


@pytest.mark.parametrize("dist", [-2.4, -1.0, 0.0, 0.7, 2.0, 2.499])
def test_spherical_cap(dist):
    """Two points along z: the facet is the plane at signed distance ``dist`` from the centre."""
    y = CENTER + np.array([[0, 0, 0.0], [0, 0, 1.0]])
    # <x, y_1> + h_1 = <x, y_0> + h_0  <=>  z - c_z = dist with h_0 - h_1 = c_z + dist
    pd = gm.PowerDiagram(y, [CENTER[2] + dist, 0.0], SRC)
    height = RADIUS - dist
    cap = np.pi * height ** 2 * (3 * RADIUS - height) / 3
    # rounding is relative to the ball (the terms of the sum are solid angles of order one)
    np.testing.assert_allclose(pd.volumes, [VOLUME - cap, cap], rtol=1e-12, atol=1e-14 * VOLUME)
    assert pd.facet_measures[0] == pytest.approx(np.pi * (RADIUS ** 2 - dist ** 2), rel=1e-12)
    # centroid of a cap at distance 3 (2R - h)^2 / (4 (3R - h)) from the centre
    zc = 3 * (2 * RADIUS - height) ** 2 / (4 * (3 * RADIUS - height))
    np.testing.assert_allclose(pd.barycenters[1], CENTER + [0, 0, zc], atol=1e-12 * RADIUS * VOLUME / cap)
    np.testing.assert_allclose((pd.volumes[:, None] * pd.barycenters).sum(0), VOLUME * CENTER, rtol=1e-12)


def test_kernel_reduces_to_the_polyhedron():
    """A polyhedron inside the ball integrates as a polyhedron; a ball inside it as the whole ball."""
    rng = np.random.default_rng(0)
    normals = rng.standard_normal((12, 3))
    normals /= np.linalg.norm(normals, axis=1)[:, None]
    P = polytope_faces(normals, 0.5 + rng.random(12), 3.0)
    nv, nf = len(P.V), len(P.flab)
    y = np.array([0.2, -0.1, 0.3])
    poly = np.zeros(5)
    polyhedron_moments(P, nv, nf, y, poly, np.zeros(1))
    for radius, expected in [(1e3, poly),
                             (0.4, [4 / 3 * np.pi * 0.4 ** 3, 0, 0, 0,
                                    4 / 3 * np.pi * 0.4 ** 3 * (0.6 * 0.16 + y @ y)])]:
        out = np.zeros(5)
        ball_moments(P, nv, nf, y, radius, out, np.zeros(1))
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14 * abs(out[0]))
    # a polyhedron far from the ball: exact zeros
    out = np.ones(5)
    ball_moments(P._replace(V=P.V + 10.0), nv, nf, y, 1.0, out, np.zeros(1))
    assert (out == 0).all()


# ---------------------------------------------------------------- independent methods
@pytest.mark.parametrize("seed", [0, 1])
def test_cells_match_monte_carlo(seed):
    """Volumes, barycentres and costs against 2^21 scrambled Sobol points (QMC error ~1e-5 here)."""
    y, h = random_case(40, seed)
    pd = gm.PowerDiagram(y, h, SRC)
    assert 5 <= (~pd.empty).sum() < 40  # some cells empty or outside, many not
    x = SRC.sample(2 ** 21, seed=seed, qmc=True)
    i = pd.locate(x)
    counts = np.bincount(i, minlength=40)
    np.testing.assert_allclose(counts / len(x), pd.masses, atol=2e-4)
    big = counts > 2e-2 * len(x)
    sums = np.stack([np.bincount(i, weights=x[:, k], minlength=40) for k in range(3)], 1)
    np.testing.assert_allclose(sums[big] / counts[big, None], pd.barycenters[big], atol=2e-3 * RADIUS)
    cost = np.bincount(i, weights=((x - y[i]) ** 2).sum(1), minlength=40) / len(x) / 2
    np.testing.assert_allclose(cost, pd.cost, atol=2e-4 * cost.sum())
    assert np.isnan(pd.barycenters[pd.empty]).all()


def _facet_area_in_disk(polygon, resolution=2 ** 14):
    """Area of a planar polygon (m, 3) inside the ball, by shapely in the facet's plane (a fine circle)."""
    normal = np.cross(polygon[1] - polygon[0], polygon[2] - polygon[0])
    normal /= np.linalg.norm(normal)
    e1 = polygon[1] - polygon[0]
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(normal, e1)
    foot = CENTER + normal * ((polygon[0] - CENTER) @ normal)
    r2 = RADIUS ** 2 - ((polygon[0] - CENTER) @ normal) ** 2
    if r2 <= 0:
        return 0.0
    # the circle by a polygon of equal area (so the approximation error is second order in 1/resolution)
    t = 2 * np.pi * np.arange(resolution) / resolution
    r = np.sqrt(r2 * 2 * np.pi / (resolution * np.sin(2 * np.pi / resolution)))
    disk = shapely.Polygon(np.column_stack([r * np.cos(t), r * np.sin(t)]))
    q = polygon - foot
    return shapely.Polygon(np.column_stack([q @ e1, q @ e2])).intersection(disk).area


def test_facet_areas_match_shapely():
    y, h = random_case(30, 3, spill=0.1)
    pd = gm.PowerDiagram(y, h, SRC)
    pairs, polygons = pd.facets()  # polyhedral facets (clipped to the bounding cube)
    areas = np.array([_facet_area_in_disk(p) for p in polygons])
    indptr, indices = pd.neighbors
    rows = np.repeat(np.arange(len(y)), np.diff(indptr))
    ours = {(i, j): a for i, j, a in zip(rows, indices, pd.facet_measures)}
    got = np.array([ours.get((i, j), 0.0) for i, j in pairs])
    assert (areas > 0).sum() > 20
    np.testing.assert_allclose(got, areas, atol=1e-6 * RADIUS ** 2)
    # a neighbour pair has a facet of positive area inside the ball
    assert all(areas[k] > 0 for k, (i, j) in enumerate(pairs) if (i, j) in ours)


# ---------------------------------------------------------------- Hessian and properties
def test_hessian_matches_finite_differences():
    y, h = random_case(25, 4, spill=0.1)
    H = gm.PowerDiagram(y, h, SRC).hessian().toarray()
    eps = 1e-6 * RADIUS ** 2
    fd = np.empty_like(H)
    for j in range(len(y)):
        e = np.zeros(len(y))
        e[j] = eps
        fd[:, j] = (gm.PowerDiagram(y, h + e, SRC).masses - gm.PowerDiagram(y, h - e, SRC).masses) / (2 * eps)
    np.testing.assert_allclose(H, fd, rtol=0, atol=1e-5 * np.abs(H).max())
    np.testing.assert_allclose(H.sum(1), 0, atol=1e-12 * np.abs(H).max())
    assert np.abs(H).max() > 0


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(0, 2 ** 32 - 1), st.floats(0.0, 1.0), st.floats(-1e3, 1e3))
def test_masses_sum_to_one_and_shift_is_invisible(n, seed, spill, shift):
    y, h = random_case(n, seed, spill)
    pd = gm.PowerDiagram(y, h, SRC)
    assert pd.masses.sum() == pytest.approx(1.0, abs=1e-12)
    assert (pd.masses >= -1e-14).all()
    full = ~pd.empty
    np.testing.assert_allclose((pd.volumes[full, None] * pd.barycenters[full]).sum(0), VOLUME * CENTER,
                               atol=1e-11 * VOLUME * RADIUS)
    np.testing.assert_allclose(gm.PowerDiagram(y, h + shift, SRC).masses, pd.masses, atol=1e-10)


def test_lattice_cospherical_and_tangent_planes():
    """A cubic lattice with equal Voronoi heights (cospherical points, planes through the centre and
    planes tangent to the sphere): volumes by symmetry, and the sum."""
    g = np.array(list(itertools.product([-1.0, 0.0, 1.0], repeat=3)))
    for spacing in [RADIUS, 2 * RADIUS / 3, RADIUS / 2]:
        y = CENTER + spacing * g
        pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), SRC)
        assert pd.volumes.sum() == pytest.approx(VOLUME, rel=1e-12)
        # cells related by a symmetry of the lattice have equal volumes
        key = np.sort(np.abs(g), axis=1) @ [1, 3, 9]
        for k in np.unique(key):
            np.testing.assert_allclose(pd.volumes[key == k], pd.volumes[key == k][0], rtol=1e-11, atol=1e-14)
    # spacing 2R: the cells' facets x = c +- R touch the sphere at one point; the middle cell is the ball
    y = CENTER + 2 * RADIUS * g
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), SRC)
    assert pd.volumes[13] == pytest.approx(VOLUME, rel=1e-12)
    assert pd.empty.sum() == 26


def test_newton_on_the_ball():
    rng = np.random.default_rng(5)
    for y in [SRC.sample(300, seed=1), CENTER + 6 * rng.random((200, 3)) + 4.0,
              np.vstack([CENTER + 1e-2 * rng.random((100, 3)), CENTER + [9, 0, 0] + rng.random((30, 3))])]:
        res = gm.solve(SRC, y, tol=1e-10)
        assert res.converged and res.max_rel_error <= 1e-10
        np.testing.assert_allclose(res.diagram.masses, 1 / len(y), rtol=1e-10)


def test_monte_carlo_solver_agrees_on_the_ball():
    """The sampling path (Ball.sample) and the exact cells agree: MC heights measured exactly."""
    y = SRC.sample(30, seed=7)
    res = gm.solve(SRC, y, method="monte-carlo", tol=3e-2, seed=0, qmc=True)
    assert res.converged
    exact = gm.PowerDiagram(y, res.heights, SRC).masses
    assert np.abs(exact * len(y) - 1).max() <= 0.1


def test_polyhedra_cover_the_cut_cells():
    """On a ball, polyhedra() are the cells clipped to the bounding cube: each holds its cut cell."""
    y, h = random_case(30, 6)
    pd = gm.PowerDiagram(y, h, SRC)
    x = SRC.sample(20000, seed=2)
    owner = pd.locate(x)
    for i, (verts, faces, nbr) in enumerate(pd.polyhedra()):
        if pd.empty[i]:
            assert verts.shape == (0, 3) and faces == []
            continue
        assert len(faces) == len(nbr) >= 4
        hull = ConvexHull(verts)
        assert hull.volume >= pd.volumes[i] * (1 - 1e-12)
        mine = x[owner == i]
        assert (hull.equations[:, :3] @ mine.T + hull.equations[:, 3:] <= 1e-9).all()
