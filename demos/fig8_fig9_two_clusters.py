"""Fig. 8 and 9 of the paper: a target with two connected components.

Fig. 8: uniform unit disk -> Diracs in two clusters. The Brenier potential's
graph has a ridge; its projection is Sigma_1, where the map is discontinuous.
Fig. 9: source (square), target (two components) and the singular line in the
source, cells coloured as their targets.

    python demos/fig8_fig9_two_clusters.py [--out out] [--n 3000]
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import geomot as gm  # noqa: E402
import geomot.plot as gplot  # noqa: E402

from shapes import sample, two_disks  # noqa: E402
from common import cli  # noqa: E402


def main(out="out", n=3000, verbose=True):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(8)
    y = (sample(two_disks(), n, rng) - 0.5) * 1.6  # two clusters, centred on the disk
    res = gm.solve(gm.Disk([0, 0], 1), y, verbose=verbose)
    sing = gm.singular_set(res)
    fig = plt.figure(figsize=(14, 5.5))
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    gplot.brenier_potential(res, ax=ax, sing=sing)
    ax.view_init(elev=28, azim=-60)
    ax.set_title(f"Fig. 8: unit disk → {n} Diracs in two clusters\nBrenier potential; its ridge (red) projects to $\\Sigma_1$")
    ax = fig.add_subplot(1, 2, 2)
    gplot.power_diagram(res.diagram, ax=ax, color_by=gplot.target_colors(y)[:, 0], cmap="coolwarm",
                        colorbar=False, show_points=False)
    gplot.singular_set(sing, ax)
    ax.legend(loc="lower right")
    ax.set_title(f"cells and $\\Sigma_1$ ({len(sing.pairs)} singular facets, {len(sing.curves)} curve)")
    fig.tight_layout()
    fig.savefig(out / "fig8_disk_two_clusters.png", dpi=110)
    plt.close(fig)

    y9 = sample(two_disks((0.25, 0.3), (0.7, 0.72), 0.2), n, rng)
    res9 = gm.solve(gm.Box([0, 0], [1, 1]), y9, verbose=verbose)
    sing9 = gm.singular_set(res9)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.8))
    gplot.transport_map(res9, axes, sing=sing9)
    fig.suptitle("Fig. 9: a target with two components — the OT map jumps across the singular line")
    fig.tight_layout()
    fig.savefig(out / "fig9_two_components.png", dpi=110)
    plt.close(fig)
    return [out / "fig8_disk_two_clusters.png", out / "fig9_two_components.png"]


if __name__ == "__main__":
    cli(main, __doc__, 3000)
