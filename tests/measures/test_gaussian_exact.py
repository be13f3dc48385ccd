"""Exact Gaussian integrals over convex polygons and segments (geomot._kernels.planar.gaussian).

References are independent of the kernel: products of 1D normal integrals for
axis-aligned rectangles and quadrants (the normal CDF, or ``quad`` of the
density where a difference of CDFs would cancel), ``scipy.integrate.dblquad``
over triangles, and the erf closed form along segments.
"""
import math

import numpy as np
import pytest
import shapely
from scipy import integrate, special

from geomot._kernels.planar.gaussian import RADIUS, gaussian_cells


def phi(t):
    return math.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi)


def normal_interval(a, b):
    """``Phi(b) - Phi(a)`` to full relative precision (tails by erfc, short intervals by quad)."""
    if b - a < 0.5:
        return integrate.quad(phi, a, b, epsabs=0.0, epsrel=2e-14)[0]
    if a >= 0:
        return special.ndtr(-a) - special.ndtr(-b)
    return special.ndtr(b) - special.ndtr(a)


def rectangle(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)


def integrate_cells(polygons, sites=None, mean=(0.0, 0.0), std=1.0):
    """The kernel on counter-clockwise polygons, each edge its own facet slot."""
    counts = np.array([len(p) for p in polygons], np.int64)
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    vertices = np.vstack(polygons).astype(float)
    labels = np.arange(len(vertices), dtype=np.int64)
    sites = np.zeros((len(polygons), 2)) if sites is None else np.asarray(sites, float)
    return gaussian_cells(offsets, counts, vertices, labels, sites, np.asarray(mean, float), float(std),
                          len(vertices))


@pytest.mark.parametrize("a, b", [(0, 0), (1, 2), (6, 0), (6, 6), (-3, -2), (0.3, -0.31), (9, -1), (-12, 7)])
def test_quadrants_are_products_of_normal_tails(a, b):
    """The quadrant ``[a, inf) x [b, inf)`` has mass ``Phi_c(a) Phi_c(b)`` (cut at RADIUS: below 1e-300)."""
    moments, _ = integrate_cells([rectangle(a, b, RADIUS, RADIUS)])
    expected = special.ndtr(-a) * special.ndtr(-b)
    assert moments[0, 0] == pytest.approx(expected, rel=5e-14)


def test_half_plane_through_a_rotated_line():
    """A half-plane at distance t from the mean carries ``Phi_c(t)``, whatever its direction."""
    for t, angle in [(0.0, 0.3), (1.5, 1.0), (5.0, 2.5), (-2.0, 4.0)]:
        u = np.array([math.cos(angle), math.sin(angle)])
        v = np.array([-u[1], u[0]])
        big = 3 * RADIUS
        half_plane = shapely.Polygon([t * u - big * v, t * u + big * u - big * v, t * u + big * u + big * v,
                                      t * u + big * v])
        cell = shapely.box(-RADIUS, -RADIUS, RADIUS, RADIUS).intersection(half_plane)
        ring = np.asarray(shapely.geometry.polygon.orient(cell).exterior.coords)[:-1]
        moments, _ = integrate_cells([ring])
        assert moments[0, 0] == pytest.approx(special.ndtr(-t), rel=5e-14)


@pytest.mark.parametrize("corner", [0.0, 0.7, 3.0, 6.0, 9.0, -4.0])
@pytest.mark.parametrize("side", [1e-3, 0.05, 0.5, 2.0])
def test_squares_near_and_in_the_tails(corner, side):
    """Small and large squares from the mean to 9 std out: mass, first and second moments to ~1e-13 relative."""
    x0, y0 = corner, 0.5 * corner
    px, py = normal_interval(x0, x0 + side), normal_interval(y0, y0 + side)
    # first moments: int_a^b t phi = phi(a) - phi(b); second: int t^2 phi = [Phi - t phi]
    fx = phi(x0) - phi(x0 + side)
    fy = phi(y0) - phi(y0 + side)
    sx = px + x0 * phi(x0) - (x0 + side) * phi(x0 + side)
    sy = py + y0 * phi(y0) - (y0 + side) * phi(y0 + side)
    site = np.array([x0 + side / 3, y0 + side / 4])
    moments, _ = integrate_cells([rectangle(x0, y0, x0 + side, y0 + side)], [site])
    mass = px * py
    assert moments[0, 0] == pytest.approx(mass, rel=2e-13)
    if side >= 0.05:  # the closed forms of the moments cancel for tiny squares
        assert moments[0, 1] == pytest.approx(fx * py, rel=1e-12)
        assert moments[0, 2] == pytest.approx(px * fy, rel=1e-12)
        second = sx * py + px * sy - 2 * (site[0] * fx * py + site[1] * px * fy) + site @ site * mass
        assert moments[0, 3] == pytest.approx(second, rel=1e-10)


def _dblquad_triangle(tri, f):
    """``int_T f`` over a triangle by dblquad on the two x-ranges of its vertices sorted by x."""
    p = tri[np.argsort(tri[:, 0])]

    def y_on(a, b):
        return lambda x: a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])

    total = 0.0
    for (x0, x1), lo, hi in [((p[0, 0], p[1, 0]), y_on(p[0], p[1]), y_on(p[0], p[2])),
                             ((p[1, 0], p[2, 0]), y_on(p[1], p[2]), y_on(p[0], p[2]))]:
        if x1 > x0:
            val = integrate.dblquad(lambda y, x: f(x, y), x0, x1, lambda x: min(lo(x), hi(x)),
                                    lambda x: max(lo(x), hi(x)), epsabs=0.0, epsrel=1e-13)[0]
            total += val
    return total


@pytest.mark.parametrize("tri, mean, std", [
    ([[0.1, 0.2], [0.6, 0.3], [0.3, 0.8]], (0.4, 0.4), 0.3),
    ([[2.0, 1.0], [5.0, 1.5], [3.0, 4.0]], (0.0, 0.0), 1.0),
    ([[0.0, -3.0], [8.0, 0.0], [0.0, 3.0]], (0.5, 0.1), 1.0),
    ([[5.9, 6.0], [6.2, 6.05], [6.0, 6.3]], (0.0, 0.0), 1.0),
])
def test_triangles_against_dblquad(tri, mean, std):
    """Mass, first moments and the second moment about a site, in a general frame (mean, std)."""
    tri = np.array(tri, float)
    site = np.array([0.3, -0.2])
    mean = np.array(mean)

    def rho(x, y):
        return math.exp(-0.5 * ((x - mean[0]) ** 2 + (y - mean[1]) ** 2) / std ** 2) / (2 * math.pi * std ** 2)

    reference = [_dblquad_triangle(tri, rho), _dblquad_triangle(tri, lambda x, y: x * rho(x, y)),
                 _dblquad_triangle(tri, lambda x, y: y * rho(x, y)),
                 _dblquad_triangle(tri, lambda x, y: ((x - site[0]) ** 2 + (y - site[1]) ** 2) * rho(x, y))]
    moments, _ = integrate_cells([tri], [site], mean, std)
    np.testing.assert_allclose(moments[0], reference, rtol=1e-12)


def test_cells_partition_the_plane():
    """A square grid of cells over the RADIUS box: the masses sum to 1 and the first moments to the mean."""
    mean, std = np.array([0.2, -0.1]), 0.7
    edges = np.r_[-RADIUS, np.linspace(-3, 3, 13), RADIUS] * std
    cells = [rectangle(mean[0] + a, mean[1] + c, mean[0] + b, mean[1] + d)
             for a, b in zip(edges[:-1], edges[1:]) for c, d in zip(edges[:-1], edges[1:])]
    moments, _ = integrate_cells(cells, None, mean, std)
    assert moments[:, 0].sum() == pytest.approx(1.0, abs=2e-15)
    np.testing.assert_allclose(moments[:, 1:3].sum(axis=0), mean, atol=2e-15)
    # second moment about the origin: |mean|^2 + 2 std^2
    assert moments[:, 3].sum() == pytest.approx(mean @ mean + 2 * std ** 2, rel=1e-14)


def segment_closed_form(p, q):
    """``int phi_2 dl`` along the segment p -> q: ``phi(d) (Phi(s_q) - Phi(s_p))``, d the line's distance."""
    e = (q - p) / np.linalg.norm(q - p)
    d = p[0] * e[1] - p[1] * e[0]
    sp, sq = p @ e, q @ e
    return phi(d) * normal_interval(sp, sq)


@pytest.mark.parametrize("p, q", [((0, 0), (1, 0)), ((-2, 1), (3, 2)), ((6, -1), (6, 1)),
                                  ((7, 7), (7.5, 7.2)), ((-30, 0.5), (30, 0.5)), ((1, 1), (1.0001, 1.0002))])
def test_segments_against_erf_closed_form(p, q):
    """The Gaussian length of each edge of a triangle, against the closed form (mean 0, std 1, then rescaled)."""
    p, q = np.array(p, float), np.array(q, float)
    r = p + 0.5 * (q - p) + 0.3 * np.array([-(q - p)[1], (q - p)[0]])  # a third vertex, left of p -> q
    _, facets = integrate_cells([np.array([p, q, r])])
    assert facets[0] == pytest.approx(segment_closed_form(p, q), rel=1e-13)
    # the same segment in a frame x = m + s z carries (1 / s) times the length, int_F rho dl
    m, s = np.array([1.0, -2.0]), 0.25
    _, scaled = integrate_cells([m + s * np.array([p, q, r])], None, m, s)
    assert scaled[0] == pytest.approx(segment_closed_form(p, q) / s, rel=1e-13)
