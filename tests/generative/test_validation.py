"""Bad input to the generative entry points: a GeomotError naming the parameter, what was expected and found."""
import numpy as np
import pytest

import geomot as gm
from geomot.generative.datasets import GRID_MEANS, RING_MEANS, RING_STD, grid_gaussians, ring_gaussians
from geomot.generative.latent import gap_scale, latent_map, latent_samples
from geomot.generative.metrics import mode_stats, novelty


@pytest.fixture(scope="module")
def fitted():
    return gm.OTGenerator().fit(grid_gaussians(128, seed=0))


@pytest.fixture(scope="module")
def result():
    return gm.solve(gm.Box([0, 0], [1, 1]), np.random.default_rng(0).random((50, 2)))


@pytest.mark.parametrize("kwargs, match", [
    ({"m": None}, "m must be an integer >= 0; got None"),
    ({"m": -1}, "m must be an integer >= 0; got -1"),
    ({"m": 2.5}, "m must be an integer >= 0; got 2.5"),
    ({"m": "10"}, "m must be an integer >= 0; got '10'"),
    ({"m": np.nan}, "m must be an integer >= 0; got nan"),
    ({"m": 10, "seed": -3}, "seed must be an integer >= 0; got -3"),
    ({"m": 10, "seed": 1.5}, "seed must be an integer >= 0; got 1.5"),
    ({"m": 10, "qmc": "yes"}, "qmc must be True or False; got 'yes'"),
    ({"m": 10, "qmc": None}, "qmc must be True or False; got None"),
])
def test_sample(fitted, kwargs, match):
    with pytest.raises(gm.GeomotError, match=match):
        fitted.sample(**kwargs)


def test_sample_counts(fitted):
    assert fitted.sample(0).shape == (0, 2)
    assert fitted.sample(1e2, seed=np.int64(3)).shape == (100, 2)  # an integral float is a count
    with pytest.raises(TypeError):
        fitted.sample(10, bogus=1)


@pytest.mark.parametrize("data, match", [
    (None, "data must be an array of numbers; got None"),
    ("abc", "data must be an array of numbers; got 'abc'"),
    ([[0.0, np.nan], [1, 1], [2, 0]], "data must be finite; found NaN at index"),
    (np.zeros((4, 3)), r"data must have shape \(n, 2\); got shape \(4, 3\)"),
    (np.zeros((2, 2)), "data must contain at least 3 training samples; got 2"),
    (np.ones((5, 2)) + 1j, "data must be real"),
])
def test_fit_data(data, match):
    with pytest.raises(gm.GeomotError, match=match):
        gm.OTGenerator().fit(data)


@pytest.mark.parametrize("param, value, match", [
    ("threshold", None, "threshold must be a real number > 0; got None"),
    ("threshold", "5", "threshold must be a real number > 0; got '5'"),
    ("threshold", -2.0, "threshold must be a number > 0; got -2"),
    ("tol", np.nan, "tol must be a finite number > 0; got nan"),
    ("tol", True, "tol must be a real number > 0; got True"),
])
def test_fit_parameters(param, value, match):
    with pytest.raises(gm.GeomotError, match=match):
        gm.OTGenerator(**{param: value}).fit(grid_gaussians(64, seed=0))


@pytest.mark.parametrize("args, kwargs, match", [
    ((None, 10), {}, "result must be an OTResult"),
    (("result", 10), {}, "result must be an OTResult"),
    ((), {"m": -1}, "m must be an integer >= 0; got -1"),
    ((), {"m": 1.5}, "m must be an integer >= 0; got 1.5"),
    ((), {"m": None}, "m must be an integer >= 0; got None"),
    ((), {"m": 10, "seed": "x"}, "seed must be an integer >= 0"),
    ((), {"m": 10, "max_rounds": 0}, "max_rounds must be an integer >= 1; got 0"),
    ((), {"m": 10, "threshold": np.nan}, "threshold"),
    ((), {"m": 10, "criterion": "volume"}, "criterion"),
])
def test_latent_samples(result, args, kwargs, match):
    with pytest.raises(gm.GeomotError, match=match):
        latent_samples(*(args or (result,)), **kwargs)


@pytest.mark.parametrize("call, match", [
    (lambda r: gap_scale(None), "result must be an OTResult"),
    (lambda r: gap_scale(r, quantile=1.5), r"quantile must be a number in \[0, 1\]; got 1.5"),
    (lambda r: gap_scale(r, quantile="high"), "quantile must be a real number"),
    (lambda r: gap_scale(r, samples=0), "samples must be an integer >= 1; got 0"),
    (lambda r: gap_scale(r, seed=-1), "seed must be an integer >= 0; got -1"),
    (lambda r: latent_map(r, None, 0.1), "x must be an array of numbers; got None"),
    (lambda r: latent_map(r, np.zeros((3, 3)), 0.1), r"x must have shape \(n, 2\)"),
    (lambda r: latent_map(r, np.zeros((3, 2)), 0.0), "gap_scale must be a number > 0; got 0"),
    (lambda r: latent_map("r", np.zeros((3, 2)), 0.1), "result must be an OTResult"),
])
def test_latent_helpers(result, call, match):
    with pytest.raises(gm.GeomotError, match=match):
        call(result)


def test_latent_samples_zero(result):
    codes, _ = latent_samples(result, 0, seed=0)
    assert codes.shape == (0, 2)


@pytest.mark.parametrize("call, match", [
    (lambda: mode_stats(None, GRID_MEANS, 0.05), "samples must be an array of numbers; got None"),
    (lambda: mode_stats(np.zeros((3, 2)), GRID_MEANS, None), "std must be a real number > 0; got None"),
    (lambda: mode_stats(np.zeros((3, 2)), GRID_MEANS, -0.1), "std must be a number > 0; got -0.1"),
    (lambda: mode_stats(np.zeros((3, 2)), GRID_MEANS[:, :1], 0.05), r"means must have shape \(n, 2\)"),
    (lambda: mode_stats(np.zeros((3, 2)), np.zeros((0, 2)), 0.05), "means must contain at least 1 mean"),
    (lambda: mode_stats(np.zeros((3, 2)), GRID_MEANS, 0.05, np.zeros(25)), r"weights must be positive; weights\[0\] = 0"),
    (lambda: mode_stats(np.zeros((3, 2)), GRID_MEANS, 0.05, np.ones(3)), r"weights must have shape \(25\); got shape \(3,\)"),
    (lambda: novelty(np.zeros((3, 2)), np.zeros((4, 2)), tol=-1), "tol must be a number >= 0; got -1"),
    (lambda: novelty(np.zeros((3, 2)), np.zeros((4, 2)), tol="0"), "tol must be a real number >= 0"),
    (lambda: novelty(np.zeros((0, 2)), np.zeros((4, 2))), "samples must contain at least 1 point; got 0"),
    (lambda: novelty(np.zeros((3, 3)), np.zeros((4, 2))), r"samples must have shape \(n, 2\)"),
    (lambda: grid_gaussians(-5), "n must be an integer >= 0; got -5"),
    (lambda: grid_gaussians(2.5), "n must be an integer >= 0; got 2.5"),
    (lambda: grid_gaussians(10, seed="a"), "seed must be an integer >= 0"),
    (lambda: ring_gaussians(10, std=0), "std must be a number > 0; got 0"),
    (lambda: ring_gaussians(10, std=np.nan), "std must be a finite number > 0; got nan"),
])
def test_metrics_and_datasets(call, match):
    with pytest.raises(gm.GeomotError, match=match):
        call()


def test_weights_change_the_reverse_kl():
    """Known answer: all samples on mean 0 with true weights (1/2, 1/2): KL = log 2."""
    means = np.array([[0.0, 0.0], [1.0, 0.0]])
    st = mode_stats(np.zeros((4, 2)), means, 0.1, weights=[3.0, 3.0])
    assert st.reverse_kl == pytest.approx(np.log(2))
    st = mode_stats(np.zeros((4, 2)), means, 0.1, weights=[1.0, 3.0])
    assert st.reverse_kl == pytest.approx(np.log(4))


def test_ring_data():
    """PacGAN's ring: 8 means on the unit circle at angles 2 pi i / 8, standard deviation 0.01."""
    assert RING_MEANS.shape == (8, 2) and RING_STD == 0.01
    np.testing.assert_allclose(np.linalg.norm(RING_MEANS, axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.arctan2(RING_MEANS[:, 1], RING_MEANS[:, 0]) % (2 * np.pi),
                               2 * np.pi * np.arange(8) / 8, atol=1e-15)
    x = ring_gaussians(40_000, seed=0)
    st = mode_stats(x, RING_MEANS, RING_STD)
    assert st.modes == 8 and st.high_quality == pytest.approx(1 - np.exp(-4.5), abs=0.003)
    nearest = RING_MEANS[st.counts.argmax()]
    near = x[np.linalg.norm(x - nearest, axis=1) < 0.1]
    np.testing.assert_allclose(near.std(axis=0), 0.01, rtol=0.05)
