r"""Non-convex solid bodies in 3D, sampled uniformly: target supports for Fig. 11.

Two kinds of solid, with the same small interface (``contains(x)``,
``bounds``, ``sample(n, seed)``):

:class:`EllipsoidUnion`
    A union of (rotated) ellipsoids ``E_k = {x : |A_k^{-1} R_k^T (x - c_k)| <= 1}``,
    ``A_k = diag(semi-axes)``. :func:`bunny` builds a rabbit-like one (body,
    head, two long ears, tail, four feet): connected, with deep concavities,
    generated offline (no file needed).
:class:`ClosedMesh`
    The solid bounded by a user's closed, consistently oriented triangle mesh.
    A point is inside when its generalized winding number (Jacobson et al.
    2013)

    .. math:: w(x) = \frac{1}{4\pi} \sum_{f} \Omega_f(x), \qquad
              \tan\frac{\Omega_f}{2} = \frac{\det(a, b, c)}{|a||b||c| + (a \cdot b)|c| + (b \cdot c)|a|
              + (c \cdot a)|b|}

    (``a, b, c`` the corners of face ``f`` minus ``x``; Van Oosterom and
    Strackee's solid angle) has ``|w| > 1/2``: ``w`` is 1 inside and 0 outside
    a closed mesh (-1 inside if the faces point inwards).

Samples are uniform in the solid by rejection from its bounding box, in
vectorised chunks. A user's point cloud needs none of this: pass it to
:func:`geomot.solve` as the targets.
"""
import numpy as np

from .._validate import as_float_array, as_positive
from ..errors import GeomotError
from ._base import rejection_stream

# winding numbers are evaluated for at most this many (point, face) pairs at once (~ 200 bytes each)
_CHUNK_PAIRS = 1 << 18


class _Solid:
    """Uniform sampling by rejection (:func:`~geomot.domains.rejection_stream`).

    Subclasses define ``contains`` and ``bounds``.
    """

    def sample(self, n, seed=None):
        """``n`` points uniform in the solid (rejection from the bounding box, seeded).

        Parameters
        ----------
        n : int
        seed : int or numpy Generator, optional

        Returns
        -------
        ndarray, shape (n, 3)
        """
        n = int(n)
        if n < 0:
            raise GeomotError(f"n must be >= 0; got {n}")
        rng = np.random.default_rng(seed)
        lo, hi = self.bounds
        return rejection_stream(self.contains, lo, hi, lambda k: rng.random((k, 3)), 0.5, margin=1.2)(n)


class EllipsoidUnion(_Solid):
    r"""Union of solid ellipsoids ``E_k = {x : |A_k^{-1} R_k^T (x - c_k)|^2 <= 1}``.

    Parameters
    ----------
    centers : array_like, shape (k, 3)
        ``c_k``.
    semi_axes : array_like, shape (k, 3)
        ``A_k = diag(semi_axes[k])``, positive.
    rotations : array_like, shape (k, 3, 3), optional
        ``R_k``, orthonormal (columns: the directions of the semi-axes); identity by default.
    """

    def __init__(self, centers, semi_axes, rotations=None):
        self.centers = as_float_array(centers, "centers", (None, 3))
        k = len(self.centers)
        if k == 0:
            raise GeomotError("EllipsoidUnion needs at least one ellipsoid; got 0")
        self.semi_axes = as_float_array(semi_axes, "semi_axes", (k, 3))
        if not (self.semi_axes > 0).all():
            raise GeomotError(f"semi_axes must be positive; got {self.semi_axes[self.semi_axes <= 0][:3].tolist()}")
        rot = np.broadcast_to(np.eye(3), (k, 3, 3)) if rotations is None else rotations
        self.rotations = as_float_array(rot, "rotations", (k, 3, 3))
        err = np.abs(np.einsum("kji,kjl->kil", self.rotations, self.rotations) - np.eye(3)).max()
        if err > 1e-9:
            raise GeomotError(f"rotations must be orthonormal matrices; R^T R - I reaches {err:.3g}")

    @property
    def bounds(self):
        """Bounding box ``(lower, upper)``: the extent of ``E_k`` along axis d is ``|R_k A_k|`` row d's norm."""
        half = np.linalg.norm(self.rotations * self.semi_axes[:, None, :], axis=2)
        return (self.centers - half).min(axis=0), (self.centers + half).max(axis=0)

    def contains(self, x):
        """Boolean (m,): True where ``x`` lies in at least one ellipsoid (closed)."""
        x = as_float_array(x, "x", (None, 3))
        local = np.einsum("kji,mkj->mki", self.rotations, x[:, None, :] - self.centers) / self.semi_axes
        return ((local ** 2).sum(axis=2) <= 1.0).any(axis=1)


def _rotation(about_y=0.0, about_x=0.0):
    """``R_x(about_x) @ R_y(about_y)``, angles in degrees."""
    a, b = np.radians(about_y), np.radians(about_x)
    ry = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    return rx @ ry


def bunny(center=(0.0, 0.0, 0.0), scale=1.0):
    """A rabbit-like solid: nine ellipsoids (body, head, two long ears, tail, four feet).

    Nose towards +x, ears up (+z); at ``scale=1`` it spans
    ``[-0.80, 0.66] x [-0.36, 0.36] x [-0.52, 0.90]``, volume about 0.377, and
    is connected. The ears, the gap between them, the neck and the space
    between the legs make it strongly non-convex: its convex hull is about 1.7
    times its volume.

    Parameters
    ----------
    center : array_like, shape (3,)
        Translation applied to the whole body.
    scale : float
        Uniform scaling about the origin, before the translation.

    Returns
    -------
    EllipsoidUnion
    """
    center = as_float_array(center, "center", (3,))
    scale = as_positive(scale, "scale")
    parts = [  # (center, semi-axes, rotation)
        ((-0.15, 0.0, -0.12), (0.52, 0.36, 0.38), _rotation(-10)),      # body, back slightly raised
        ((0.42, 0.0, 0.22), (0.24, 0.21, 0.21), _rotation(15)),         # head
        ((0.30, 0.14, 0.62), (0.07, 0.045, 0.30), _rotation(-18, -18)),  # right ear, leaning back and out
        ((0.30, -0.14, 0.62), (0.07, 0.045, 0.30), _rotation(-18, 18)),  # left ear
        ((-0.68, 0.0, 0.02), (0.12, 0.12, 0.12), _rotation()),           # tail
        ((0.22, 0.14, -0.40), (0.17, 0.07, 0.08), _rotation()),          # front feet
        ((0.22, -0.14, -0.40), (0.17, 0.07, 0.08), _rotation()),
        ((-0.30, 0.22, -0.42), (0.27, 0.10, 0.10), _rotation()),         # hind feet
        ((-0.30, -0.22, -0.42), (0.27, 0.10, 0.10), _rotation()),
    ]
    c, a, r = (np.array(v, float) for v in zip(*parts))
    return EllipsoidUnion(center + scale * c, scale * a, r)


class ClosedMesh(_Solid):
    """The solid bounded by a closed triangle mesh (a user's surface: a scan, an STL/OBJ/PLY export).

    Parameters
    ----------
    vertices : array_like, shape (v, 3)
    faces : array_like of int, shape (f, 3)
        Vertex indices of each triangle. The mesh must be closed and
        consistently oriented: every directed edge ``(a, b)`` of a face appears
        reversed, ``(b, a)``, in exactly one other face. Faces may point
        outwards or all inwards.

    Attributes
    ----------
    vertices : ndarray, shape (v, 3)
    faces : ndarray of int64, shape (f, 3)
    volume : float
        Enclosed volume ``|sum_f det(a_f, b_f, c_f)| / 6`` (divergence theorem).

    Raises
    ------
    GeomotError
        Non-finite vertices, wrong shapes, an empty mesh, indices out of
        range, degenerate faces (a repeated vertex), an open or non-manifold
        mesh, inconsistent orientation, zero volume.
    """

    def __init__(self, vertices, faces):
        self.vertices = as_float_array(vertices, "mesh vertices", (None, 3))
        self.faces = _as_faces(faces, len(self.vertices))
        _check_closed(self.faces)
        self._origin = self.vertices.mean(axis=0)  # work about the centre: rounding does not grow with offsets
        self._triangles = self.vertices[self.faces] - self._origin
        signed = np.linalg.det(self._triangles).sum() / 6.0
        size = float(np.ptp(self.vertices, axis=0).max())
        if not abs(signed) > 1e-12 * size ** 3:
            raise GeomotError(f"the mesh encloses no volume (signed volume {signed:.3g}); is it flat?")
        self.volume = float(abs(signed))

    @property
    def bounds(self):
        return self.vertices.min(axis=0), self.vertices.max(axis=0)

    def winding_number(self, x):
        r"""Generalized winding number ``w(x) = sum_f Omega_f(x) / (4 pi)`` of each row of ``x`` (m, 3).

        1 inside, 0 outside an outward-oriented closed mesh (-1 inside when it
        points inwards); evaluated in chunks of points against all faces.
        """
        x = as_float_array(x, "x", (None, 3)) - self._origin
        tri = self._triangles
        step = max(1, _CHUNK_PAIRS // len(tri))
        out = np.empty(len(x))
        for s in range(0, len(x), step):
            out[s:s + step] = _solid_angles(tri, x[s:s + step]).sum(axis=1) / (4 * np.pi)
        return out

    def contains(self, x):
        """Boolean (m,): True where ``|winding_number(x)| > 1/2``."""
        return np.abs(self.winding_number(x)) > 0.5


def _solid_angles(tri, x):
    """Signed solid angle (m, f) of each triangle ``tri`` (f, 3, 3) seen from each point ``x`` (m, 3)."""
    (ax, ay, az), (bx, by, bz), (cx, cy, cz) = (tri[:, k, :].T[:, :, None] - x.T[:, None, :] for k in range(3))
    la = np.sqrt(ax * ax + ay * ay + az * az)
    lb = np.sqrt(bx * bx + by * by + bz * bz)
    lc = np.sqrt(cx * cx + cy * cy + cz * cz)
    det = ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx)
    den = (la * lb * lc + (ax * bx + ay * by + az * bz) * lc + (bx * cx + by * cy + bz * cz) * la
           + (cx * ax + cy * ay + cz * az) * lb)
    return 2.0 * np.arctan2(det, den).T


def _as_faces(faces, nv):
    """Validate face indices: integer (f, 3), f >= 4, in range, three distinct vertices per face."""
    arr = np.asarray(faces)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise GeomotError(f"mesh faces must have shape (f, 3); got shape {arr.shape}")
    if len(arr) < 4:
        raise GeomotError(f"a closed triangle mesh has at least 4 faces; got {len(arr)}")
    if not (np.issubdtype(arr.dtype, np.integer) or (np.isfinite(arr).all() and (arr == np.round(arr)).all())):
        raise GeomotError(f"mesh faces must be integer vertex indices; got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.min() < 0 or arr.max() >= nv:
        raise GeomotError(f"mesh faces index vertices 0 .. {nv - 1}; found index "
                          f"{int(arr.min() if arr.min() < 0 else arr.max())}")
    bad = (arr[:, 0] == arr[:, 1]) | (arr[:, 1] == arr[:, 2]) | (arr[:, 2] == arr[:, 0])
    if bad.any():
        raise GeomotError(f"mesh face {int(np.flatnonzero(bad)[0])} repeats a vertex: {arr[bad][0].tolist()}")
    return arr


def _check_closed(faces):
    """Every directed edge (a, b) must occur once and its reverse (b, a) once: closed, manifold, oriented."""
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    directed, count = np.unique(edges, axis=0, return_counts=True)
    if (count > 1).any():
        e = directed[count > 1][0].tolist()
        raise GeomotError(f"mesh edge {e} is used twice in the same direction: the faces are not consistently "
                          f"oriented, or the mesh is not manifold")
    key = directed[:, 0] * (faces.max() + 1) + directed[:, 1]
    rev = directed[:, 1] * (faces.max() + 1) + directed[:, 0]
    missing = ~np.isin(rev, key)
    if missing.any():
        raise GeomotError(f"the mesh is not closed: {int(missing.sum())} edges have a single face, "
                          f"e.g. {directed[missing][0].tolist()}")
