"""Plot functions run headless and draw what they say; demos run at a small size."""
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection

import geomot as gm
import geomot.plot as gplot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "demos"))


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
                                          ("newton_animation", 60, 1), ("ae_ot_digits", 400, 2)])
def test_demos_write_pngs(tmp_path, name, n, count):
    demo = __import__(name)
    files = demo.main(tmp_path, n=n, verbose=False)
    assert len(files) == count
    for f in files:
        magic = b"GIF89a" if f.suffix == ".gif" else b"\x89PNG\r\n\x1a\n"
        assert f.exists() and f.read_bytes()[:len(magic)] == magic and f.stat().st_size > 10_000
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
