"""Coercion and validation of user input at the public boundary.

Every check raises :class:`geomot.GeomotError` (a ``ValueError``) whose message
names what was expected and what was found. Checks run before any numba kernel
is called, so kernels may assume clean input.
"""
import numbers

import numpy as np

from .errors import GeomotError

_INT64_MAX = 2 ** 63 - 1
# coordinates beyond this square to more than the largest double
_COORDINATE_LIMIT = 1e150


def show(value):
    """``value`` as a message shows it: numpy scalars as plain Python numbers (``0.9``, not ``np.float64(0.9)``),
    floats in Python's shortest form that reads back the same (whole ones without ``.0``), short reprs of
    other objects."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}" if value.size > 6 else repr(value.tolist())
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def as_float_array(value, name, shape=None):
    """Coerce ``value`` to a C-contiguous float64 array and check it is finite.

    ``shape`` may contain ``None`` for free axes, e.g. ``(None, 2)``.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise GeomotError(f"{name} must be an array of numbers; got {show(value)}")
    try:
        complex_input = np.iscomplexobj(value)
        arr = None if complex_input else np.ascontiguousarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise GeomotError(f"{name} must be an array of numbers; got {type(value).__name__} ({exc})") from None
    if complex_input:
        raise GeomotError(f"{name} must be real; got a complex array (pass value.real if the imaginary part is noise)")
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
    if np.abs(pts).max() > _COORDINATE_LIMIT:
        raise GeomotError(f"points have coordinates up to {show(float(np.abs(pts).max()))}, beyond "
                          f"{show(_COORDINATE_LIMIT)} (their squares overflow); rescale the problem")
    # coinciding points share their first coordinate: only the points whose first coordinate is not
    # unique are sorted lexicographically (one sort of a column, where a lexsort of all took 0.6 s at 1e6)
    first = np.argsort(pts[:, 0], kind="stable")
    tie = pts[first[1:], 0] == pts[first[:-1], 0]
    tied = np.zeros(len(pts), bool)
    tied[first[1:][tie]] = tied[first[:-1][tie]] = True
    candidates = np.flatnonzero(tied)
    order = candidates[np.lexsort(pts[candidates].T[::-1])]
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
        raise GeomotError(f"masses must be positive; masses[{i}] = {show(nu[i])}")
    if normalize:
        nu = nu / nu.max()      # the sum of huge masses would overflow
        return nu / nu.sum()
    total = nu.sum()
    if abs(total - 1.0) > 1e-12:
        raise GeomotError(
            f"masses must sum to 1 (the source is a probability measure); they sum to {show(total)}. "
            f"Pass normalize=True to rescale them")
    return nu


def as_heights(heights, n):
    """Validate heights: shape (n,), finite."""
    return as_float_array(heights, "heights", (n,))


def as_real(value, name, low=None, high=None, *, low_open=False, high_open=False):
    """Validate a finite real scalar in ``[low, high]`` (an end is excluded with ``low_open``/``high_open``).

    Booleans, strings, complex numbers, arrays and ``None`` are errors.
    """
    interval = _interval(low, high, low_open, high_open)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise GeomotError(f"{name} must be a real number{interval}; got {show(value)}")
    v = float(value)
    if not np.isfinite(v):
        raise GeomotError(f"{name} must be a finite number{interval}; got {show(v)}")
    if (low is not None and (v < low or (low_open and v == low))) or \
            (high is not None and (v > high or (high_open and v == high))):
        raise GeomotError(f"{name} must be a number{interval}; got {show(v)}")
    return v


def _interval(low, high, low_open, high_open):
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>' if low_open else '>='} {show(low)}"
    if low is None:
        return f" {'<' if high_open else '<='} {show(high)}"
    return f" in {'(' if low_open else '['}{show(low)}, {show(high)}{')' if high_open else ']'}"


def as_positive(value, name):
    """Validate a positive finite scalar."""
    return as_real(value, name, 0.0, low_open=True)


def as_count(value, name, minimum=0, maximum=None):
    """Validate an integer count ``minimum <= value <= maximum`` (default: what an int64 holds).

    Integral floats (``1e4``) are accepted; fractions, NaN, inf, booleans and strings are errors.
    """
    maximum = _INT64_MAX if maximum is None else maximum
    bound = f" >= {minimum}" if maximum == _INT64_MAX else f" in [{minimum}, {maximum}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise GeomotError(f"{name} must be an integer{bound}; got {show(value)}")
    if not (isinstance(value, numbers.Integral) or (np.isfinite(value) and int(value) == value)):
        raise GeomotError(f"{name} must be an integer{bound}; got {show(value)}")
    k = int(value)
    if k < minimum or k > maximum:
        raise GeomotError(f"{name} must be an integer{bound}; got {k}")
    return k


def as_choice(value, name, choices):
    """Validate that ``value`` is one of ``choices`` (compared with ``==``, strings only if the choices are)."""
    if isinstance(value, str) or not all(isinstance(c, str) for c in choices):
        for c in choices:
            if type(value) is type(c) and value == c:
                return value
    raise GeomotError(f"{name} must be one of {', '.join(map(repr, choices))}; got {show(value)}")


def as_flag(value, name):
    """Validate a boolean (``True``/``False``, numpy booleans included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise GeomotError(f"{name} must be True or False; got {show(value)}")
    return bool(value)


def as_seed(seed, name="seed"):
    """Validate a random seed: ``None``, a non-negative integer, a ``SeedSequence`` or a ``Generator``."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return seed
    return as_count(seed, name, 0)


def as_client(client, draw=None):
    """Validate an optional ``dask.distributed.Client`` (dask imported only when one is given).

    ``draw``: the sampler the workers would draw from; a user's callable (not block-seeded) is refused.
    """
    if client is None:
        return None
    try:
        from dask.distributed import Client
    except ImportError as error:
        raise ImportError("client= needs dask.distributed, which is not installed: pip install 'geomot[dask]'") \
            from error
    if not isinstance(client, Client):
        raise GeomotError(f"client must be a dask.distributed.Client or None; got {show(client)}")
    if draw is not None and not draw.seeded:
        raise GeomotError("client= needs a source measure (geomot.Uniform, geomot.Gaussian or a domain) whose "
                          "samples are seeded by block; got a callable sampler, which draws its own samples: "
                          "run it without client")
    return client


def check_callback(callback):
    """Validate an optional callback: ``None`` or a callable."""
    if callback is not None and not callable(callback):
        raise GeomotError(f"callback must be a callable taking an IterationInfo, or None; got {show(callback)}")
    return callback
