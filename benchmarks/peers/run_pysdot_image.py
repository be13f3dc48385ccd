"""Runner for pysdot 0.2.16 on an image source -- run it with benchmarks/.venvs/pysdot/bin/python.

    run_pysdot_image.py --points Y.npy --image IMG.npy --tol 1e-8 --out OUT.npz [--repeat 1]

The source is pysdot's ``ScaledImage`` on the unit square: ``IMG[i, j]`` the density on pixel column j,
row i counted upward in y (pysdot's convention and geomot's ``GridDensity``), normalised here to a
probability. Uniform target masses 1/n, pysdot's default start (the Voronoi diagram) and its undamped
Newton with the absolute stop ``max |m_i - nu_i| < tol / n`` (see run_pysdot.py). The command line and its JSON line:
:mod:`_image_runner`.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _image_runner  # noqa: E402


def solve(points, image, tol):
    from pysdot import OptimalTransport
    from pysdot.domain_types import ScaledImage

    n = len(points)
    domain = ScaledImage([0.0, 0.0], [1.0, 1.0], image / image.mean())
    ot = OptimalTransport(points, None, domain, masses=np.full(n, 1.0 / n), linear_solver="Scipy")
    ot.set_stopping_criterion(tol / n, "max delta masses")
    ot.adjust_weights()
    return ot


def finish(ot):
    return np.array(ot.get_weights()), np.array(ot.pd.integrals()), len(ot.delta_w)


if __name__ == "__main__":
    _image_runner.main(solve, finish)
