r"""Smoothed-aggregation algebraic multigrid: pyamg's hierarchy, a V-cycle of our own on both cores.

pyamg builds the hierarchy (aggregates, smoothed prolongations ``P``,
restrictions ``R = P^T``, Galerkin products ``A_{l+1} = R A_l P``); its
V-cycle runs on one core (its Gauss-Seidel and scipy's products) and
measures the residual's norm twice per cycle, which a preconditioner does not
need. The cycle here runs the passes of :mod:`geomot._kernels.multigrid` in
parallel:

1. a forward hybrid Gauss-Seidel sweep from ``x = 0`` (Gauss-Seidel within
   :data:`BLOCKS` fixed blocks of rows, Jacobi between them: the same answer
   on any number of threads);
2. the residual restricted, the coarse level solved by the same cycle (the
   coarsest by its pseudo-inverse), the correction prolongated;
3. a backward sweep: the cycle is a symmetric positive definite
   preconditioner for conjugate gradients.

The points of a Newton solve are in k-d tree order, so the blocks of the finest
level are compact regions of cells and few of their facets cross blocks.
"""
import numpy as np
import pyamg
import scipy.sparse as sp

from .._kernels.multigrid import gauss_seidel, matvec, residual

BLOCKS = 16  # blocks of rows of the hybrid Gauss-Seidel sweeps, fixed: results do not depend on the threads
_SERIAL_BELOW = 4096  # levels with fewer rows are swept as one block (plain Gauss-Seidel)


class _Level:
    """One level of the hierarchy: CSR arrays of ``A``, ``P`` and ``R``, the smoother's blocks, work vectors."""

    def __init__(self, level):
        self.a = csr_arrays(level.A)
        self.p = csr_arrays(level.P)
        self.r = csr_arrays(level.R)
        n = level.A.shape[0]
        blocks = 1 if n < _SERIAL_BELOW else BLOCKS
        self.bounds = (np.arange(blocks + 1) * n) // blocks
        self.old = np.empty(n)
        self.res = np.empty(n)


def csr_arrays(matrix):
    """``(indptr, indices, data)`` of a sparse matrix as CSR, int64 indices (copied only where they are not)."""
    m = sp.csr_array(matrix)
    return (np.asarray(m.indptr, dtype=np.int64), np.asarray(m.indices, dtype=np.int64),
            np.ascontiguousarray(m.data, dtype=float))


class Multigrid:
    """A smoothed-aggregation hierarchy of the SPD matrix ``matrix`` (module docstring); ``v_cycle(b)`` applies
    the preconditioner, ``matvec(x)`` the matrix."""

    def __init__(self, matrix):
        # the near-null space of a graph Laplacian is the constants exactly: nothing to improve (pyamg's
        # smoothers are not used: the cycle is ours)
        ml = _seeded(lambda: pyamg.smoothed_aggregation_solver(
            sp.csr_matrix(matrix), symmetry="symmetric", improve_candidates=None, keep=False))
        self.levels = [_Level(level) for level in ml.levels[:-1]]
        self.coarsest = np.linalg.pinv(ml.levels[-1].A.toarray())
        self.a = self.levels[0].a if self.levels else csr_arrays(matrix)
        self.shape = matrix.shape

    def matvec(self, x):
        """``A x`` for the finest level's matrix."""
        return matvec(*self.a, x, np.empty_like(x))

    def v_cycle(self, b):
        """One V-cycle from ``x = 0`` on ``A x = b``: the preconditioner ``M^{-1} b``."""
        return self._cycle(0, np.ascontiguousarray(b, dtype=float))

    def _cycle(self, k, b):
        if k == len(self.levels):
            return self.coarsest @ b
        level = self.levels[k]
        x = np.zeros_like(b)
        gauss_seidel(*level.a, x, b, level.old, level.bounds, True)
        r = residual(*level.a, x, b, level.res)
        coarse = self._cycle(k + 1, matvec(*level.r, r, np.empty(level.r[0].size - 1)))
        x += matvec(*level.p, coarse, level.old)  # (``old`` as scratch: the next sweep refills it)
        gauss_seidel(*level.a, x, b, level.old, level.bounds, False)
        return x


def _seeded(build):
    """``build()`` with NumPy's global generator seeded, and the caller's state restored after.

    pyamg starts the Lanczos estimate of a spectral radius (its prolongation
    smoother's weight) from ``np.random.rand``: unseeded, the same solve gave
    different heights from run to run, and a hierarchy now and then whose
    V-cycle stalled CG.
    """
    state = np.random.get_state()
    np.random.seed(0)
    try:
        return build()
    finally:
        np.random.set_state(state)
