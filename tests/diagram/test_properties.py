"""Properties every power diagram has, in 2D and 3D alike: written once, parametrised by dimension."""
import numpy as np
import shapely
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import Delaunay

import geomot as gm

from ..cases import SPATIAL_DOMAINS, generic_heights, planar_domains, random_points_in

DOMAINS = [(name, domain) for name, domain, _ in planar_domains()] + list(SPATIAL_DOMAINS.items())
IDS = [f"{d.dim}D {name}" for name, d in DOMAINS]
UNIT = {2: gm.Uniform(gm.Box([0, 0], [1, 1])), 3: gm.Uniform(gm.Box([0, 0, 0], [1, 1, 1]))}


@pytest.mark.parametrize("name, domain", DOMAINS, ids=IDS)
def test_hessian_matches_finite_differences(name, domain):
    rng = np.random.default_rng(2)
    y = random_points_in(domain, 30 if domain.dim == 2 else 25, rng, 0.1)
    h = generic_heights(domain, y, rng, 0.005)
    src = gm.Uniform(domain)
    H = gm.PowerDiagram(y, h, src).hessian().toarray()
    lo, hi = domain.bounds
    eps = 1e-6 * np.sum((hi - lo) ** 2)
    fd = np.empty_like(H)
    for j in range(len(y)):
        e = np.zeros(len(y))
        e[j] = eps
        fd[:, j] = (gm.PowerDiagram(y, h + e, src).masses - gm.PowerDiagram(y, h - e, src).masses) / (2 * eps)
    np.testing.assert_allclose(H, fd, rtol=0, atol=1e-5 * np.abs(H).max())
    assert np.abs(H).max() > 0


@pytest.mark.parametrize("name, domain", DOMAINS, ids=IDS)
def test_hessian_is_a_laplacian(name, domain):
    rng = np.random.default_rng(3)
    n = 60 if domain.dim == 2 else 80
    y = random_points_in(domain, n, rng, 0.2)
    pd = gm.PowerDiagram(y, generic_heights(domain, y, rng, 0.02 if domain.dim == 2 else 0.002), gm.Uniform(domain))
    H = pd.hessian()
    assert H.format == "csr" and H.shape == (n, n)
    H = H.toarray()
    np.testing.assert_allclose(H, H.T, atol=1e-12 * np.abs(H).max())
    np.testing.assert_allclose(H.sum(1), 0, atol=1e-10 * np.abs(H).max())
    assert np.linalg.eigvalsh(H).min() > -1e-9 * np.abs(H).max()
    assert (H[~np.eye(n, dtype=bool)] <= 0).all()


point_sets = st.tuples(st.integers(1, 40), st.integers(0, 2 ** 32 - 1), st.floats(0.0, 0.5), st.floats(0.0, 0.3))


def random_case(case, dim):
    n, seed, spill, noise = case
    n = n if dim == 2 else 1 + (n - 1) * 3 // 4  # 1 .. 30 in 3D
    rng = np.random.default_rng(seed)
    y = -spill + (1 + 2 * spill) * rng.random((n, dim))
    return y, -0.5 * (y ** 2).sum(1) + noise * rng.standard_normal(n), rng


@pytest.mark.parametrize("dim", [2, 3])
@settings(max_examples=50, deadline=None)
@given(point_sets, st.floats(-1e3, 1e3))
def test_masses_sum_to_one_and_constant_shift_is_invisible(dim, case, shift):
    y, h, _ = random_case(case, dim)
    pd = gm.PowerDiagram(y, h, UNIT[dim])
    assert abs(pd.masses.sum() - 1) < 1e-12
    assert (pd.masses >= 0).all()
    shifted = gm.PowerDiagram(y, h + shift, UNIT[dim])
    np.testing.assert_allclose(shifted.masses, pd.masses, atol=1e-12 * (1 + abs(shift)))


@pytest.mark.parametrize("dim", [2, 3])
@settings(max_examples=25, deadline=None)
@given(point_sets)
def test_permuting_points_permutes_cells(dim, case):
    y, h, rng = random_case(case, dim)
    p = rng.permutation(len(y))
    a = gm.PowerDiagram(y, h, UNIT[dim])
    b = gm.PowerDiagram(y[p], h[p], UNIT[dim])
    np.testing.assert_allclose(b.masses, a.masses[p], atol=1e-14)
    np.testing.assert_allclose(b.hessian().toarray(), a.hessian().toarray()[np.ix_(p, p)], atol=1e-9)


@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_coordinates_at_extreme_scales(dim, scale):
    rng = np.random.default_rng(4)
    y = rng.random((50, dim))
    h = -0.5 * (y ** 2).sum(1) + 0.01 * rng.standard_normal(50)
    ref = gm.PowerDiagram(y, h, UNIT[dim])
    off = np.array([3.0, -7.0, 2.0][:dim]) * scale
    big = gm.PowerDiagram(scale * y + off, scale ** 2 * h - (scale * y) @ off, gm.Box(off, off + scale))
    np.testing.assert_allclose(big.masses, ref.masses, atol=1e-9)
    np.testing.assert_allclose(big.volumes, ref.volumes * scale ** dim, rtol=1e-8, atol=1e-12 * scale ** dim)
    np.testing.assert_allclose(big.facet_measures, ref.facet_measures * scale ** (dim - 1), rtol=1e-7)
    np.testing.assert_allclose(big.hessian().toarray(), ref.hessian().toarray() / scale ** 2,
                               atol=1e-6 * np.abs(ref.hessian().toarray()).max() / scale ** 2)


@pytest.mark.parametrize("dim", [2, 3])
def test_simplices_are_delaunay_for_voronoi_heights(dim):
    y = np.random.default_rng(7).random((200, dim))
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), UNIT[dim])
    assert pd.simplices.dtype == np.int64 and pd.simplices.shape[1] == dim + 1
    ours = {tuple(sorted(t)) for t in pd.simplices.tolist()}
    theirs = {tuple(sorted(t)) for t in Delaunay(y).simplices.tolist()}
    assert ours == theirs
    corners = y[pd.simplices]
    assert (np.linalg.det(corners[:, 1:] - corners[:, :1]) > 0).all()  # counter-clockwise / positively oriented


@pytest.mark.parametrize("dim", [2, 3])
def test_neighbors_are_sorted_csr_without_self(dim):
    y = np.random.default_rng(8).random((100, dim))
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), UNIT[dim])
    indptr, indices = pd.neighbors
    assert indptr.dtype == np.int64 and indices.dtype == np.int64
    assert len(indptr) == 101 and indptr[-1] == len(indices) == len(pd.facet_measures)
    rows = np.repeat(np.arange(100), np.diff(indptr))
    assert (rows != indices).all() and (pd.facet_measures > 0).all()
    assert all((np.diff(indices[indptr[i]:indptr[i + 1]]) > 0).all() for i in range(100))


@pytest.mark.parametrize("name, domain", [DOMAINS[0], DOMAINS[3], DOMAINS[5], DOMAINS[-1]],
                         ids=[IDS[0], IDS[3], IDS[5], IDS[-1]])
@pytest.mark.parametrize("n", [40, 1200])
def test_permuted_and_with_heights_are_the_diagrams_of_the_permuted_and_new_heights(name, domain, n):
    rng = np.random.default_rng(9)
    y = random_points_in(domain, n, rng, 0.1)
    h = generic_heights(domain, y, rng)
    pd = gm.PowerDiagram(y, h, gm.Uniform(domain))
    p = rng.permutation(len(y))
    fresh = gm.PowerDiagram(y[p], h[p], gm.Uniform(domain))
    moved = pd.permuted(p)
    np.testing.assert_array_equal(moved.points, y[p])
    np.testing.assert_allclose(moved.masses, fresh.masses, atol=1e-14)
    np.testing.assert_array_equal(moved.masses, pd.masses[p])  # relabelled, not recomputed
    np.testing.assert_allclose(moved.hessian().toarray(), fresh.hessian().toarray(), atol=1e-9)
    np.testing.assert_array_equal(moved.locate(y[:5]), fresh.locate(y[:5]))
    for got, want in zip(moved.neighbors, fresh.neighbors):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(moved.facet_measures, fresh.facet_measures, atol=1e-12)
    if y.shape[1] == 2:
        (pairs, pieces), (want_pairs, want_pieces) = moved.facets(), fresh.facets()
        got, want = np.lexsort(pairs.T[::-1]), np.lexsort(want_pairs.T[::-1])
        np.testing.assert_array_equal(pairs[got], want_pairs[want])
        np.testing.assert_allclose(pieces[got], want_pieces[want], atol=1e-12)
        np.testing.assert_allclose(shapely.area(moved.cell_geometries()), shapely.area(fresh.cell_geometries()),
                                   atol=1e-12)
    if n > 40:
        return
    up = pd.with_heights(h + 2.5)
    np.testing.assert_array_equal(up.heights, h + 2.5)  # kept exactly as given
    np.testing.assert_allclose(up.masses, pd.masses, atol=1e-14)
    np.testing.assert_allclose(up.weights, pd.weights + 5.0, rtol=1e-12)
    h2 = h + 1e-3 * rng.standard_normal(len(h))
    np.testing.assert_allclose(pd.with_heights(h2).masses, gm.PowerDiagram(y, h2, gm.Uniform(domain)).masses,
                               rtol=0, atol=1e-15)


def test_permuted_density_diagram_relists_its_mass_facets_on_first_use():
    """A source with a density weighs the Hessian by facet masses (not lengths): the relisted rows carry
    them, and a permuted diagram fills its rows only when asked (its masses at once)."""
    rng = np.random.default_rng(10)
    y = rng.standard_normal((300, 2))
    source = gm.Gaussian(2)
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1) + 0.05 * rng.random(300), source)
    p = rng.permutation(300)
    moved = pd.permuted(p)
    assert "_pending" in moved._cells.__dict__
    np.testing.assert_array_equal(moved.masses, pd.masses[p])
    assert "_pending" in moved._cells.__dict__  # the masses did not need the rows
    fresh = gm.PowerDiagram(y[p], pd.heights[p], source)
    np.testing.assert_allclose(moved.hessian().toarray(), fresh.hessian().toarray(), atol=1e-12)
    np.testing.assert_allclose(moved.facet_measures, fresh.facet_measures, atol=1e-12)
    assert "_pending" not in moved._cells.__dict__
    with pytest.raises(AttributeError, match="no attribute 'absent'"):
        moved._cells.absent
