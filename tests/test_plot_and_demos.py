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


def test_power_diagram_demo_writes_pngs(tmp_path):
    import power_diagram
    files = power_diagram.main(tmp_path, n=80, verbose=False)
    assert len(files) == 2
    for f in files:
        assert f.exists() and f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f.stat().st_size > 10_000
