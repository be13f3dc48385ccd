"""PowerDiagram in 3D against closed forms, brute-force half-space intersection and voro++ (pyvoro)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import ConvexHull

import geomot as gm
from ..cases import SPATIAL_DOMAINS as DOMAINS
from ..cases import UNIT_CUBE, generic_heights, lattice, polytope_faces, unit_state
from ..cases import random_points_in as random_points
from ..reference3d import brute_force_cells

def dense_facets(pd):
    indptr, indices = pd.neighbors
    n = len(pd.points)
    f = np.zeros((n, n))
    f[np.repeat(np.arange(n), np.diff(indptr)), indices] = pd.facet_measures
    return f


# ---------------------------------------------------------------- closed forms
@pytest.mark.parametrize("a,b,c", [(1, 1, 1), (2, 2, 2), (3, 2, 4), (5, 5, 5), (1, 7, 2)])
def test_grid_centres_voronoi_closed_form(a, b, c):
    """Grid centres with Voronoi heights -|y|^2/2 (cospherical): boxes of volume 1/(abc)."""
    y = lattice(a, b, c)
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), gm.Uniform(UNIT_CUBE))
    assert isinstance(pd, gm.PowerDiagram)
    n = a * b * c
    np.testing.assert_allclose(pd.masses, 1 / n, rtol=1e-12)
    np.testing.assert_allclose(pd.volumes, 1 / n, rtol=1e-12)
    np.testing.assert_allclose(pd.barycenters, y, atol=1e-14)
    # a cell of sides (1/a, 1/b, 1/c) about its centre: volume * (sum of squared sides) / 12, / 2 for the cost
    np.testing.assert_allclose(pd.cost, (1 / a ** 2 + 1 / b ** 2 + 1 / c ** 2) / 24 / n, rtol=1e-12)
    d = np.abs(y[:, None, :] - y[None, :, :])
    sides = np.array([1 / a, 1 / b, 1 / c])
    expected_f = np.zeros((n, n))
    expected_h = np.zeros((n, n))
    for k in range(3):
        others = [m for m in range(3) if m != k]
        adjacent = np.isclose(d[..., k], sides[k]) & (d[..., others] < 1e-12).all(-1)
        area = sides[others[0]] * sides[others[1]]
        expected_f += np.where(adjacent, area, 0.0)
        expected_h += np.where(adjacent, -area / sides[k], 0.0)  # density 1
    np.fill_diagonal(expected_h, -expected_h.sum(1))
    np.testing.assert_allclose(dense_facets(pd), expected_f, atol=1e-13)
    H = pd.hessian().toarray()
    np.testing.assert_allclose(H, expected_h, atol=1e-11 * max(1, np.abs(expected_h).max()))
    _, indices = pd.neighbors
    assert len(indices) == np.count_nonzero(expected_f)


def test_diagonal_scaling_closed_form():
    """y = A c + b with diagonal A: heights -c^T A c / 2 - <b, c>-free still give equal masses (box cells)."""
    c = lattice(4, 3, 5)
    A = np.array([3.0, 0.2, 1.7])
    y = c * A + np.array([-2.0, 5.0, 0.5])
    pd = gm.PowerDiagram(y, -0.5 * (c ** 2 * A).sum(1), gm.Uniform(UNIT_CUBE))
    np.testing.assert_allclose(pd.masses, 1 / 60, rtol=1e-12)
    np.testing.assert_allclose(pd.barycenters, c, atol=1e-13)


# ---------------------------------------------------------------- brute force
@pytest.mark.parametrize("name", list(DOMAINS))
@pytest.mark.parametrize("spill", [0.0, 0.3])
def test_cells_match_brute_force(name, spill):
    domain = DOMAINS[name]
    rng = np.random.default_rng(1)
    y = random_points(domain, 24, rng, spill)
    h = generic_heights(domain, y, rng)
    pd = gm.PowerDiagram(y, h, gm.Uniform(domain))
    scale = domain.volume ** (1 / 3)
    vol, bary, second, facets = brute_force_cells(y, h, *domain.clip_halfspaces()[:2], scale=scale)
    assert vol.sum() == pytest.approx(domain.volume, rel=1e-9)
    np.testing.assert_allclose(pd.volumes, vol, rtol=0, atol=1e-11 * domain.volume)
    np.testing.assert_allclose(pd.masses, vol / domain.volume, rtol=0, atol=1e-11)
    assert abs(pd.masses.sum() - 1) < 1e-12
    assert pd.empty.any() and not pd.empty.all()  # the case exercises empty cells
    np.testing.assert_array_equal(pd.empty, vol <= 1e-12 * domain.volume)
    live = vol > 1e-6 * domain.volume
    np.testing.assert_allclose(pd.barycenters[live], bary[live], rtol=0, atol=1e-8 * scale)
    assert np.isnan(pd.barycenters[pd.empty]).all()
    np.testing.assert_allclose(pd.cost, second / 2 / domain.volume, rtol=1e-8, atol=1e-12 * scale ** 2)
    np.testing.assert_allclose(dense_facets(pd), (facets + facets.T) / 2, rtol=0, atol=1e-10 * scale ** 2)


def test_points_outside_the_domain_match_brute_force():
    rng = np.random.default_rng(12)
    y = np.vstack([random_points(UNIT_CUBE, 10, rng), 3 + rng.random((5, 3)), -2 - rng.random((5, 3))])
    h = -0.5 * (y ** 2).sum(1)
    pd = gm.PowerDiagram(y, h, UNIT_CUBE)
    vol, *_ = brute_force_cells(y, h, *UNIT_CUBE.clip_halfspaces()[:2])
    np.testing.assert_allclose(pd.volumes, vol, atol=1e-12)


def test_pyvoro_radical_tessellation():
    """voro++'s radical (power) tessellation of a box, an independent code (no empty cells there)."""
    pyvoro = pytest.importorskip("pyvoro")
    rng = np.random.default_rng(2)
    n = 60
    lo, hi = np.array([-1.0, 0.0, 2.0]), np.array([1.0, 0.5, 3.5])
    y = lo + (hi - lo) * rng.random((n, 3))
    h = -0.5 * (y ** 2).sum(1) + 1e-3 * rng.standard_normal(n)
    pd = gm.PowerDiagram(y, h, gm.Box(lo, hi))
    assert not pd.empty.any()
    psi = pd.weights  # |x - y_i|^2 - psi_i smallest; voro++ uses |x - y_i|^2 - r_i^2
    radii = np.sqrt(psi - psi.min() + 1e-3)
    cells = pyvoro.compute_voronoi(y.tolist(), np.column_stack([lo, hi]).tolist(), 0.3, radii=radii.tolist())
    np.testing.assert_allclose(pd.volumes, [c["volume"] for c in cells], rtol=1e-9)
    f = np.zeros((n, n))
    for i, c in enumerate(cells):
        v = np.asarray(c["vertices"])
        for face in c["faces"]:
            j = face["adjacent_cell"]
            if j >= 0:
                p = v[face["vertices"]]
                f[i, j] += 0.5 * np.linalg.norm(np.cross(p[1:-1] - p[0], p[2:] - p[0]).sum(0))
    np.testing.assert_allclose(dense_facets(pd), (f + f.T) / 2, atol=1e-9 * np.abs(f).max())


def test_pyvoro_at_an_optimal_transport_solution():
    """voro++ at solved heights, n = 2000 clustered targets: weights far from Voronoi, the k-d tree walk at scale."""
    pyvoro = pytest.importorskip("pyvoro")
    rng = np.random.default_rng(5)
    y = np.vstack([0.5 + 0.15 * rng.standard_normal((1500, 3)), rng.random((500, 3))]).clip(0.01, 0.99)
    res = gm.solve(gm.Uniform(UNIT_CUBE), y, tol=1e-9)
    assert res.converged and not res.diagram.empty.any()
    psi = res.diagram.weights
    radii = np.sqrt(psi - psi.min() + 1e-3)
    cells = pyvoro.compute_voronoi(y.tolist(), [[0.0, 1.0]] * 3, 0.05, radii=radii.tolist())
    volumes = np.array([c["volume"] for c in cells])
    np.testing.assert_allclose(volumes, res.diagram.volumes, rtol=1e-8)
    np.testing.assert_allclose(volumes, 1 / len(y), rtol=1e-8)
    count = [sum(f["adjacent_cell"] >= 0 for f in c["faces"]) for c in cells]
    np.testing.assert_array_equal(np.diff(res.diagram.neighbors[0]), count)


# ---------------------------------------------------------------- degenerate input
DEGENERATE = ["n=1", "n=2", "n=3", "n=4", "n=4 coplanar", "coplanar", "collinear", "on boundary",
              "lattice equal heights", "lattice Voronoi", "all hidden but one", "far outside"]


@pytest.mark.parametrize("case", DEGENERATE)
def test_degenerate_configurations_just_work(case):
    rng = np.random.default_rng(4)
    plane = np.column_stack([rng.random((12, 2)), np.full(12, 0.5)])
    corners = lattice(2, 2, 2) * 2 - 0.5  # the cube's corners
    y = {
        "n=1": np.array([[0.3, 0.4, 0.9]]),
        "n=2": np.array([[0.3, 0.4, 0.1], [0.6, 0.2, 0.7]]),
        "n=3": rng.random((3, 3)),
        "n=4": rng.random((4, 3)),
        "n=4 coplanar": plane[:4],
        "coplanar": plane,
        "collinear": np.column_stack([np.linspace(0.1, 0.9, 7), np.full(7, 0.5), np.full(7, 0.2)]),
        "on boundary": np.vstack([corners, [[0.5, 0.5, 0.5], [0.5, 0, 0.5], [1, 0.5, 0.5]]]),
        "lattice equal heights": np.stack(np.meshgrid(*[np.linspace(0, 1, 4)] * 3), -1).reshape(-1, 3),
        "lattice Voronoi": lattice(4, 4, 4),
        "all hidden but one": np.array([[0.5, 0.5, 0.5], [0.2, 0.2, 0.2], [0.8, 0.3, 0.1], [0.1, 0.9, 0.4]]),
        "far outside": np.array([[1e3, 0, 0], [1e3, 1, 0], [1001, 0.5, 0.3], [1e3, 0.2, 1]]),
    }[case]
    h = {"lattice equal heights": np.zeros(len(y)), "all hidden but one": np.array([10.0, 0, 0, 0])}.get(
        case, -0.5 * (y ** 2).sum(1))
    pd = gm.PowerDiagram(y, h, gm.Uniform(UNIT_CUBE))
    vol, _, _, facets = brute_force_cells(y, h, *UNIT_CUBE.clip_halfspaces()[:2])
    np.testing.assert_allclose(pd.masses, vol, atol=1e-9)
    assert abs(pd.masses.sum() - 1) < 1e-12
    np.testing.assert_allclose(dense_facets(pd), (facets + facets.T) / 2, atol=1e-9)
    H = pd.hessian().toarray()
    np.testing.assert_allclose(H.sum(1), 0, atol=1e-10 * max(1, np.abs(H).max()))


# ---------------------------------------------------------------- the rest of the API
@pytest.mark.parametrize("name", ["cube", "polytope"])
def test_locate_is_argmax_and_minus_one_outside(name):
    domain = DOMAINS[name]
    rng = np.random.default_rng(5)
    y = random_points(domain, 40, rng, 0.2)
    h = generic_heights(domain, y, rng)
    pd = gm.PowerDiagram(y, h, gm.Uniform(domain))
    x = random_points(domain, 3000, rng, 0.1)
    got = pd.locate(x)
    normals, offsets, _ = domain.clip_halfspaces()
    inside = (x @ normals.T <= offsets).all(1)
    assert inside.any() and (~inside).any()
    np.testing.assert_array_equal(got[inside], np.argmax(x @ y.T + h, axis=1)[inside])
    assert (got[~inside] == -1).all()
    # Monte Carlo masses agree with the exact ones (3 sigma of a binomial)
    m = 200_000
    x = random_points(domain, m, rng)
    cell = pd.locate(x)
    freq = np.bincount(cell[cell >= 0], minlength=40) / (cell >= 0).sum()
    assert np.all(np.abs(freq - pd.masses) <= 4 * np.sqrt(pd.masses / (cell >= 0).sum()) + 1e-12)


@pytest.mark.parametrize("name", ["cube", "polytope"])
def test_cells_and_polyhedra(name):
    domain = DOMAINS[name]
    rng = np.random.default_rng(6)
    y = random_points(domain, 30, rng, 0.2)
    pd = gm.PowerDiagram(y, generic_heights(domain, y, rng), gm.Uniform(domain))
    cells, polys = pd.cells, pd.polyhedra()
    assert len(cells) == len(polys) == 30
    for i in range(30):
        if pd.empty[i]:
            assert cells[i].shape == (0, 3)
            continue
        assert ConvexHull(cells[i]).volume == pytest.approx(pd.volumes[i], rel=1e-9)
        verts, faces, nbr = polys[i]
        assert len(faces) == len(nbr)
        # divergence theorem with the outward orientation: sum of signed cone volumes about the barycentre
        b = pd.barycenters[i]
        vol = sum(np.cross(verts[f[1:-1]] - verts[f[0]], verts[f[2:]] - verts[f[0]]).sum(0) @ (verts[f[0]] - b) / 6
                  for f in faces)
        assert vol == pytest.approx(pd.volumes[i], rel=1e-9)
    pairs, polygons = pd.facets()
    f = dense_facets(pd)
    areas = [0.5 * np.linalg.norm(np.cross(p[1:-1] - p[0], p[2:] - p[0]).sum(0)) for p in polygons]
    np.testing.assert_allclose(areas, f[pairs[:, 0], pairs[:, 1]], rtol=1e-9)


def test_weights_round_trip():
    rng = np.random.default_rng(9)
    y = rng.random((40, 3))
    h = generic_heights(UNIT_CUBE, y, rng, 0.005)
    pd = gm.PowerDiagram(y, h, UNIT_CUBE)
    np.testing.assert_allclose(pd.weights, 2 * h + (y ** 2).sum(1), atol=1e-14)
    other = gm.PowerDiagram.from_weights(y, pd.weights, UNIT_CUBE)
    assert type(other) is type(pd)
    np.testing.assert_allclose(other.heights, h, atol=1e-14)
    np.testing.assert_allclose(other.masses, pd.masses, atol=1e-15)


# ---------------------------------------------------------------- domains and bad input
def test_convex_polytope_two_ways():
    cube = gm.ConvexPolytope(lattice(2, 2, 2) * 2 - 0.5)  # interior points would be dropped too
    assert cube.volume == pytest.approx(1.0) and len(cube.normals) == 6 and len(cube.vertices) == 8
    lo, hi = cube.bounds
    np.testing.assert_allclose(lo, 0) and np.testing.assert_allclose(hi, 1)
    cut = gm.ConvexPolytope.from_halfspaces(np.vstack([np.eye(3), -np.eye(3), [[1, 1, 1]]]),
                                            [1, 1, 1, 0, 0, 0, 1.5])
    assert cut.volume == pytest.approx(0.5, rel=1e-12)  # the plane x+y+z=1.5 halves the cube
    assert "ConvexPolytope" in repr(cut)
    np.testing.assert_array_equal(cut.contains([[0.1, 0.1, 0.1], [0.9, 0.9, 0.9], [1, 0.5, 0]]), [True, False, True])
    # the cube as a polytope and as a Box give the same diagram
    rng = np.random.default_rng(10)
    y = rng.random((30, 3))
    h = generic_heights(UNIT_CUBE, y, rng)
    np.testing.assert_allclose(gm.PowerDiagram(y, h, cube).masses, gm.PowerDiagram(y, h, UNIT_CUBE).masses,
                               atol=1e-13)


@pytest.mark.parametrize("make,match", [
    (lambda: gm.ConvexPolytope([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]]), "flat"),
    (lambda: gm.ConvexPolytope([[0, 0, 0], [1, 0, 0], [0, 1, 0]]), "at least 4"),
    (lambda: gm.ConvexPolytope(np.zeros((5, 3))), "coincide"),
    (lambda: gm.ConvexPolytope([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, np.nan]]), "NaN"),
    (lambda: gm.ConvexPolytope(np.eye(4)), r"shape \(n, 3\)"),
    (lambda: gm.ConvexPolytope.from_halfspaces(np.eye(3), [1, 1, 1]), "unbounded"),
    (lambda: gm.ConvexPolytope.from_halfspaces(np.vstack([np.eye(3), -np.eye(3)]), [1, 1, 1, -2, 0, 0]), "empty"),
    (lambda: gm.ConvexPolytope.from_halfspaces(np.vstack([np.eye(3), -np.eye(3)]), [1, 1, 0, 0, 0, 0]), "flat"),
    (lambda: gm.ConvexPolytope.from_halfspaces(np.zeros((4, 3)), [1, 1, 1, 1]), "zero row"),
    (lambda: gm.Box([0, 0, 0], [1, 1, 0]), "lower < upper"),
    (lambda: gm.Box([0, 0, 0], [1, 1]), "equal shape"),
])
def test_bad_domains(make, match):
    with pytest.raises(gm.GeomotError, match=match):
        make()


@pytest.mark.parametrize("points,heights,match", [
    ([[0.1, 0.2, np.nan], [0.5, 0.5, 0.5]], [0, 0], "NaN"),
    ([[0.1, 0.2], [0.5, 0.5]], [0, 0], "dimension 2"),
    ([0.1, 0.2, 0.3], [0], "2-D array"),
    ([[0.1, 0.2, 0.3], [0.5, 0.5, 0.5]], [0, 0, 0], r"shape \(2\)"),
    ([[0.1, 0.2, 0.3], [0.5, 0.5, 0.5]], [0, np.inf], "inf"),
    ([[0.1, 0.2, 0.3], [0.5, 0.5, 0.5], [0.1, 0.2, 0.3]], [0, 0, 0], "coincide"),
    (np.empty((0, 3)), [], "at least 1"),
])
def test_bad_input_raises(points, heights, match):
    with pytest.raises(gm.GeomotError, match=match):
        gm.PowerDiagram(points, heights, UNIT_CUBE)


def test_bad_input_solve_and_locate():
    with pytest.raises(gm.GeomotError, match="dimension 2"):
        gm.solve(UNIT_CUBE, np.random.default_rng(0).random((5, 2)))
    with pytest.raises(gm.GeomotError, match="sum to 1"):
        gm.solve(UNIT_CUBE, np.random.default_rng(0).random((5, 3)), np.ones(5))
    pd = gm.PowerDiagram(np.random.default_rng(0).random((5, 3)), np.zeros(5), UNIT_CUBE)
    with pytest.raises(gm.GeomotError, match=r"shape \(n, 3\)"):
        pd.locate(np.zeros((4, 2)))
    with pytest.raises(gm.GeomotError, match="2D only"):
        pd.cell_geometries()


# ---------------------------------------------------------------- the clipping kernel on exact degenerate cuts
def _polytope_volume(normals, offsets):
    from geomot._kernels.spatial.cells import polyhedron_moments
    start = polytope_faces(normals, offsets, 2.0)
    out = np.zeros(5)
    if len(start.flab) < 4:
        return 0.0, start.flab
    polyhedron_moments(start, len(start.V), len(start.flab), np.zeros(3), out, np.zeros(0))
    return out[0], start.flab


@pytest.mark.parametrize("extra,offset,volume", [
    ([1, 1, 0], 1.0, 1 / 2),       # through two opposite edges of the cube
    ([1, 1, 1], 1.0, 1 / 6),       # through three vertices: a corner tetrahedron
    ([1, 1, 1], 2.0, 5 / 6),       # through the other three
    ([1, 0, 0], 1.0, 1.0),         # on a face: nothing cut
    ([1, 0, 0], 0.0, 0.0),         # on the opposite face: nothing left
    ([-1, -1, -1], -3.0, 0.0),     # touches one vertex from outside
    ([1, -1, 0], 0.0, 1 / 2),      # through the diagonal plane
])
def test_clip_exact_degenerate_planes(extra, offset, volume):
    eye = np.eye(3)
    normals = np.vstack([eye, -eye, extra])
    offsets = np.r_[1, 1, 1, 0, 0, 0, offset]
    got, labels = _polytope_volume(normals, offsets)
    assert got == pytest.approx(volume, abs=1e-15)
    if volume > 0:
        assert (labels >= -7).all()  # only faces of the given half-spaces, none of the starting cube


def test_cap_by_angle_orders_a_scrambled_ring():
    from geomot._kernels.spatial.cells import _cap_by_angle
    square = np.array([[0, 0, 0], [1, 1, 0], [1, 0, 0], [0, 1, 0], [5, 5, 5]], float)
    on = np.array([True, True, True, True, False])
    out = np.full(8, -1, np.int64)
    end = _cap_by_angle(square, 5, on, np.array([0, 0, 2.0]), out, 2, np.empty(5, np.int64), np.empty(5))
    assert end == 6
    ring = square[out[2:6]]
    normal = np.cross(ring[1:-1] - ring[0], ring[2:] - ring[0]).sum(0) / 2
    np.testing.assert_allclose(normal, [0, 0, 1])  # unit square, counter-clockwise seen from +z


@settings(max_examples=25, deadline=None)
@given(st.integers(4, 12), st.integers(1, 10), st.integers(0, 2 ** 32 - 1), st.floats(0.0, 0.5))
def test_random_polytopes_match_brute_force(n_vertices, n_points, seed, spill):
    """Random convex polytopes (hulls of random points), random points and heights: volumes and facets."""
    rng = np.random.default_rng(seed)
    domain = gm.ConvexPolytope(rng.standard_normal((n_vertices, 3)) * [1.0, 0.5, 2.0])
    y = random_points(domain, n_points, rng, spill)
    h = generic_heights(domain, y, rng, 0.01)
    pd = gm.PowerDiagram(y, h, gm.Uniform(domain))
    scale = domain.volume ** (1 / 3)
    vol, _, _, facets = brute_force_cells(y, h, *domain.clip_halfspaces()[:2], scale=scale)
    # the reference calls a cell empty below an inscribed radius of 1e-9 scale (LP tolerances): the
    # tolerances leave room for such slivers, which random heights can make
    np.testing.assert_allclose(pd.volumes, vol, rtol=0, atol=5e-8 * domain.volume)
    assert abs(pd.masses.sum() - 1) < 1e-12
    np.testing.assert_allclose(dense_facets(pd), (facets + facets.T) / 2, rtol=0, atol=5e-7 * scale ** 2)


@pytest.mark.parametrize("k", [0.0, 2.0, 1e3, 1e6])
@pytest.mark.parametrize("heights", ["Voronoi", "equal"])
def test_perturbed_lattice(k, heights):
    """A cubic lattice (cospherical: every vertex shared by 8 cells) perturbed by k machine epsilons.

    The nearly degenerate cuts go through the rounding snap and the cap fallback of the kernel;
    masses move by O(perturbation) only, and every facet of the lattice is found.
    """
    rng = np.random.default_rng(int(k) + 1)
    delta = k * np.finfo(float).eps
    y = lattice(4, 4, 4) + delta * rng.standard_normal((64, 3))
    h = -0.5 * (y ** 2).sum(1) if heights == "Voronoi" else np.zeros(64)
    pd = gm.PowerDiagram(y, h, UNIT_CUBE)
    assert abs(pd.masses.sum() - 1) < 1e-12
    H = pd.hessian().toarray()
    np.testing.assert_allclose(H.sum(1), 0, atol=1e-10 * max(1, np.abs(H).max()))
    if heights == "Voronoi":
        np.testing.assert_allclose(pd.masses, 1 / 64, atol=50 * delta + 1e-14)
        # 3 directions x 3 inner planes of area 1, each facet listed from both sides
        assert pd.facet_measures.sum() / 2 == pytest.approx(9.0, abs=1e3 * delta + 1e-12)
        assert np.count_nonzero(pd.facet_measures > 1e-3) == 2 * 3 * 3 * 16
    else:
        # equal heights: argmax <x, y_i> over x >= 0 is the corner point (7/8, 7/8, 7/8), up to the
        # perturbation: all the other cells are empty or slivers along the faces x_k = 0
        vol, *_ = brute_force_cells(y, h, *UNIT_CUBE.clip_halfspaces()[:2])
        np.testing.assert_allclose(pd.masses, vol, atol=1e-9)


# ---------------------------------------------------------------- the two ways to find the clipping planes
def _cells_as_dicts(cells, n):
    moments, indptr, indices, facets = cells[:4]
    rows = np.repeat(np.arange(n), np.diff(indptr))
    keep = (indices < n) & (facets > 0)
    return moments, {(int(i), int(j)): f for i, j, f in zip(rows[keep], indices[keep], facets[keep])}


def _assert_same_cells(cells, reference, n):
    """Two cell builders' ``(moments, indptr, indices, facets, ...)`` agree: moments to 1e-13, facets to 1e-12."""
    m1, f1 = _cells_as_dicts(cells, n)
    m2, f2 = _cells_as_dicts(reference, n)
    np.testing.assert_allclose(m1, m2, rtol=0, atol=1e-13)
    # near-cospherical input leaves slivers (area ~1e-13 here) that one method may list and the other not
    tiny = 1e-10
    assert {k for k, v in f1.items() if v > tiny} == {k for k, v in f2.items() if v > tiny}
    np.testing.assert_allclose([f1.get(k, 0) for k in f2], list(f2.values()), rtol=0, atol=1e-12)


@pytest.mark.parametrize("case", ["uniform", "spill", "clustered", "lattice equal heights", "lattice Voronoi",
                                  "perturbed lattice", "noisy heights", "polytope", "ball"])
def test_tree_walk_matches_the_triangulation(case):
    """The k-d tree walk with its security test finds the same cells and facets as the weighted Delaunay
    triangulation (Qhull), or gives up (returns None) — never a different diagram."""
    from geomot.diagram._spatial import UnitDomain as _UnitDomain3D, _tree_cells, _triangulation_cells

    rng = np.random.default_rng(8)
    domain = {"polytope": DOMAINS["polytope"], "ball": gm.Ball([0.5, 0.5, 0.5], 0.6)}.get(case, UNIT_CUBE)
    y = {
        "spill": random_points(UNIT_CUBE, 300, rng, 0.3),
        "clustered": np.vstack([0.5 + 1e-3 * rng.random((60, 3)), rng.random((60, 3))]),
        "lattice equal heights": lattice(5, 5, 5),
        "lattice Voronoi": lattice(5, 5, 5),
        "perturbed lattice": lattice(5, 5, 5) + 1e-13 * rng.standard_normal((125, 3)),
        "polytope": random_points(DOMAINS["polytope"], 300, rng),
    }.get(case, rng.random((300, 3)))
    h = {"lattice equal heights": np.zeros(len(y)),
         "noisy heights": -0.5 * (y ** 2).sum(1) + 3e-3 * rng.standard_normal(len(y))}.get(
        case, -0.5 * (y ** 2).sum(1))
    unit = _UnitDomain3D(domain)
    yu, g = unit_state(y, h, unit)
    tree = _tree_cells(yu, g, unit)
    assert tree is not None or case == "clustered"
    if tree is None:
        return
    _assert_same_cells(tree, _triangulation_cells(yu, g, unit), len(y))


def test_tree_walk_gives_up_far_from_the_domain():
    """Points handed to the backend far outside the domain (the diagram's own frame never does this: it
    centres the targets): the security test is weak, the walk gives up and the triangulation is used."""
    from geomot.diagram._frame import halfweights
    from geomot.diagram._spatial import UnitDomain as _UnitDomain3D, build

    y = 10.0 + np.random.default_rng(9).random((3000, 3))
    h = -0.5 * ((y - 10.5) ** 2).sum(1)
    unit = _UnitDomain3D(UNIT_CUBE)
    c, s = unit.frame
    yu = np.ascontiguousarray((y - c) / s)  # the domain's frame only
    cells = build(unit, yu, halfweights(yu, (h + (y - c) @ c) / s ** 2))
    assert unit.triangulate
    assert cells.moments[:, 0].sum() / unit.volume == pytest.approx(1.0, abs=1e-12)
    fresh = gm.PowerDiagram(y, h, gm.Uniform(UNIT_CUBE))
    np.testing.assert_allclose(fresh.masses, cells.moments[:, 0] / unit.volume, atol=1e-13)


@pytest.mark.parametrize("move", [1e-6, 3e4])
def test_after_the_walk_gave_up_a_cold_diagram_tries_the_last_neighbours(move, monkeypatch):
    """Once the triangulation took over, a diagram built without a previous one (a Newton trial far from the
    solution) first clips by the last diagram's neighbours, certified: a small move needs no Qhull, a large
    one falls back to it; either way the cells are the triangulation's."""
    from geomot.diagram import _spatial

    rng = np.random.default_rng(8)
    y = rng.random((500, 3))
    h = -0.5 * (y ** 2).sum(1)
    unit = _spatial.UnitDomain(UNIT_CUBE)
    unit.triangulate = True  # as once a walk gave up (far or clustered targets)
    yu, g = unit_state(y, h, unit)
    first = _spatial.build(unit, yu, g)
    assert unit.triangulate and unit.last[1] is first
    _, g2 = unit_state(y, h + move * 1e-6 * rng.standard_normal(len(y)), unit)
    calls = []
    real = _spatial._triangulation_cells
    monkeypatch.setattr(_spatial, "_triangulation_cells", lambda *a: calls.append(1) or real(*a))
    cells = _spatial.build(unit, yu, g2)
    assert bool(calls) == (move > 1e-3)
    _assert_same_cells((cells.moments, cells.indptr, cells.indices, cells.facets), real(yu, g2, unit), len(y))


def _triangulating_unit(n, rng):
    """``(unit, y, h, yu, g, diagram)``: the Voronoi diagram of n uniform targets in the cube on a unit whose walk
    has given up (as after tight clusters: the candidate path repairs without it)."""
    from geomot.diagram import _spatial

    y = rng.random((n, 3))
    h = -0.5 * (y ** 2).sum(1)
    unit = _spatial.UnitDomain(UNIT_CUBE)
    unit.triangulate = True
    yu, g = unit_state(y, h, unit)
    return unit, y, h, yu, g, _spatial.build(unit, yu, g)


@pytest.mark.parametrize("scale", [1e-4, 1e-3])
def test_after_the_walk_gave_up_changed_cells_are_clipped_by_their_neighbours_neighbours(scale, monkeypatch):
    """With the walk out (tight clusters), the cells whose facets disagree are clipped by every cell two facets
    away and certified again, with no Qhull: moves that change the neighbours of a few cells, and of most
    (clustered 3D targets at 1e5: 93 % of the cells at a step of 1/1024, 29 Qhull calls of 2.7 s each
    before); the cells are the triangulation's."""
    from geomot.diagram import _spatial

    rng = np.random.default_rng(9)
    unit, y, h, yu, g, previous = _triangulating_unit(500, rng)
    _, g2 = unit_state(y, h + scale * rng.standard_normal(len(y)), unit)
    calls, rings = [], []
    real, ring_lists = _spatial._triangulation_cells, _spatial.ring_lists
    monkeypatch.setattr(_spatial, "_triangulation_cells", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(_spatial, "ring_lists", lambda *a: rings.append(int(a[-1].sum())) or ring_lists(*a))
    cells = _spatial.build(unit, yu, g2, previous)
    assert not calls and rings and rings[0] > (200 if scale == 1e-3 else 0), rings
    _assert_same_cells((cells.moments, cells.indptr, cells.indices, cells.facets), real(yu, g2, unit), len(y))


def test_a_suspect_below_the_floor_rejects_a_candidate_diagram_before_the_other_cells_are_clipped(monkeypatch):
    """A line search's trial on a triangulating unit: the suspects are clipped by their candidates first (each
    clipped cell contains the true one, so a small one is small) and one below the floor refuses the step
    without the pass over every cell (clustered targets, 3D, 1e5: 47 refused trials 16.5 -> 8.7 s)."""
    from geomot.diagram import _spatial
    from geomot.diagram._frame import CellsRejected

    unit, y, h, yu, g, previous = _triangulating_unit(400, np.random.default_rng(11))
    g2 = g.copy()
    g2[17] -= 0.05  # cell 17 under its neighbours: (nearly) empty
    rows = []
    real = _spatial.power_cells_3d
    monkeypatch.setattr(_spatial, "power_cells_3d", lambda *a: rows.append(int((np.diff(a[2]) > 0).sum())) or real(*a))
    floor = 0.5 * previous.moments[:, 0].min()
    with pytest.raises(CellsRejected):
        _spatial.build(unit, yu, g2, previous, floor=floor, suspects=np.array([3, 17, 250]))
    assert rows == [3]
    rows.clear()
    cells = _spatial.build(unit, yu, g2, previous, floor=0.0, suspects=np.array([3, 17, 250]))
    assert cells.moments[17, 0] < floor and rows[0] == len(y)  # no floor: no screening, the cell is that small


def test_ring_lists_hold_the_cells_two_facets_away_and_the_nearest_points():
    from geomot._kernels.spatial.candidates import ring_lists

    rng = np.random.default_rng(10)
    n = 60
    rows = [sorted(set(rng.choice(n, 5, replace=False)) - {i}) for i in range(n)]
    indptr = np.r_[0, np.cumsum([len(r) for r in rows])].astype(np.int64)
    indices = np.concatenate(rows).astype(np.int64)
    facets = rng.random(len(indices)) * (rng.random(len(indices)) > 0.2)  # some zero facets: not neighbours
    first = rng.integers(0, n, (n, 3)).astype(np.int64)
    redo = rng.random(n) > 0.5
    out_ptr, out = ring_lists(indptr, indices, facets, first, redo)
    near = [set(indices[indptr[i]:indptr[i + 1]][facets[indptr[i]:indptr[i + 1]] > 0]) for i in range(n)]
    for i in range(n):
        expected = set(first[i]) | near[i] | set().union(*[near[j] for j in near[i]]) if redo[i] else set()
        assert out[out_ptr[i]:out_ptr[i + 1]].tolist() == sorted(expected - {i})


@pytest.mark.parametrize("case", ["uniform", "spill", "lattice Voronoi", "perturbed lattice", "noisy heights",
                                  "polytope", "clusters"])
@pytest.mark.parametrize("move", [1e-9, 1e-4, 1e-2])
def test_candidate_cells_match_the_tree_walk(case, move):
    """Cells clipped by the previous diagram's neighbours and nearest points, then certified, are the walk's
    cells at the new heights; a move that changes too much gives None (the caller walks), never other cells."""
    from geomot.diagram._spatial import UnitDomain as _UnitDomain3D, _candidate_cells, _tree_cells, build
    from geomot.diagram._frame import Frame

    rng = np.random.default_rng(21)
    domain = DOMAINS["polytope"] if case == "polytope" else UNIT_CUBE
    y = {
        "spill": random_points(UNIT_CUBE, 400, rng, 0.3),
        "lattice Voronoi": lattice(6, 6, 6),
        "perturbed lattice": lattice(6, 6, 6) + 1e-13 * rng.standard_normal((216, 3)),
        "polytope": random_points(domain, 400, rng),
        "clusters": np.vstack([0.3 + 0.05 * rng.random((200, 3)), 0.7 + 0.05 * rng.random((200, 3))]),
    }.get(case, rng.random((400, 3)))
    h = -0.5 * (y ** 2).sum(1)
    if case == "noisy heights":
        h += 3e-3 * rng.standard_normal(len(y))
    src = gm.Uniform(domain)
    unit = _UnitDomain3D(domain)
    yu, g = unit_state(y, h, unit)
    previous = build(unit, yu, g)
    g2 = g + move * rng.standard_normal(len(y)) / len(y) ** (2 / 3)
    cand = _candidate_cells(yu, g2, unit, previous)
    # generic input takes small moves; cospherical lattices grow slivers between diagonal neighbours,
    # missed by both cells, and tight clusters feel a move more
    assert cand is not None or move > 1e-4 or case not in ("uniform", "spill", "noisy heights", "polytope")
    if cand is None:
        return
    _assert_same_cells(cand, _tree_cells(yu, g2, unit), len(y))
    # the polyhedra of the certified rows are the cells
    pd = gm.PowerDiagram._from_unit(y, src, unit, Frame.of(unit.frame, y), yu, g2, previous=previous)
    walk = gm.PowerDiagram._from_unit(y, src, _UnitDomain3D(domain), Frame.of(unit.frame, y), yu, g2)
    for (v1, faces1, _), (v2, faces2, _) in zip(pd.polyhedra(), walk.polyhedra()):
        assert len(faces1) == len(faces2)
        if len(v1):
            assert np.abs(np.sort(v1, axis=0) - np.sort(v2, axis=0)).max() < 1e-12


def test_a_missed_neighbour_is_caught():
    """Take a facet (i, m) out of both candidate rows: the facets around it disagree, the cells are rebuilt by
    the walk, and the diagram is the walk's; with no rows at all the volumes overlap and the check says so."""
    from geomot._kernels.spatial.candidates import candidate_lists, facet_mismatch
    from geomot._kernels.spatial.cells import power_cells_3d
    from geomot.diagram._spatial import _NO_OFFSETS, UnitDomain as _UnitDomain3D, _candidate_cells, _search, build

    rng = np.random.default_rng(3)
    y = rng.random((500, 3))
    unit = _UnitDomain3D(UNIT_CUBE)
    yu, g = unit_state(y, -0.5 * (y ** 2).sum(1), unit)
    pd = build(unit, yu, g)
    first = _search(yu, unit)[1][:, :8]
    indptr, indices, facets = pd.indptr, pd.indices, pd.facets.copy()
    rows = np.repeat(np.arange(len(y)), np.diff(indptr))
    # a large facet between two cells that are not among each other's 8 nearest points
    far = np.array([j not in first[i] and i not in first[j] for i, j in zip(rows, indices)])
    s = np.flatnonzero(far)[np.argmax(facets[far])]
    i, m = rows[s], indices[s]
    facets[(rows == i) & (indices == m)] = 0.0  # candidate_lists skips facets of zero area
    facets[(rows == m) & (indices == i)] = 0.0

    class Previous:
        pass
    Previous.indptr, Previous.indices, Previous.facets = indptr, indices, facets

    ptr, idx = candidate_lists(indptr, indices, facets, np.ascontiguousarray(first))
    out = power_cells_3d(yu, g, ptr, idx, unit.start, 0.0, len(y), np.arange(len(y)), 4, False, _NO_OFFSETS)
    flags = facet_mismatch(ptr, idx, out.facets, out.moments[:, 0], 1e-11)
    assert flags.any()
    assert out.moments[:, 0].sum() > unit.volume * (1 + 1e-12)  # C_i and C_m overlap
    cells = _candidate_cells(yu, g, unit, Previous)
    assert cells is not None
    np.testing.assert_allclose(cells[0], pd.moments, rtol=0, atol=1e-13)
    got = dict(zip(zip(np.repeat(np.arange(len(y)), np.diff(cells[1])), cells[2]), cells[3]))
    assert got[(i, m)] == pytest.approx(pd.facets[s], rel=1e-10)
