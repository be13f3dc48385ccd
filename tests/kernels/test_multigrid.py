"""The AMG V-cycle's parallel passes against scipy, and the V-cycle as a preconditioner (symmetric, definite)."""
import numba
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve_triangular

from geomot._kernels.multigrid import gauss_seidel, matvec, residual, without
from geomot.solvers._laplacian import _pcg
from geomot.solvers._multigrid import Multigrid

from ..solvers.test_skeleton import random_connected


def _arrays(a):
    return a.indptr.astype(np.int64), a.indices.astype(np.int64), a.data


def _grounded(n, seed):
    """A random connected graph Laplacian with its first row and column removed: SPD, diagonally dominant."""
    return sp.csr_array(random_connected(n, np.random.default_rng(seed))[1:, 1:])


def test_products_and_residuals_are_scipys():
    a = _grounded(300, 0)
    x, b = np.random.default_rng(1).standard_normal((2, 299))
    np.testing.assert_allclose(matvec(*_arrays(a), x, np.empty(299)), a @ x, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(residual(*_arrays(a), x, b, np.empty(299)), b - a @ x, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("blocks", [1, 5])
@pytest.mark.parametrize("forward", [True, False])
def test_a_hybrid_sweep_is_gauss_seidel_within_blocks_and_jacobi_between_them(blocks, forward):
    """The sweep solves ``(D + L_B) x' = b - (U_B + O) x`` (forward; backward ``(D + U_B)``), ``L_B, U_B`` the
    parts of ``A`` inside the blocks, ``O`` those between them: checked by a triangular solve."""
    a = _grounded(200, 2)
    n = a.shape[0]
    x, b = np.random.default_rng(3).standard_normal((2, n))
    bounds = (np.arange(blocks + 1) * n) // blocks
    block = np.searchsorted(bounds, np.arange(n), side="right") - 1
    coo = a.tocoo()
    inside = block[coo.row] == block[coo.col]
    triangle = (coo.row >= coo.col) if forward else (coo.row <= coo.col)
    m = sp.csr_array((coo.data[inside & triangle], (coo.row[inside & triangle], coo.col[inside & triangle])),
                     shape=a.shape)
    expected = spsolve_triangular(m, b - (a - m) @ x, lower=forward)
    swept = x.copy()
    gauss_seidel(*_arrays(a), swept, b, np.empty(n), bounds, forward)
    np.testing.assert_allclose(swept, expected, rtol=1e-12, atol=1e-12)


def test_without_drops_one_row_and_its_column():
    a = sp.csr_array(random_connected(50, np.random.default_rng(4)))
    for k in (0, 17, 49):
        keep = np.arange(50) != k
        indptr, indices, data = without(*_arrays(a), k)
        reduced = sp.csr_array((data, indices, indptr), shape=(49, 49))
        np.testing.assert_array_equal(reduced.toarray(), a.toarray()[keep][:, keep])


def test_the_v_cycle_is_a_symmetric_definite_preconditioner_that_conjugate_gradients_converge_with():
    """``<u, M^-1 v> = <v, M^-1 u>`` and ``<u, M^-1 u> > 0`` (the forward sweep before the coarse correction, the
    backward one after it), on a hierarchy of several levels whose finest is swept in blocks; CG to 1e-10."""
    a = _grounded(20000, 5)
    mg = Multigrid(a)
    assert len(mg.levels) >= 2 and len(mg.levels[0].bounds) > 2
    u, v = np.random.default_rng(6).standard_normal((2, a.shape[0]))
    assert u @ mg.v_cycle(v) == pytest.approx(v @ mg.v_cycle(u), rel=1e-10)
    assert u @ mg.v_cycle(u) > 0
    x, converged, iterations = _pcg(mg.matvec, u, mg.v_cycle, 1e-10, 200, give_up=False)
    assert converged and np.linalg.norm(a @ x - u) <= 1e-10 * np.linalg.norm(u)
    assert iterations < 60  # unpreconditioned CG takes hundreds here


def test_a_matrix_of_one_level_is_solved_by_its_pseudo_inverse():
    a = _grounded(6, 7)
    mg = Multigrid(a)
    b = np.arange(5.0)
    assert mg.levels == [] and np.allclose(a @ mg.v_cycle(b), b)
    np.testing.assert_allclose(mg.matvec(b), a @ b, rtol=1e-14)
    x, converged, iterations = _pcg(mg.matvec, b, mg.v_cycle, 1e-12, 10, give_up=False)
    assert converged and iterations == 1


def test_the_cycle_does_not_depend_on_the_number_of_threads():
    a = _grounded(20000, 8)
    mg = Multigrid(a)
    b = np.random.default_rng(9).standard_normal(a.shape[0])
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = mg.v_cycle(b)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(mg.v_cycle(b), one)
