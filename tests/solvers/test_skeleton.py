"""The parts both solver families share: the run skeleton, the Laplacian solver, the KMT line search."""
import numpy as np
import pytest
import scipy.sparse as sp

import geomot as gm
from geomot.diagram._frame import CellsRejected
from geomot.solvers import _laplacian
from geomot.solvers._laplacian import LaplacianSolver
from geomot.solvers._linesearch import kmt_step
from geomot.solvers._run import Run

SQUARE = gm.Uniform(gm.Box([0, 0], [1, 1]))
CUBE = gm.Uniform(gm.Box([0, 0, 0], [1, 1, 1]))


# ---------------------------------------------------------------- the callback contract, both families
@pytest.mark.parametrize("source, d, kwargs", [
    (SQUARE, 2, {}), (CUBE, 3, {}),
    (SQUARE, 2, {"method": "monte-carlo", "tol": 0.05, "seed": 0}),
    (SQUARE, 2, {"method": "adam", "tol": 0.3, "seed": 0, "lr": 3e-3, "maxiter": 300}),
])
def test_callback_sees_the_start_and_every_iteration_the_last_included(source, d, kwargs, capsys):
    y = np.random.default_rng(1).random((40, d))
    seen = []
    res = gm.solve(source, y, callback=seen.append, verbose=True, **kwargs)
    assert [i.iteration for i in seen] == list(range(res.iterations + 1))
    assert [i.max_rel_error for i in seen] == [i.max_rel_error for i in res.history]
    # the last iterate's heights are the result's (mean zero)
    np.testing.assert_allclose(seen[-1].heights, res.heights, atol=1e-12 * np.abs(res.heights).max())
    assert all(abs(i.heights.sum()) < 1e-9 * max(1, np.abs(i.heights).max()) for i in seen)
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["iter", "max", "rel"] and "samples" in out[0] and "noise" in out[0]
    assert res.status == gm.Status.CONVERGED == 0 and res.converged


def test_status_is_an_intenum_with_one_message_table():
    y = np.random.default_rng(2).random((100, 2))
    assert gm.solve(SQUARE, y, maxiter=1).status is gm.Status.BUDGET_EXHAUSTED
    assert gm.solve(SQUARE, y, callback=lambda i: True).status is gm.Status.STOPPED
    mc = gm.solve(SQUARE, y, method="monte-carlo", tol=1e-3, seed=0, max_samples=1 << 22)
    assert mc.status is gm.Status.BUDGET_EXHAUSTED and "max_samples" in mc.message
    floor = gm.solve(SQUARE, y, tol=1e-300)
    assert floor.status is gm.Status.PRECISION_FLOOR and not floor.converged and "precision floor" in floor.message
    assert [s.value for s in gm.Status] == [0, 1, 2, 3, 4]


def test_run_records_and_stops():
    nu = np.full(4, 0.25)
    calls = []
    run = Run(nu, callback=lambda info: calls.append(info) or info.iteration == 1)
    err, stop = run.record(np.array([0.1, 0.2, 0.3, 0.4]), np.arange(4.0), 0.0)
    assert err == pytest.approx(0.6) and not stop
    err, stop = run.record(nu, np.arange(4.0), 1.0, samples=10, noise=0.1)
    assert err == 0 and stop
    assert [c.iteration for c in calls] == [0, 1] and calls[1].samples == 10
    np.testing.assert_allclose(calls[0].heights, np.arange(4.0) - 1.5)
    out = run.outcome("callback")
    assert out["status"] is gm.Status.STOPPED and out["iterations"] == 1 and not out["converged"]
    assert run.outcome("maxiter", maxiter=7)["message"] == "iteration limit maxiter=7 reached"


def test_unknown_monte_carlo_option_is_a_type_error():
    y = np.random.default_rng(3).random((10, 2))
    with pytest.raises(TypeError, match="seeed"):
        gm.solve_monte_carlo(SQUARE, y, seeed=0)


# ---------------------------------------------------------------- the Laplacian solver
def laplacian(n, edges, weights):
    i, j = np.array(edges).T
    off = sp.coo_array((-np.asarray(weights, float), (i, j)), shape=(n, n))
    off = (off + off.T).tocsr()
    return sp.csr_array(off - sp.diags_array(np.asarray(off.sum(axis=1)).ravel()))


def random_connected(n, rng):
    edges = [(k, k + 1) for k in range(n - 1)] + [tuple(rng.choice(n, 2, replace=False)) for _ in range(2 * n)]
    edges = [(a, b) for a, b in edges if a != b]
    return laplacian(n, edges, rng.random(len(edges)) + 0.1)


@pytest.fixture(params=["supernodal", "qdldl"])
def factor_backend(request, monkeypatch):
    """Both factor backends of the "ldl" method: CHOLMOD where cvxopt is installed, qdldl without it."""
    if request.param == "supernodal":
        pytest.importorskip("cvxopt")
    else:
        monkeypatch.setattr(_laplacian, "_cholmod", None)
    return request.param


@pytest.mark.parametrize("method", ["ldl", "amg", "jacobi"])
def test_connected_solve_matches_the_pseudo_inverse(method, factor_backend):
    rng = np.random.default_rng(4)
    n = 300
    H = random_connected(n, rng)
    r = rng.standard_normal(n)
    r -= r.mean()
    d = LaplacianSolver(rng.random(n), method)(H, r, tau=1.0, rtol=1e-12)
    want = np.linalg.pinv(H.toarray()) @ r  # the minimum-norm solution: zero mean
    np.testing.assert_allclose(d, want, atol=1e-7 * np.abs(want).max())
    # a second call with a nearby matrix reuses the kept factor / hierarchy and is as exact
    solver = LaplacianSolver(np.ones(n), method)
    solver(H, r, tau=1.0, rtol=1e-12)
    H2 = sp.csr_array(H * (1 + 0.01 * rng.random()))
    np.testing.assert_allclose(solver(H2, r, tau=1.0, rtol=1e-12), want / (H2[0, 0] / H[0, 0]),
                               atol=1e-6 * np.abs(want).max())


def test_factor_backends_agree_and_an_indefinite_matrix_goes_to_qdldl(factor_backend):
    """The factor solves to rounding (one refinement step); CHOLMOD refuses a matrix that is not positive
    definite, qdldl's LDL^T takes it."""
    rng = np.random.default_rng(6)
    H = random_connected(400, rng)[1:, 1:]  # one cell pinned: SPD
    b = rng.standard_normal(399)
    factor, x = _laplacian._factor_and_solve(sp.csc_array(H), b)
    assert isinstance(factor, _laplacian._Supernodal) == (factor_backend == "supernodal")
    np.testing.assert_allclose(H @ x, b, atol=1e-12 * np.abs(b).max())
    indefinite = sp.csc_array(sp.diags_array([2.0, -1.0, 3.0]) + sp.csc_array(([0.5, 0.5], ([0, 1], [1, 0])),
                                                                              shape=(3, 3)))
    factor, x = _laplacian._factor_and_solve(indefinite, np.ones(3))
    assert not isinstance(factor, _laplacian._Supernodal)
    np.testing.assert_allclose(indefinite @ x, np.ones(3), atol=1e-14)


def test_newton_solves_the_same_with_either_factor(monkeypatch):
    pytest.importorskip("cvxopt")
    y = np.random.default_rng(7).random((3000, 2))
    square = gm.Uniform(gm.Box([0, 0], [1, 1]))
    with_cholmod = gm.solve(square, y, tol=1e-10)
    monkeypatch.setattr(_laplacian, "_cholmod", None)
    without = gm.solve(square, y, tol=1e-10)
    assert with_cholmod.converged and without.converged
    np.testing.assert_allclose(with_cholmod.heights, without.heights, rtol=0, atol=1e-11)


def test_disconnected_graph_one_way():
    """Two components and an isolated cell: exact Newton on each component (zero mean there), and each
    component moved as a whole by its mean residual over tau (the limit of (H + tau I)^-1 r for small tau)."""
    rng = np.random.default_rng(5)
    a, b = random_connected(6, rng).toarray(), random_connected(5, rng).toarray()
    H = np.zeros((12, 12))
    H[:6, :6], H[6:11, 6:11] = a, b  # cell 11 touches nothing
    r = rng.standard_normal(12)
    tau = 1e-6
    d = LaplacianSolver(rng.random(12), "ldl")(sp.csr_array(H), r, tau)
    reference = np.linalg.solve(H + tau * np.eye(12), r)
    np.testing.assert_allclose(d, reference - reference.mean(), rtol=1e-4, atol=1e-4 * np.abs(reference).max())
    for block in (slice(0, 6), slice(6, 11)):  # within a component: Newton's equations hold exactly
        sub = H[block, block]
        rc = r[block] - r[block].mean()
        np.testing.assert_allclose(sub @ d[block], rc, atol=1e-9)
    assert d[11] - d.mean() != 0


def test_disconnected_graph_with_all_cells_isolated_is_a_gradient_step():
    r = np.array([1.0, -2.0, 1.0])
    d = LaplacianSolver(np.ones(3), "jacobi")(sp.csr_array((3, 3)), r, tau=0.5)
    np.testing.assert_allclose(d, r / 0.5 - (r / 0.5).mean())


# ---------------------------------------------------------------- the KMT line search
def test_kmt_step_halves_until_the_merit_drops_enough():
    tried = []

    def trial(a):
        tried.append(a)
        if a > 0.3:
            raise CellsRejected
        return 1.0 - a, a  # accepted when 1 - a <= (1 - a/2) * 1, i.e. any a > 0
    step, state = kmt_step(trial, 1.0, 10)
    assert step == 0.25 and state == 0.25 and tried == [1.0, 0.5, 0.25]


def test_kmt_step_gives_up_after_its_halvings():
    step, state = kmt_step(lambda a: (2.0, None), 1.0, 5)  # never a decrease
    assert step == 0.0 and state is None
    calls = []
    kmt_step(lambda a: calls.append(a) or (0.999, None), 1.0, 3)  # 0.999 > 1 - a/2 for each a tried: refused
    assert calls == [1.0, 0.5, 0.25]


def test_kmt_step_from_a_shorter_first_step_keeps_the_smallest():
    """``first`` skips the longer steps; the smallest step tried stays ``2^-(halvings - 1)``."""
    calls = []
    kmt_step(lambda a: calls.append(a) or (2.0, None), 1.0, 6, first=0.25)
    assert calls == [0.25, 0.125, 0.0625, 0.03125]
    step, _ = kmt_step(lambda a: (1.0 - a, None), 1.0, 6, first=0.125)
    assert step == 0.125
    calls.clear()
    kmt_step(lambda a: calls.append(a) or (2.0, None), 1.0, 1, first=0.25)  # the full step only: it is tried
    assert calls == [1.0]


def test_multigrid_solve_is_the_same_whatever_numpy_global_generator():
    """pyamg draws its spectral-radius start from np.random: the hierarchy is built seeded, so a solve is
    reproducible bit for bit, and the caller's global state is left as it was."""
    rng = np.random.default_rng(11)
    H = random_connected(400, rng)
    r = rng.standard_normal(400)
    r -= r.mean()
    solutions = []
    for seed in (1, 2):
        np.random.seed(seed)
        solutions.append(LaplacianSolver(np.ones(400), "amg")(H, r, tau=1.0, rtol=1e-6))
        after = np.random.rand()
        np.random.seed(seed)
        assert after == np.random.rand()  # the global state went on from where the caller left it
    np.testing.assert_array_equal(solutions[0], solutions[1])


def test_pcg_converges_with_a_close_preconditioner_and_gives_up_early_with_a_poor_one():
    """The kept factor's conjugate gradients: to rtol with a factor of a nearby matrix; with a preconditioner
    that predicts more than maxiter iterations after 4, it stops there (the caller refactors)."""
    rng = np.random.default_rng(12)
    H = random_connected(500, rng)[1:, 1:]  # one cell pinned: SPD
    b = rng.standard_normal(499)
    near = _laplacian._factor(sp.csc_array(H + sp.diags_array(0.02 * H.diagonal())))
    x, converged, _ = _laplacian._pcg(H.__matmul__, b, near.solve, 1e-10, 50)
    assert converged and np.linalg.norm(H @ x - b) <= 1e-10 * np.linalg.norm(b)
    calls = []
    x, converged, iterations = _laplacian._pcg(H.__matmul__, b, lambda r: calls.append(1) or r.copy(), 1e-10, 10)
    assert not converged and len(calls) == 4 and iterations == 4  # the initial one and three more: stopped at k = 4
    assert np.linalg.norm(H @ x - b) < np.linalg.norm(b)  # what it returns is still a CG iterate
    x, converged, _ = _laplacian._pcg(H.__matmul__, np.zeros(499), near.solve, 1e-10, 10)
    assert converged and not x.any()
