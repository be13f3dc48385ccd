"""Seconds per 3D diagram: a fresh one (the k-d tree walk) and a warm one (the previous neighbours, certified).

Uniform targets in the unit cube (``default_rng(0)``): the fresh diagram at the heights of
a solve to 1e-3, the warm one there from the diagram of a solve to 1e-2 (the iterate
before: a Newton step); best of --repeat, on 1 and on all numba threads. Runs on older commits
too (``git worktree add /tmp/old REV; PYTHONPATH=/tmp/old python benchmarks/bench_cells3d.py``):
the kernels' before and after in the same session.

    python benchmarks/bench_cells3d.py --sizes 1e4 1e5
"""
import argparse
from timeit import repeat

import numba
import numpy as np

import geomot as gm


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e5])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    source = gm.Uniform(gm.Box(np.zeros(3), np.ones(3)))
    gm.solve(source, np.random.default_rng(1).random((500, 3)))  # warm-up: numba compilation
    print(f"# geomot {gm.__file__}; numba threads: 1 and {numba.config.NUMBA_NUM_THREADS}")
    print("| n | threads | fresh diagram | warm diagram |")
    print("|---|---|---|---|")
    for n in map(int, args.sizes):
        y = np.random.default_rng(0).random((n, 3))
        before, h = (gm.solve(source, y, tol=tol).heights for tol in (1e-2, 1e-3))
        for threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(threads)
            fresh = min(repeat(lambda: gm.PowerDiagram(y, h, source).masses, number=1, repeat=args.repeat))
            pd = gm.PowerDiagram(y, before, source)
            warm = min(repeat(lambda: pd.with_heights(h).masses, number=1, repeat=args.repeat))
            print(f"| {n:.0e} | {threads} | {fresh:.3f} s | {warm:.3f} s |")


if __name__ == "__main__":
    main()
