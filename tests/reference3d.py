"""Independent, slow 3D reference computations used by the tests (no geomot code).

Each cell by brute force: the half-spaces of the domain and the bisector
half-spaces ``<x, y_j - y_i> <= h_i - h_j`` of ALL other points, intersected by
scipy's ``HalfspaceIntersection`` (Qhull, dual hull) from an interior point
found by linear programming (the Chebyshev centre); the cell's convex hull then
gives its volume, and a tetrahedral fan its barycentre, second moment and the
area of the face on each bisector. O(n^2): for n up to a few dozen.
"""
import numpy as np
from scipy.optimize import linprog
from scipy.spatial import ConvexHull, HalfspaceIntersection, QhullError


def cell_halfspaces(points, heights, i, normals, offsets):
    """``(A, b)`` of cell i: the domain rows, then one row per other point j (row of j: index in ``others``)."""
    y, h = np.asarray(points, float), np.asarray(heights, float)
    others = np.array([j for j in range(len(y)) if j != i], dtype=int)
    A = np.vstack([normals, y[others] - y[i]])
    b = np.concatenate([offsets, h[i] - h[others]])
    return A, b, others


def brute_force_cell(points, heights, i, normals, offsets, scale=1.0):
    """Dict with volume, barycenter, second moment about y_i and facet areas {j: area} of cell i."""
    y = np.asarray(points, float)
    A, b, others = cell_halfspaces(points, heights, i, normals, offsets)
    norm = np.linalg.norm(A, axis=1)
    An, bn = A / norm[:, None], b / norm
    lp = linprog(np.r_[0.0, 0.0, 0.0, -1.0], A_ub=np.column_stack([An, np.ones(len(An))]), b_ub=bn,
                 bounds=[(None, None)] * 3 + [(0, None)], method="highs")
    empty = {"volume": 0.0, "barycenter": np.full(3, np.nan), "second": 0.0, "facets": {}}
    if lp.status != 0 or lp.x[3] <= 1e-9 * scale:
        return empty
    try:
        hs = HalfspaceIntersection(np.column_stack([An, -bn]), lp.x[:3])
    except QhullError:
        if lp.x[3] <= 1e-7 * scale:  # a sliver thinner than the LP's tolerances can resolve
            return empty
        raise
    verts = hs.intersections
    hull = ConvexHull(verts)
    c0 = verts.mean(axis=0)
    vol, m1, m2 = 0.0, np.zeros(3), 0.0
    facets = {}
    for tri in hull.simplices:
        p, q, r = verts[tri] - c0
        v = abs(np.linalg.det(np.array([p, q, r]))) / 6
        vol += v
        m1 += v * (p + q + r) / 4
        a, bb, c = verts[tri] - y[i]
        d = c0 - y[i]
        # second moment of the tetrahedron (c0, tri) about y_i
        pts = [d, a, bb, c]
        m2 += v / 10 * (sum(u @ u for u in pts) + sum(pts[k] @ pts[l] for k in range(4) for l in range(k + 1, 4)))
        area = 0.5 * np.linalg.norm(np.cross(verts[tri[1]] - verts[tri[0]], verts[tri[2]] - verts[tri[0]]))
        on = np.abs(verts[tri] @ An.T - bn).max(axis=0) <= 1e-9 * scale
        rows = np.flatnonzero(on[len(normals):])
        if len(rows) == 1:
            j = int(others[rows[0]])
            facets[j] = facets.get(j, 0.0) + area
    return {"volume": vol, "barycenter": c0 + m1 / vol, "second": m2, "facets": facets}


def brute_force_cells(points, heights, normals, offsets, scale=1.0):
    """``(volumes, barycenters, second moments, dense facet-area matrix)`` of every cell."""
    n = len(points)
    cells = [brute_force_cell(points, heights, i, normals, offsets, scale) for i in range(n)]
    facets = np.zeros((n, n))
    for i, c in enumerate(cells):
        for j, area in c["facets"].items():
            facets[i, j] = area
    return (np.array([c["volume"] for c in cells]), np.array([c["barycenter"] for c in cells]),
            np.array([c["second"] for c in cells]), facets)
