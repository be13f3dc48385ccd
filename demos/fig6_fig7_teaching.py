"""Fig. 6 and 7 of the paper, for teaching: the Brenier polyhedron, its Legendre dual,
the power diagram and its dual weighted Delaunay triangulation.

A handful of targets with their OT heights for the uniform square, so that every
face, vertex and dual edge can be read off the pictures; and the paraboloid
lifting that links the Voronoi diagram of the targets (planes tangent to
z = |x|^2 / 2) with their power diagram (the same planes raised by psi_i / 2).

    python demos/fig6_fig7_teaching.py [--out out] [--n 25]
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import geomot as gm  # noqa: E402
import geomot.plot as gplot  # noqa: E402
from common import cli  # noqa: E402


def main(out="out", n=25, verbose=True):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    y = np.random.default_rng(7).random((n, 2)) * 1.2 - 0.1
    res = gm.solve(gm.Box([0, 0], [1, 1]), y, verbose=verbose)
    fig = plt.figure(figsize=(13, 5.5))
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    gplot.brenier_potential(res, ax=ax)
    ax.set_title(r"Brenier potential $u_h(x)=\max_i\langle x,y_i\rangle+h_i$:" "\none face per cell, gradient $y_i$")
    ax = fig.add_subplot(1, 2, 2, projection="3d")
    gplot.legendre_dual(res, ax=ax)
    ax.set_title("Legendre dual $u_h^*$: lower convex hull of $(y_i, -h_i)$\none vertex per cell, one face per power vertex")
    fig.tight_layout()
    fig.savefig(out / "fig6_brenier_legendre.png", dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(12, 5.8))
    gplot.power_diagram(res.diagram, ax=axes[0], color_by=np.arange(n) % 20, cmap="tab20", colorbar=False,
                        labels="index" if n <= 40 else None)
    axes[0].set_title(f"power diagram: {n} cells of equal mass 1/{n};\n"
                      "a cell and its target (black, maybe outside) share a number", fontsize=12)
    gplot.weighted_delaunay(res.diagram, ax=axes[1])
    axes[1].set_title("weighted Delaunay triangulation (orange), dual of the cells\n"
                      r"(blue): edge $(i,j)$ $\perp$ facet $F_{ij}$, $H_{ij}=-|F_{ij}|/|y_i-y_j|$", fontsize=12)
    fig.tight_layout()
    fig.savefig(out / "fig7_power_diagram_dual.png", dpi=110)
    plt.close(fig)

    fig = plt.figure(figsize=(13, 5.8))
    voronoi = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), res.source)
    for k, (diagram, title) in enumerate([
            (voronoi, "Voronoi: the planes tangent to the paraboloid $z=|x|^2/2$ at $y_i$\n"
                      "($h_i=-|y_i|^2/2$); their upper envelope projects to the Voronoi cells"),
            (res.diagram, "power diagram: plane $i$ raised by $\\psi_i/2=h_i+|y_i|^2/2$\n"
                          "(the OT heights); the envelope $u_h$ projects to the power cells")]):
        ax = fig.add_subplot(1, 2, 1 + k, projection="3d")
        gplot.lifting(diagram, ax=ax)
        ax.view_init(elev=22, azim=-62)
        ax.set_title(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(out / "fig6_lifting.png", dpi=110)
    plt.close(fig)
    return [out / "fig6_brenier_legendre.png", out / "fig7_power_diagram_dual.png", out / "fig6_lifting.png"]


if __name__ == "__main__":
    cli(main, __doc__, 25)
