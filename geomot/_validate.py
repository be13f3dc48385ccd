"""Coercion and validation of user input at the public boundary.

Every check raises :class:`geomot.GeomotError` (a ``ValueError``) whose message
names what was expected and what was found. Checks run before any numba kernel
is called, so kernels may assume clean input.
"""
import numpy as np

from .errors import GeomotError


def as_float_array(value, name, shape=None):
    """Coerce ``value`` to a C-contiguous float64 array and check it is finite.

    ``shape`` may contain ``None`` for free axes, e.g. ``(None, 2)``.
    """
    try:
        arr = np.ascontiguousarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise GeomotError(f"{name} must be an array of numbers; got {type(value).__name__} ({exc})") from None
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
            raise GeomotError(f"{name} must have shape {want}; got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        where = np.argwhere(bad)[0]
        kind = "NaN" if np.isnan(arr[tuple(where)]) else "inf"
        raise GeomotError(f"{name} must be finite; found {kind} at index {tuple(int(i) for i in where)}")
    return arr


def as_points(points, dim):
    """Validate target points: shape (n, dim), n >= 1, finite, pairwise distinct."""
    pts = as_float_array(points, "points")
    if pts.ndim != 2:
        raise GeomotError(f"points must be a 2-D array of shape (n, {dim}); got {pts.ndim}-D array of shape {pts.shape}")
    if pts.shape[1] != dim:
        raise GeomotError(
            f"points have dimension {pts.shape[1]} but the source lives in dimension {dim}; "
            f"expected shape (n, {dim}), got {pts.shape}")
    if pts.shape[0] < 1:
        raise GeomotError("points must contain at least 1 point; got 0")
    order = np.lexsort(pts.T[::-1])
    same = np.all(pts[order[1:]] == pts[order[:-1]], axis=1)
    if same.any():
        k = int(np.flatnonzero(same)[0])
        i, j = sorted((int(order[k]), int(order[k + 1])))
        raise GeomotError(
            f"points {i} and {j} coincide ({pts[i].tolist()}); a point carries one Dirac mass, "
            f"so merge duplicates into one point and add their masses")
    return pts


def as_masses(masses, n, normalize=False):
    """Validate target masses: shape (n,), finite, positive, summing to 1.

    ``masses=None`` gives the uniform masses ``1/n``. With ``normalize=True`` the
    masses are divided by their sum; otherwise a sum off 1 by more than 1e-12
    (relative) is an error.
    """
    if masses is None:
        return np.full(n, 1.0 / n)
    nu = as_float_array(masses, "masses", (n,))
    if (nu <= 0).any():
        i = int(np.flatnonzero(nu <= 0)[0])
        raise GeomotError(f"masses must be positive; masses[{i}] = {nu[i]!r}")
    total = nu.sum()
    if normalize:
        return nu / total
    if abs(total - 1.0) > 1e-12:
        raise GeomotError(
            f"masses must sum to 1 (the source is a probability measure); they sum to {total!r}. "
            f"Pass normalize=True to rescale them")
    return nu


def as_heights(heights, n):
    """Validate heights: shape (n,), finite."""
    return as_float_array(heights, "heights", (n,))


def as_positive(value, name):
    """Validate a positive finite scalar."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise GeomotError(f"{name} must be a positive number; got {value!r}") from None
    if not np.isfinite(v) or v <= 0:
        raise GeomotError(f"{name} must be a positive finite number; got {value!r}")
    return v
