"""Stippling by optimal transport: a grayscale picture drawn with n dots of equal mass (blue noise).

The picture (``demos/images.py``'s moon, written to a PNG and read back by
``gm.GridDensity.from_image(path, invert=True)``: dark pixels dense) is the
source measure; n dots start as samples of it. Each round solves the exact
semi-discrete problem (every dot's power cell carries mass 1/n, pixel by pixel)
and moves every dot to its cell's barycentre (de Goes, Breeden, Ostromoukhov,
Desbrun, "Blue noise through optimal transport", SIGGRAPH Asia 2012): the
dots spread evenly where the picture is uniform and follow its edges.

    python demos/stippling.py [--out out] [--n 10000] [--rounds 8]
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import geomot as gm  # noqa: E402

from common import cli  # noqa: E402
from images import moon  # noqa: E402


def stipple(source, n, rounds, seed=0, verbose=False):
    """Dots of equal mass: samples of ``source`` moved ``rounds`` times to the barycentres of their power
    cells. Each solve starts from the power weights ``psi = 2 h + |y|^2`` of the previous one (the cells
    move with their dots; the heights alone would not: ``<x, y> + h`` tilts with ``y``). Returns the dots
    and the results."""
    y = source.sample(n, seed=seed, qmc=True)
    results, heights0 = [], None
    for k in range(rounds):
        res = gm.solve(source, y, tol=1e-6, heights0=heights0)
        results.append(res)
        if verbose:
            print(f"round {k + 1}: {res.iterations} Newton steps, max rel. mass error {res.max_rel_error:.1e}, "
                  f"mean move {np.linalg.norm(res.diagram.barycenters - y, axis=1).mean():.2e}", flush=True)
        moved = res.diagram.barycenters
        heights0 = res.heights + 0.5 * ((y ** 2).sum(axis=1) - (moved ** 2).sum(axis=1))
        y = moved
    return y, results


def main(out="out", n=10_000, verbose=True, rounds=8):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    picture_path = out / "stippling_source.png"
    Image.fromarray(np.round(255 * moon(256)).astype(np.uint8)).save(picture_path)
    source = gm.GridDensity.from_image(picture_path, invert=True)
    start = source.sample(n, seed=0, qmc=True)
    dots, results = stipple(source, n, rounds, verbose=verbose)
    fig, axes = plt.subplots(1, 3, figsize=(15, 5.8))
    width, height = source.domain.upper
    axes[0].imshow(np.asarray(Image.open(picture_path)), cmap="gray", extent=(0, width, 0, height), vmin=0,
                   vmax=255)
    axes[0].set_title("the picture (256 x 256 pixels)")
    size = 25_000 / n
    axes[1].scatter(start[:, 0], start[:, 1], s=size, c="k", linewidths=0)
    axes[1].set_title(f"{n} samples of it (scrambled Sobol)")
    axes[2].scatter(dots[:, 0], dots[:, 1], s=size, c="k", linewidths=0)
    steps = sum(r.iterations for r in results)
    axes[2].set_title(f"after {rounds} rounds of OT + barycentres\n({steps} Newton steps in all, "
                      f"last error {results[-1].max_rel_error:.0e})")
    for ax in axes:
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    path = out / "stippling.png"
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    cli(main, __doc__, 10_000, rounds={"type": int, "default": 8, "help": "rounds of OT + barycentres"})
