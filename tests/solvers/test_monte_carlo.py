"""Monte Carlo OT: kernels (NumPy == numba CPU == numba.cuda simulator), samplers, estimates, solvers."""
import os
import subprocess
import sys

import numpy as np
import pytest

import geomot as gm
from geomot._kernels.sampling.assign import (_CENTER_SAMPLES, KDTREE_MIN_TARGETS, assign_cpu, assign_numpy, top2_cpu,
                                             top2_numpy)
from geomot.solvers.monte_carlo import estimate, monte_carlo_masses, solve_monte_carlo
from geomot.solvers.monte_carlo.estimate import Assigner as _Assigner

SQUARE = gm.Uniform(gm.Box([0, 0], [1, 1]))


def single_precision_bound(x, y, h):
    """Per sample, the bound ``B`` on the single-precision error of its scores (``_top2_screened``'s docstring)."""
    d = x.shape[1]
    center = x[:_CENTER_SAMPLES].mean(axis=0)
    g = h + y @ center
    g -= g.max()
    u = (d + 3) * 2.0 ** -24
    return u / (1 - u) * (np.abs(g).max() + np.abs(x - center) @ np.abs(y - y.mean(axis=0)).max(axis=0))


@pytest.mark.parametrize("d", [1, 2, 3, 7, 80, 177, 600])
@pytest.mark.parametrize("n", [1, 2, 5, 300, 2500, KDTREE_MIN_TARGETS + 1])
def test_cpu_top2_equals_numpy_reference(d, n):
    """The register tiles, odd sizes included (fewer targets than a tile, n not a multiple of it, 777 samples
    not a multiple of a tile or a task, several target blocks from d = 177 on): the best cell exactly; the
    second and the gap up to single-precision rounding (the k-d tree path: exactly)."""
    rng = np.random.default_rng(d * 1000 + n)
    x, y, h = rng.standard_normal((777, d)), rng.standard_normal((n, d)), rng.standard_normal(n)
    best, second, gap = top2_cpu(x, y, h)
    rbest, rsecond, rgap = top2_numpy(x, y, h, block=100)
    np.testing.assert_array_equal(best, rbest)
    tol = 0.0 if d <= 3 and n >= KDTREE_MIN_TARGETS else 2 * single_precision_bound(x, y, h)
    scores = np.sort(x @ y.T + h, axis=1)
    apart = scores[:, -2] - scores[:, -3] > tol if n > 2 else np.ones(len(x), bool)
    assert apart.mean() > 0.95  # most samples tell their second from their third
    np.testing.assert_array_equal(second[apart], rsecond[apart])
    if n > 1:
        assert (np.abs(gap - rgap) <= tol * (1 + 1e-9) + 1e-12).all()
    np.testing.assert_array_equal(assign_cpu(x, y, h), assign_numpy(x, y, h))
    if n == 1:
        assert (second == -1).all() and np.isinf(gap).all()


@pytest.mark.parametrize("d", [16, 200])
def test_single_precision_screen_redoes_exactly_the_uncertain_samples(d):
    """Generic samples stay in single precision; near ties (targets 1e-9 apart, which single precision cannot
    tell apart) and scores too large for it are redone in double precision, and agree with the reference."""
    from geomot._kernels.sampling.assign import _top2_screened
    rng = np.random.default_rng(d)
    x, y = rng.random((5000, d)), rng.random((400, d))
    h = -0.5 * (y ** 2).sum(axis=1)
    y[1], h[1] = y[0] + 1e-9, h[0]  # cells 0 and 1 tie to 1e-9 everywhere
    out = np.empty(len(x), np.int64), np.empty(len(x), np.int64), np.empty(len(x))
    redo = _top2_screened(x, y, h, *out)
    rbest, rsecond, rgap = top2_numpy(x, y, h)
    np.testing.assert_array_equal(out[0], rbest)
    tied = np.flatnonzero(np.isin(rbest, [0, 1]))
    assert len(tied) > 0 and np.isin(tied, redo).all()
    np.testing.assert_array_equal(out[1][tied], rsecond[tied])
    np.testing.assert_allclose(out[2][tied], rgap[tied], rtol=1e-9, atol=1e-12)
    assert len(redo) < 0.05 * len(x)
    big = 1e36 * h  # scores beyond single precision: the whole batch in double
    out = np.empty(len(x), np.int64), np.empty(len(x), np.int64), np.empty(len(x))
    assert len(_top2_screened(x, 1e36 * y, big, *out)) == len(x)
    np.testing.assert_array_equal(out[0], top2_numpy(x, 1e36 * y, big)[0])


def test_ties_go_to_the_smallest_index():
    y = np.array([[1.0, 0.0], [1.0, 0.0 + 1e-300], [0.0, 1.0]])
    x = np.array([[1.0, 0.0], [2.0, 0.0]])
    h = np.zeros(3)
    assert top2_cpu(x, y, h)[0].tolist() == [0, 0] == top2_numpy(x, y, h)[0].tolist()


def test_cuda_kernel_equals_numpy_under_the_simulator():
    """numba.cuda tiled kernel on the CUDA simulator in a subprocess (the variable must be set before import).

    d = 37 and n = 45 are not multiples of the 32 x 32 tiles, so partial tiles are exercised.
    """
    code = (
        "import numpy as np\n"
        "from geomot._kernels.sampling.assign import top2_cuda, top2_numpy\n"
        "from geomot.solvers.monte_carlo import monte_carlo_masses\n"
        "rng = np.random.default_rng(0)\n"
        "for d, n in ((37, 45), (2, 5)):\n"
        "    x, y, h = rng.standard_normal((150, d)), rng.standard_normal((n, d)), rng.standard_normal(n)\n"
        "    best, second, gap, counts = top2_cuda(x, y, h, threads=64)\n"
        "    rb, rs, rg = top2_numpy(x, y, h)\n"
        "    assert (best == rb).all() and (second == rs).all() and np.allclose(gap, rg)\n"
        "    assert (counts == np.bincount(rb, minlength=n)).all()\n"
        "w, _ = monte_carlo_masses(lambda k: rng.random((k, 2)), rng.random((4, 2)), np.zeros(4), 300,\n"
        "                          batch=128, device='cuda')\n"
        "assert abs(w.sum() - 1) < 1e-12\n"
        "print('ok')\n")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_cuda_without_gpu_is_a_clear_error():
    from numba import cuda
    if cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(gm.GeomotError, match="CUDA GPU"):
        monte_carlo_masses(SQUARE, np.random.rand(3, 2), np.zeros(3), 100, device="cuda")


def test_monte_carlo_masses_agree_with_exact_cells():
    rng = np.random.default_rng(1)
    y = rng.random((50, 2))
    h = -0.5 * (y ** 2).sum(1) + 0.01 * rng.standard_normal(50)
    exact = gm.PowerDiagram(y, h, gm.Box([0, 0], [1, 1])).masses
    for device in ("cpu", "numpy"):
        w, se = monte_carlo_masses(SQUARE, y, h, 400_000, batch=65_536, device=device, seed=2)
        assert abs(w.sum() - 1) < 1e-12
        z = (w - exact) / np.maximum(se, 1e-12)
        assert np.abs(z).max() < 4.5  # 50 cells: a 4.5-sigma excursion has probability ~3e-4
    w1, _ = monte_carlo_masses(SQUARE, y, h, 10_000, seed=3)
    w2, _ = monte_carlo_masses(SQUARE, y, h, 10_000, seed=3, device="numpy")
    np.testing.assert_array_equal(w1, w2)


def test_sobol_masses_are_closer_than_random_ones():
    """Scrambled Sobol points integrate the cell indicators with a smaller error (d = 2)."""
    rng = np.random.default_rng(4)
    y = rng.random((40, 2))
    h = -0.5 * (y ** 2).sum(1)
    exact = gm.PowerDiagram(y, h, gm.Box([0, 0], [1, 1])).masses
    err = {qmc: np.mean([np.abs(monte_carlo_masses(SQUARE, y, h, 1 << 16, seed=s, qmc=qmc)[0] - exact).max()
                         for s in range(4)]) for qmc in (False, True)}
    assert err[True] < err[False] / 3


@pytest.mark.parametrize("source", [SQUARE, gm.Uniform(gm.Polygon([[0, 0], [1, 0], [1, 1], [0.5, 0.3], [0, 1]]))])
def test_qmc_standard_errors_are_measured(source):
    """Randomised QMC: the standard errors from the two scrambled halves predict the true errors (pooled over
    the cells, within 2x), well below the binomial ones that plain Monte Carlo's errors follow."""
    rng = np.random.default_rng(8)
    y = rng.random((200, 2))
    h = -0.5 * (y ** 2).sum(1) + 0.002 * rng.standard_normal(200)
    exact = gm.PowerDiagram(y, h, source).masses
    for seed in range(3):
        for qmc in (False, True):
            w, se = monte_carlo_masses(source, y, h, 1 << 16, seed=seed, qmc=qmc)
            binomial = np.sqrt(w * (1 - w) / (1 << 16))
            ratio = np.sqrt(np.sum((w - exact) ** 2) / np.sum(se ** 2))
            assert 0.5 < ratio < 2.0, (qmc, ratio)
            if qmc:
                assert se.sum() < 0.5 * binomial.sum()
            else:
                np.testing.assert_array_equal(se, binomial)


def test_hessian_estimate_matches_exact_hessian():
    """The slab estimate -(c_ij + c_ji) / (2 N delta) against the exact facet / edge-length Hessian."""
    rng = np.random.default_rng(5)
    y = rng.random((60, 2))
    h = -0.5 * (y ** 2).sum(1) + 0.002 * rng.standard_normal(60)
    exact = gm.PowerDiagram(y, h, gm.Box([0, 0], [1, 1])).hessian().toarray()
    est = estimate(SQUARE.sampler(6), y, h, 1 << 21, _Assigner("cpu"), hessian_samples=1 << 21).hessian.toarray()
    np.testing.assert_allclose(est.sum(axis=1), 0, atol=1e-9)
    np.testing.assert_allclose(est, est.T, atol=1e-12)
    assert np.linalg.norm(est - exact) < 0.1 * np.linalg.norm(exact)
    big = exact < -0.1 * exact.diagonal().mean()
    np.testing.assert_allclose(est[big], exact[big], rtol=0.25)


@pytest.mark.parametrize("source, check", [
    (gm.Uniform(gm.Box([-1, 2, 0, 0, 0], [1, 3, 1, 1, 4])), lambda x: gm.Box([-1, 2, 0, 0, 0], [1, 3, 1, 1, 4])
     .contains(x).all()),
    (gm.Uniform(gm.Disk([1, 1], 2)), lambda x: (np.linalg.norm(x - 1, axis=1) <= 2).all()),
    (gm.Uniform(gm.Polygon([[0, 0], [2, 0], [2, 2], [1, 0.5], [0, 2]])), None),
])
@pytest.mark.parametrize("qmc", [False, True])
def test_uniform_samplers_are_uniform_on_their_domain(source, check, qmc):
    x = source.sample(1 << 14, seed=0, qmc=qmc)
    assert x.shape == (1 << 14, source.dim)
    assert source.domain.contains(x).all()
    if check is not None:
        assert check(x)
    # the mean of a uniform sample is the centroid, within 5 standard errors
    if isinstance(source.domain, gm.Polygon):
        centroid = np.array(source.domain.geometry.centroid.coords[0])
    else:
        lo, hi = source.domain.bounds
        centroid = (lo + hi) / 2
    assert np.all(np.abs(x.mean(axis=0) - centroid) < 5 * x.std(axis=0) / np.sqrt(len(x)))
    np.testing.assert_array_equal(x, source.sample(1 << 14, seed=0, qmc=qmc))


def test_gaussian_sampler_moments():
    g = gm.Gaussian(3, mean=[1, 2, 3], std=2.0)
    for qmc in (False, True):
        x = g.sample(1 << 16, seed=1, qmc=qmc)
        np.testing.assert_allclose(x.mean(axis=0), [1, 2, 3], atol=0.05)
        np.testing.assert_allclose(x.std(axis=0), 2.0, rtol=0.02)
    with pytest.raises(gm.GeomotError, match="dimension"):
        gm.Gaussian(0)


def test_monte_carlo_solution_agrees_with_exact_newton_2d():
    """MC heights measured exactly by PowerDiagram: mass errors within what the sample count predicts."""
    rng = np.random.default_rng(7)
    y = rng.random((100, 2))
    res = gm.solve(SQUARE, y, method="monte-carlo", tol=0.05, seed=0)
    assert res.converged and res.diagram is None
    exact = gm.PowerDiagram(y, res.heights, SQUARE).masses
    true_err = np.abs(exact - res.target_masses).max() / res.target_masses.min()
    final = res.history[-1].samples
    noise = np.sqrt(2 * np.log(200)) * np.sqrt((1 - 0.01) / (0.01 * final))
    assert true_err < 0.05 + 2 * noise
    # the exact Newton heights (same normalisation, sum 0) are close in the energy's natural scale
    ref = gm.solve(SQUARE, y)
    assert np.abs(res.heights - ref.heights).max() < 0.05 * np.ptp(ref.heights)
    # reported standard errors are the binomial ones of the last estimate
    np.testing.assert_allclose(res.masses_stderr, np.sqrt(res.masses * (1 - res.masses) / final))
    assert abs(res.cost - ref.cost) < 0.05 * ref.cost


def test_monte_carlo_solution_3d_box_against_symmetry():
    """A cubic 2x2x2 grid in the unit cube: the octants carry 1/8 each, so the heights are the Voronoi ones."""
    g = np.array([0.25, 0.75])
    y = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).reshape(-1, 3)
    res = gm.solve(gm.Box([0, 0, 0], [1, 1, 1]), y, method="monte-carlo", tol=0.02, seed=3, qmc=True)
    assert res.converged
    voronoi = -0.5 * (y ** 2).sum(axis=1)
    np.testing.assert_allclose(res.heights, voronoi - voronoi.mean(), atol=5e-3)


@pytest.mark.parametrize("source", [gm.Gaussian(4), gm.Uniform(gm.Box(np.zeros(4), np.ones(4)))])
def test_monte_carlo_converges_in_4d_on_an_independent_sample(source):
    rng = np.random.default_rng(8)
    y = rng.standard_normal((80, 4)) + 3.0  # targets outside the support of the box source
    nu = rng.random(80) + 0.5
    res = gm.solve(source, y, nu, method="monte-carlo", normalize=True, tol=0.1, seed=1)
    assert res.converged, res.message
    w, se = monte_carlo_masses(source, y, res.heights, 1 << 21, seed=99)
    assert np.abs(w - res.target_masses).max() / res.target_masses.min() < 0.25


def test_seed_determinism_and_history():
    y = np.random.default_rng(9).random((30, 3))
    box = gm.Box([0, 0, 0], [1, 1, 1])
    a = solve_monte_carlo(box, y, seed=5, tol=0.1)
    b = solve_monte_carlo(box, y, seed=5, tol=0.1)
    np.testing.assert_array_equal(a.heights, b.heights)
    assert [i.samples for i in a.history] == [i.samples for i in b.history]
    assert all(i.samples > 0 and i.heights is None for i in a.history)
    # the time of each estimate is part of the iteration's time, and the iterations' times increase
    assert all(0 < i.estimate_seconds <= i.seconds for i in a.history)
    assert all(p.seconds <= q.seconds - q.estimate_seconds for p, q in zip(a.history, a.history[1:]))
    assert abs(a.heights.sum()) < 1e-12


def test_callback_gets_heights_and_can_stop(capsys):
    y = np.random.default_rng(10).random((30, 2))
    seen = []

    def cb(info):
        seen.append(info.heights)
        return info.iteration == 2
    res = gm.solve(SQUARE, y, method="monte-carlo", tol=1e-4, seed=0, callback=cb, verbose=True)
    assert res.status == 3 and len(seen) == 3 and all(s.shape == (30,) for s in seen)
    assert "max rel err" in capsys.readouterr().out


def test_adam_baseline_reduces_the_error():
    y = np.random.default_rng(11).random((50, 2))
    res = gm.solve(SQUARE, y, method="adam", tol=0.2, seed=0, lr=3e-3, maxiter=400)
    h0 = res.history[0].max_rel_error
    exact = gm.PowerDiagram(y, res.heights, SQUARE).masses
    assert np.abs(exact * 50 - 1).max() < 0.5 * h0


def test_hierarchical_start_is_closer_than_the_flat_start():
    rng = np.random.default_rng(12)
    centres = rng.random((8, 2))
    y = (centres[:, None] + 0.04 * rng.standard_normal((8, 40, 2))).reshape(-1, 2)
    flat = gm.solve(SQUARE, y, method="monte-carlo", tol=0.1, seed=0, maxiter=0)
    hier = gm.solve(SQUARE, y, method="monte-carlo", tol=0.1, seed=0, maxiter=0, clusters=8)
    e_flat = np.abs(gm.PowerDiagram(y, flat.heights, SQUARE).masses * len(y) - 1).max()
    e_hier = np.abs(gm.PowerDiagram(y, hier.heights, SQUARE).masses * len(y) - 1).max()
    assert e_hier < 0.5 * e_flat
    # clustered targets: the hierarchical start converges within a budget in which the flat start does not
    budget = 1 << 23
    hier = gm.solve(SQUARE, y, method="monte-carlo", tol=0.1, seed=0, clusters=8, max_samples=budget)
    flat = gm.solve(SQUARE, y, method="monte-carlo", tol=0.1, seed=0, max_samples=budget)
    assert hier.converged and not flat.converged and flat.status == 1
    assert np.abs(gm.PowerDiagram(y, hier.heights, SQUARE).masses * len(y) - 1).max() < 0.2


def test_the_first_hessian_has_samples_enough_for_the_flat_start():
    # clustered targets from the flat start: with 100 samples per cell in the first estimate (2^15; 10 in its
    # slabs) the solve drifted to a max relative error of 11 in 2^28 samples; with 400 n (2^17) it converges
    rng = np.random.default_rng(12)
    centres = rng.random((8, 2))
    y = (centres[:, None] + 0.04 * rng.standard_normal((8, 40, 2))).reshape(-1, 2)
    res = gm.solve(SQUARE, y, method="monte-carlo", tol=0.1, seed=0, max_samples=1 << 26)
    assert res.converged and res.history[0].samples == 1 << 17
    assert np.abs(gm.PowerDiagram(y, res.heights, SQUARE).masses * len(y) - 1).max() < 0.2


@pytest.mark.parametrize("kwargs, match", [
    (dict(method="monte-carlo", device="tpu"), "device"),
    (dict(method="monte-carlo", optimizer="sgd"), "got multiple|optimizer"),
    (dict(method="monte-carlo", batch=0), "batch"),
    (dict(method="monte-carlo", tol=-1), "tol"),
    (dict(method="newton", seed=1), "unexpected keyword"),
    (dict(method="simplex"), "method"),
])
def test_bad_monte_carlo_arguments(kwargs, match):
    with pytest.raises((gm.GeomotError, TypeError), match=match):
        gm.solve(SQUARE, np.random.rand(5, 2), **kwargs)


def test_bad_samplers_and_sources():
    y = np.random.rand(5, 3)
    with pytest.raises(gm.GeomotError, match="shape"):
        gm.solve(lambda k: np.zeros((k, 2)), y, method="monte-carlo")
    with pytest.raises(gm.GeomotError, match="finite"):
        gm.solve(lambda k: np.full((k, 3), np.nan), y, method="monte-carlo")
    with pytest.raises(gm.GeomotError, match="dimension"):
        gm.solve(SQUARE, y, method="monte-carlo")
    # exact in 2D and 3D (tests/measures/test_gaussian_solve.py, test_gaussian_exact_3d.py); above, the exact
    # solver points to Monte Carlo
    with pytest.raises(gm.GeomotError, match="monte-carlo"):
        gm.solve(gm.Gaussian(4), np.random.rand(5, 4))
    with pytest.raises(gm.GeomotError, match="2D or 3D only"):
        gm.PowerDiagram(np.random.rand(5, 4), np.zeros(5), gm.Gaussian(4))
    with pytest.raises(gm.GeomotError, match="coincide"):
        gm.solve(gm.Gaussian(3), np.zeros((2, 3)), method="monte-carlo")


def test_displacement_interpolation_ends_and_masses():
    """t = 0: the samples; t = 1: the targets, each hit with its mass; in between, straight lines."""
    y = np.random.default_rng(13).random((20, 2)) * 0.5 + 0.25
    res = gm.solve(SQUARE, y)
    x = SQUARE.sample(20_000, seed=0)
    np.testing.assert_array_equal(res.interpolate(0, x), x)
    end = res.interpolate(1, x)
    idx = np.argmin(np.linalg.norm(end[:, None] - y[None], axis=2), axis=1)
    np.testing.assert_allclose(end, y[idx], atol=1e-12)
    counts = np.bincount(idx, minlength=20) / len(x)
    assert np.abs(counts - 1 / 20).max() < 5 * np.sqrt(0.05 / len(x))
    mid = res.interpolate(0.5, x)
    np.testing.assert_allclose(mid, (x + end) / 2)
    assert res.interpolate(0.3, n=100, seed=1).shape == (100, 2)
    mc = gm.solve(gm.Gaussian(3), np.random.default_rng(1).random((10, 3)), method="monte-carlo", tol=0.2, seed=0)
    assert mc.interpolate(0.5, n=50, seed=0).shape == (50, 3)
    with pytest.raises(gm.GeomotError, match="t must"):
        res.interpolate(1.5, x)


def test_monte_carlo_solution_agrees_with_exact_cells_3d():
    """d = 3: the MC heights measured exactly by the 3D PowerDiagram, within what the sample count predicts."""
    rng = np.random.default_rng(14)
    y = rng.random((60, 3))
    cube = gm.Uniform(gm.Box([0, 0, 0], [1, 1, 1]))
    res = gm.solve(cube, y, method="monte-carlo", tol=0.1, seed=0)
    assert res.converged
    exact = gm.PowerDiagram(y, res.heights, cube).masses
    noise = np.sqrt(2 * np.log(120)) * np.sqrt((1 - 1 / 60) * 60 / res.history[-1].samples)
    assert np.abs(exact * 60 - 1).max() < 0.1 + 2 * noise


def test_fitted_start_matches_the_spread_and_beats_the_voronoi_start():
    """d = 12: the fitted scale t makes sum_i w_i |y_i - m|^2 = sum_i nu_i |y_i - m|^2 (checked on an independent
    sample, to within the 5 % bracket of t), and its largest mass error is well below the Voronoi start's (t = 1)."""
    from geomot.measures import as_sampler
    from geomot.solvers.monte_carlo._sampled import SampledRun
    from geomot.solvers.monte_carlo.starts import initial_heights
    d, n = 12, 300
    rng = np.random.default_rng(20)
    y, nu = rng.random((n, d)), np.full(n, 1 / n)
    source = gm.Uniform(gm.Box(np.zeros(d), np.ones(d)))
    draw = as_sampler(source, d, 3, True)
    run = SampledRun(draw, y, nu, _Assigner("cpu"), 1 << 16)
    fitted = initial_heights(source, y, draw, run)
    voronoi = initial_heights(source, y, draw)
    np.testing.assert_allclose(voronoi, -0.5 * (y ** 2).sum(1) + 0.5 * (y.mean(0) ** 2).sum(), atol=1e-12)
    assert run.used == 1 << 13
    q = ((y - y.mean(0)) ** 2).sum(1)
    spread = {}
    for name, h in (("fitted", fitted), ("voronoi", voronoi)):
        w, _ = monte_carlo_masses(source, y, h, 1 << 18, seed=4)
        spread[name] = (w @ q / (nu @ q), np.abs(w / nu - 1).max())
    assert abs(spread["fitted"][0] - 1) < 0.05, spread
    assert spread["voronoi"][0] < 0.9, spread  # (in high dimension the Voronoi cells of central targets are too large)
    assert spread["fitted"][1] < 0.6 * spread["voronoi"][1], spread


@pytest.mark.parametrize("log_phase", [False, True])
def test_merit_noise_is_the_expected_squared_merit_at_the_solution(log_phase):
    """At exact optimal heights (2D Newton) the Monte Carlo residual is pure noise: its squared merit averages
    the noise that _merit predicts (pseudo-random samples, kappa = 1), which the shrinkage step relies on."""
    from geomot.solvers.monte_carlo.newton import _merit
    y = np.random.default_rng(21).random((100, 2))
    exact = gm.solve(SQUARE, y, tol=1e-10)
    ratios = []
    for seed in range(8):
        est = estimate(gm.measures.as_sampler(SQUARE, 2, seed), y, exact.heights, 1 << 15, _Assigner("cpu"))
        r2, noise2 = _merit(est, exact.target_masses, log_phase)
        ratios.append(r2 / noise2)
    assert 0.85 < np.mean(ratios) < 1.15, ratios


def test_the_revival_gives_each_empty_cell_about_its_mass():
    """Cells emptied by lowering their heights (a Voronoi diagram of 400 targets in the square, 12 cells pushed
    under the envelope) are raised by the revival: exact 2D cells at the new heights give each about its
    target mass (the quantile of 2^14 samples' gaps: about 40 samples per cell), whatever it did to its
    neighbours."""
    from geomot.solvers.monte_carlo._sampled import SampledRun
    from geomot.solvers.monte_carlo.estimate import Assigner
    from geomot.solvers.monte_carlo.newton import _revival
    from geomot.measures import as_sampler

    rng = np.random.default_rng(7)
    y = rng.random((400, 2))
    nu = np.full(400, 1 / 400)
    h = -0.5 * (y ** 2).sum(1)
    empty = np.sort(rng.choice(400, 12, replace=False))
    h[empty] -= 0.05  # far under the envelope (a neighbour's height difference is about 0.05 * 0.05)
    assert (gm.PowerDiagram(y, h, SQUARE).masses[empty] == 0).all()

    def run():
        return SampledRun(as_sampler(SQUARE, 2, 0, False), y, nu, Assigner("cpu"), 1 << 16)
    first = run()
    rise = _revival(first, h, empty)
    assert first.used == 1 << 14
    # the gaps taken one cell at a time (the memory budget of large m) give the same rises (to the matrix
    # product's rounding)
    np.testing.assert_allclose(_revival(run(), h, empty, budget=1 << 14), rise, rtol=1e-12, atol=1e-15)
    h[empty] += rise
    masses = gm.PowerDiagram(y, h, SQUARE).masses[empty]
    assert (masses > 0).all()
    np.testing.assert_allclose(np.median(masses / nu[empty]), 1, atol=0.25)
    assert (masses / nu[empty]).min() > 0.3 and (masses / nu[empty]).max() < 3
