"""The Hessian of the cell masses from facet measures: a graph Laplacian, in one pass (both backends)."""
import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def facet_laplacian(indptr, indices, facets, y, n, density):
    """CSR ``(indptr, indices, hessian, facet)`` of the Hessian ``dw/dh`` of the cell masses (unit frame).

    Any dimension (2D: facet lengths; 3D: facet areas).
    Off-diagonal ``H_ij = -density * f_ij / |y_i - y_j|`` with the facet measure
    averaged over its two sides, ``f_ij = (f_i->j + f_j->i) / 2``, for facets of
    positive length between cells ``i, j < n`` (auxiliary points dropped);
    diagonal ``H_ii = -sum_j H_ij`` (stored first in each row). ``facet`` holds
    the ``f_ij`` aligned with the entries (0 on the diagonal). Rows are not sorted.
    """
    counts = np.zeros(n, np.int64)
    sym = np.zeros(indices.size)
    for i in prange(n):
        count = 1
        for s in range(indptr[i], indptr[i + 1]):
            j = indices[s]
            if j >= n:
                continue
            back = 0.0
            for r in range(indptr[j], indptr[j + 1]):
                if indices[r] == i:
                    back = facets[r]
                    break
            sym[s] = 0.5 * (facets[s] + back)
            if sym[s] > 0.0:
                count += 1
        counts[i] = count
    out_ptr = np.zeros(n + 1, np.int64)
    out_ptr[1:] = np.cumsum(counts)
    out_idx = np.empty(out_ptr[n], np.int64)
    out_val = np.empty(out_ptr[n])
    out_facet = np.zeros(out_ptr[n])
    for i in prange(n):
        k = out_ptr[i]
        out_idx[k] = i
        diag = 0.0
        for s in range(indptr[i], indptr[i + 1]):
            j = indices[s]
            if j < n and sym[s] > 0.0:
                dist2 = 0.0
                for c in range(y.shape[1]):
                    dist2 += (y[i, c] - y[j, c]) ** 2
                v = -density * sym[s] / np.sqrt(dist2)
                k += 1
                out_idx[k] = j
                out_val[k] = v
                out_facet[k] = sym[s]
                diag -= v
        out_val[out_ptr[i]] = diag
    return out_ptr, out_idx, out_val, out_facet


@njit(cache=True)
def components(indptr, indices, data):
    """``(count, label)``: the connected components of the graph of a symmetric CSR matrix's nonzero entries.

    A breadth-first search, ``O(n + nnz)``: at n = 1e6 it takes milliseconds
    where ``scipy.sparse.csgraph.connected_components`` (which symmetrises
    its input first) took 0.6 s per Newton step. Labels are ``0 .. count - 1``
    in the order of each component's smallest vertex.
    """
    n = len(indptr) - 1
    label = np.full(n, -1, np.int64)
    queue = np.empty(n, np.int64)
    count = 0
    for root in range(n):
        if label[root] >= 0:
            continue
        label[root] = count
        queue[0] = root
        head, tail = 0, 1
        while head < tail:
            i = queue[head]
            head += 1
            for s in range(indptr[i], indptr[i + 1]):
                j = indices[s]
                if label[j] < 0 and data[s] != 0.0:
                    label[j] = count
                    queue[tail] = j
                    tail += 1
        count += 1
    return count, label
