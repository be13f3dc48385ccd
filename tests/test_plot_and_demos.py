"""Plot functions run headless and draw what they say; demos run at a small size."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import LogNorm

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
                                          ("fig6_fig7_teaching", 12, 3),
                                          ("fig8_fig9_two_clusters", 300, 2), ("fig10_dumbbell", 400, 1),
                                          ("fig11_ball_to_bunny", 300, 2), ("gaussian_singular", 300, 1),
                                          ("newton_animation", 60, 1), ("ae_ot_digits", 400, 2),
                                          ("stippling", 500, 1), ("image_interpolation", 400, 1)])
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


# ------------------------------------------------------------------------------ options, limits, bad input
def small_result(n=6, seed=7):
    y = np.random.default_rng(seed).random((n, 2)) * 1.2 - 0.1  # some targets outside the square
    return gm.solve(gm.Box([0, 0], [1, 1]), y)


def test_power_diagram_limits_take_in_targets_outside_the_domain():
    res = small_result()
    ax = gplot.power_diagram(res.diagram)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    lo, hi = np.minimum(res.points.min(0), 0), np.maximum(res.points.max(0), 1)
    assert x0 < lo[0] and x1 > hi[0] and y0 < lo[1] and y1 > hi[1]
    assert x1 - x0 < 1.2 * (hi[0] - lo[0])  # and not much more: the picture is filled
    plt.close("all")


def test_power_diagram_labels_sizes_and_shared_colour_scale():
    res = small_result()
    ax = gplot.power_diagram(res.diagram, labels="index", point_size=9, vmin=0.0, vmax=1.0, colorbar=False)
    texts = [t.get_text() for t in ax.texts]
    # every cell labelled at its barycentre, and every target beside itself: the owner of each cell is named
    assert sorted(texts) == sorted([str(i) for i in range(6)] * 2)
    (coll,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert (coll.norm.vmin, coll.norm.vmax) == (0.0, 1.0)
    (points,) = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert points.get_markersize() == 9 and len(points.get_xdata()) == 6
    assert len(ax.figure.axes) == 1  # no colour bar
    ax = gplot.power_diagram(res.diagram, labels="mass")
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"{m:.3g}" for m in res.masses)
    assert len(ax.figure.axes) == 2  # the colour bar
    norm = LogNorm(1e-12, 1.0)
    ax = gplot.power_diagram(res.diagram, color_by="error", target_masses=res.target_masses, norm=norm)
    assert [c for c in ax.collections if isinstance(c, PathCollection)][0].norm is norm
    plt.close("all")


@pytest.mark.parametrize("kwargs,match", [
    ({"color_by": "error"}, "color_by='error' needs target_masses"),
    ({"color_by": "volume"}, "color_by must be one of 'mass', 'error'"),
    ({"color_by": np.arange(3)}, r"color_by must be 'mass', 'error', None or an array of shape \(6,\)"),
    ({"color_by": "error", "target_masses": np.zeros(6)}, "target_masses must be positive"),
    ({"labels": "name"}, "labels must be one of 'index', 'mass'"),
    ({"point_size": -1}, "point_size must be a number > 0; got -1"),
    ({"point_size": "big"}, "point_size must be a real number"),
    ({"vmin": np.nan}, "vmin must be a finite number"),
    ({"vmin": 2.0, "vmax": 1.0}, "vmin must not exceed vmax; got vmin = 2, vmax = 1"),
    ({"norm": LogNorm(1, 2), "vmin": 0.0}, "either norm or vmin/vmax"),
    ({"norm": "log"}, "norm must be a matplotlib Normalize"),
    ({"colorbar": "yes"}, "colorbar must be True or False"),
    ({"show_points": None}, "show_points must be True or False"),
])
def test_power_diagram_bad_arguments_name_the_parameter(kwargs, match):
    res = small_result()
    with pytest.raises(gm.GeomotError, match=match):
        gplot.power_diagram(res.diagram, **kwargs)
    plt.close("all")


def test_plot_functions_reject_wrong_inputs():
    res = small_result()
    mc = gm.solve(gm.Box([0, 0], [1, 1]), res.points, method="monte-carlo", tol=0.5, seed=0)
    sing = gm.singular_set(two_cluster_result())
    for call in (lambda: gplot.power_diagram(None), lambda: gplot.power_diagram(res.points),
                 lambda: gplot.weighted_delaunay("diagram")):
        with pytest.raises(gm.GeomotError, match="diagram must be a PowerDiagram or an OTResult"):
            call()
    for call in (lambda: gplot.power_diagram(mc), lambda: gplot.brenier_potential(mc),
                 lambda: gplot.transport_map(mc), lambda: gplot.legendre_dual(mc), lambda: gplot.lifting(mc)):
        with pytest.raises(gm.GeomotError, match="Monte Carlo"):
            call()
    with pytest.raises(gm.GeomotError, match="result must be an OTResult"):
        gplot.newton_history(res.diagram)
    with pytest.raises(gm.GeomotError, match="sing must be a SingularSet "):
        gplot.singular_set(res)
    with pytest.raises(gm.GeomotError, match="sing must be a SingularSet3D"):
        gplot.singular_surface(sing)
    with pytest.raises(gm.GeomotError, match="3D matplotlib axes"):
        gplot.brenier_potential(res, ax=plt.subplots()[1])
    with pytest.raises(gm.GeomotError, match="ax must be 2D matplotlib axes"):
        gplot.power_diagram(res, ax=plt.figure().add_subplot(projection="3d"))
    with pytest.raises(gm.GeomotError, match="ax must be 2D matplotlib axes or None; got 'left'"):
        gplot.power_diagram(res, ax="left")
    with pytest.raises(gm.GeomotError, match="axes must be a pair"):
        gplot.transport_map(res, axes=3)
    for t in (np.nan, -0.1, 1.5, "half", None):
        with pytest.raises(gm.GeomotError, match="t must be"):
            gplot.displacement_interpolation(res, t)
    for n in (-5, 2.5, np.nan, "10"):
        with pytest.raises(gm.GeomotError, match="n must be an integer"):
            gplot.displacement_interpolation(res, 0.5, n=n)
    with pytest.raises(TypeError):
        gplot.power_diagram(res, colour_by="mass")  # an unknown keyword: Python's own TypeError
    plt.close("all")


def test_singular_surface_limits_fit_the_sheets_not_the_unit_cube():
    # two slabs far from the unit cube: the sheets at t = 1 sit on the targets, x in [5, 5.15] and [5.85, 6]
    left = np.random.default_rng(5).random((200, 3)) * [0.15, 1, 1]
    y = np.vstack([left, left * [-1, 1, 1] + [1, 0, 0]]) + [5, 3, 0]
    res = gm.solve(gm.Box([5, 3, 0], [6, 4, 1]), y)
    sing = gm.singular_set(res)
    for t in (0.0, 1.0):
        ax = gplot.singular_surface(sing, res.points, t=t)
        sheets = np.vstack(_sheets(sing, res.points, t)[0])
        for lim, lo, hi in zip((ax.get_xlim3d(), ax.get_ylim3d(), ax.get_zlim3d()), sheets.min(0), sheets.max(0)):
            assert lim[0] <= lo and lim[1] >= hi
            assert lim[1] - lim[0] <= 1.05 * (hi - lo) + 1e-9
    plt.close("all")


def test_transport_map_has_a_legend_for_cells_targets_and_the_singular_set():
    res = two_cluster_result()
    ax_s, ax_t = gplot.transport_map(res, sing=gm.singular_set(res))
    labels = [t.get_text() for t in ax_s.get_legend().get_texts()]
    assert any("cell" in t for t in labels) and r"$\Sigma_1$" in labels
    assert "Dirac" in ax_t.get_legend().get_texts()[0].get_text()
    plt.close("all")


@pytest.mark.parametrize("dim", [2, 3])
def test_displacement_interpolation_moves_samples_onto_their_diracs(dim):
    rng = np.random.default_rng(2)
    y = rng.random((40, dim)) * 0.5 + 2.0  # targets away from the source cube
    res = gm.solve(gm.Box(np.zeros(dim), np.ones(dim)), y)
    x = rng.random((500, dim))
    for t in (0.0, 0.5, 1.0):
        ax = gplot.displacement_interpolation(res, t, x=x)
        got = np.asarray(ax.collections[0].get_offsets() if dim == 2 else np.column_stack(ax.collections[0]._offsets3d))
        np.testing.assert_allclose(got, res.interpolate(t, x))
        lims = [ax.get_xlim(), ax.get_ylim()] if dim == 2 else [ax.get_xlim3d(), ax.get_ylim3d(), ax.get_zlim3d()]
        for (lo, hi), a, b in zip(lims, np.minimum(x.min(0), y.min(0)), np.maximum(x.max(0), y.max(0))):
            assert lo <= a and hi >= b  # the whole motion: frames over t share their limits
    plt.close("all")


def test_lifting_of_voronoi_heights_touches_the_paraboloid_at_each_target():
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection
    y = np.random.default_rng(1).random((8, 2))
    src = gm.Uniform(gm.Box([0, 0], [1, 1]))
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), src)
    ax = gplot.lifting(pd)
    faces = [c for c in ax.collections if isinstance(c, Poly3DCollection)][0]
    assert len(faces.get_array()) == 8
    # each face is the tangent plane z = <x, y_i> - |y_i|^2 / 2: at x = y_i it meets z = |y_i|^2 / 2
    from geomot.plot._lifting import _lifted_cells
    lifted, owner = _lifted_cells(pd)
    for face, i in zip(lifted, owner):
        np.testing.assert_allclose(face[:, 2], face[:, :2] @ y[i] - (y[i] ** 2).sum() / 2)
        assert ((face[:, :2] ** 2).sum(1) / 2 >= face[:, 2] - 1e-12).all()  # below the paraboloid, tangent at y_i
    plt.close("all")


def test_import_without_matplotlib_names_the_extra():
    import subprocess
    import sys
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "try:\n    import geomot.plot\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'geomot[plot]'" in out


def test_newton_animation_draws_the_iterates_of_one_solve(tmp_path, monkeypatch):
    from PIL import Image
    demo = cases.demo("newton_animation")
    calls, real = [], gm.solve

    def solve(*args, **kwargs):
        calls.append(kwargs)
        calls[-1]["result"] = real(*args, **kwargs)
        return calls[-1]["result"]

    monkeypatch.setattr(demo.gm, "solve", solve)
    (path,) = demo.main(tmp_path, n=60, verbose=False)
    assert len(calls) == 1 and calls[0]["callback"] is not None  # one solve, its iterates recorded
    with Image.open(path) as gif:
        assert gif.n_frames == calls[0]["result"].iterations + 1  # the start and every iteration
    plt.close("all")


def test_gallery_says_what_it_renders_and_how_long_it_took(tmp_path, capsys, monkeypatch):
    import types
    gallery = cases.demo("gallery")

    def main(out, verbose):
        assert verbose is False
        return [tmp_path / "a.png", tmp_path / "b.png"]

    demo = types.ModuleType("fake_demo")
    demo.main = main
    monkeypatch.setattr(gallery, "DEMOS", [demo, demo])
    assert len(gallery.main(str(tmp_path))) == 4
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "[1/2] demos/fake_demo.py ..." and lines[2] == "[2/2] demos/fake_demo.py ..."
    assert lines[1].strip().endswith(f"s: {tmp_path / 'a.png'}, {tmp_path / 'b.png'}")
    assert lines[-1].startswith(f"4 files in {tmp_path}/ in ")


def test_singular_surface_at_t_one_draws_the_diracs_of_the_singular_facets():
    left = np.random.default_rng(5).random((200, 3)) * [0.15, 1, 1]
    res = gm.solve(gm.Box([0, 0, 0], [1, 1, 1]), np.vstack([left, left * [-1, 1, 1] + [1, 0, 0]]))
    sing = gm.singular_set(res)
    ax = gplot.singular_surface(sing, res.points, t=1.0)
    (dots,) = ax.collections
    got = np.column_stack(dots._offsets3d)
    np.testing.assert_allclose(np.sort(got, axis=0), np.sort(res.points[sing.pairs.ravel()], axis=0))
    plt.close("all")


def test_power_diagram_draws_the_density_of_a_non_uniform_source_under_the_cells():
    values = np.arange(12.0).reshape(3, 4) + 1
    src = gm.GridDensity(values, gm.Box([0, 0], [2, 1]))
    pd = gm.PowerDiagram(np.random.default_rng(0).random((20, 2)) * [2, 1], np.zeros(20), src)
    ax = gplot.power_diagram(pd, color_by=None)
    (image,) = ax.images
    np.testing.assert_allclose(image.get_array(), src.values)
    assert tuple(image.get_extent()) == (0, 2, 0, 1)
    assert not gplot.power_diagram(pd, density=False).images
    uniform = gm.PowerDiagram(pd.points, np.zeros(20), gm.Box([0, 0], [2, 1]))
    assert not gplot.power_diagram(uniform).images
    assert gplot.power_diagram(gm.PowerDiagram(pd.points, np.zeros(20), gm.Gaussian(2)), colorbar=False).images
    plt.close("all")
