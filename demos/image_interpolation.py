"""Displacement interpolation between two grayscale pictures (a 2D analogue of the paper's Fig. 11).

The source is one picture as an exact density (``gm.GridDensity``: a soft blob
with a satellite), the target the other (two rings on black) stippled into n
Diracs of equal mass (``demos/stippling.py``). The Brenier map ``T`` of the
exact semi-discrete problem moves the source's mass along straight lines:
the measure at time t is the push-forward of the source by
``x -> (1 - t) x + t T(x)`` (McCann's interpolation), drawn here from 2^20
Sobol samples of the source, binned on the pictures' grid. The blob splits
along the singular set of ``T`` (where the map jumps between the two rings)
before it reaches them.

    python demos/image_interpolation.py [--out out] [--n 20000]
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import geomot as gm  # noqa: E402
import geomot.plot as gplot  # noqa: E402

from common import cli  # noqa: E402
from images import blob, two_rings  # noqa: E402
from stippling import stipple  # noqa: E402

TIMES = (0.0, 0.25, 0.5, 0.75, 1.0)
SIZE = 128
SAMPLES = 1 << 20


def main(out="out", n=20_000, verbose=True):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    box = gm.Box([0.0, 0.0], [1.0, 1.0])
    source = gm.GridDensity.from_image(blob(SIZE), box)
    target, _ = stipple(gm.GridDensity.from_image(two_rings(SIZE), box), n, rounds=3)
    res = gm.solve(source, target, verbose=verbose)
    sing = gm.singular_set(res)
    x = source.sample(SAMPLES, seed=1, qmc=True)
    tx = res.transport(x)
    fig, axes = plt.subplots(1, len(TIMES), figsize=(3.4 * len(TIMES), 3.9))
    edges = np.linspace(0.0, 1.0, SIZE + 1)
    for ax, t in zip(axes, TIMES):
        moved = (1 - t) * x + t * tx
        density, _, _ = np.histogram2d(moved[:, 1], moved[:, 0], bins=(edges, edges))
        ax.imshow(density ** 0.5, origin="lower", extent=(0, 1, 0, 1), cmap="magma")
        ax.set_title(f"t = {t:g}")
        ax.set_xticks([])
        ax.set_yticks([])
    gplot.singular_set(sing, axes[0], color="cyan", lw=1.0)
    axes[0].set_xlim(0, 1)
    axes[0].set_ylim(0, 1)
    fig.suptitle(f"blob -> two rings: {n} Diracs, {res.iterations} Newton steps to {res.max_rel_error:.0e}; "
                 f"cyan: the singular set of T (where the blob tears)", fontsize=12)
    fig.tight_layout()
    path = out / "image_interpolation.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    cli(main, __doc__, 20_000)
