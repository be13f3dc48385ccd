"""A damped Newton solve, one frame per iteration (GIF for class).

Each frame: the power diagram at that iteration, cells coloured by their
relative mass error on one log scale for all frames, with the step length the
line search accepted. The iterates are recorded from one solve: its
``callback`` receives every iteration's heights (``IterationInfo.heights``).

    python demos/newton_animation.py [--out out] [--n 400]
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402

import geomot as gm  # noqa: E402
import geomot.plot as gplot  # noqa: E402

from common import cli  # noqa: E402


def main(out="out", n=400, verbose=True):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    y = np.vstack([0.5 + 0.1 * rng.standard_normal((n // 2, 2)), rng.random((n - n // 2, 2)) * 1.4 - 0.2])
    square = gm.Uniform(gm.Box([0, 0], [1, 1]))
    iterates = []  # the IterationInfo of every iteration (with its heights), the start first
    res = gm.solve(square, y, tol=1e-12, verbose=verbose, callback=lambda info: iterates.append(info))
    fig = plt.figure(figsize=(12, 6.2), layout="constrained")
    ax, ax_h = fig.subplots(1, 2, width_ratios=[1.25, 1])
    norm = LogNorm(1e-12, 1e2)
    fig.colorbar(ScalarMappable(norm, "viridis"), ax=ax, shrink=0.85, label="relative mass error of the cell")

    def draw(k):
        ax.clear()
        ax_h.clear()
        info = iterates[k]
        diagram = gm.PowerDiagram(y, info.heights, square)
        gplot.power_diagram(diagram, ax=ax, color_by="error", target_masses=res.target_masses, norm=norm,
                            colorbar=False, point_size=3.5)
        ax.set_title(f"iteration {k}: max relative mass error {info.max_rel_error:.1e}\n"
                     f"step accepted by the line search: {info.step:g}" if k else
                     f"start (Voronoi): max relative mass error {info.max_rel_error:.1e}", fontsize=12)
        gplot.newton_history(res, ax=ax_h)
        ax_h.plot([k], [max(info.max_rel_error, 1e-17)], "o", ms=16, mfc="none", mec="crimson", mew=2.5)
        return []

    anim = FuncAnimation(fig, draw, frames=len(iterates), blit=False)
    path = out / "newton_animation.gif"
    anim.save(path, writer=PillowWriter(fps=1), dpi=80)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    cli(main, __doc__, 400)
