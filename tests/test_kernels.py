"""numba kernels against plain NumPy twins."""
import numpy as np
from scipy.spatial import Delaunay

from geomot._kernels.cells2d import adjacency_from_triangles, ring_moments


def adjacency_numpy(triangles, n):
    e = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    e = np.unique(np.concatenate([e, e[:, ::-1]]), axis=0)
    return np.r_[0, np.cumsum(np.bincount(e[:, 0], minlength=n))], e[:, 1]


def ring_moments_numpy(coords, offsets, ref):
    """Shoelace sums about the reference point of each ring (no local-origin trick)."""
    out = []
    for r, (a, b) in enumerate(zip(offsets[:-1], offsets[1:])):
        p, q = coords[a:b - 1] - ref[r], coords[a + 1:b] - ref[r]
        cr = p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]
        area = cr.sum() / 2
        out.append([area, (cr * (p[:, 0] + q[:, 0])).sum() / 6 + ref[r, 0] * area,
                    (cr * (p[:, 1] + q[:, 1])).sum() / 6 + ref[r, 1] * area,
                    (cr * ((p ** 2).sum(1) + (q ** 2).sum(1) + (p * q).sum(1))).sum() / 12])
    return np.array(out)


def test_adjacency_matches_numpy():
    y = np.random.default_rng(0).random((300, 2))
    tri = Delaunay(y).simplices.astype(np.int64)
    got = adjacency_from_triangles(tri, 305)  # 5 isolated vertices at the end
    want = adjacency_numpy(tri, 305)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_ring_moments_match_numpy():
    rng = np.random.default_rng(1)
    rings = []
    for k in range(20):
        t = np.sort(rng.random(rng.integers(3, 12))) * 2 * np.pi
        r = np.column_stack([np.cos(t), np.sin(t)]) * rng.random() + rng.random(2)
        rings.append(np.vstack([r, r[:1]])[:: 1 if k % 2 else -1])
    coords = np.vstack(rings)
    offsets = np.r_[0, np.cumsum([len(r) for r in rings])].astype(np.int64)
    ref = rng.random((len(rings), 2))
    np.testing.assert_allclose(ring_moments(coords, offsets, ref), ring_moments_numpy(coords, offsets, ref),
                               rtol=1e-12, atol=1e-14)
    unit_square = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], float)
    # int over [0,1]^2 of 1, x, y, |x|^2 and |x - (1/2, 1/2)|^2
    np.testing.assert_allclose(ring_moments(unit_square, np.array([0, 5]), np.zeros((1, 2))), [[1, 0.5, 0.5, 2 / 3]])
    np.testing.assert_allclose(ring_moments(unit_square, np.array([0, 5]), np.full((1, 2), 0.5)),
                               [[1, 0.5, 0.5, 1 / 6]])
