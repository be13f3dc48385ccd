"""Fig. 10 of the paper: rectangle -> dumbbell (connected, not convex), constant densities.

The singular set is two curves, Sigma_1 = gamma_1 ∪ gamma_2, on either side of
the neck: source points on either side of each go to different bells.

    python demos/fig10_dumbbell.py [--out out] [--n 4000]
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import geomot as gm  # noqa: E402
import geomot.plot as gplot  # noqa: E402

from shapes import dumbbell, sample  # noqa: E402
from common import cli  # noqa: E402


def main(out="out", n=4000, verbose=True):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    y = sample(dumbbell(), n, np.random.default_rng(10)) * [1, 0.6]
    res = gm.solve(gm.Box([0, 0], [1, 0.6]), y, verbose=verbose)
    sing = gm.singular_set(res)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    gplot.transport_map(res, axes, sing=sing)
    for curve in sing.curves[:2]:  # gamma_1 above the neck, gamma_2 below
        mid = curve[len(curve) // 2]
        name = 1 if mid[1] > 0.3 else 2
        axes[0].annotate(f"$\\gamma_{name}$", mid, xytext=(14, 0), textcoords="offset points", fontsize=15,
                         va="center", bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.3"))
    found = ", ".join(f"{length:.2f}" for length in sing.lengths) or "none"
    fig.suptitle(f"Fig. 10: rectangle → dumbbell ({n} Diracs): $\\Sigma_1 = \\gamma_1 \\cup \\gamma_2$, "
                 f"{len(sing.curves)} curves found (lengths {found}), {len(sing.branch_points)} $\\Sigma_2$ points",
                 fontsize=13)
    fig.tight_layout()
    fig.savefig(out / "fig10_dumbbell.png", dpi=110)
    plt.close(fig)
    return [out / "fig10_dumbbell.png"]


if __name__ == "__main__":
    cli(main, __doc__, 4000)
