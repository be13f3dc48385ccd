"""The Hessian of the cell masses from facet measures, a graph Laplacian in one pass (both backends); its graph's
components and its lower triangle for CHOLMOD."""
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

    Union-find over the rows in order (the root of a set is its smallest
    vertex; path halving), ``O(nnz)`` in near-sequential memory: 5 ms at
    n = 1e5 where ``scipy.sparse.csgraph.connected_components`` (which
    symmetrises its input first) took 80 ms, and a breadth-first search 10.
    Labels are ``0 .. count - 1`` in the order of each component's smallest vertex.
    """
    n = len(indptr) - 1
    parent = np.arange(n)
    for i in range(n):
        for s in range(indptr[i], indptr[i + 1]):
            j = indices[s]
            if j <= i or data[s] == 0.0:
                continue
            a = i
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            b = j
            while parent[b] != b:
                parent[b] = parent[parent[b]]
                b = parent[b]
            if a < b:
                parent[b] = a
            elif b < a:
                parent[a] = b
    label = np.empty(n, np.int64)
    count = 0
    for i in range(n):  # a root is its set's smallest vertex: labelled before the others
        root = i
        while parent[root] != root:
            root = parent[root]
        if root == i:
            label[i] = count
            count += 1
        else:
            label[i] = label[root]
    return count, label


@njit(cache=True)
def lower_triplets(indptr, indices, data):
    """``(values, rows, columns)`` of the lower triangle of a symmetric CSR matrix, column by column.

    Row ``i``'s entries ``j >= i`` are column ``i`` of the lower triangle
    (CHOLMOD's input); one pass where NumPy's row expansion and mask took
    0.4 s at n = 1e6.
    """
    n = len(indptr) - 1
    count = 0
    for i in range(n):
        for s in range(indptr[i], indptr[i + 1]):
            count += indices[s] >= i
    values = np.empty(count)
    rows = np.empty(count, np.int64)
    columns = np.empty(count, np.int64)
    k = 0
    for i in range(n):
        for s in range(indptr[i], indptr[i + 1]):
            if indices[s] >= i:
                values[k] = data[s]
                rows[k] = indices[s]
                columns[k] = i
                k += 1
    return values, rows, columns
