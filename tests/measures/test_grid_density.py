"""Images as exact sources: :class:`geomot.GridDensity` and its kernel (:mod:`geomot._kernels.planar.grid`).

References are independent of the kernel: shapely intersections of the
brute-force cells (or of the kernel's own polygons) with every pixel, closed
forms for a split of two targets, central differences of the masses for the
Hessian, Monte Carlo within five standard errors, a brute-force largest rectangle.
"""
import numpy as np
import pytest
import shapely

import geomot as gm
from geomot._kernels.planar.grid import grid_cells, largest_rectangle

from ..cases import check_solution
from ..reference import brute_force_cells

BOX = gm.Box([0.0, 0.0], [2.0, 1.0])


def pixel_boxes(shape, box):
    ny, nx = shape
    step = (box.upper - box.lower) / [nx, ny]
    rows, cols = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    lo = box.lower + step * np.column_stack([cols.ravel(), rows.ravel()])
    return shapely.box(lo[:, 0], lo[:, 1], lo[:, 0] + step[0], lo[:, 1] + step[1])


def shapely_moments(cells, sites, source):
    """``(mass, first moments, second moment about the site)`` of each cell, pixel by pixel by shapely."""
    pixels = pixel_boxes(source.shape, source.domain)
    rho = source.values.ravel()
    out = np.zeros((len(cells), 4))
    for i, cell in enumerate(cells):
        pieces = shapely.intersection(pixels, cell)
        area = shapely.area(pieces)
        keep = area > 0
        if not keep.any():
            continue
        centroid = shapely.get_coordinates(shapely.centroid(pieces[keep]))
        out[i, 0] = (rho[keep] * area[keep]).sum()
        out[i, 1:3] = (rho[keep, None] * area[keep, None] * centroid).sum(axis=0)
        # second moment of each piece about the site: by triangulating it
        second = 0.0
        for piece, r in zip(pieces[keep], rho[keep]):
            for tri in shapely.get_parts(shapely.delaunay_triangles(piece)):
                a, b, c = shapely.get_coordinates(tri)[:3] - sites[i]
                t_area = abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])) / 2
                second += r * t_area / 6 * ((a ** 2).sum() + (b ** 2).sum() + (c ** 2).sum() + a @ b + b @ c + a @ c)
        out[i, 3] = second
    return out


@pytest.fixture(scope="module")
def image():
    rng = np.random.default_rng(0)
    values = rng.random((9, 14))
    values[2:5, 3:8] = 0.0
    return gm.GridDensity(values, BOX)


def test_masses_moments_and_cost_against_shapely_pixel_pieces(image):
    rng = np.random.default_rng(1)
    y = rng.random((25, 2)) * [2, 1]
    h = 0.01 * rng.standard_normal(25)
    pd = gm.PowerDiagram(y, h, image)
    reference = shapely_moments(brute_force_cells(y, h, shapely.box(0, 0, 2, 1)), y, image)
    np.testing.assert_allclose(pd.masses, reference[:, 0], rtol=0, atol=1e-14)
    assert abs(pd.masses.sum() - 1) < 1e-14
    live = reference[:, 0] > 0
    np.testing.assert_allclose(pd.barycenters[live], reference[live, 1:3] / reference[live, :1], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(pd.cost, reference[:, 3] / 2, rtol=1e-11, atol=1e-15)
    # areas and facet lengths stay geometric
    u = gm.PowerDiagram(y, h, gm.Uniform(BOX))
    np.testing.assert_allclose(pd.volumes, u.volumes, rtol=0, atol=1e-15)
    np.testing.assert_allclose(pd.facet_measures, u.facet_measures, rtol=0, atol=1e-15)


def test_a_constant_image_is_the_uniform_measure():
    rng = np.random.default_rng(2)
    y = rng.random((200, 2)) * [2, 1]
    h = 0.02 * rng.standard_normal(200)
    u = gm.PowerDiagram(y, h, gm.Uniform(BOX))
    g = gm.PowerDiagram(y, h, gm.GridDensity(np.full((7, 13), 3.0), BOX))
    np.testing.assert_allclose(g.masses, u.masses, rtol=1e-12, atol=1e-16)
    live = ~u.empty
    np.testing.assert_allclose(g.barycenters[live], u.barycenters[live], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g.cost, u.cost, rtol=1e-11, atol=1e-17)
    np.testing.assert_allclose(g.hessian().toarray(), u.hessian().toarray(), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("boundary", [0.3, 0.5, 1.37])
def test_two_targets_split_a_two_level_image_in_closed_form(boundary):
    """Density 1 on [0, 1] x [0, 1], 3 on [1, 2] x [0, 1] (normalised by 4): targets (0.5, 0.5), (1.5, 0.5)
    with heights making the facet the line x = b (``b (y_2 - y_1)_x = h_1 - h_2``): the left cell carries
    ``min(b, 1) / 4 + 3 max(b - 1, 0) / 4``; its facet density is that of the pixel column at b (the mean of
    both at b = 1 would be 2 / 4)."""
    src = gm.GridDensity([[1.0, 3.0]], BOX)
    y = np.array([[0.5, 0.5], [1.5, 0.5]])
    pd = gm.PowerDiagram(y, [boundary, 0.0], src)
    left = min(boundary, 1) / 4 + 3 * max(boundary - 1, 0) / 4
    np.testing.assert_allclose(pd.masses, [left, 1 - left], rtol=1e-14)
    rho = 1 / 4 if boundary < 1 else 3 / 4
    np.testing.assert_allclose(pd.hessian().toarray(), rho * np.array([[1, -1], [-1, 1]]), rtol=1e-13)


def test_a_facet_on_a_pixel_edge_takes_the_mean_of_both_pixels():
    src = gm.GridDensity([[1.0, 3.0]], BOX)
    pd = gm.PowerDiagram(np.array([[0.5, 0.5], [1.5, 0.5]]), [1.0, 0.0], src)
    np.testing.assert_allclose(pd.hessian().toarray(), 0.5 * np.array([[1, -1], [-1, 1]]), rtol=1e-13)


def test_hessian_is_the_derivative_of_the_masses(image):
    rng = np.random.default_rng(3)
    y = rng.random((40, 2)) * [2, 1]
    h = 0.01 * rng.standard_normal(40)
    hessian = gm.PowerDiagram(y, h, image).hessian().toarray()
    step = 1e-7
    for i in rng.choice(40, 8, replace=False):
        e = np.zeros(40)
        e[i] = step
        column = (gm.PowerDiagram(y, h + e, image).masses - gm.PowerDiagram(y, h - e, image).masses) / (2 * step)
        np.testing.assert_allclose(column, hessian[:, i], atol=2e-6 * np.abs(hessian).max())


def test_the_kernel_on_hand_made_polygons_against_shapely():
    """Any convex polygons (not cells), far from the grid's origin and smaller than a pixel, or larger."""
    rng = np.random.default_rng(4)
    values = rng.random((11, 6))
    src = gm.GridDensity(values, gm.Box([10.0, -3.0], [13.0, 2.5]))
    polygons = []
    for size in [0.01, 0.3, 2.0]:
        for _ in range(5):
            pts = src.domain.lower + rng.random((12, 2)) * size + rng.random(2) * (src.domain.upper - src.domain.lower - size)
            hull = shapely.convex_hull(shapely.multipoints(pts))
            polygons.append(np.asarray(shapely.get_coordinates(shapely.orient_polygons(hull)))[:-1])
    counts = np.array([len(p) for p in polygons], np.int64)
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    vertices = np.vstack(polygons)
    labels = np.arange(len(vertices), dtype=np.int64)
    sites = np.array([p.mean(axis=0) for p in polygons])
    moments, facets = grid_cells(offsets, counts, vertices, labels, sites, src.pixel_masses, src.domain.lower,
                                 src.step, len(vertices))
    reference = shapely_moments([shapely.Polygon(p) for p in polygons], sites, src)
    np.testing.assert_allclose(moments, reference, rtol=1e-11, atol=1e-16)
    # each edge's measure: its pieces in every pixel by shapely
    pixels = pixel_boxes(src.shape, src.domain)
    rho = src.values.ravel()
    nxt = np.r_[np.arange(1, len(vertices)), 0]
    nxt[offsets[1:] - 1] = offsets[:-1]
    for k in rng.choice(len(vertices), 20, replace=False):
        segment = shapely.LineString([vertices[k], vertices[nxt[k]]])
        lengths = shapely.length(shapely.intersection(pixels, segment))
        np.testing.assert_allclose(facets[k], (rho * lengths).sum(), rtol=1e-12)


def test_targets_on_black_pixels_converge_from_the_largest_white_rectangle():
    """A white disk on black; uniform targets over the whole box, most of their Voronoi cells black."""
    n = 128
    xx, yy = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n)
    src = gm.GridDensity(((xx - 0.5) ** 2 + (yy - 0.5) ** 2 < 0.09) * (1 + xx), gm.Box([0, 0], [1, 1]))
    y = np.random.default_rng(5).random((800, 2))
    assert (src.density(y) == 0).any()
    res = gm.solve(src, y, tol=1e-10)
    check_solution(res, np.full(800, 1 / 800), 1e-10)
    assert res.iterations <= 15


def test_a_support_in_two_parts_converges_from_the_assignment_start():
    """Two bright blobs on black, far apart: the support is disconnected, and the similarity start maps the
    targets into the largest white rectangle (in the larger blob), leaving the other blob to a few cells with
    50-200 times their mass. From that start: 82 damped steps (203 at n = 1500); from the assignment start, 7
    (11)."""
    n = 96
    xx, yy = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n)
    values = np.exp(-((xx - 0.3) ** 2 + (yy - 0.35) ** 2) / 0.02) + 0.5 * np.exp(-((xx - 0.78) ** 2 + (yy - 0.75) ** 2) / 0.006)
    values[values < 0.1] = 0.0
    src = gm.GridDensity(values, gm.Box([0, 0], [1, 1]))
    assert not src.convex_support and gm.GridDensity(values + 1, src.domain).convex_support
    y = np.random.default_rng(0).random((500, 2))
    res = gm.solve(src, y, tol=1e-9)
    check_solution(res, np.full(500, 1 / 500), 1e-9)
    assert "optimal assignment" in res.message and res.iterations <= 15


def test_solve_with_masses_and_targets_outside_the_box(image):
    rng = np.random.default_rng(6)
    y = rng.random((300, 2)) * [4, 2] + [3, -0.5]
    nu = rng.random(300) + 0.5
    nu /= nu.sum()
    res = gm.solve(image, y, nu, tol=1e-10)
    check_solution(res, nu, 1e-10)
    # what the result says of itself, re-measured by a fresh diagram and by shapely on a few cells
    cells = res.diagram.cell_geometries()
    pick = rng.choice(300, 6, replace=False)
    reference = shapely_moments(cells[pick], y[pick], image)
    np.testing.assert_allclose(res.masses[pick], reference[:, 0], rtol=1e-11)


def test_monte_carlo_masses_agree_with_the_exact_ones(image):
    rng = np.random.default_rng(7)
    y = rng.random((30, 2)) * [2, 1]
    h = 0.01 * rng.standard_normal(30)
    exact = gm.PowerDiagram(y, h, image).masses
    masses, _ = gm.monte_carlo_masses(image, y, h, 400_000, seed=1)
    assert np.all(np.abs(masses - exact) <= 5 * np.sqrt(exact * (1 - exact) / 400_000) + 1e-12)


@pytest.mark.parametrize("qmc", [False, True])
def test_samples_follow_the_pixel_masses(image, qmc):
    k = 1 << 17
    x = image.sample(k, seed=3, qmc=qmc)
    assert image.domain.contains(x).all()
    ny, nx = image.shape
    col = np.floor((x[:, 0] - BOX.lower[0]) / image.step[0]).astype(int)
    row = np.floor((x[:, 1] - BOX.lower[1]) / image.step[1]).astype(int)
    counts = np.bincount(row * nx + col, minlength=ny * nx) / k
    p = image.pixel_masses.ravel()
    assert counts[p == 0].sum() == 0
    assert np.all(np.abs(counts - p) <= 5 * np.sqrt(p * (1 - p) / k) + 1e-12)


def test_largest_rectangle_against_brute_force():
    rng = np.random.default_rng(8)
    for _ in range(20):
        mask = rng.random((rng.integers(1, 9), rng.integers(1, 9))) < 0.7
        r0, c0, r1, c1 = largest_rectangle(mask)
        best = max((int((b - a) * (d - c)) for a in range(mask.shape[0]) for b in range(a + 1, mask.shape[0] + 1)
                    for c in range(mask.shape[1]) for d in range(c + 1, mask.shape[1] + 1) if mask[a:b, c:d].all()),
                   default=0)
        assert (r1 - r0) * (c1 - c0) == best
        assert mask[r0:r1, c0:c1].all()


def test_from_image_is_upright_and_inverts(tmp_path):
    from PIL import Image

    picture = np.zeros((4, 6), np.uint8)
    picture[0, :] = 255  # the top row of the picture is white
    path = tmp_path / "top.png"
    Image.fromarray(picture).save(path)
    src = gm.GridDensity.from_image(path)
    np.testing.assert_array_equal(src.domain.upper, [1.0, 4 / 6])
    assert src.pixel_masses[-1].sum() == pytest.approx(1.0) and src.density([[0.5, 0.6]])[0] > 0
    dark = gm.GridDensity.from_image(path, invert=True)
    assert dark.pixel_masses[-1].sum() == 0 and dark.pixel_masses[0].sum() == pytest.approx(1 / 3)
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[..., 1] = 255
    np.testing.assert_allclose(gm.GridDensity.from_image(rgb, BOX).pixel_masses, 1 / 24)
    Image.fromarray(rgb).save(tmp_path / "green.jpg")
    np.testing.assert_allclose(gm.GridDensity.from_image(tmp_path / "green.jpg", BOX).pixel_masses, 1 / 24,
                               rtol=0.02)


@pytest.mark.parametrize("values, match", [
    ([[1.0, -1.0]], ">= 0"),
    ([[1.0, np.nan]], "finite"),
    ([[0.0, 0.0]], "positive finite sum"),
    ([1.0, 2.0], "one axis per dimension"),
    ([[1.0, 2.0j]], "real"),
    ("image", "array of numbers"),
])
def test_bad_images_are_refused(values, match):
    with pytest.raises(gm.GeomotError, match=match):
        gm.GridDensity(values, BOX)


def test_bad_domains_and_pictures_are_refused(tmp_path):
    with pytest.raises(gm.GeomotError, match="geomot.Box"):
        gm.GridDensity([[1.0]], gm.Disk([0, 0], 1))
    with pytest.raises(gm.GeomotError, match=r"\[0, 1\]"):
        gm.GridDensity.from_image(np.full((3, 3), 2.5))
    with pytest.raises(gm.GeomotError, match="grayscale"):
        gm.GridDensity.from_image(np.zeros((3, 3, 2)))
    (tmp_path / "not.png").write_text("not a picture")
    with pytest.raises(gm.GeomotError, match="could not be read"):
        gm.GridDensity.from_image(tmp_path / "not.png")
    with pytest.raises(gm.GeomotError, match="invert"):
        gm.GridDensity.from_image(np.ones((2, 2)), invert="yes")


def test_locate_and_transport_are_the_argmax_on_a_converged_image_problem():
    """Heights of a solved image problem spread far (targets on a ring, the mass on a blob): the walk on the
    adjacency (inside the box) and the lifted k-d tree (outside) give the brute-force argmax."""
    n = 64
    xx, yy = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n)
    src = gm.GridDensity(0.02 + np.exp(-((xx - 0.3) ** 2 + (yy - 0.4) ** 2) / 0.01), gm.Box([0, 0], [1, 1]))
    rng = np.random.default_rng(9)
    t = rng.uniform(0, 2 * np.pi, 500)
    y = np.column_stack([0.6 + 0.3 * np.cos(t), 0.6 + 0.3 * np.sin(t)]) + 0.02 * rng.standard_normal((500, 2))
    res = gm.solve(src, y, tol=1e-9)
    x = rng.uniform(-0.5, 1.5, (20000, 2))
    brute = np.argmax(x @ y.T + res.heights, axis=1)
    np.testing.assert_array_equal(res.diagram._argmax(x), brute)
    np.testing.assert_array_equal(res.transport(x), y[brute])
    inside = src.domain.contains(x)
    np.testing.assert_array_equal(res.diagram.locate(x), np.where(inside, brute, -1))


def test_linearised_potential_of_two_levels_in_closed_form():
    """Density 1 on the left half of [0, 2] x [0, 1], 4 on the right: ``phi'' = 2 (sqrt(rho) - mean)`` on each
    half with ``phi' = 0`` at both ends, so ``phi(x) - phi(1) = r (x^2 - 1) / 2`` on the left and
    ``-r ((2 - x)^2 - 1) / 2`` on the right, ``r = sqrt(0.4) - sqrt(1.6)``."""
    values = np.ones((8, 64))
    values[:, 32:] = 4.0
    src = gm.GridDensity(values, BOX)
    x = np.linspace(0.02, 1.98, 50)
    phi = src.linearised_potential(np.column_stack([x, np.full(50, 0.3)]))
    middle = src.linearised_potential(np.array([[1.0, 0.7]]))[0]
    r = np.sqrt(0.4) - np.sqrt(1.6)
    exact = np.where(x < 1, r * (x ** 2 - 1) / 2, -r * ((2 - x) ** 2 - 1) / 2)
    np.testing.assert_allclose(phi - middle, exact, atol=2e-3 * abs(r))
    assert phi[0] > middle > phi[-1]  # the dense side is a valley: its cells shrink


@pytest.mark.parametrize("shape,box", [((7, 9), gm.Box([0, 0], [2, 1])), ((4, 5, 6), gm.Box([0, 0, 0], [1, 2, 3]))])
def test_linearised_potential_solves_the_discrete_neumann_poisson_equation(shape, box):
    """At pixel centres, the 2d+1-point Laplacian of ``phi`` with mirrored ghost pixels is ``d (rho^(1/d) - mean)``."""
    values = np.random.default_rng(3).random(shape)
    values.flat[0] = 0.0
    src = gm.GridDensity(values, box)
    dim = src.dim
    axes = [box.lower[a] + src.step[a] * (np.arange(m) + 0.5) for a, m in zip(range(dim - 1, -1, -1), shape)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dim)[:, ::-1]  # (x, y[, z])
    phi = src.linearised_potential(grid).reshape(shape)
    padded = np.pad(phi, 1, mode="edge")
    laplacian = np.zeros(shape)
    for axis in range(dim):
        h = src.step[dim - 1 - axis]
        lo = [slice(1, -1)] * dim
        hi = [slice(1, -1)] * dim
        lo[axis], hi[axis] = slice(0, -2), slice(2, None)
        laplacian += (padded[tuple(lo)] + padded[tuple(hi)] - 2 * phi) / h ** 2
    rho = (src.pixel_masses * values.size) ** (1 / dim)
    np.testing.assert_allclose(laplacian, dim * (rho - rho.mean()), atol=1e-9 * np.abs(rho).max())


def test_uniform_targets_on_a_contrasted_image_start_from_the_density_correction():
    """A dark square with a bright disk (contrast 16), 3000 targets uniform in the box: the Voronoi start
    corrected by the linearised potential takes fewer steps than the Voronoi start itself; targets drawn from
    the image keep the Voronoi start (already right: the correction is for evenly spread targets)."""
    m = 128
    xx, yy = np.meshgrid((np.arange(m) + 0.5) / m, (np.arange(m) + 0.5) / m)
    values = 0.06 + 0.9 * ((xx - 0.45) ** 2 + (yy - 0.55) ** 2 < 0.1) * (1 - 0.5 * xx)
    src = gm.GridDensity(values, gm.Box([0, 0], [1, 1]))
    y = np.random.default_rng(2).random((3000, 2))
    fitted = gm.solve(src, y, tol=1e-9)
    voronoi = gm.solve(src, y, tol=1e-9, heights0=-0.5 * (y ** 2).sum(axis=1))
    check_solution(fitted, np.full(3000, 1 / 3000), 1e-9)
    assert "density_correction" in fitted.message and "density_correction" not in voronoi.message
    assert fitted.iterations < 0.8 * voronoi.iterations
    drawn = gm.solve(src, src.sample(3000, seed=1), tol=1e-9)
    assert drawn.converged and "density_correction" not in drawn.message
