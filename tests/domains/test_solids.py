"""Non-convex solids: winding-number containment against polytopes, volumes, the bunny, bad meshes."""
import numpy as np
import pytest
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, cKDTree

import geomot as gm
from geomot.domains.solids import ClosedMesh, EllipsoidUnion, bunny


def hull_mesh(points):
    """Outward-oriented triangle mesh of the convex hull of ``points`` (vertices, faces)."""
    hull = ConvexHull(points)
    faces = hull.simplices.copy()
    tri = points[faces]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    inward = (normal * (tri.mean(axis=1) - points[hull.vertices].mean(axis=0))).sum(axis=1) < 0
    faces[inward] = faces[inward][:, ::-1]
    return points, faces


CUBE = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], float) * [2, 1, 1] - 0.3
TETRA = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], float) + 5.0
OCTA = np.vstack([np.eye(3), -np.eye(3)]) * 0.7


@pytest.mark.parametrize("vertices", [CUBE, TETRA, OCTA], ids=["box", "tetrahedron", "octahedron"])
def test_mesh_containment_and_volume_match_the_polytope(vertices):
    mesh = ClosedMesh(*hull_mesh(vertices))
    poly = gm.ConvexPolytope(vertices)
    assert mesh.volume == pytest.approx(poly.volume, rel=1e-12)
    lo, hi = poly.bounds
    x = lo - 0.2 + (hi - lo + 0.4) * np.random.default_rng(0).random((3000, 3))
    # points within 1e-9 of the boundary may go either way
    margin = np.abs(x @ poly.normals.T - poly.offsets).min(axis=1) > 1e-9
    np.testing.assert_array_equal(mesh.contains(x)[margin], poly.contains(x)[margin])
    w = mesh.winding_number(x)
    np.testing.assert_allclose(w[margin], poly.contains(x)[margin].astype(float), atol=1e-9)
    s = mesh.sample(500, seed=1)
    assert s.shape == (500, 3) and poly.contains(s).all()
    np.testing.assert_array_equal(s, mesh.sample(500, seed=1))


def test_inward_faces_give_winding_number_minus_one_and_the_same_solid():
    v, f = hull_mesh(OCTA)
    mesh = ClosedMesh(v, f[:, ::-1])
    x = np.array([[0.0, 0.0, 0.0], [0.1, 0.2, -0.1], [2.0, 0.0, 0.0]])
    np.testing.assert_allclose(mesh.winding_number(x), [-1, -1, 0], atol=1e-12)
    np.testing.assert_array_equal(mesh.contains(x), [True, True, False])
    assert mesh.volume == pytest.approx(gm.ConvexPolytope(OCTA).volume, rel=1e-12)


def test_uniform_samples_of_a_mesh_sphere_estimate_its_volume_and_fill_it_evenly():
    d = np.random.default_rng(3).normal(size=(800, 3))
    mesh = ClosedMesh(*hull_mesh(d / np.linalg.norm(d, axis=1)[:, None]))
    assert 0.97 * 4 / 3 * np.pi < mesh.volume < 4 / 3 * np.pi  # a polyhedron inscribed in the unit sphere
    x = -1 + 2 * np.random.default_rng(4).random((4000, 3))
    frac = mesh.contains(x).mean()
    assert frac * 8 == pytest.approx(mesh.volume, abs=4 * 8 * np.sqrt(frac * (1 - frac) / 4000))  # 4 sigma
    s = mesh.sample(2000, seed=5)
    r = np.linalg.norm(s, axis=1)
    assert r.max() <= 1.0
    # uniform in the ball: P(|x| <= 1/2) = 1/8
    assert (r <= 0.5).mean() == pytest.approx(1 / 8, abs=4 * np.sqrt(1 / 8 * 7 / 8 / 2000))


def test_bunny_samples_lie_in_the_union_fill_a_connected_non_convex_body():
    body = bunny()
    s = body.sample(6000, seed=0)
    lo, hi = body.bounds
    assert body.contains(s).all() and (s >= lo).all() and (s <= hi).all()
    # bounds are tight: samples reach within 5% of each face of the box
    assert (s.min(axis=0) < lo + 0.05 * (hi - lo)).all() and (s.max(axis=0) > hi - 0.05 * (hi - lo)).all()
    # volume (Monte Carlo in the bounding box) is well below the convex hull's: deep concavities
    x = lo + (hi - lo) * np.random.default_rng(1).random((100_000, 3))
    volume = body.contains(x).mean() * np.prod(hi - lo)
    assert ConvexHull(s).volume > 1.5 * volume
    # and a noticeable fraction of the hull is empty: hull points outside the body
    inside_hull = x[gm.ConvexPolytope(s).contains(x)]
    assert (~body.contains(inside_hull)).mean() > 0.3
    # one piece: the 0.06-neighbourhood graph of the samples is connected
    pairs = cKDTree(s).query_pairs(0.06, output_type="ndarray")
    graph = coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(s), len(s)))
    assert connected_components(graph, directed=False)[0] == 1


def test_ellipsoid_union_contains_matches_the_quadratic_form():
    rot = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]], float)  # semi-axis 2 along y after rotation
    e = EllipsoidUnion([[0, 0, 0]], [[2, 0.5, 0.5]], [rot])
    np.testing.assert_array_equal(e.contains([[0, 1.9, 0], [1.9, 0, 0], [0, 0, 0.49]]), [True, False, True])
    np.testing.assert_allclose(e.bounds[1], [0.5, 2, 0.5])


def test_bad_meshes_raise_clear_errors():
    v, f = hull_mesh(OCTA)
    with pytest.raises(gm.GeomotError, match="not closed"):
        ClosedMesh(v, f[:-1])
    with pytest.raises(gm.GeomotError, match="consistently"):
        ClosedMesh(v, np.vstack([f[:1, ::-1], f[1:]]))
    with pytest.raises(gm.GeomotError, match="finite"):
        ClosedMesh(np.where(np.arange(6)[:, None] == 2, np.nan, v), f)
    with pytest.raises(gm.GeomotError, match=r"shape \(f, 3\)"):
        ClosedMesh(v, f[:, :2])
    with pytest.raises(gm.GeomotError, match=r"shape \(n, 3\)"):
        ClosedMesh(v[:, :2], f)
    with pytest.raises(gm.GeomotError, match="at least 4 faces"):
        ClosedMesh(v, np.empty((0, 3), int))
    with pytest.raises(gm.GeomotError, match="index"):
        ClosedMesh(v, f + 1)
    with pytest.raises(gm.GeomotError, match="repeats a vertex"):
        ClosedMesh(v, np.vstack([f, [[0, 0, 1]]]))
    with pytest.raises(gm.GeomotError, match="integer"):
        ClosedMesh(v, f + 0.5)
    with pytest.raises(gm.GeomotError, match="no volume"):
        flat = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]], float)  # a tetrahedron's faces, squashed
        ClosedMesh(flat, [[0, 1, 2], [0, 3, 1], [0, 2, 3], [1, 3, 2]])
