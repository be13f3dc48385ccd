"""numba kernels against plain NumPy twins."""
import numpy as np
from scipy.spatial import ConvexHull, Delaunay

from geomot._kernels.planar.cells import adjacency_from_triangles, ring_moments

from ..cases import unit_state


def adjacency_numpy(triangles, n):
    """Sorted CSR of the unique edges of the triangles."""
    e = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    e = np.unique(np.concatenate([e, e[:, ::-1]]), axis=0)
    return np.r_[0, np.cumsum(np.bincount(e[:, 0], minlength=n))], e[:, 1]


def ring_moments_numpy(coords, offsets, ref):
    """Shoelace sums about the reference point of each ring (no local-origin trick)."""
    out = []
    for r, (a, b) in enumerate(zip(offsets[:-1], offsets[1:])):
        p, q = coords[a:b - 1] - ref[r], coords[a + 1:b] - ref[r]
        cr = p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]
        area = cr.sum() / 2
        out.append([area, (cr * (p[:, 0] + q[:, 0])).sum() / 6 + ref[r, 0] * area,
                    (cr * (p[:, 1] + q[:, 1])).sum() / 6 + ref[r, 1] * area,
                    (cr * ((p ** 2).sum(1) + (q ** 2).sum(1) + (p * q).sum(1))).sum() / 12])
    return np.array(out)


def test_adjacency_matches_numpy():
    y = np.random.default_rng(0).random((300, 2))
    dt = Delaunay(y)
    tri, nbr = dt.simplices.astype(np.int64), dt.neighbors.astype(np.int64)
    indptr, indices = adjacency_from_triangles(tri, nbr, 305)  # 5 isolated vertices at the end
    want = adjacency_numpy(tri, 305)
    np.testing.assert_array_equal(indptr, want[0])
    for i in range(305):
        np.testing.assert_array_equal(np.sort(indices[indptr[i]:indptr[i + 1]]), want[1][want[0][i]:want[0][i + 1]])


def test_ring_moments_match_numpy():
    rng = np.random.default_rng(1)
    rings = []
    for k in range(20):
        t = np.sort(rng.random(rng.integers(3, 12))) * 2 * np.pi
        r = np.column_stack([np.cos(t), np.sin(t)]) * rng.random() + rng.random(2)
        rings.append(np.vstack([r, r[:1]])[:: 1 if k % 2 else -1])
    coords = np.vstack(rings)
    offsets = np.r_[0, np.cumsum([len(r) for r in rings])].astype(np.int64)
    ref = rng.random((len(rings), 2))
    np.testing.assert_allclose(ring_moments(coords, offsets, ref), ring_moments_numpy(coords, offsets, ref),
                               rtol=1e-12, atol=1e-14)
    unit_square = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], float)
    # int over [0,1]^2 of 1, x, y, |x|^2 and |x - (1/2, 1/2)|^2
    np.testing.assert_allclose(ring_moments(unit_square, np.array([0, 5]), np.zeros((1, 2))), [[1, 0.5, 0.5, 2 / 3]])
    np.testing.assert_allclose(ring_moments(unit_square, np.array([0, 5]), np.full((1, 2), 0.5)),
                               [[1, 0.5, 0.5, 1 / 6]])


def test_flips_reach_the_qhull_triangulation():
    """From the Delaunay triangulation, flips must reach the regular triangulation of new heights."""
    from geomot._kernels.planar.flips import regular_flips
    from geomot.diagram._planar import lower_hull as _lower_hull_triangles
    rng = np.random.default_rng(2)
    y = rng.random((400, 2))
    tri, nbr = _lower_hull_triangles(y, -0.5 * (y ** 2).sum(1))
    h = -0.5 * (y ** 2).sum(1) + 2e-5 * rng.standard_normal(400)
    want, _ = _lower_hull_triangles(y, h)
    assert len(np.unique(want)) == 400  # no point disappears: 2-2 flips suffice
    flips = regular_flips(tri, nbr, y, h, 100_000)
    assert flips > 0
    assert {tuple(sorted(t)) for t in tri.tolist()} == {tuple(sorted(t)) for t in want.tolist()}
    # neighbours stay consistent: t's k-th neighbour shares the edge opposite vertex k
    for t in range(len(tri)):
        for k in range(3):
            u = nbr[t, k]
            if u >= 0:
                assert {tri[t, (k + 1) % 3], tri[t, (k + 2) % 3]} <= set(tri[u].tolist())
    a, b, c = y[tri[:, 0]], y[tri[:, 1]], y[tri[:, 2]]
    assert ((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0] > 0).all()


def test_flips_report_failure_when_a_point_must_disappear():
    from geomot._kernels.planar.flips import regular_flips
    from geomot.diagram._planar import lower_hull as _lower_hull_triangles
    y = np.array([[0, 0], [1, 0], [0.5, 1], [0.5, 0.4]], float)
    tri, nbr = _lower_hull_triangles(y, -0.5 * (y ** 2).sum(1))
    h = -0.5 * (y ** 2).sum(1)
    h[3] -= 10.0  # the inner point is now hidden: only a 3-1 flip could remove it
    assert regular_flips(tri, nbr, y, h, 1000) == -1


def test_diagram_from_flips_equals_diagram_from_qhull():
    import geomot as gm
    from geomot import PowerDiagram
    rng = np.random.default_rng(3)
    y = rng.random((2000, 2))
    src = gm.Uniform(gm.Box([0, 0], [1, 1]))
    h0 = -0.5 * (y ** 2).sum(1)
    base = PowerDiagram(y, h0, src)
    h1 = h0 + 1e-4 * rng.standard_normal(2000)
    flipped = base.with_halfweights(base.unit_halfweights(h1), warm=True)
    fresh = PowerDiagram(y, h1, src)
    np.testing.assert_allclose(flipped.masses, fresh.masses, atol=1e-15)
    np.testing.assert_allclose(flipped.hessian().toarray(), fresh.hessian().toarray(), atol=1e-9)


def test_facet_laplacian_matches_scipy_twin():
    """The numba Hessian equals its scipy.sparse construction (symmetrised facets over distances)."""
    import scipy.sparse as sp

    import geomot as gm
    from geomot._kernels.laplacian import facet_laplacian
    from geomot.diagram import _planar
    y = np.random.default_rng(4).random((500, 2)) * 1.4 - 0.2
    unit = _planar.UnitDomain(gm.Box([0, 0], [1, 1]))
    yu, g = unit_state(y, -0.5 * (y ** 2).sum(1), unit)
    cells = _planar.build(unit, yu, g)
    n = 500
    f = sp.csr_array((cells.facets, cells.indices, cells.indptr), shape=(n, cells.indptr.size + 2))[:, :n]
    f = ((f + f.T) * 0.5).tocoo()
    off = -f.data / np.sqrt(((yu[f.row] - yu[f.col]) ** 2).sum(1)) / unit.volume
    want = sp.coo_array((off, (f.row, f.col)), shape=(n, n)).toarray()
    want[np.diag_indices(n)] = -want.sum(1)
    ptr, idx, val, facet = facet_laplacian(cells.indptr, cells.indices, cells.facets, yu, n, 1 / unit.volume)
    got = sp.csr_array((val, idx, ptr), shape=(n, n)).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-12)
    np.testing.assert_allclose(sp.csr_array((facet, idx, ptr), shape=(n, n)).toarray(), f.toarray(), rtol=1e-14)


def test_components_match_scipy():
    """The union-find components equal scipy's (the same partition; labels in order of first vertex),
    explicit zeros are not edges."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    from geomot._kernels.laplacian import components
    rng = np.random.default_rng(8)
    for n, m in [(1, 0), (7, 0), (50, 20), (300, 250), (300, 900)]:
        i, j = rng.integers(0, n, m), rng.integers(0, n, m)
        a = sp.coo_array((rng.random(m) + 0.5, (i, j)), shape=(n, n))
        a = sp.csr_array(a + a.T)
        graph = a.copy()  # explicit zeros, placed symmetrically, are not edges
        rows = np.repeat(np.arange(n), np.diff(graph.indptr))
        graph.data[np.minimum(rows, graph.indices) % 5 == 0] = 0.0
        count, label = components(graph.indptr, graph.indices, graph.data)
        edges = graph.copy()
        edges.eliminate_zeros()
        want_count, want = connected_components(edges, directed=False)
        assert count == want_count
        assert m == 0 or graph.nnz > edges.nnz  # the test placed explicit zeros
        first = np.unique(label, return_index=True)[1]
        assert np.array_equal(np.sort(first), first)  # labelled in order of their smallest vertex
        # the same partition: a bijection between the labels
        pairs = np.unique(np.column_stack([label, want]), axis=0)
        assert len(pairs) == count


def test_lower_triplets_match_scipy_tril():
    """CHOLMOD's input: the lower triangle of a symmetric CSR matrix with unsorted rows, as triplets."""
    import scipy.sparse as sp

    from geomot._kernels.laplacian import lower_triplets
    rng = np.random.default_rng(9)
    a = sp.random_array((200, 200), density=0.05, rng=rng)
    a = sp.csr_array(a + a.T + sp.eye_array(200))
    order = [rng.permutation(np.arange(lo, hi)) for lo, hi in zip(a.indptr[:-1], a.indptr[1:])]
    shuffled = sp.csr_array((a.data[np.concatenate(order)], a.indices[np.concatenate(order)], a.indptr), a.shape)
    values, rows, columns = lower_triplets(shuffled.indptr, shuffled.indices, shuffled.data)
    got = sp.coo_array((values, (rows, columns)), shape=a.shape).toarray()
    np.testing.assert_array_equal(got, sp.tril(a).toarray())
    assert len(values) == sp.tril(a).nnz and (np.diff(columns) >= 0).all()


def test_cost_and_inverse_spacing_match_numpy():
    from geomot._kernels.sampling.samples import cost_and_inverse_spacing
    rng = np.random.default_rng(5)
    x, y = rng.random((1000, 7)), rng.random((40, 7))
    best, second = rng.integers(0, 40, 1000), rng.integers(-1, 40, 1000)
    second[second == best] = -1
    origin = rng.random(7)
    cost, inv = cost_and_inverse_spacing(x, origin, y, best, second)
    np.testing.assert_allclose(cost, 0.5 * ((x - origin - y[best]) ** 2).sum(), rtol=1e-12)
    has = second >= 0
    np.testing.assert_allclose(inv[has], 1 / np.linalg.norm(y[best[has]] - y[second[has]], axis=1), rtol=1e-12)
    assert (inv[second < 0] == 0).all() and (second < 0).any()


def _regular_by_exact_arithmetic(tri, nbr, y, h):
    """Whether every interior edge of the triangulation is locally regular, decided in rational arithmetic."""
    from fractions import Fraction
    lifted = [(Fraction(p[0]), Fraction(p[1]), -Fraction(w)) for p, w in zip(y.tolist(), h.tolist())]
    for t in range(len(tri)):
        for k in range(3):
            u = nbr[t, k]
            if u < 0:
                continue
            d = tri[u, list(nbr[u]).index(t)]
            a, b, c = tri[t, (k + 1) % 3], tri[t, (k + 2) % 3], tri[t, k]
            m = [[lifted[q][j] - lifted[a][j] for j in range(3)] for q in (b, c, d)]
            det = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                   + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))
            if det < 0:
                return False
    return True


def test_insertion_builds_the_regular_triangulation():
    """Inserted points give Qhull's weighted Delaunay triangles, every edge regular in exact arithmetic."""
    from geomot.diagram._planar import inserted_triangulation, lower_hull
    rng = np.random.default_rng(4)
    for n, spread, shift in [(3000, 0.0, 0.0), (3000, 0.05, 0.0), (1500, 0.2, 0.0), (2000, 0.2, 100.0)]:
        y = rng.random((n, 2))
        # power weights psi = 2 h + |y|^2 that keep every cell (well under the squared spacing of close pairs)
        psi = 2 * spread / n ** 2 * rng.random(n)
        # far from the origin (the sample's hull is the points' own), against Qhull near it: translating the
        # points with their power weights keeps the triangulation
        far = y + shift
        tri, nbr = inserted_triangulation(far, 0.5 * (psi - (far ** 2).sum(1)))
        want, _ = lower_hull(y, 0.5 * (psi - (y ** 2).sum(1)))
        h = 0.5 * (psi - (y ** 2).sum(1))
        assert len(np.unique(want)) == n
        assert {tuple(sorted(t)) for t in tri.tolist()} == {tuple(sorted(t)) for t in want.tolist()}
        a, b, c = y[tri[:, 0]], y[tri[:, 1]], y[tri[:, 2]]
        assert ((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0] > 0).all()
        for t in range(len(tri)):
            for k in range(3):
                u = nbr[t, k]
                if u >= 0:
                    assert {tri[t, (k + 1) % 3], tri[t, (k + 2) % 3]} <= set(tri[u].tolist())
        t, k = np.nonzero(nbr < 0)  # the boundary: one closed cycle through the convex hull's vertices
        ends = np.concatenate([tri[t, (k + 1) % 3], tri[t, (k + 2) % 3]])
        assert len(t) == len(np.unique(ends)) == len(ConvexHull(y).vertices)
    assert _regular_by_exact_arithmetic(tri, nbr, y, h)


def test_insertion_gives_up_where_it_cannot_decide_or_a_cell_is_empty():
    """A lattice (points on edges) and a hidden point: no triangulation (the caller runs Qhull)."""
    from geomot._kernels.planar.insertion import insert_points
    from geomot.diagram._planar import inserted_triangulation
    g = np.arange(40.0)
    lattice = np.column_stack([np.repeat(g, 40), np.tile(g, 40)]) / 39
    assert inserted_triangulation(lattice, -0.5 * (lattice ** 2).sum(1)) is None
    # one triangle, then a point inside it: below its plane it is inserted; above it, its cell is empty
    y = np.array([[0, 0], [1, 0], [0, 1], [0.2, 0.2]], float)
    for lift, want in [(-0.1, 4), (0.1, -4)]:
        tri = np.zeros((3, 3), np.int64)
        tri[0] = [0, 1, 2]
        nbr = np.full((3, 3), -1, np.int64)
        z = np.array([0.0, 0.0, 0.0, lift])
        assert insert_points(tri, nbr, 1, y, z, np.array([3]), 100) == (3 if want == 4 else want)
    # a point outside the triangulation
    tri = np.zeros((3, 3), np.int64)
    tri[0] = [0, 1, 2]
    y[3] = [2.0, 2.0]
    assert insert_points(tri, np.full((3, 3), -1, np.int64), 1, y, np.zeros(4) - 1, np.array([3]), 100) == -2
