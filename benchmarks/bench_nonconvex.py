"""Starts on non-convex sources: Newton steps and seconds of ``gm.solve`` (tol 1e-9, maxiter 400).

Cases: a unit square with two square holes and uniform targets over the square (some in the holes); an
annulus (radii 1 and 0.5) to two disks of radius 0.3 at (+-0.6, 0); an L with a square hole and targets
uniform over its bounding box. ``--start default`` is the solver's own choice (the assignment start up to
``ASSIGNMENT_MAX`` targets, the continuation from the bounding box above); ``--start assignment`` raises that
limit to n (dense n x n matrices: mind the memory), ``--start continuation`` sets it to 0.

    python benchmarks/bench_nonconvex.py                                  # n = 2400, 3000, 3000
    python benchmarks/bench_nonconvex.py --start continuation
    python benchmarks/bench_nonconvex.py --cases holes,annulus --n 4000 --start assignment
    python benchmarks/bench_nonconvex.py --cases holes --n 20000
"""
import argparse
import time

import numpy as np
import shapely

import geomot as gm
from geomot.solvers import _start

SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1]]
HOLES = [[[0.15, 0.15], [0.45, 0.15], [0.45, 0.45], [0.15, 0.45]],
         [[0.55, 0.55], [0.85, 0.55], [0.85, 0.85], [0.55, 0.85]]]


def holes(n, rng):
    return gm.Polygon(SQUARE, HOLES), rng.random((n, 2))


def annulus(n, rng):
    r, t = 0.3 * np.sqrt(rng.random(n)), 2 * np.pi * rng.random(n)
    y = np.where(rng.random((n, 1)) < 0.5, [-0.6, 0], [0.6, 0]) + np.c_[r * np.cos(t), r * np.sin(t)]
    return gm.Polygon(shapely.Point(0, 0).buffer(1.0, 64).difference(shapely.Point(0, 0).buffer(0.5, 64))), y


def l_with_hole(n, rng):
    domain = gm.Polygon([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)],
                        [[(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)]])
    lo, hi = domain.bounds
    return domain, lo + rng.random((n, 2)) * (hi - lo)


CASES = {"holes": (holes, 2400), "annulus": (annulus, 3000), "l-hole": (l_with_hole, 3000)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--n", type=float, default=None, help="targets (default: the case's own)")
    parser.add_argument("--start", choices=["default", "assignment", "continuation"], default="default")
    args = parser.parse_args()
    gm.solve(*holes(50, np.random.default_rng(9)))  # compile the kernels
    print(f"{'case':10s} {'n':>6s} {'steps':>6s} {'seconds':>8s} {'error':>9s}  start")
    for name in args.cases.split(","):
        make, n = CASES[name]
        domain, y = make(int(args.n or n), np.random.default_rng(0))
        if args.start != "default":
            _start.ASSIGNMENT_MAX = len(y) if args.start == "assignment" else 0
        t0 = time.perf_counter()
        res = gm.solve(domain, y, tol=1e-9, maxiter=400)
        seconds = time.perf_counter() - t0
        start = "assignment" if "assignment" in res.message else "continuation" if "continuation" in res.message \
            else "voronoi"
        print(f"{name:10s} {len(y):6d} {res.iterations:6d} {seconds:8.1f} {res.max_rel_error:9.2g}  {start}"
              + ("" if res.converged else f"  NOT CONVERGED: {res.message}"), flush=True)


if __name__ == "__main__":
    main()
