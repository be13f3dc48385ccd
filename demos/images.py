"""Grayscale test pictures the project renders itself (no data files): arrays of gray levels in [0, 1],
first row at the top, as pictures are stored (``gm.GridDensity.from_image`` turns them upright).

    python demos/images.py [--out out]   # writes them as PNG files
"""
import argparse
from pathlib import Path

import numpy as np


def _grid(size):
    t = (np.arange(size) + 0.5) / size
    x, y = np.meshgrid(t, 1.0 - t)  # y upward, first row at the top
    return x, y


def moon(size=256):
    """A lit sphere with craters and its shadow on a pale floor: smooth shading, sharp edges, dark and
    bright regions (the stippling demo's picture; with ``invert=True`` dark pixels get the dots)."""
    x, y = _grid(size)
    cx, cy, r = 0.5, 0.56, 0.34
    dx, dy = (x - cx) / r, (y - cy) / r
    inside = dx ** 2 + dy ** 2 < 1
    dz = np.sqrt(np.clip(1 - dx ** 2 - dy ** 2, 0, 1))
    light = np.array([-0.55, 0.45, 0.70])
    light /= np.linalg.norm(light)
    shade = np.clip(dx * light[0] + dy * light[1] + dz * light[2], 0, 1)
    craters = [(-0.35, 0.25, 0.18), (0.25, -0.3, 0.24), (0.4, 0.35, 0.12), (-0.1, -0.55, 0.1), (0.05, 0.1, 0.09)]
    for ax, ay, ar in craters:
        d2 = ((dx - ax) ** 2 + (dy - ay) ** 2) / ar ** 2
        shade *= 1 - 0.45 * np.exp(-d2 ** 2)
    floor = 0.98 - 0.12 * y
    shadow = np.exp(-(((x - 0.62) / 0.36) ** 2 + ((y - 0.12) / 0.07) ** 2) ** 2)
    picture = np.where(inside, 0.06 + 0.9 * shade, floor * (1 - 0.75 * shadow))
    return np.clip(picture, 0.0, 1.0)


def two_rings(size=256):
    """Two bright rings of different radii on black (zero density between and around them)."""
    x, y = _grid(size)
    ring = lambda cx, cy, r, w: np.exp(-((np.hypot(x - cx, y - cy) - r) / w) ** 2)  # noqa: E731
    picture = ring(0.32, 0.62, 0.2, 0.05) + 0.8 * ring(0.7, 0.35, 0.14, 0.04)
    picture[picture < 0.05] = 0.0
    return np.clip(picture, 0.0, 1.0)


def blob(size=256):
    """A soft bright blob, off centre, with a dimmer satellite: a density with a tail, nowhere zero."""
    x, y = _grid(size)
    picture = 0.05 + np.exp(-((x - 0.35) ** 2 + (y - 0.4) ** 2) / 0.02) + 0.5 * np.exp(
        -((x - 0.75) ** 2 + (y - 0.75) ** 2) / 0.008)
    return picture / picture.max()


def main(out="out"):
    from PIL import Image

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for make in (moon, two_rings, blob):
        path = out / f"image_{make.__name__}.png"
        Image.fromarray(np.round(255 * make()).astype(np.uint8)).save(path)
        files.append(path)
    return files


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out")
    for f in main(ap.parse_args().out):
        print("wrote", f)
