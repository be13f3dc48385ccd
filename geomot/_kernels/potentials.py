"""The potentials of an optimal assignment (the solvers' assignment start, :mod:`geomot.solvers._start`)."""
import numpy as np
from numba import njit


@njit(cache=True)
def difference_potentials(w, slack, max_sweeps):
    r"""The largest ``k <= 0`` with ``k_i - k_j <= w[i, j] + slack`` for all ``i, j``, and the sweeps it took.

    Shortest paths from a virtual source joined to every node by an edge of
    length 0 (Bellman-Ford, relaxed in place row by row): ``k_i = min(k_i,
    min_j (w[i, j] + k_j))`` until no ``k_i`` falls by more than ``slack``.
    The system has a solution iff no cycle of ``w`` is negative, which holds
    for the constraints of an optimal assignment up to rounding (``slack``
    absorbs it). ``max_sweeps`` bounds the loop; a return of ``max_sweeps``
    sweeps means it was not reached.
    """
    n = w.shape[0]
    k = np.zeros(n)
    for sweep in range(max_sweeps):
        changed = False
        for i in range(n):
            best = k[i]
            for j in range(n):
                v = w[i, j] + k[j]
                if v < best:
                    best = v
            if best < k[i] - slack:
                k[i] = best
                changed = True
        if not changed:
            return k, sweep + 1
    return k, max_sweeps
