"""Plot functions run headless and draw what they say; demos run at a small size."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection

import geomot as gm
import geomot.plot as gplot
from geomot.plot._singular import _sheets

from . import cases


@pytest.mark.parametrize("domain", [gm.Box([0, 0], [1, 1]), gm.Disk([0, 0], 1),
                                    gm.Polygon([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)],
                                               [[(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)]])])
def test_power_diagram_draws_one_path_per_cell(domain):
    lo, hi = domain.bounds
    y = lo + (hi - lo) * np.random.default_rng(0).random((40, 2))
    res = gm.solve(domain, y)
    ax = gplot.power_diagram(res.diagram, color_by="error", target_masses=res.target_masses)
    coll = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(coll) == 1 and len(coll[0].get_paths()) == 40
    want = np.maximum(np.abs(res.masses - res.target_masses) / res.target_masses, 1e-17)
    np.testing.assert_allclose(coll[0].get_array(), want)
    # the painted area of each path (holes excluded) equals the cell's area
    for path, area in zip(coll[0].get_paths(), res.diagram.volumes):
        total = 0.0
        for poly in path.to_polygons(closed_only=True):
            total += 0.5 * np.sum(poly[:-1, 0] * poly[1:, 1] - poly[1:, 0] * poly[:-1, 1])
        assert total == pytest.approx(area, rel=1e-3)
    plt.close("all")


def test_newton_history_plots_every_iteration():
    res = gm.solve(gm.Box([0, 0], [1, 1]), np.random.default_rng(1).random((100, 2)))
    ax = gplot.newton_history(res)
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(res.iterations + 1))
    assert ax.get_yscale() == "log"
    plt.close("all")


@pytest.mark.parametrize("name,n,count", [("power_diagram", 80, 2), ("fig5_singular_structure", 300, 1),
                                          ("fig6_fig7_teaching", 12, 2),
                                          ("fig8_fig9_two_clusters", 300, 2), ("fig10_dumbbell", 400, 1),
                                          ("fig11_ball_to_bunny", 300, 2),
                                          ("newton_animation", 60, 1), ("ae_ot_digits", 400, 2)])
def test_demos_write_pngs(tmp_path, name, n, count):
    demo = cases.demo(name)
    files = demo.main(tmp_path, n=n, verbose=False)
    assert len(files) == count
    for f in files:
        magic = b"GIF89a" if f.suffix == ".gif" else b"\x89PNG\r\n\x1a\n"
        assert f.exists() and f.read_bytes()[:len(magic)] == magic and f.stat().st_size > 10_000
    plt.close("all")


def torus_mesh(big=1.0, small=0.4, m=24):
    """Closed triangle mesh of a torus (a non-convex solid with a hole): vertices, faces."""
    u, v = np.meshgrid(np.arange(m) * 2 * np.pi / m, np.arange(m) * 2 * np.pi / m, indexing="ij")
    ring = big + small * np.cos(v)
    vertices = np.column_stack([(ring * np.cos(u)).ravel(), (ring * np.sin(u)).ravel(), (small * np.sin(v)).ravel()])
    i, j = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")
    a, b, c, d = i * m + j, ((i + 1) % m) * m + j, ((i + 1) % m) * m + (j + 1) % m, i * m + (j + 1) % m
    return vertices, np.vstack([np.column_stack([a.ravel(), b.ravel(), c.ravel()]),
                                np.column_stack([a.ravel(), c.ravel(), d.ravel()])])


def test_fig11_demo_runs_on_a_user_mesh(tmp_path):
    demo = cases.demo("fig11_ball_to_bunny")
    vertices, faces = torus_mesh()
    np.savez(tmp_path / "torus.npz", vertices=vertices, faces=faces)
    files = demo.main(tmp_path, n=300, verbose=False, mesh=tmp_path / "torus.npz", samples=20_000)
    assert [f.name for f in files] == ["fig11_mesh.png", "fig11_mesh_slices.png"]
    for f in files:
        assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f.stat().st_size > 10_000
    np.savez(tmp_path / "bad.npz", points=vertices)
    with pytest.raises(gm.GeomotError, match="vertices"):
        demo.main(tmp_path, n=300, verbose=False, mesh=tmp_path / "bad.npz")
    plt.close("all")


def test_singular_surface_draws_two_sheets_per_facet_and_sections_cut_them():
    from matplotlib.colors import to_rgb
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection
    left = np.random.default_rng(5).random((300, 3)) * [0.15, 1, 1]
    res = gm.solve(gm.Box([0, 0, 0], [1, 1, 1]), np.vstack([left, left * [-1, 1, 1] + [1, 0, 0]]))
    sing = gm.singular_set(res)
    ax = gplot.singular_surface(sing)
    (coll,) = [c for c in ax.collections if isinstance(c, Poly3DCollection)]
    np.testing.assert_allclose(coll.get_facecolor()[:, :3], np.tile(to_rgb("crimson"), (len(sing.pairs), 1)))
    ax = gplot.singular_surface(sing, res.points, t=0.5)
    (coll,) = [c for c in ax.collections if isinstance(c, Poly3DCollection)]
    face = coll.get_facecolor()[:, :3]  # (mplot3d may reorder the faces by depth)
    assert len(face) == 2 * len(sing.pairs)
    assert np.isclose(face, to_rgb("crimson")).all(1).sum() == np.isclose(face, to_rgb("royalblue")).all(1).sum()
    # the sheets at t = 1/2 are the facets halfway to y_i (i < j: the left cluster) and to y_j
    sheets, side = _sheets(sing, res.points, 0.5)
    np.testing.assert_allclose(sheets[0], 0.5 * sing.polygons[0] + 0.5 * res.points[sing.pairs[0, 0]])
    np.testing.assert_allclose(sheets[1], 0.5 * sing.polygons[0] + 0.5 * res.points[sing.pairs[0, 1]])
    assert (np.vstack(sheets[0::2])[:, 0] < 0.5).all() and (np.vstack(sheets[1::2])[:, 0] > 0.5).all()
    with pytest.raises(gm.GeomotError, match="target points"):
        gplot.singular_surface(sing, t=0.5)
    # the plane z = 0.5 cuts the separating square x = 0.5 along the segment x = 0.5, y in [0, 1]
    ax = gplot.singular_section(sing, axis=2, level=0.5)
    seg = np.concatenate(ax.collections[0].get_segments())
    np.testing.assert_allclose(seg[:, 0], 0.5, atol=1e-9)
    assert seg[:, 1].min() == pytest.approx(0.0) and seg[:, 1].max() == pytest.approx(1.0)
    plt.close("all")


def two_cluster_result():
    left = np.random.default_rng(5).random((300, 2)) * [0.3, 1]
    return gm.solve(gm.Box([0, 0], [1, 1]), np.vstack([left, left * [-1, 1] + [1, 0]]))


def test_singular_set_overlay_draws_each_curve():
    res = two_cluster_result()
    sing = gm.singular_set(res)
    ax = gplot.singular_set(sing)
    lines = ax.get_lines()
    assert len(lines) == len(sing.curves) == 1
    np.testing.assert_allclose(lines[0].get_xdata(), 0.5, atol=1e-9)
    plt.close("all")


def test_brenier_potential_and_legendre_dual_draw_faces():
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection
    res = two_cluster_result()
    ax = gplot.brenier_potential(res, sing=gm.singular_set(res))
    faces = [c for c in ax.collections if isinstance(c, Poly3DCollection)]
    assert len(faces) == 1 and len(faces[0].get_array()) == int((~res.diagram.empty).sum())
    ridge = ax.get_lines()[0]
    z = np.asarray(ridge.get_data_3d()[2])
    x = np.column_stack(ridge.get_data_3d()[:2])
    np.testing.assert_allclose(z, res.potential(x))
    ax = gplot.legendre_dual(res)
    surf = [c for c in ax.collections if isinstance(c, Poly3DCollection)]
    assert len(surf) == 1 and len(surf[0].get_array()) == len(res.diagram.simplices)
    plt.close("all")


def test_weighted_delaunay_and_transport_map():
    res = two_cluster_result()
    ax = gplot.weighted_delaunay(res.diagram)
    assert len(ax.get_lines()) >= 2  # triangle edges and points
    ax_s, ax_t = gplot.transport_map(res)
    cells = [c for c in ax_s.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(cells[0].get_facecolor()[:, :3], gplot.target_colors(res.points))
    np.testing.assert_allclose(ax_t.collections[0].get_offsets(), res.points)
    plt.close("all")
