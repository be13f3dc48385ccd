"""A damped Newton solve, one frame per iteration (GIF for class).

Each frame: the power diagram at that iteration, cells coloured by their
relative mass error on a fixed log scale, with the step length the line search
accepted. The iterates come from ``gm.solve(..., maxiter=k)``, k = 0, 1, ...:
the solver is deterministic, so these are exactly the steps of one solve.

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
    square = gm.Box([0, 0], [1, 1])
    final = gm.solve(square, y, tol=1e-12, verbose=verbose)
    steps = [gm.solve(square, y, tol=1e-12, maxiter=k) for k in range(final.iterations + 1)]
    fig, (ax, ax_h) = plt.subplots(1, 2, figsize=(12.5, 5.2), gridspec_kw={"width_ratios": [1.15, 1], "wspace": 0.5})
    norm = LogNorm(1e-12, 1e2)
    fig.colorbar(ScalarMappable(norm, "viridis"), ax=ax, shrink=0.8, label="relative mass error of the cell")

    def draw(k):
        ax.clear()
        ax_h.clear()
        res = steps[k]
        gplot.power_diagram(res.diagram, ax=ax, color_by="error", target_masses=res.target_masses,
                            colorbar=False, log=True)
        ax.collections[0].set_norm(norm)
        info = res.history[-1]
        ax.set_title(f"iteration {k}: max relative mass error {info.max_rel_error:.1e}\n"
                     f"step accepted by the line search: {info.step:g}" if k else
                     f"start (Voronoi): max relative mass error {info.max_rel_error:.1e}")
        gplot.newton_history(final, ax=ax_h)
        ax_h.plot([k], [max(info.max_rel_error, 1e-17)], "o", ms=14, mfc="none", mec="crimson", mew=2)
        return []

    anim = FuncAnimation(fig, draw, frames=len(steps), blit=False)
    path = out / "newton_animation.gif"
    anim.save(path, writer=PillowWriter(fps=1))
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    cli(main, __doc__, 400)
