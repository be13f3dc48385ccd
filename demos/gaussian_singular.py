"""A Gaussian source to a non-convex target, solved exactly (the AE-OT picture in 2D).

The source is the standard Gaussian N(0, I) in the plane (exact cells:
``gm.Gaussian(2)``), the target n Diracs on an annulus with a gap (a "C"):
the Brenier potential is not differentiable on the singular set Sigma_1, where
the map jumps across the gap. Left: the cells over the Gaussian density, with
Sigma_1; right: the target points coloured as their cells.

    python demos/gaussian_singular.py [--out out] [--n 2000]
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import geomot as gm  # noqa: E402
import geomot.plot as gplot  # noqa: E402

from common import cli  # noqa: E402

WINDOW = 3.2  # the plot shows the source within this many std of its mean


def c_shape(n, rng):
    """``n`` points uniform on an annulus of radii 1 and 2 minus the sector |angle| < 50 degrees."""
    t = rng.uniform(np.deg2rad(50), np.deg2rad(310), n)
    r = np.sqrt(rng.uniform(1.0, 4.0, n))
    return np.column_stack([r * np.cos(t), r * np.sin(t)])


def main(out="out", n=2000, verbose=True):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    y = c_shape(n, np.random.default_rng(19))
    res = gm.solve(gm.Gaussian(2), y, verbose=verbose)
    sing = gm.singular_set(res)
    colors = gplot.target_colors(y)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.8))
    ax = axes[0]
    grid = np.linspace(-WINDOW, WINDOW, 400)
    density = np.exp(-0.5 * (grid[None, :] ** 2 + grid[:, None] ** 2)) / (2 * np.pi)
    ax.imshow(density, origin="lower", extent=(-WINDOW, WINDOW, -WINDOW, WINDOW), cmap="Greys", alpha=0.9)
    gplot.power_diagram(res.diagram, ax=ax, color_by=colors[:, 0], cmap="hsv", colorbar=False, show_points=False)
    for artist in ax.collections:
        artist.set_alpha(0.55)
    gplot.singular_set(sing, ax)
    ax.set_xlim(-WINDOW, WINDOW)
    ax.set_ylim(-WINDOW, WINDOW)
    ax.legend(loc="lower right")
    ax.set_title(f"source N(0, I): {n} cells (exact), $\\Sigma_1$ ({len(sing.curves)} curves)\n"
                 f"{res.iterations} Newton steps, max rel. mass error {res.max_rel_error:.1e}")
    ax = axes[1]
    ax.scatter(y[:, 0], y[:, 1], c=colors[:, 0], cmap="hsv", s=4)
    ax.set_aspect("equal")
    ax.set_title("target: a 'C' (annulus with a gap); colours as the cells")
    fig.tight_layout()
    path = out / "gaussian_singular.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    cli(main, __doc__, 2000)
