"""Time to max relative mass error <= tol: geomot's damped Newton beside pysdot and sdot.

Problems (uniform source on the unit square, or cube with --dim 3, uniform target masses 1/n):
  uniform  -- y = default_rng(0).random((n, d))            (targets inside the square)
  outside  -- y = default_rng(0).random((n, d)) + [2, 0..] (every target outside it)
  clustered -- five clusters of std 0.02 (centres in [0.1, 0.9]^d), clipped to [0.001, 0.999]^d

Each peer runs in its own venv (set up with benchmarks/peers/setup_peers.sh) on the
same arrays in the same run; its returned weights are checked by geomot's exact masses
(column "checked"). Times are wall clock of the solve after an untimed warm-up
(numba compilation, jax tracing), best of --repeat runs.

    python benchmarks/bench_newton.py                      # n = 1e3 .. 1e5, peers if set up
    python benchmarks/bench_newton.py --sizes 1e6 --peers  # geomot alone at n = 1e6
    python benchmarks/bench_newton.py --dim 3              # the unit cube
"""
import argparse
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

import geomot as gm
from geomot.solvers import _laplacian

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import available_peers, run_peer  # noqa: E402

def unit_cube(dim):
    return gm.Uniform(gm.Box(np.zeros(dim), np.ones(dim)))


def problem(kind, n, dim=2):
    rng = np.random.default_rng(0)
    y = rng.random((n, dim))
    if kind == "outside":
        y[:, 0] += 2.0
    if kind == "clustered":  # five tight clusters (std 0.02) inside the cube
        centres = 0.1 + 0.8 * rng.random((5, dim))
        y = np.clip(centres[rng.integers(0, 5, n)] + 0.02 * rng.standard_normal((n, dim)), 0.001, 0.999)
    return y


def checked_error(y, weights):
    """Max relative mass error of power weights psi (|x - y|^2 - psi), measured by geomot."""
    m = gm.PowerDiagram.from_weights(y, weights, unit_cube(y.shape[1])).masses
    return float(np.max(np.abs(m * len(y) - 1)))


def time_geomot(y, tol, repeat):
    best, res = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        res = gm.solve(unit_cube(y.shape[1]), y, tol=tol)
        best = min(best, time.perf_counter() - t)
    return {"ok": res.converged, "seconds": best, "iterations": res.iterations, "max_rel_error": res.max_rel_error,
            "checked": res.max_rel_error, "status": res.status.name}


def fmt(r):
    if r is None:
        return "—"
    it = r.get("iterations")
    if not r.get("ok"):
        if "status" in r:  # geomot's own verdict, e.g. PRECISION_FLOOR when tol is below what doubles allow
            return f"{r['seconds']:.3f} s ({it} it, {r['checked']:.0e}, {r['status']})"
        return "failed: " + str(r.get("error") or "not converged")[:40]
    return f"{r['seconds']:.3f} s ({it if it is not None else '?'} it, {r['checked']:.0e})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e3, 1e4, 1e5])
    ap.add_argument("--problems", nargs="+", default=["uniform", "outside"])
    ap.add_argument("--peers", nargs="*", default=None, help="peers to run (default: all set up)")
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--dim", type=int, default=2, choices=(2, 3))
    ap.add_argument("--repeat", type=int, default=3, help="timed runs for n <= 1e4 (1 above)")
    ap.add_argument("--factor", choices=("auto", "qdldl"), default="auto",
                    help="the Newton systems' factor: CHOLMOD where cvxopt is installed (auto), or qdldl")
    args = ap.parse_args()
    if args.factor == "qdldl":
        _laplacian._cholmod = None
    factor = "CHOLMOD (cvxopt)" if getattr(_laplacian, "_cholmod", None) is not None else "qdldl"
    peers = available_peers() if args.peers is None else args.peers
    gm.solve(unit_cube(args.dim), problem("uniform", 500, args.dim))  # warm-up: numba compilation (cached on disk)
    print(f"# machine: {platform.processor() or platform.machine()}, {platform.system()}, python "
          f"{platform.python_version()}, numpy {np.__version__}; tol = {args.tol:g}; d = {args.dim}; "
          f"geomot's factor: {factor}")
    head = ["problem", "n", "geomot"] + peers + ["geomot / fastest peer"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for kind in args.problems:
        for n in (int(s) for s in args.sizes):
            y = problem(kind, n, args.dim)
            repeat = args.repeat if n <= 10_000 else 1
            ours = time_geomot(y, args.tol, repeat)
            row = [kind, f"{n:.0e}", fmt(ours)]
            best_peer = np.inf
            for name in peers:
                r = run_peer(name, y, tol=args.tol, repeat=repeat, timeout=1800)
                if r.get("ok"):
                    r["checked"] = checked_error(y, r["weights"])
                    best_peer = min(best_peer, r["seconds"])
                row.append(fmt(r))
            row.append(f"{ours['seconds'] / best_peer:.2f}" if np.isfinite(best_peer) else "—")
            print("| " + " | ".join(row) + " |", flush=True)
    print(f"# peak RSS of this process (geomot's solves; the peers run in their own): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20:.2f} GiB")


if __name__ == "__main__":
    main()
