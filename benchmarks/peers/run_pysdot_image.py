"""Runner for pysdot 0.2.16 on an image source -- run it with benchmarks/.venvs/pysdot/bin/python.

    run_pysdot_image.py --points Y.npy --image IMG.npy --tol 1e-8 --out OUT.npz [--repeat 1]

The source is pysdot's ``ScaledImage`` on the unit square: ``IMG[i, j]`` the density on pixel column j,
row i counted upward in y (pysdot's convention and geomot's ``GridDensity``), normalised here to a
probability. Uniform target masses 1/n, pysdot's default start (the Voronoi diagram) and its undamped
Newton with the absolute stop ``max |m_i - nu_i| < tol / n`` (see run_pysdot.py). Prints one JSON line:
seconds (best of --repeat, after an untimed warm-up on 200 points), iterations, max_rel_error (pysdot's own
masses); OUT.npz holds the weights ``psi`` (power distance ``|x - y_i|^2 - psi_i``).
"""
import argparse
import json
import time

import numpy as np


def solve(points, image, tol):
    from pysdot import OptimalTransport
    from pysdot.domain_types import ScaledImage

    n = len(points)
    domain = ScaledImage([0.0, 0.0], [1.0, 1.0], image / image.mean())
    ot = OptimalTransport(points, None, domain, masses=np.full(n, 1.0 / n), linear_solver="Scipy")
    ot.set_stopping_criterion(tol / n, "max delta masses")
    ot.adjust_weights()
    return ot


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    y = np.ascontiguousarray(np.load(args.points), dtype=np.float64)
    image = np.ascontiguousarray(np.load(args.image), dtype=np.float64)
    solve(np.random.default_rng(1).random((200, 2)), image, args.tol)
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        ot = solve(y, image, args.tol)
        times.append(time.perf_counter() - t)
    masses = np.array(ot.pd.integrals())
    err = float(np.max(np.abs(masses * len(y) - 1)))
    np.savez(args.out, weights=np.array(ot.get_weights()), masses=masses)
    print(json.dumps({"seconds": min(times), "seconds_all": times, "iterations": len(ot.delta_w),
                      "max_rel_error": err, "ok": err <= args.tol}))


if __name__ == "__main__":
    main()
