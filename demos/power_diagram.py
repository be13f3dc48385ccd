"""Solve semi-discrete OT and draw the power diagram with its cell masses.

Uniform measure on the unit square -> 600 Diracs drawn from a non-uniform law
(a dense Gaussian blob plus a uniform background), uniform masses 1/600. The
Voronoi diagram of the points (the solver's start) has cells of very unequal
mass; the optimal power diagram gives every cell the same mass. Also: the same
solve on a non-convex polygon with a hole and on a disk (exact circular cells).

    python demos/power_diagram.py [--out out] [--n 600]
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import geomot as gm  # noqa: E402
import geomot.plot as gplot  # noqa: E402
from common import cli  # noqa: E402


def targets(n, rng):
    blob = 0.5 + 0.08 * rng.standard_normal((n // 2, 2))
    return np.vstack([np.clip(blob, 0.01, 0.99), rng.random((n - n // 2, 2))])


def main(out="out", n=600, verbose=True):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    y = targets(n, rng)
    square = gm.Uniform(gm.Box([0, 0], [1, 1]))
    res = gm.solve(square, y, tol=1e-10, verbose=verbose)
    start = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), square)
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.4))
    lo, hi = res.masses.min(), res.masses.max()
    gplot.power_diagram(start, ax=axes[0], color_by="mass", log=True)
    axes[0].set_title(f"start: Voronoi diagram\ncell masses {start.masses.min():.1e} .. {start.masses.max():.1e}")
    gplot.power_diagram(res.diagram, ax=axes[1], color_by="error", target_masses=res.target_masses)
    axes[1].set_title(f"optimal power diagram, masses {lo:.10f} .. {hi:.10f}\n(1/n = {1 / n:.10f}), "
                      f"W2²/2 = {res.cost:.5f}")
    gplot.newton_history(res, ax=axes[2])
    fig.suptitle("semi-discrete OT: uniform square → 600 Diracs (damped Newton, exact cells)")
    fig.tight_layout()
    fig.savefig(out / "power_diagram.png", dpi=110)
    plt.close(fig)

    domains = [("L-shaped polygon with a hole", gm.Polygon([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)],
                                                           [[(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)]])),
               ("disk (exact arcs)", gm.Disk([0, 0], 1.0))]
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.6))
    for ax, (name, domain) in zip(axes, domains):
        lo_, hi_ = domain.bounds
        z = lo_ + (hi_ - lo_) * rng.random((300, 2))
        r = gm.solve(domain, z, tol=1e-10)
        gplot.power_diagram(r.diagram, ax=ax, color_by=np.arange(len(z)) % 20, cmap="tab20", colorbar=False)
        ax.set_title(f"{name}\n300 targets (black; some outside), equal masses 1/300:\n"
                     f"{r.iterations} Newton iterations, max relative mass error {r.max_rel_error:.0e}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "power_diagram_domains.png", dpi=110)
    plt.close(fig)
    return [out / "power_diagram.png", out / "power_diagram_domains.png"]


if __name__ == "__main__":
    cli(main, __doc__, 600)
