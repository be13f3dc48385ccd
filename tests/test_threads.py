"""geomot sets numba's OpenMP threads to wait passively (the note in ``geomot/__init__.py``), unless the user chose."""
import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("given,expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_the_openmp_wait_policy_is_passive_unless_set(given, expected):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    code = "import os, geomot; print(os.environ['OMP_WAIT_POLICY'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected


def test_a_newton_solve_runs_blas_on_one_thread_and_gives_the_threads_back():
    """The solve's BLAS calls are vector operations whose threads only compete with numba's
    (``geomot/solvers/newton.py``): one thread while it runs, the caller's setting after."""
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    import geomot as gm

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    seen = []
    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        gm.solve(gm.Box([0, 0], [1, 1]), np.random.default_rng(0).random((50, 2)),
                 callback=lambda info: seen.append(blas_threads()))
        assert blas_threads() == before
    assert seen and all(threads == [1] * len(before) for threads in seen)
