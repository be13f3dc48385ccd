"""Grid data, mode metrics on hand-made sample sets, the OT generator."""
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy.spatial import cKDTree
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import geomot as gm
from geomot.generative.datasets import GRID_MEANS, GRID_STD, grid_gaussians
from geomot.generative.metrics import mode_stats, novelty

from ..cases import demo


def test_grid_data():
    assert GRID_MEANS.shape == (25, 2) and set(GRID_MEANS[:, 0]) == {-4, -2, 0, 2, 4}
    x = grid_gaussians(50_000, seed=0)
    np.testing.assert_array_equal(x, grid_gaussians(50_000, seed=0))
    st = mode_stats(x, GRID_MEANS, GRID_STD)
    assert st.modes == 25
    assert st.high_quality == pytest.approx(1 - np.exp(-4.5), abs=0.003)  # P(|z| <= 3) for a 2D Gaussian
    assert st.reverse_kl < 1e-3


def test_mode_metrics_on_hand_made_sets():
    means = GRID_MEANS
    # all samples exactly on 5 means, equally: 5 modes, all high quality, KL = log(25 / 5)
    s = np.repeat(means[:5], 10, axis=0)
    st = mode_stats(s, means, GRID_STD)
    assert st.modes == 5 and st.high_quality == 1.0
    assert st.reverse_kl == pytest.approx(np.log(5))
    # half the samples 0.2 away from their mean (> 3 std = 0.15): modes still count, quality halves
    s = np.vstack([means, means + [0.2, 0.0]])
    st = mode_stats(s, means, GRID_STD)
    assert st.modes == 25 and st.high_quality == 0.5 and st.reverse_kl == pytest.approx(0.0, abs=1e-15)
    # a sample 0.2 from its mean only: that mode is not captured
    st = mode_stats(means[:1] + [0.2, 0.0], means, GRID_STD)
    assert st.modes == 0 and st.high_quality == 0.0


def test_novelty():
    train = np.array([[0.0, 0.0], [1.0, 0.0]])
    frac, med = novelty(np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 3.0]]), train)
    assert frac == pytest.approx(2 / 3) and med == pytest.approx(0.5)


def test_ot_generator_keeps_modes_and_never_fills_the_gaps():
    train = grid_gaussians(512, seed=3)
    gen = gm.OTGenerator().fit(train)
    assert gen.result_.converged
    s = gen.sample(5000, seed=4)
    st = mode_stats(s, GRID_MEANS, GRID_STD)
    assert st.modes == 25 and st.high_quality > 0.995
    # mode proportions follow the training data (cells carry 1/N each)
    train_counts = mode_stats(train, GRID_MEANS, GRID_STD).counts / len(train)
    np.testing.assert_allclose(st.counts / len(s), train_counts, atol=0.012)
    assert novelty(s, train)[0] > 0.99
    # every sample is a convex combination of training samples of one mode
    assert np.linalg.norm(s[:, None, :] - GRID_MEANS[None], axis=2).min(axis=1).max() < 0.3
    np.testing.assert_array_equal(gen.sample(100, seed=7), gen.sample(100, seed=7))


def test_ot_generator_errors():
    with pytest.raises(NotFittedError, match="call fit"):
        gm.OTGenerator().sample(10)
    with pytest.raises(NotFittedError, match="call fit"):
        gm.OTGenerator().singular_set()
    with pytest.raises(gm.GeomotError, match="at least 3"):
        gm.OTGenerator().fit(np.zeros((2, 2)))


def test_a_fit_short_of_tol_warns_and_keeps_the_last_heights():
    """tol = 1e-13 is below the precision floor of this solve (about 5e-11): a ConvergenceWarning with the
    solver's message; the default tol converges without one."""
    train = grid_gaussians(512, seed=0)
    with pytest.warns(ConvergenceWarning, match="precision floor"):
        gen = gm.OTGenerator(tol=1e-13).fit(train)
    assert not gen.result_.converged and gen.result_.max_rel_error < 1e-9
    assert gen.sample(10, seed=0).shape == (10, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gm.OTGenerator().fit(train).result_.converged


@pytest.mark.parametrize("param, value", [("threshold", -1.0), ("threshold", 0), ("threshold", np.nan),
                                          ("threshold", "big"), ("tol", 0.0), ("tol", None)])
def test_ot_generator_validates_at_fit_not_at_construction(param, value):
    gen = gm.OTGenerator(**{param: value})  # stored as given
    assert gen.get_params()[param] is value
    with pytest.raises(gm.GeomotError, match=param):
        gen.fit(grid_gaussians(64, seed=0))
    assert not hasattr(gen, "result_")
    with pytest.raises(gm.GeomotError, match=param):
        gm.OTGenerator().set_params(**{param: value}).fit(grid_gaussians(64, seed=0))


def test_ot_generator_is_a_scikit_learn_estimator():
    gen = gm.OTGenerator(threshold=3.0, tol=1e-7)
    assert gen.get_params() == {"threshold": 3.0, "tol": 1e-7}
    assert gm.OTGenerator().get_params() == {"threshold": 5.0, "tol": 1e-6}
    assert repr(gen) == "OTGenerator(threshold=3.0, tol=1e-07)"
    gen.fit(grid_gaussians(256, seed=1))
    copy = clone(gen)
    assert type(copy) is gm.OTGenerator and copy is not gen and copy.get_params() == gen.get_params()
    assert not hasattr(copy, "result_") and not hasattr(copy, "interpolant_")
    with pytest.raises(NotFittedError):
        copy.sample(5)
    np.testing.assert_array_equal(copy.fit(gen.data_).sample(50, seed=0), gen.sample(50, seed=0))
    assert gm.OTGenerator().set_params(threshold=3.0, tol=1e-7).get_params() == gen.get_params()
    with pytest.raises(ValueError, match="bogus"):
        gen.set_params(bogus=1)


def test_set_params_threshold_changes_the_fitted_result():
    train = grid_gaussians(256, seed=2)
    gen = gm.OTGenerator().fit(train)
    keep, removed = gen.keep_.copy(), gen.removed_fraction_
    gen.set_params(threshold=1.5).fit(train)
    assert gen.threshold == 1.5 and gen.rule_ == gm.SpacingRule(4, 1.5)
    assert gen.removed_fraction_ > removed and gen.keep_.sum() < keep.sum()
    # the kept triangles are those with no edge above 1.5 x the 4th-neighbour spacing (cKDTree oracle)
    s = cKDTree(train).query(train, 5)[0][:, 4]
    tri = gen.simplices_
    bad = np.zeros(len(tri), bool)
    for a, b in ((0, 1), (1, 2), (2, 0)):
        i, j = tri[:, a], tri[:, b]
        bad |= np.linalg.norm(train[i] - train[j], axis=1) > 1.5 * np.maximum(s[i], s[j])
    np.testing.assert_array_equal(gen.keep_, ~bad)
    np.testing.assert_array_equal(gen.triangles_, tri[~bad])
    # incident_: a CSR pair over training samples, listing each kept triangle at its three corners
    indptr, triangles = gen.incident_
    assert indptr.shape == (len(train) + 1,) and triangles.shape == (3 * (~bad).sum(),)
    for i in (0, 17, 255):
        assert sorted(triangles[indptr[i]:indptr[i + 1]]) == sorted(np.flatnonzero(~bad & (tri == i).any(1)))
    # the singular set of the fit uses the fitted rule even after set_params
    gen.set_params(threshold=50.0)
    assert gen.singular_set().threshold == 1.5


def test_import_geomot_does_not_import_scikit_learn():
    code = "import geomot, sys; print('sklearn' in sys.modules); geomot.OTGenerator; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


def test_mode_collapse_demo_runs_small(tmp_path):
    mode_collapse = demo("mode_collapse")
    files = mode_collapse.main(tmp_path, runs=2, sizes=(64, 128), large_runs=1, verbose=False,
                               doc=tmp_path / "doc.md", protocol=True)
    text = (tmp_path / "mode_collapse.md").read_text()
    assert "geomot OT generator" in text and "PacGAN4 (paper)" in text and "PacGAN4 (PacGAN, published)" in text
    assert "2D ring" in text and "| 128 (2) |" in text and "Reading the tables" in (tmp_path / "doc.md").read_text()
    assert text.count("true mixture, 2500 fresh draws") == 3 and "reverse KL, qmc=False" in text
    assert "OT solves converged (tol 1e-06): 10 of 10 fits" in text  # 2 at N = 512, 2 x 2 per data set
    assert files[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_scikit_learn_the_generator_says_what_to_install():
    """scikit-learn hidden (a None entry in sys.modules makes its import fail): geomot imports and solves,
    and only geomot.OTGenerator fails, naming the extra to install."""
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "import numpy as np, geomot as gm\n"
            "assert gm.solve(gm.Box([0, 0], [1, 1]), np.random.default_rng(0).random((20, 2))).converged\n"
            "try:\n    gm.OTGenerator\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "geomot[generative]" in out and "sklearn" in out
