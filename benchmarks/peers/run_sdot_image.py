"""Runner for sdot (PyPI ``sdot``) on an image source -- run it with benchmarks/.venvs/sdot/bin/python.

    run_sdot_image.py --points Y.npy --image IMG.npy --tol 1e-8 --out OUT.npz [--repeat 1]

The source is sdot's ``Image`` (degree 0: a constant per pixel) on the unit square, ``IMG[i, j]`` the
density on pixel column j, row i counted upward in y (geomot's ``GridDensity``; sdot's own axis order is
checked by the harness, which re-measures the returned weights with geomot). Uniform target masses 1/n,
sdot's own start and its damped Newton stopped at ``max_i |m_i - nu_i| / nu_i <= tol`` (as in
run_sdot.py: ``Iterative(tol=0, tuning=Tuning(mass_rtol=tol))``). The command line and its JSON line:
:mod:`_image_runner`.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _image_runner  # noqa: E402


def solve(points, image, tol):
    import sdot

    n = len(points)
    pb = sdot.OtProblem(sdot.SumOfDiracs(points, np.full(n, 1.0 / n)), sdot.Image(image.T / image.mean()))
    return pb.solve(sdot.Iterative(tol=0.0, on_failure="ignore", tuning=sdot.Tuning(mass_rtol=float(tol))))


def finish(sol):
    return (np.array(sol.weights, dtype=np.float64), np.array(sol.cell_masses, dtype=np.float64),
            int(sol.stats["nb_iter"]))


if __name__ == "__main__":
    _image_runner.main(solve, finish)
