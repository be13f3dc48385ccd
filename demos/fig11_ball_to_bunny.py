"""Fig. 11 of the paper: uniform solid ball -> a non-convex solid body (a bunny), in 3D.

The target is n Dirac masses (equal masses) sampled uniformly inside a
bunny-like union of ellipsoids (``geomot.solids.bunny``); the source is the
uniform measure on the ball of the same volume centred at the targets'
centroid. The displacement interpolation rho_t = ((1 - t) id + t T)_# mu,
drawn at t = 0, 1/3, 2/3, 1 with every sample coloured by its destination,
tears along the singular surfaces of T (gm.singular_set): each singular facet
F_ij opens into the two sheets (1 - t) F_ij + t y_i and (1 - t) F_ij + t y_j,
the lips of a fold.

    python demos/fig11_ball_to_bunny.py [--out out] [--n 4000] [--mesh body.npz]

``--mesh`` replaces the bunny by the solid inside your own closed, consistently
oriented triangle mesh: an .npz file with arrays ``vertices`` (v, 3) and
``faces`` (f, 3) (e.g. ``np.savez("body.npz", vertices=m.vertices, faces=m.faces)``
from a trimesh mesh). The files are then named ``fig11_mesh_*.png``.
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import geomot as gm  # noqa: E402
import geomot.plot as gplot  # noqa: E402
from geomot.singular import near_singular_set  # noqa: E402
from geomot.domains.solids import ClosedMesh, bunny  # noqa: E402

from common import cli  # noqa: E402

TIMES = (0.0, 1 / 3, 2 / 3, 1.0)
TIME_LABELS = ("0", "1/3", "2/3", "1")


def load_target(mesh=None):
    """The target solid: the generated bunny, or the solid inside the mesh stored in ``mesh`` (.npz)."""
    if mesh is None:
        return bunny()
    with np.load(mesh) as data:
        if "vertices" not in data or "faces" not in data:
            raise gm.GeomotError(f"{mesh} must hold arrays 'vertices' (v, 3) and 'faces' (f, 3); "
                                 f"found {sorted(data.keys())}")
        return ClosedMesh(data["vertices"], data["faces"])


def solid_volume(solid, seed=0, m=200_000):
    """The mesh's exact volume, or a Monte Carlo estimate in the bounding box (m points)."""
    if isinstance(solid, ClosedMesh):
        return solid.volume
    lo, hi = solid.bounds
    x = lo + (hi - lo) * np.random.default_rng(seed).random((m, 3))
    return float(solid.contains(x).mean() * np.prod(hi - lo))


def destination_colors(points, lo, hi):
    """RGB from a destination's position in the target's bounding box (each axis to one channel)."""
    return 0.1 + 0.8 * (points - lo) / (hi - lo)


def frame(ax, box, view):
    """Same view and limits on every 3D panel; zoomed so that the cube of the limits fills the panel."""
    ax.view_init(*view)
    for set_lim, lo, hi in zip((ax.set_xlim, ax.set_ylim, ax.set_zlim), *box):
        set_lim(lo, hi)
    ax.set_box_aspect((1, 1, 1), zoom=1.25)
    ax.set_axis_off()


def interpolation_rows(fig, x, tx, colors, lips, box, view=(12, -58), ghost=4000):
    """Row 1: samples of rho_t. Row 2: the lips of the folds (samples near the singular surfaces) over a ghost."""
    every = max(1, len(x) // 60_000)  # 3D scatter: 60k points are plenty
    for k, (t, label) in enumerate(zip(TIMES, TIME_LABELS)):
        xt = (1 - t) * x + t * tx
        ax = fig.add_subplot(2, 4, 1 + k, projection="3d")
        ax.scatter(*xt[::every].T, c=colors[::every], s=0.8, alpha=0.6, linewidths=0, depthshade=False)
        frame(ax, box, view)
        ax.set_title(f"$\\rho_t$, t = {label}")
        ax = fig.add_subplot(2, 4, 5 + k, projection="3d")
        ax.scatter(*xt[::len(x) // ghost].T, c="0.75", s=0.5, alpha=0.25, linewidths=0, depthshade=False)
        ax.scatter(*xt[lips].T, c=colors[lips], s=1.2, alpha=0.9, linewidths=0, depthshade=False)
        frame(ax, box, view)
        ax.set_title(f"folds at t = {label}")


def slice_rows(fig, res, sing, x, tx, colors, lips, sections, box):
    """Cross-sections of rho_t (samples within a slab), the lips in black; at t = 0 the singular surfaces' trace."""
    axes = fig.subplots(len(sections), 4)
    for row, (axis, level, width) in zip(axes, sections):
        u, v = np.delete(np.arange(3), axis)
        for ax, t, label in zip(row, TIMES, TIME_LABELS):
            xt = (1 - t) * x + t * tx
            near = np.abs(xt[:, axis] - level) < width
            ax.scatter(xt[near, u], xt[near, v], c=colors[near], s=1.0, linewidths=0)
            ax.scatter(xt[near & lips, u], xt[near & lips, v], c="black", s=2.5, linewidths=0)
            if t == 0:
                gplot.singular_section(sing, ax=ax, axis=axis, level=level, lw=1.5)
            ax.set_xlim(box[0][u], box[1][u])
            ax.set_ylim(box[0][v], box[1][v])
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"t = {label}: {'xyz'[axis]} = {level:.2f}", fontsize=10)


def main(out="out", n=4000, verbose=True, mesh=None, samples=200_000, threshold=3.0):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    target = load_target(mesh)
    y = target.sample(n, seed=11)
    center = y.mean(axis=0)
    radius = float(np.cbrt(3 * solid_volume(target) / (4 * np.pi)))
    res = gm.solve(gm.Uniform(gm.Ball(center, radius)), y, verbose=verbose)
    sing = gm.singular_set(res, threshold=threshold)
    x = res.interpolate(0.0, n=samples, seed=0)  # samples of the source (t = 0)
    tx = res.transport(x)  # rho_t is the law of (1 - t) x + t T(x)
    spacing = float(np.cbrt(4 / 3 * np.pi * radius ** 3 / n))  # mean distance between targets
    lips = near_singular_set(res, sing, x, 0.25 * spacing)
    lo, hi = target.bounds
    colors = destination_colors(tx, lo, hi)
    low, high = np.minimum(lo, center - radius), np.maximum(hi, center + radius)  # the ball and the body
    half = 0.51 * float(np.max(high - low))
    box = ((low + high) / 2 - half, (low + high) / 2 + half)
    name = "fig11_mesh" if mesh is not None else "fig11_ball_to_bunny"
    what = "your mesh" if mesh is not None else "bunny"

    fig = plt.figure(figsize=(16, 8.6))
    interpolation_rows(fig, x, tx, colors, lips, box)
    fig.suptitle(f"Fig. 11: uniform ball → {what} ({n} Diracs), $\\rho_t = ((1-t)\\,id + t\\,T)_\\#\\mu$ "
                 f"coloured by destination\nbottom: the samples on the singular surfaces ({len(sing.pairs)} facets, "
                 f"{len(sing.surface_areas)} surface{'s' if len(sing.surface_areas) != 1 else ''} of area "
                 f"{sing.surface_areas.sum():.3g}) tear apart into the "
                 f"two lips of each fold")
    fig.subplots_adjust(left=0, right=1, bottom=0, top=0.89, wspace=0, hspace=0.1)
    fig.savefig(out / f"{name}.png", dpi=90)
    plt.close(fig)

    width = 0.02 * float(np.max(hi - lo))
    sections = [(0, center[0] + 0.45 * (hi[0] - center[0]), width), (1, center[1] + 0.4 * (hi[1] - center[1]), width)]
    fig = plt.figure(figsize=(16, 8.8), layout="constrained")
    slice_rows(fig, res, sing, x, tx, colors, lips, sections, box)
    fig.suptitle(f"Slices of $\\rho_t$ (slabs of half-width {width:.3f}): each cell shrinks onto its Dirac;\nthe folds "
                 f"open into the wide cracks lined by the black samples (red at t = 0: the singular surfaces)")
    fig.savefig(out / f"{name}_slices.png", dpi=90)
    plt.close(fig)
    return [out / f"{name}.png", out / f"{name}_slices.png"]


if __name__ == "__main__":
    cli(main, __doc__, 4000, mesh=dict(default=None, help="closed triangle mesh (.npz: vertices, faces)"))
