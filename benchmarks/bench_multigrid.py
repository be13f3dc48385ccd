"""The 3D Newton step's linear solve: geomot's V-cycle on pyamg's hierarchy beside pyamg's own, and BLAS threads.

The matrix is the Hessian of the Voronoi start of n uniform targets in the unit cube, in the solver's
order (its k-d tree), one cell pinned (what ``LaplacianSolver`` solves). For each configuration: the
hierarchy's setup, one V-cycle, and conjugate gradients to a relative residual of 1e-3 and 1e-5 (the
Newton step's range), iterations and seconds, medians of --repeat runs. "BLAS 1" runs under
``threadpoolctl.threadpool_limits(1, "blas")``, as a Newton solve does (``geomot/solvers/newton.py``).

    python benchmarks/bench_multigrid.py              # n = 1e5
    python benchmarks/bench_multigrid.py --n 3e5 --repeat 5
"""
import argparse
import time

import numpy as np
import pyamg
import scipy.sparse as sp
from scipy.sparse.linalg import cg
from threadpoolctl import threadpool_limits

import geomot as gm
from geomot._kernels.spatial.celltree import build_tree
from geomot.solvers._laplacian import _pcg
from geomot.solvers._multigrid import Multigrid, _seeded


def reduced_hessian(n):
    y = np.random.default_rng(0).random((n, 3))
    y = y[build_tree(y).perm]
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), gm.Uniform(gm.Box(np.zeros(3), np.ones(3))))
    h = sp.csr_array(pd.hessian())
    return sp.csr_array(h[1:][:, 1:])


def pyamg_solver(a):
    return _seeded(lambda: pyamg.smoothed_aggregation_solver(
        sp.csr_matrix(a), symmetry="symmetric", improve_candidates=None,
        presmoother=("gauss_seidel", {"sweep": "forward"}), postsmoother=("gauss_seidel", {"sweep": "backward"})))


def timed(f, repeat):
    out, times = None, []
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def measure(a, b, repeat):
    rows = {}
    t, ml = timed(lambda: pyamg_solver(a), repeat)
    m = ml.aspreconditioner()
    rows["pyamg"] = [t, timed(lambda: m @ b, 5 * repeat)[0]]
    for rtol in (1e-3, 1e-5):
        count = []
        t, _ = timed(lambda: cg(a, b, rtol=rtol, atol=0.0, maxiter=1000, M=m,
                                callback=lambda x: count.append(1)), repeat)
        rows["pyamg"] += [t, len(count) // repeat]
    t, mg = timed(lambda: Multigrid(a), repeat)
    rows["geomot"] = [t, timed(lambda: mg.v_cycle(b), 5 * repeat)[0]]
    for rtol in (1e-3, 1e-5):
        t, (_, _, iterations) = timed(lambda: _pcg(mg.matvec, b, mg.v_cycle, rtol, 1000, give_up=False), repeat)
        rows["geomot"] += [t, iterations]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=float, default=1e5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    a = reduced_hessian(int(args.n))
    b = np.random.default_rng(1).standard_normal(a.shape[0])
    Multigrid(a).v_cycle(b)  # numba compilation (cached on disk)
    print(f"# n = {a.shape[0] + 1:.0e}, {a.nnz} nonzeros; medians of {args.repeat}")
    print("| V-cycle | BLAS | setup | one V-cycle | CG to 1e-3 | CG to 1e-5 |")
    print("|---|---|---|---|---|---|")
    for blas in ("default", "1"):
        if blas == "1":
            with threadpool_limits(1, user_api="blas"):
                rows = measure(a, b, args.repeat)
        else:
            rows = measure(a, b, args.repeat)
        for name, (setup, cycle, t3, it3, t5, it5) in rows.items():
            print(f"| {name} | {blas} | {setup:.3f} s | {1e3 * cycle:.1f} ms | {t3:.3f} s ({it3} it) "
                  f"| {t5:.3f} s ({it5} it) |")


if __name__ == "__main__":
    main()
