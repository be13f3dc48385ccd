"""Monte Carlo assignment kernels (NumPy == numba CPU == numba.cuda simulator) and MC masses."""
import os
import subprocess
import sys

import numpy as np
import pytest

import geomot as gm
from geomot._kernels.assign import assign_cpu, assign_numpy
from geomot.stochastic import monte_carlo_masses


@pytest.mark.parametrize("d", [2, 7, 64])
def test_cpu_kernel_equals_numpy_reference(d):
    rng = np.random.default_rng(d)
    x, y, h = rng.standard_normal((3000, d)), rng.standard_normal((300, d)), rng.standard_normal(300)
    np.testing.assert_array_equal(assign_cpu(x, y, h), assign_numpy(x, y, h, block=1000))


def test_cuda_kernel_equals_numpy_under_the_simulator():
    """numba.cuda kernel run by the CUDA simulator in a subprocess (the variable must be set before import)."""
    code = (
        "import numpy as np\n"
        "from geomot._kernels.assign import assign_cuda, assign_numpy\n"
        "rng = np.random.default_rng(0)\n"
        "x, y, h = rng.standard_normal((300, 5)), rng.standard_normal((40, 5)), rng.standard_normal(40)\n"
        "idx, counts = assign_cuda(x, y, h, threads=64)\n"
        "ref = assign_numpy(x, y, h)\n"
        "assert (idx == ref).all() and (counts == np.bincount(ref, minlength=40)).all()\n"
        "print('ok')\n")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_monte_carlo_masses_agree_with_exact_cells():
    rng = np.random.default_rng(1)
    y = rng.random((50, 2))
    h = -0.5 * (y ** 2).sum(1) + 0.01 * rng.standard_normal(50)
    exact = gm.PowerDiagram(y, h, gm.Box([0, 0], [1, 1])).masses
    for device in ("cpu", "numpy"):
        w, se = monte_carlo_masses(lambda k, r: r.random((k, 2)), y, h, 400_000, batch=65_536, device=device,
                                   seed=2)
        assert abs(w.sum() - 1) < 1e-12
        z = (w - exact) / np.maximum(se, 1e-12)
        assert np.abs(z).max() < 4.5  # 50 cells: a 4.5-sigma excursion has probability ~3e-4
    w1, _ = monte_carlo_masses(lambda k, r: r.random((k, 2)), y, h, 10_000, seed=3)
    w2, _ = monte_carlo_masses(lambda k, r: r.random((k, 2)), y, h, 10_000, seed=3, device="numpy")
    np.testing.assert_array_equal(w1, w2)


def test_bad_device():
    with pytest.raises(gm.GeomotError, match="device"):
        monte_carlo_masses(lambda k, r: r.random((k, 2)), np.zeros((2, 2)), np.zeros(2), 10, device="tpu")


def test_cuda_without_gpu_is_a_clear_error():
    from numba import cuda
    if cuda.is_available():
        pytest.skip("a CUDA device (or the simulator) is present")
    with pytest.raises(gm.GeomotError, match="CUDA GPU"):
        monte_carlo_masses(lambda k, r: r.random((k, 2)), np.zeros((2, 2)), np.zeros(2), 10, device="cuda")
