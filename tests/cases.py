"""Named test cases shared by several test modules: domains and point sets (2D and 3D), the demos."""
import importlib
import sys
from pathlib import Path

import numpy as np
import shapely
from scipy.stats import special_ortho_group

import geomot as gm

from .reference import disk_polygon

# Non-convex polygon with a hole: an L-shape with a square hole.
L_SHELL = [(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)]
L_HOLE = [(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)]
UNIT_CUBE = gm.Box([0, 0, 0], [1, 1, 1])


def planar_domains():
    """(name, domain, shapely geometry of the same set for the brute-force reference)."""
    return [
        ("box", gm.Box([0, 0], [1, 1]), shapely.box(0, 0, 1, 1)),
        ("rectangle", gm.Box([-1, 2], [3, 2.5]), shapely.box(-1, 2, 3, 2.5)),
        ("convex polygon", gm.Polygon([(0, 0), (2, 0), (2.5, 1), (1, 2), (-0.5, 1)]),
         shapely.Polygon([(0, 0), (2, 0), (2.5, 1), (1, 2), (-0.5, 1)])),
        ("L with hole", gm.Polygon(L_SHELL, [L_HOLE]), shapely.Polygon(L_SHELL, [L_HOLE])),
        ("two squares", gm.Polygon(shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(1.5, 0, 2.5, 1)])),
         shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(1.5, 0, 2.5, 1)])),
        ("disk", gm.Disk([0.5, -0.2], 1.3), disk_polygon([0.5, -0.2], 1.3)),
    ]


def rotated_polytope():
    """A non-axis-aligned convex polytope: a rotated, sheared hexagonal prism cut by a slanted plane."""
    t = np.arange(6) * np.pi / 3
    ring = np.column_stack([np.cos(t), 0.7 * np.sin(t)])
    prism = np.vstack([np.column_stack([ring, np.zeros(6)]), np.column_stack([ring + 0.2, np.full(6, 1.3)])])
    R = special_ortho_group.rvs(3, random_state=3)
    P = gm.ConvexPolytope(prism @ R.T + [0.5, -1.0, 2.0])
    n, b = P.halfspaces
    slant = np.array([0.3, 0.5, 0.8]) / np.linalg.norm([0.3, 0.5, 0.8])
    return gm.ConvexPolytope.from_halfspaces(np.vstack([n, slant]), np.r_[b, slant @ P.vertices.mean(0) + 0.3])


SPATIAL_DOMAINS = {
    "cube": UNIT_CUBE,
    "box": gm.Box([-1, 2, 0], [3, 2.5, 1]),
    "polytope": rotated_polytope(),
}


def random_points_in(domain, n, rng, spill=0.0):
    """n points spread over the bounding box of the domain, widened by ``spill`` on each side (2D or 3D)."""
    lo, hi = domain.bounds
    span = hi - lo
    return lo - spill * span + (1 + 2 * spill) * span * rng.random((n, len(lo)))


def lattice(a, b, c):
    """The centres of an a x b x c grid of the unit cube (cospherical: a degenerate 3D input)."""
    g = np.meshgrid((np.arange(a) + 0.5) / a, (np.arange(b) + 0.5) / b, (np.arange(c) + 0.5) / c, indexing="ij")
    return np.stack(g, -1).reshape(-1, 3)


def demo(name):
    """The demo script ``demos/<name>.py`` as a module (the demos import their sibling helpers by name)."""
    return _script("demos", name)


def benchmark(name):
    """The benchmark module ``benchmarks/<name>.py`` as a module."""
    return _script("benchmarks", name)


def _script(folder, name):
    """The module ``<folder>/<name>.py`` of the repository, its folder put on ``sys.path`` (its siblings
    import each other by name)."""
    path = str(Path(__file__).resolve().parents[1] / folder)
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module(name)


def check_solution(res, nu, tol):
    """A converged exact solve: status, the error it reports, the masses, heights of sum zero."""
    assert res.converged, res.message
    assert res.status == 0
    assert res.max_rel_error <= tol
    np.testing.assert_allclose(res.masses, nu, rtol=tol * 1.0001)
    assert abs(res.heights.sum()) <= 1e-9 * max(1.0, np.abs(res.heights).max())
    # the certificate: a diagram anyone builds from the returned heights has the masses the result states
    fresh = gm.PowerDiagram(res.points, res.heights, res.source)
    np.testing.assert_allclose(fresh.masses, res.masses, rtol=0, atol=1e-15 + 1e-3 * tol * nu.min())


def generic_heights(domain, y, rng, noise=0.02):
    """Voronoi heights plus noise of ``noise`` times the squared size of the domain: a generic power diagram."""
    lo, hi = domain.bounds
    return -0.5 * (y ** 2).sum(axis=1) + noise * np.sum((hi - lo) ** 2) * rng.standard_normal(len(y))


def unit_state(y, h, unit):
    """``(z, g)``: the unit-frame targets and half weights a backend builds from, for points ``y`` and heights
    ``h`` over the backend's ``unit`` domain (:class:`geomot.diagram._frame.Frame`)."""
    from geomot.diagram._frame import Frame, halfweights
    frame = Frame.of(unit.frame, y)
    z = frame.points(y)
    return z, halfweights(z, frame.heights(y, h))


def polytope_faces(normals, offsets, half):
    """The polytope ``{x : normals @ x <= offsets} ∩ [-half, half]^3`` as a face-list ``Polyhedron`` of exact
    sizes (the 3D kernels' starting cell, :func:`~geomot._kernels.spatial.dualcell.dual_start`, as a face list)."""
    from geomot._kernels.spatial.cells import Polyhedron, polyhedron_arrays
    from geomot._kernels.spatial.dualcell import dual_arrays, dual_start, load, to_faces
    start = dual_start(np.asarray(normals, float), np.asarray(offsets, float), float(half))
    cell = dual_arrays(max(8, 2 * len(start.label)), len(start.label))
    P = polyhedron_arrays(max(8, 2 * len(start.label)), len(start.label), 8 * len(start.label) + 8)
    nv, nf = to_faces(cell, *load(start, cell), P) if len(start.tri) else (0, 0)
    return Polyhedron(P.V[:nv].copy(), P.fptr[:nf + 1].copy(), P.fidx[:P.fptr[nf]].copy(), P.flab[:nf].copy())
