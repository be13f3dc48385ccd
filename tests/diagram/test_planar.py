"""PowerDiagram in 2D against closed forms and an independent brute-force construction."""
import numpy as np
import pytest
import shapely

import geomot as gm
from ..cases import generic_heights, random_points_in
from ..reference import brute_force_cells, facet_length, second_moment


def dense_facets(pd):
    indptr, indices = pd.neighbors
    n = len(pd.points)
    f = np.zeros((n, n))
    rows = np.repeat(np.arange(n), np.diff(indptr))
    f[rows, indices] = pd.facet_measures
    return f


@pytest.mark.parametrize("spill", [0.0, 0.3])
def test_cells_match_brute_force(domain_case, spill):
    name, domain, geometry = domain_case
    rng = np.random.default_rng(1)
    y = random_points_in(domain, 24, rng, spill)
    h = generic_heights(domain, y, rng)
    pd = gm.PowerDiagram(y, h, gm.Uniform(domain))
    ref = brute_force_cells(y, h, geometry)
    # the reference disk is a polygon with 2**15 vertices: its error is ~1e-8 relative
    rtol = 1e-7 if name == "disk" else 1e-11
    scale = np.sqrt(domain.volume)
    ref_area = np.array([c.area for c in ref])
    np.testing.assert_allclose(pd.volumes, ref_area, rtol=0, atol=rtol * scale ** 2)
    np.testing.assert_allclose(pd.masses, ref_area / domain.volume, rtol=0, atol=rtol)
    assert abs(pd.masses.sum() - 1) < 1e-12
    assert not pd.empty[ref_area > 10 * rtol * scale ** 2].any()
    assert (ref_area[pd.empty] <= 10 * rtol * scale ** 2).all()
    live = ref_area > 1e3 * rtol * scale ** 2
    ref_bary = np.array([[c.centroid.x, c.centroid.y] if not c.is_empty else [np.nan] * 2 for c in ref])
    np.testing.assert_allclose(pd.barycenters[live], ref_bary[live], rtol=0, atol=1e-6 * scale)
    ref_cost = np.array([second_moment(c, y[i]) for i, c in enumerate(ref)]) / 2 / domain.volume
    np.testing.assert_allclose(pd.cost, ref_cost, rtol=1e-6, atol=1e-9 * scale ** 2)
    ref_f = np.array([[facet_length(y, h, i, j, geometry) if i != j else 0 for j in range(len(y))] for i in range(len(y))])
    np.testing.assert_allclose(dense_facets(pd), ref_f, rtol=0, atol=rtol * scale * 10)


@pytest.mark.parametrize("a,b", [(1, 1), (3, 2), (8, 8), (5, 11)])
def test_grid_centres_voronoi_closed_form(a, b):
    """Grid centres with Voronoi heights -|y|^2/2: rectangles of area 1/(ab) (co-circular lattice)."""
    c = np.stack(np.meshgrid((np.arange(a) + 0.5) / a, (np.arange(b) + 0.5) / b, indexing="ij"), -1).reshape(-1, 2)
    pd = gm.PowerDiagram(c, -0.5 * (c ** 2).sum(1), gm.Uniform(gm.Box([0, 0], [1, 1])))
    np.testing.assert_allclose(pd.masses, 1 / (a * b), rtol=1e-12)
    np.testing.assert_allclose(pd.barycenters, c, atol=1e-14)
    np.testing.assert_allclose(pd.cost.sum(), (1 / a ** 2 + 1 / b ** 2) / 24, rtol=1e-12)
    H = pd.hessian().toarray()
    d = np.abs(c[:, None, :] - c[None, :, :])
    horizontal = np.isclose(d[..., 0], 1 / a) & (d[..., 1] < 1e-12)
    vertical = np.isclose(d[..., 1], 1 / b) & (d[..., 0] < 1e-12)
    expected = np.where(horizontal, -a / b, 0.0) + np.where(vertical, -b / a, 0.0)
    np.fill_diagonal(expected, -expected.sum(1))
    np.testing.assert_allclose(H, expected, atol=1e-9 * max(a / b, b / a))


def test_diagonal_scaling_closed_form():
    """y = A c + b with diagonal A: heights -c^T A c / 2 still give uniform masses."""
    a, b = 6, 4
    c = np.stack(np.meshgrid((np.arange(a) + 0.5) / a, (np.arange(b) + 0.5) / b, indexing="ij"), -1).reshape(-1, 2)
    A = np.array([3.0, 0.2])
    y = c * A + np.array([-2.0, 5.0])
    pd = gm.PowerDiagram(y, -0.5 * (c ** 2 * A).sum(1), gm.Uniform(gm.Box([0, 0], [1, 1])))
    np.testing.assert_allclose(pd.masses, 1 / (a * b), rtol=1e-12)


@pytest.mark.parametrize("case", ["n=1", "n=2", "n=3 collinear", "collinear", "on boundary", "equal heights grid",
                                  "all hidden but one", "far outside"])
def test_degenerate_configurations_just_work(case):
    box = gm.Box([0, 0], [1, 1])
    line = np.column_stack([np.linspace(0.1, 0.9, 7), np.full(7, 0.5)])
    y = {
        "n=1": np.array([[0.3, 0.4]]),
        "n=2": np.array([[0.3, 0.4], [0.6, 0.2]]),
        "n=3 collinear": line[:3],
        "collinear": line,
        "on boundary": np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0], [0, 0.5], [0.5, 0.5]], float),
        "equal heights grid": np.stack(np.meshgrid(np.linspace(0, 1, 5), np.linspace(0, 1, 5)), -1).reshape(-1, 2),
        "all hidden but one": np.array([[0.5, 0.5], [0.2, 0.2], [0.8, 0.3]]),
        "far outside": np.array([[1e3, 0], [1e3, 1], [1001, 0.5]]),
    }[case]
    h = {"equal heights grid": np.zeros(len(y)), "all hidden but one": np.array([10.0, 0, 0])}.get(
        case, -0.5 * (y ** 2).sum(1))
    pd = gm.PowerDiagram(y, h, gm.Uniform(box))
    ref = np.array([c.area for c in brute_force_cells(y, h, shapely.box(0, 0, 1, 1))])
    np.testing.assert_allclose(pd.masses, ref, atol=1e-9)
    assert abs(pd.masses.sum() - 1) < 1e-12


def test_locate_is_argmax_and_minus_one_outside(domain_case):
    name, domain, geometry = domain_case
    rng = np.random.default_rng(5)
    y = random_points_in(domain, 40, rng, 0.2)
    h = generic_heights(domain, y, rng)
    pd = gm.PowerDiagram(y, h, gm.Uniform(domain))
    x = random_points_in(domain, 2000, rng, 0.1)
    got = pd.locate(x)
    inside = shapely.intersects_xy(geometry, x[:, 0], x[:, 1])
    brute = np.argmax(x @ y.T + h, axis=1)
    np.testing.assert_array_equal(got[inside], brute[inside])
    assert (got[~inside] == -1).all()


def test_cells_are_closed_rings_with_the_right_area(domain_case):
    name, domain, _ = domain_case
    rng = np.random.default_rng(6)
    y = random_points_in(domain, 30, rng, 0.2)
    pd = gm.PowerDiagram(y, generic_heights(domain, y, rng), gm.Uniform(domain))
    cells = pd.cells
    assert len(cells) == 30
    for i, ring in enumerate(cells):
        if pd.empty[i]:
            assert ring.shape == (0, 2)
            continue
        area = 0.0
        for part in np.split(ring, np.flatnonzero(np.isnan(ring[:, 0]))):
            part = part[~np.isnan(part[:, 0])]
            np.testing.assert_array_equal(part[0], part[-1])
            area += 0.5 * np.sum(part[:-1, 0] * part[1:, 1] - part[1:, 0] * part[:-1, 1])
        # on the disk, cells are drawn with a 720-gon: its area deficit is pi r^2 (2 pi / 720)^2 / 6
        # the shoelace here is taken about the origin: ~1e-16 absolute rounding on tiny cells
        assert area == pytest.approx(pd.volumes[i], rel=1e-10, abs=(2e-5 if name == "disk" else 1e-14) * domain.volume)
