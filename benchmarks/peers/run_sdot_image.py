"""Runner for sdot (PyPI ``sdot``) on an image source -- run it with benchmarks/.venvs/sdot/bin/python.

    run_sdot_image.py --points Y.npy --image IMG.npy --tol 1e-8 --out OUT.npz [--repeat 1]

The source is sdot's ``Image`` (degree 0: a constant per pixel) on the unit square, ``IMG[i, j]`` the
density on pixel column j, row i counted upward in y (geomot's ``GridDensity``; sdot's own axis order is
checked by the harness, which re-measures the returned weights with geomot). Uniform target masses 1/n,
sdot's own start and its damped Newton stopped at ``max_i |m_i - nu_i| / nu_i <= tol`` (as in
run_sdot.py: ``Iterative(tol=0, tuning=Tuning(mass_rtol=tol))``). Prints one JSON line: seconds (best
of --repeat, after an untimed warm-up on 200 points), iterations, max_rel_error (sdot's own masses);
OUT.npz holds the weights ``w`` (power distance ``|x - y_i|^2 - w_i``).
"""
import argparse
import json
import time

import numpy as np


def solve(points, image, tol):
    import sdot

    n = len(points)
    pb = sdot.OtProblem(sdot.SumOfDiracs(points, np.full(n, 1.0 / n)), sdot.Image(image.T / image.mean()))
    return pb.solve(sdot.Iterative(tol=0.0, on_failure="ignore", tuning=sdot.Tuning(mass_rtol=float(tol))))


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
        sol = solve(y, image, args.tol)
        times.append(time.perf_counter() - t)
    masses = np.array(sol.cell_masses, dtype=np.float64)
    err = float(np.max(np.abs(masses / masses.sum() * len(y) - 1)))
    np.savez(args.out, weights=np.array(sol.weights, dtype=np.float64), masses=masses)
    print(json.dumps({"seconds": min(times), "seconds_all": times, "iterations": int(sol.stats["nb_iter"]),
                      "max_rel_error": err, "ok": err <= args.tol}))


if __name__ == "__main__":
    main()
