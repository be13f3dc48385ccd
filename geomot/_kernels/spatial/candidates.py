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

Flagged cells are recomputed by the k-d tree walk and the checks repeated.
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
def replace_rows(indptr, indices, facets, redo, neighbors, new_facets, counts):
    """CSR ``(indptr, indices, facets)`` with row ``i`` replaced by ``neighbors[i, :counts[i]]`` where ``redo[i]``."""
    n = indptr.size - 1
    out_ptr = np.zeros(n + 1, np.int64)
    for i in range(n):
        out_ptr[i + 1] = out_ptr[i] + (counts[i] if redo[i] else indptr[i + 1] - indptr[i])
    out_idx = np.empty(out_ptr[n], np.int64)
    out_fac = np.empty(out_ptr[n])
    for i in range(n):
        a = out_ptr[i]
        if redo[i]:
            for q in range(counts[i]):
                out_idx[a + q] = neighbors[i, q]
                out_fac[a + q] = new_facets[i, q]
        else:
            for s in range(indptr[i], indptr[i + 1]):
                out_idx[a + s - indptr[i]] = indices[s]
                out_fac[a + s - indptr[i]] = facets[s]
    return out_ptr, out_idx, out_fac
