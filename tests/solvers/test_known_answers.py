"""The Monte Carlo benchmark's judges (benchmarks/mc_problems.py): the known answers are the masses of the
d-dimensional cells, a sampled judge's error lies within its noise, and a solve's reported error holds."""
import numpy as np
import pytest

import geomot as gm

from ..cases import benchmark

problems = benchmark("mc_problems")


def generic_heights(z, rng, scale):
    """Voronoi heights of ``z`` plus noise of ``scale``: cells of generic sizes."""
    return -0.5 * (z ** 2).sum(axis=1) + scale * rng.standard_normal(len(z))


def brute_force_masses(x, y, h):
    """``w_i`` = the fraction of the samples ``x`` whose ``argmax_j <x, y_j> + h_j`` is ``i``."""
    return np.bincount(np.argmax(x @ y.T + h, axis=1), minlength=len(y)) / len(x)


@pytest.mark.parametrize("kind, draw", [("cylinder", lambda rng, k, d: rng.random((k, d))),
                                        ("gaussian-subspace", lambda rng, k, d: rng.standard_normal((k, d)))])
def test_known_answer_is_the_mass_of_the_full_cells(kind, draw):
    """d = 6: the exact k = 2 diagram's masses at generic heights agree with a brute-force argmax over 4e5
    samples of the 6-dimensional source within 5 standard errors on every cell (an empty cell gets no
    sample); the heights matter (the
    Voronoi masses are more than 10 standard errors off somewhere), so a judge that dropped them would fail."""
    rng = np.random.default_rng(3)
    p = problems.KINDS[kind](6, 40, rng)
    h = generic_heights(p.frame, rng, 0.003 if kind == "cylinder" else 0.05)
    exact = p.judge.masses(h)
    assert (exact > 0).mean() > 0.8 and abs(exact.sum() - 1) < 1e-12
    n_samples = 400_000
    sampled = brute_force_masses(draw(rng, n_samples, 6), p.points, h)
    se = np.sqrt(exact * (1 - exact) / n_samples)
    assert np.all(np.abs(sampled - exact) <= 5 * se)
    voronoi = p.judge.masses(-0.5 * (p.frame ** 2).sum(axis=1))
    seen = se > 0
    assert np.max(np.abs(voronoi - sampled)[seen] / se[seen]) > 10


def test_cylinder_targets_differ_only_in_k_coordinates():
    """The solver sees d-dimensional targets; k = 2 random coordinates vary, the others are one common value."""
    p = problems.cylinder(8, 30, np.random.default_rng(0))
    varying = np.flatnonzero(np.ptp(p.points, axis=0) > 0)
    assert len(varying) == 2
    np.testing.assert_array_equal(p.points[:, varying], p.frame)


def test_gaussian_subspace_targets_span_a_k_dimensional_affine_subspace():
    p = problems.gaussian_subspace(8, 30, np.random.default_rng(0))
    centred = p.points - p.points.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    assert s[1] > 1 and s[2] < 1e-12 * s[0]
    # the z_i keep their distances: the frame is orthonormal
    np.testing.assert_allclose(np.linalg.norm(p.points[1:] - p.points[0], axis=1),
                               np.linalg.norm(p.frame[1:] - p.frame[0], axis=1), rtol=1e-12)


def test_sampled_judge_error_lies_within_its_noise():
    """On a cylinder, a sampled judge (another stream than the exact one's, which has none) errs by less
    than the noise it states, and that noise is the predicted one (binomial, Bonferroni z)."""
    rng = np.random.default_rng(5)
    p = problems.cylinder(6, 40, rng)
    h = generic_heights(p.frame, rng, 0.002)
    exact = p.judge(h)
    judge = problems.SampledJudge(p.source, p.points, p.nu, 1 << 18)
    sampled = judge(h)
    assert sampled.samples == 1 << 18 and exact.noise == 0
    assert abs(sampled.error - exact.error) <= sampled.noise
    predicted = problems.predicted_noise(p.nu, exact.error, 1 << 18)
    assert 0.5 * predicted < sampled.noise < 1.5 * predicted
    assert sampled.certifies(exact.error + 2 * sampled.noise) and not sampled.certifies(exact.error)
    assert sampled.excludes(exact.error - 2 * sampled.noise)


def test_sample_plan_meets_the_noise_asked():
    nu = np.full(1000, 1e-3)
    for eps, ratio in ((0.1, 5), (0.01, 2)):
        k = problems.samples_for(nu, eps, ratio)
        assert problems.predicted_noise(nu, eps, k) <= eps / ratio < problems.predicted_noise(nu, eps, 0.99 * k)
    # the judge refuses what it cannot certify: n = 1e3 at 2^22 samples has a noise of about 0.065
    judge = problems.SampledJudge(None, None, nu, 1 << 22)
    assert judge.can_certify(0.1) and not judge.can_certify(0.01)


def test_monte_carlo_solve_on_a_cylinder_holds_what_it_reports():
    """d = 8, n = 50, tol = 0.05: the exact error of the heights returned is at most the error the solve
    reports plus its own noise (``precision_floor``), and within the tolerance."""
    p = problems.cylinder(8, 50, np.random.default_rng(1))
    res = gm.solve(p.source, p.points, method="monte-carlo", tol=0.05, seed=0)
    assert res.converged
    exact = p.judge(res.heights).error
    assert 0 < exact <= res.max_rel_error + res.precision_floor
    assert exact <= 0.05 * 1.5
