r"""3D power cells from candidate neighbours, certified after the fact (the Newton solver's fast path).

Between two Newton steps the cells barely move, so cell ``i`` is clipped by the
points that were its neighbours in the previous diagram and its nearest
neighbours (:func:`candidate_lists`), without the k-d tree walk that proves no
other point cuts it. The result is then certified for all cells at once:

* every clipped cell contains the true cell, ``C_i \supseteq W_i``, and the
  ``W_i`` tile the domain, so ``sum_i |C_i| - |Omega| = sum_i |C_i \ W_i| >= 0``:
  a sum equal to ``|Omega|`` to rounding proves every volume (the caller checks it);
* a missed neighbour ``m`` of ``i`` shows up in the facets: the facet ``F_im`` seen
  from ``m`` has no match from ``i``, and the facets of ``i`` with the cells around
  the missed part differ from those cells' facets with ``i``
  (:func:`facet_mismatch` flags both cells of every unmatched facet).

Flagged cells are recomputed by the k-d tree walk, or where the walk gives up (tight clusters, whose
walks meet too many points), clipped by every cell two facets away (:func:`ring_lists`), and the checks
repeated.
"""
import numpy as np
from numba import njit, prange


@njit(cache=True)
def _merge_row(i, indptr, indices, facets, first, out):
    """Row ``i`` of :func:`candidate_lists` into ``out`` (if not empty); returns its length."""
    c = 0
    for s in range(indptr[i], indptr[i + 1]):
        if facets[s] > 0.0 and indices[s] < first.shape[0]:  # (a triangulation's auxiliary points: none)
            if out.size:
                out[c] = indices[s]
            c += 1
    for q in range(first.shape[1]):
        j = first[i, q]
        new = j != i
        for s in range(indptr[i], indptr[i + 1]):
            if indices[s] == j and facets[s] > 0.0:
                new = False
                break
        if new:
            if out.size:
                out[c] = j
            c += 1
    return c


@njit(cache=True, parallel=True)
def candidate_lists(indptr, indices, facets, first):
    """CSR ``(indptr, indices)``: row ``i`` holds the neighbours of positive facet in row ``i`` of
    ``(indptr, indices, facets)`` and the points ``first[i]`` (``i`` itself left out), sorted; the
    ``n = len(first)`` points only (a triangulation's rows list auxiliary points ``>= n`` too)."""
    n = indptr.size - 1
    counts = np.zeros(n, np.int64)
    none = np.empty(0, np.int64)
    for i in prange(n):
        counts[i] = _merge_row(i, indptr, indices, facets, first, none)
    out_ptr = np.zeros(n + 1, np.int64)
    out_ptr[1:] = np.cumsum(counts)
    out = np.empty(out_ptr[n], np.int64)
    for i in prange(n):
        row = out[out_ptr[i]:out_ptr[i + 1]]
        _merge_row(i, indptr, indices, facets, first, row)
        row.sort()
    return out_ptr, out


@njit(cache=True)
def _ring_row(i, indptr, indices, facets, first, out):
    """The points two facets away from cell ``i`` or nearer, and its points ``first[i]``, into ``out`` (sized by
    :func:`ring_lists`'s first pass), sorted, each once, ``i`` left out; returns their count."""
    c = 0
    for s in range(indptr[i], indptr[i + 1]):
        j = indices[s]
        if facets[s] > 0.0 and j < first.shape[0]:
            out[c] = j
            c += 1
            for r in range(indptr[j], indptr[j + 1]):
                if facets[r] > 0.0 and indices[r] < first.shape[0]:
                    out[c] = indices[r]
                    c += 1
    for q in range(first.shape[1]):
        out[c] = first[i, q]
        c += 1
    row = np.sort(out[:c])
    k = 0
    for t in range(c):
        if row[t] != i and (k == 0 or row[t] != out[k - 1]):
            out[k] = row[t]
            k += 1
    return k


@njit(cache=True, parallel=True)
def ring_lists(indptr, indices, facets, first, redo):
    """CSR ``(indptr, indices)``: for each cell ``i`` with ``redo[i]``, the cells two facets of positive area
    away or nearer in ``(indptr, indices, facets)`` and the points ``first[i]`` (``i`` left out, sorted); the
    other rows empty. The candidates of a cell whose neighbours changed more than the previous ones and the
    nearest points hold: a neighbour's neighbour."""
    n = indptr.size - 1
    bound = np.zeros(n, np.int64)
    for i in prange(n):
        if redo[i]:
            b = first.shape[1]
            for s in range(indptr[i], indptr[i + 1]):
                j = indices[s]
                if j < n:
                    b += 1 + indptr[j + 1] - indptr[j]
            bound[i] = b
    counts = np.zeros(n, np.int64)
    for i in prange(n):
        if redo[i]:
            counts[i] = _ring_row(i, indptr, indices, facets, first, np.empty(bound[i], np.int64))
    out_ptr = np.zeros(n + 1, np.int64)
    out_ptr[1:] = np.cumsum(counts)
    out = np.empty(out_ptr[n], np.int64)
    for i in prange(n):
        if redo[i]:
            row = np.empty(bound[i], np.int64)
            _ring_row(i, indptr, indices, facets, first, row)
            out[out_ptr[i]:out_ptr[i + 1]] = row[:counts[i]]
    return out_ptr, out


@njit(cache=True, parallel=True)
def facet_mismatch(indptr, indices, facets, volumes, atol):
    """Cells with a facet that the cell on its other side does not report alike.

    For every ``(i, j = indices[s])``: the area ``f`` seen from ``i`` and ``b`` seen
    from ``j`` (0 if ``i`` is not in row ``j``) must agree to
    ``atol (V_i^(2/3) + V_j^(2/3))`` (the cells' sizes: the rounding of a facet
    area is about ``1e-13 V^(2/3)``); else both ``i`` and ``j`` are flagged.
    Returns a bool array.
    """
    n = indptr.size - 1
    flags = np.zeros(n, np.bool_)
    scale = np.empty(n)
    for i in prange(n):
        scale[i] = atol * abs(volumes[i]) ** (2.0 / 3.0)
    for i in prange(n):
        for s in range(indptr[i], indptr[i + 1]):
            j = indices[s]
            f = facets[s]
            b = 0.0
            for r in range(indptr[j], indptr[j + 1]):
                if indices[r] == i:
                    b = facets[r]
                    break
            if abs(f - b) > scale[i] + scale[j]:
                flags[i] = True
                flags[j] = True  # a racy write of True: harmless
    return flags


@njit(cache=True)
def replace_rows(indptr, indices, facets, redo, new_ptr, new_idx, new_fac):
    """CSR ``(indptr, indices, facets)`` with row ``i`` replaced by row ``i`` of ``(new_ptr, new_idx, new_fac)``
    where ``redo[i]``."""
    n = indptr.size - 1
    out_ptr = np.zeros(n + 1, np.int64)
    for i in range(n):
        src = new_ptr if redo[i] else indptr
        out_ptr[i + 1] = out_ptr[i] + src[i + 1] - src[i]
    out_idx = np.empty(out_ptr[n], np.int64)
    out_fac = np.empty(out_ptr[n])
    for i in range(n):
        a = out_ptr[i]
        if redo[i]:
            for s in range(new_ptr[i], new_ptr[i + 1]):
                out_idx[a + s - new_ptr[i]] = new_idx[s]
                out_fac[a + s - new_ptr[i]] = new_fac[s]
        else:
            for s in range(indptr[i], indptr[i + 1]):
                out_idx[a + s - indptr[i]] = indices[s]
                out_fac[a + s - indptr[i]] = facets[s]
    return out_ptr, out_idx, out_fac
