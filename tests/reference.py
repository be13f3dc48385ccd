"""Independent, slow reference computations used by the tests (no geomot code).

Cells by brute force: the domain (a shapely polygon; the disk as a polygon of
2**15 vertices) intersected with every half-plane ``<x, y_j - y_i> <= h_i - h_j``
in turn, each half-plane a huge shapely square. O(n^2) shapely operations:
for n up to a few dozen.
"""
import numpy as np
import shapely


def disk_polygon(center, radius, segments=2 ** 15):
    """Polygon inscribed in the circle; its area is short by about (2 pi / segments)^2 / 6 relative."""
    t = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    return shapely.Polygon(np.column_stack([center[0] + radius * np.cos(t), center[1] + radius * np.sin(t)]))


def halfplane(a, b, big):
    """The half-plane ``<x, a> <= b`` intersected with a square of half-size ``big``, as a polygon."""
    a = np.asarray(a, float)
    na = np.linalg.norm(a)
    u = a / na
    v = np.array([-u[1], u[0]])
    p0 = u * (b / na)  # a point on the line
    return shapely.Polygon([p0 + big * v, p0 - big * v, p0 - big * v - 2 * big * u, p0 + big * v - 2 * big * u])


def brute_force_cells(points, heights, domain_geometry):
    """List of shapely geometries, cell i = domain ∩ {x : <x,y_i>+h_i >= <x,y_j>+h_j for all j}."""
    points = np.asarray(points, float)
    big = 10 * (np.abs(points).max() + np.abs(np.asarray(domain_geometry.bounds)).max() + 1)
    cells = []
    for i in range(len(points)):
        cell = domain_geometry
        for j in range(len(points)):
            if j != i and not cell.is_empty:
                cell = cell.intersection(halfplane(points[j] - points[i], heights[i] - heights[j], big))
        cells.append(cell)
    return cells


def facet_length(points, heights, i, j, domain_geometry):
    """Length of the facet F_ij = {x in domain : cells i and j tie and beat every other k}.

    The line ``<x, y_j - y_i> = h_i - h_j`` is clipped by the 1D constraints of
    every other point k, then intersected with the domain by shapely.
    """
    y, h = np.asarray(points, float), np.asarray(heights, float)
    a = y[j] - y[i]
    v = np.array([-a[1], a[0]]) / np.linalg.norm(a)
    p0 = a * (h[i] - h[j]) / (a @ a)
    lo, hi = -1e9, 1e9
    for k in range(len(y)):
        if k in (i, j):
            continue
        # <p0 + t v, y_k - y_i> <= h_i - h_k
        c = y[k] - y[i]
        slope, rest = v @ c, h[i] - h[k] - p0 @ c
        if slope > 0:
            hi = min(hi, rest / slope)
        elif slope < 0:
            lo = max(lo, rest / slope)
        elif rest < 0:
            return 0.0
    if lo >= hi:
        return 0.0
    return shapely.LineString([p0 + lo * v, p0 + hi * v]).intersection(domain_geometry).length


def second_moment(cell, y):
    """int_cell |x - y|^2 dx for a polygonal cell, by triangulating it (shapely's constrained Delaunay)."""
    total = 0.0
    tris = shapely.get_parts(shapely.constrained_delaunay_triangles(cell)) if not cell.is_empty else []
    for t in tris:
        a, b, c = np.asarray(t.exterior.coords)[:3] - y
        area = abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])) / 2
        total += area / 6 * (a @ a + b @ b + c @ c + a @ b + b @ c + a @ c)
    return total
