r"""The one Laplacian solver of the Newton steps: ``H d = r`` for a graph Laplacian ``H`` (exact or estimated).

``H = dw/dh`` has zero row sums: on each connected component of its facet
graph the constants are its kernel, and moving mass between components is a
flat direction of the energy, invisible to ``H``. Disconnected graphs are
handled one way, whatever the solver:

1. on each component the residual is made zero-sum and one cell is pinned
   (its unknown set to 0, its equation left unsolved: on a connected graph it
   absorbs the rounding of ``sum(r) = 0``, so the cell of largest target mass
   is pinned, where that is negligible relative to the mass): the reduced
   system is symmetric positive definite, for any graph (a factor solves it
   without extracting it: the Laplacian grounded at that cell,
   :func:`_grounded`, solves the same system);
2. the solution is shifted to zero mean on each component;
3. the mean residual of each component, which step 1 removed, moves its
   heights together by ``mean_c(r) / tau``: a gradient step between
   components, ``tau`` a stiffness given by the caller (a cell that no facet
   touches is a component of its own and gets ``d_i = r_i / tau``).

Steps: connected (the usual case) the reduced system is solved by

``"ldl"``
    a sparse Cholesky factor and one step of iterative refinement: CHOLMOD's
    supernodal LL^T where cvxopt is installed (``geomot[cholmod]``: GPL,
    hence optional; 3-4x faster factorisations than qdldl on planar
    Laplacians at 1e5-1e6), else qdldl's LDL^T with an AMD ordering (faster
    than SuperLU there, ``docs/benchmarks.md``). The factor is kept: the next
    Hessians, close to it, are solved by conjugate gradients preconditioned
    with it, and refactored only when that needs more iterations than a
    refactoring is worth: for qdldl a quarter of the factorisation flops
    (``sum_j c_j^2`` over the column counts of L) over the cost of one
    iteration (``2 nnz(L) + nnz(H)``), between 10 and 200; for CHOLMOD,
    whose factor cvxopt does not describe without a costly copy,
    ``SUPERNODAL_MAXITER`` (10: measured against 20 and 40) — counted, not
    timed, so runs are reproducible. The conjugate gradients (:func:`_pcg`)
    give up after 4 iterations whose contraction predicts more than that.
``"amg"``
    conjugate gradients preconditioned by a smoothed-aggregation algebraic
    multigrid V-cycle (pyamg's hierarchy, our cycle on both cores:
    :mod:`._multigrid`), whose hierarchy is kept for the next Hessians and
    rebuilt after a solve that needed more than 15 iterations or a kept one
    that gives up (3D: the LDL^T factor fills in too much).
``"jacobi"``
    Jacobi-preconditioned conjugate gradients (Monte Carlo Hessians, whose
    noise makes a precise solve pointless).

The conjugate gradients stop at a relative residual ``rtol`` (an inexact
Newton step: the exact solver makes it proportional to the current error,
which keeps the convergence quadratic).
"""
import warnings

import numpy as np
import qdldl
import scipy.sparse as sp
from scipy.sparse.linalg import cg

from .._kernels.laplacian import components, lower_triplets
from .._kernels.multigrid import matvec, without
from ._multigrid import Multigrid, csr_arrays

try:  # optional: supernodal CHOLMOD (GPL), 3-4x faster factorisations than qdldl's (docs/benchmarks.md)
    import cvxopt as _cvxopt
    from cvxopt import cholmod as _cholmod
except ImportError:
    _cvxopt = _cholmod = None

METHODS = ("ldl", "amg", "jacobi")
AMG_MAXITER = 40  # PCG iterations with a kept AMG hierarchy before a new one is built
SUPERNODAL_MAXITER = 10  # PCG iterations with a kept CHOLMOD factor before refactoring (module docstring)


class LaplacianSolver:
    """Solve ``H d = r`` for the graph Laplacians of successive Newton steps (module docstring).

    Parameters
    ----------
    priority : ndarray, shape (n,)
        Which cell of each component to pin: the largest entry (target masses).
    method : {"ldl", "amg", "jacobi"}
    connected : bool
        The caller vouches for a connected facet graph (a convex domain whose
        cells are all non-empty): the components are not computed.
    """

    def __init__(self, priority, method="ldl", connected=False):
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}; got {method!r}")
        # the cells in the order of decreasing priority: each component pins its first one
        self.by_priority = np.argsort(-np.asarray(priority, dtype=float), kind="stable")
        self.method = method
        self.connected = connected
        self.factor = None  # the kept LDL^T factor or AMG hierarchy
        self.factor_shape = None
        self.maxiter = 10
        self.stale = False

    def __call__(self, hessian, residual, tau, rtol=1e-12):
        """``d`` with ``H d = r`` on every component, zero mean; ``tau``: the stiffness between components."""
        n = hessian.shape[0]
        if n == 1:
            return np.zeros(1)
        if self.connected:
            n_comp, comp = 1, None
        else:
            hessian = sp.csr_array(hessian)
            n_comp, comp = components(hessian.indptr, hessian.indices, hessian.data)
        if n_comp == 1 and self.method == "ldl":
            # a factor solves the Laplacian grounded at the pinned cell (no submatrix; the pinned equation
            # absorbs the rounding of sum(r) = 0, ~1e-16); AMG the reduced matrix: its V-cycle on the grounded
            # one was not a positive definite preconditioner (CG diverged on a ball with clustered targets)
            d = self._solve(_grounded(hessian, self.by_priority[0]), residual, rtol)
            return d - d.mean()
        keep = np.ones(n, bool)
        d = np.zeros(n)
        if n_comp == 1:
            pinned = self.by_priority[0]
            keep[pinned] = False
            indptr, indices, data = without(*csr_arrays(hessian), pinned)
            reduced = sp.csr_array((data, indices, indptr), shape=(n - 1, n - 1))
            d[keep] = self._solve(reduced, residual[keep], rtol)
            return d - d.mean()
        size = np.bincount(comp, minlength=n_comp)
        mean_r = np.bincount(comp, weights=residual, minlength=n_comp) / size
        keep[self.by_priority[np.unique(comp[self.by_priority], return_index=True)[1]]] = False
        if keep.any():
            d[keep] = self._solve(sp.csr_array(hessian[keep][:, keep]), (residual - mean_r[comp])[keep], rtol)
        d -= (np.bincount(comp, weights=d, minlength=n_comp) / size)[comp]
        d += mean_r[comp] / tau
        return d - d.mean()

    def _solve(self, matrix, rhs, rtol):
        if self.method == "amg":
            return self._multigrid(matrix, rhs, rtol)
        if self.method == "jacobi":
            return cg(matrix, rhs, rtol=rtol, maxiter=2000, M=sp.diags_array(1 / matrix.diagonal()))[0]
        if self.factor is not None and self.factor_shape == matrix.shape:
            x, converged, _ = _pcg(matrix.__matmul__, rhs, self.factor.solve, rtol, self.maxiter)
            if converged:
                return x
        self.factor, x = _factor_and_solve(matrix, rhs)
        self.factor_shape = matrix.shape
        if isinstance(self.factor, _Supernodal):
            self.maxiter = SUPERNODAL_MAXITER
        else:
            lower = self.factor.factors()[0]
            flops = float(np.sum(np.diff(lower.indptr).astype(float) ** 2))
            self.maxiter = int(np.clip(0.25 * flops / (2 * lower.nnz + matrix.nnz), 10, 200))
        return x

    def _multigrid(self, matrix, rhs, rtol):
        """Conjugate gradients preconditioned by an AMG V-cycle (the kept hierarchy first)."""
        if self.factor is not None and self.factor.shape == matrix.shape and not self.stale:
            multigrid = self.factor
            x, converged, iterations = _pcg(_product(matrix), rhs, multigrid.v_cycle, rtol, AMG_MAXITER)
            # a hierarchy built for an older Hessian costs iterations: past 15 (a fresh one takes about 10
            # at n = 1e5, its setup as much as 15), the next solve builds a new one
            self.stale = iterations > 15
            if converged:
                return x
        self.factor, self.stale = Multigrid(matrix), False
        x, converged, _ = _pcg(self.factor.matvec, rhs, self.factor.v_cycle, rtol, 1000, give_up=False)
        if not converged:  # not expected for a connected Laplacian; the line search judges the step anyway
            warnings.warn(f"AMG-preconditioned CG stopped before rtol={rtol:.1e} "
                          f"(residual {np.linalg.norm(matrix @ x - rhs) / np.linalg.norm(rhs):.1e})",
                          RuntimeWarning, stacklevel=4)
        return x


def _product(matrix):
    """``x -> A x`` for a CSR matrix, on both cores."""
    arrays = csr_arrays(matrix)
    return lambda x: matvec(*arrays, x, np.empty_like(x))


def _pcg(product, rhs, precondition, rtol, maxiter, give_up=True):
    """Preconditioned conjugate gradients from 0 to ``|b - A x| <= rtol |b|``: ``(x, converged, iterations)``.

    ``product(p)`` is ``A p``, ``precondition(r)`` ``M^{-1} r``. With ``give_up``,
    given up as soon as the mean contraction of the first ``k >= 4``
    iterations, ``(|r_k| / |b|)^(1/k)``, predicts more than ``maxiter``
    iterations: a kept factor that has drifted too far from the Hessian is
    refactored after 4 triangular solves instead of ``maxiter`` (the
    contraction is about 0.5 per iteration then, 0.2-0.3 for a close one).
    """
    x = np.zeros_like(rhs)
    r = rhs.copy()
    z = precondition(r)
    p = z.copy()
    rz = r @ z
    norm_b = np.linalg.norm(rhs)
    if norm_b == 0.0:
        return x, True, 0
    for k in range(1, maxiter + 1):
        q = product(p)
        alpha = rz / (p @ q)
        x += alpha * p
        r -= alpha * q
        ratio = np.linalg.norm(r) / norm_b
        if ratio <= rtol:
            return x, True, k
        if give_up and k >= 4 and k * np.log(rtol) < maxiter * np.log(ratio):  # k log(rtol) / log(ratio) > maxiter
            return x, False, k
        z = precondition(r)
        rz, rz_old = r @ z, rz
        p = z + (rz / rz_old) * p
    return x, False, maxiter


def _grounded(hessian, k):
    """``H + H_kk e_k e_k^T``: the Laplacian grounded at cell ``k`` (a copy; the structure is kept).

    It is symmetric positive definite for a connected graph, and it solves
    the pinned system: the columns of ``H`` sum to zero, so summing the
    equations of ``(H + c e_k e_k^T) d = r`` gives ``c d_k = sum(r)``, which
    is 0 up to rounding; the other equations are then those of ``H d = r``
    with cell ``k``'s equation absorbing the rounding of ``sum(r)``. No
    submatrix is extracted (1.5 s of a solve at n = 1e6). The factor's input
    only: AMG's V-cycle on it stalled CG (:meth:`LaplacianSolver.__call__`).
    """
    h = sp.csr_array(hessian)
    row = slice(h.indptr[k], h.indptr[k + 1])
    diagonal = np.flatnonzero(h.indices[row] == k)
    if diagonal.size == 0:
        raise ValueError(f"the Laplacian stores no diagonal entry in row {k}")
    grounded = h.copy()  # (a new csr_array from the arrays would check and recast its indices: 0.2 s at 1e6)
    grounded.data[h.indptr[k] + diagonal[0]] += h.data[row][diagonal].sum()
    return grounded


class _Supernodal:
    """CHOLMOD's supernodal LL^T factor (through cvxopt), with ``solve`` as qdldl's.

    Its AMD ordering is computed afresh for every factor: the first factor's
    ordering on a later Newton step's graph (a tenth of its edges flipped)
    gave 5.5x the fill (n = 2e4, docs/benchmarks.md).
    """

    def __init__(self, matrix):
        h = sp.csr_array(matrix)
        a = _cvxopt.spmatrix(*lower_triplets(h.indptr, h.indices, h.data), h.shape)
        self.factor = _cholmod.symbolic(a)
        _cholmod.numeric(a, self.factor)  # ArithmeticError: not numerically positive definite

    def solve(self, rhs):
        x = _cvxopt.matrix(np.asarray(rhs, dtype=float))
        _cholmod.solve(self.factor, x)
        return np.asarray(x).ravel()


def _factor(matrix):
    """The sparse factor of an SPD matrix: supernodal CHOLMOD where cvxopt is installed, else qdldl's LDL^T.

    (CHOLMOD's supernodal module is GPL, hence optional: ``pip install
    geomot[cholmod]``.) A matrix CHOLMOD finds not numerically positive
    definite (the pivots of tight clusters) goes to qdldl, which does not ask.
    """
    if _cholmod is not None:
        try:
            return _Supernodal(matrix)
        except ArithmeticError:
            pass
    return qdldl.Solver(sp.triu(matrix, format="csc"))


def _factor_and_solve(matrix, rhs):
    """The factor of a sparse SPD matrix (:func:`_factor`) and the solution, with one step of iterative
    refinement.

    The refinement costs two triangular solves and lets Newton reach the
    floating-point floor on ill-conditioned problems (tight clusters).
    """
    factor = _factor(matrix)
    x = factor.solve(rhs)
    return factor, x + factor.solve(rhs - matrix @ x)
