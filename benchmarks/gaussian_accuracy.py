"""Accuracy and speed of the exact 2D Gaussian integrals (geomot._kernels.planar.gaussian).

Random triangles at distance 0..8 std from the mean, of diameter 1e-3..6 std:
the kernel's masses against ``scipy.integrate.dblquad`` (epsrel 1e-13, in
coordinates centred on the triangle's centroid, its density there factored out, so
the reference is relative to the triangle's own mass). Then the
kernel's time per cell on a Voronoi-like diagram of n cells.

    python benchmarks/gaussian_accuracy.py
"""
import math
import time
import warnings

import numpy as np
from scipy import integrate

from geomot._kernels.planar.gaussian import gaussian_cells


def reference_mass(tri):
    """``int_T phi_2`` by dblquad over the triangle split at its middle vertex (x-sorted), in coordinates
    ``d = z - c`` about the centroid: ``phi_2(z) = phi_2(c) exp(-<c, d> - |d|^2 / 2)``."""
    c = tri.mean(axis=0)
    p = (tri - c)[np.argsort(tri[:, 0])]
    scale = math.exp(-0.5 * (c @ c))

    def f(y, x):
        return math.exp(-(c[0] * x + c[1] * y) - 0.5 * (x * x + y * y))

    def line(a, b):
        return lambda x: a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])

    total = 0.0
    for x0, x1, lo, hi in [(p[0, 0], p[1, 0], line(p[0], p[1]), line(p[0], p[2])),
                           (p[1, 0], p[2, 0], line(p[1], p[2]), line(p[0], p[2]))]:
        if x1 > x0:
            total += integrate.dblquad(f, x0, x1, lambda x: min(lo(x), hi(x)), lambda x: max(lo(x), hi(x)),
                                       epsabs=0.0, epsrel=1e-13)[0]
    return total * scale / (2 * math.pi)


def cross(tri):
    (ax, ay), (bx, by) = tri[1] - tri[0], tri[2] - tri[0]
    return ax * by - ay * bx


def kernel(polygons):
    counts = np.array([len(p) for p in polygons], np.int64)
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    vertices = np.ascontiguousarray(np.vstack(polygons), float)
    labels = np.arange(len(vertices), dtype=np.int64)
    return gaussian_cells(offsets, counts, vertices, labels, np.zeros((len(polygons), 2)), np.zeros(2), 1.0,
                          len(vertices))


def accuracy(rng, n=300):
    rows = []
    for _ in range(n):
        r, size = rng.uniform(0, 8), 10 ** rng.uniform(-3, math.log10(6))
        angle = rng.uniform(0, 2 * math.pi)
        centre = r * np.array([math.cos(angle), math.sin(angle)])
        tri = centre + size * rng.uniform(-0.5, 0.5, (3, 2))
        if cross(tri) < 0:
            tri = tri[::-1]
        if abs(cross(tri)) < 1e-3 * size ** 2:
            continue
        got = kernel([tri])[0][0, 0]
        rows.append((r, size, abs(got / reference_mass(tri) - 1)))
    return np.array(rows)


def speed(n, rng):
    """Time per cell on n Voronoi-like cells (hexagons of the spacing of n points within 3 std)."""
    side = 6.0 / math.sqrt(n)
    ang = np.linspace(0, 2 * np.pi, 7)[:-1]
    hexagon = 0.55 * side * np.column_stack([np.cos(ang), np.sin(ang)])
    centres = rng.uniform(-3, 3, (n, 2))
    polygons = list(centres[:, None, :] + hexagon[None])
    kernel(polygons[:10])
    t = time.perf_counter()
    kernel(polygons)
    return (time.perf_counter() - t) / n


if __name__ == "__main__":
    warnings.simplefilter("ignore", integrate.IntegrationWarning)
    rng = np.random.default_rng(0)
    rows = accuracy(rng)
    for lo, hi in [(0, 2), (2, 5), (5, 8)]:
        sel = (rows[:, 0] >= lo) & (rows[:, 0] < hi)
        print(f"distance {lo}-{hi} std: {sel.sum():3d} triangles, max relative mass error {rows[sel, 2].max():.1e}, "
              f"median {np.median(rows[sel, 2]):.1e}")
    for lo, hi in [(1e-3, 1e-1), (1e-1, 1), (1, 6)]:
        sel = (rows[:, 1] >= lo) & (rows[:, 1] < hi)
        print(f"diameter {lo:g}-{hi:g} std: {sel.sum():3d} triangles, max relative mass error {rows[sel, 2].max():.1e}")
    for n in (10 ** 4, 10 ** 5):
        print(f"n = {n}: {1e6 * speed(n, rng):.2f} us per hexagonal cell")
