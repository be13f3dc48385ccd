"""Fig. 5 of the paper: the structure of the singular set.

Left: a target with a hole (an annulus). The point x0 of the source where the
singular facets meet has a subgradient covering the hole of the target.
Right: a target in three parts. The curves gamma_1, gamma_2, gamma_3 of Sigma_1
meet at a branch point x1, whose subgradient is the triangle between the parts
(outside the support). Below each: the targets coloured as their cells.

    python demos/fig5_singular_structure.py [--out out] [--n 2400]
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402

import geomot as gm  # noqa: E402
import geomot.plot as gplot  # noqa: E402

from shapes import sample  # noqa: E402
from common import cli  # noqa: E402


def main(out="out", n=2400, verbose=True):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    annulus = shapely.Point(0.5, 0.5).buffer(0.45).difference(shapely.Point(0.5, 0.5).buffer(0.22))
    corners = [(0.5 + 0.32 * np.cos(a), 0.5 + 0.32 * np.sin(a)) for a in np.pi / 2 + 2 * np.pi / 3 * np.arange(3)]
    blobs = shapely.union_all([shapely.Point(c).buffer(0.16) for c in corners])
    fig, axes = plt.subplots(2, 2, figsize=(11, 10.5))
    for col, (name, shape) in enumerate([("a target with a hole", annulus), ("a target in three parts", blobs)]):
        y = sample(shape, n, rng)
        res = gm.solve(gm.Box([0, 0], [1, 1]), y, verbose=verbose)
        sing = gm.singular_set(res)
        ax_s, ax_t = axes[0, col], axes[1, col]
        gplot.transport_map(res, (ax_s, ax_t), sing=sing)
        box = dict(boxstyle="round,pad=0.2", fc="white", ec="0.3")
        for point in sing.branch_points:
            ax_s.annotate("$x_0$" if col == 0 else "$x_1$", point, xytext=(12, 12), textcoords="offset points",
                          fontsize=15, bbox=box)
        for k, curve in enumerate(sing.curves):
            ax_s.annotate(f"$\\gamma_{k + 1}$", curve[len(curve) // 2], xytext=(10, -16),
                          textcoords="offset points", fontsize=14, bbox=box)
        ax_s.set_title(f"{name}: {len(sing.curves)} curves, {len(sing.branch_points)} $\\Sigma_2$ point"
                       f"{'s' if len(sing.branch_points) != 1 else ''}", fontsize=13)
        ax_t.set_title(f"target ({n} Diracs)")
    fig.suptitle("Fig. 5: structure of the singular set (source: uniform square)")
    fig.tight_layout()
    fig.savefig(out / "fig5_singular_structure.png", dpi=100)
    plt.close(fig)
    return [out / "fig5_singular_structure.png"]


if __name__ == "__main__":
    cli(main, __doc__, 2400)
