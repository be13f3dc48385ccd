"""Time to max relative mass error <= tol: geomot's damped Newton beside pysdot and sdot.

Problems (uniform source on the unit square, or cube with --dim 3; target masses 1/n unless said):
  uniform  -- y = default_rng(0).random((n, d))            (targets inside the square)
  outside  -- y = default_rng(0).random((n, d)) + [2, 0..] (every target outside it)
  clustered -- five clusters of std 0.02 (centres in [0.1, 0.9]^d), clipped to [0.001, 0.999]^d
  masses   -- the uniform targets with masses proportional to 0.2 + default_rng(1).random(n)
              (ratios up to 6 between cells)

Each peer runs in its own venv (set up with benchmarks/peers/setup_peers.sh) on the
same arrays in the same run; its returned weights are checked by geomot's exact masses
(column "checked"). Times are wall clock of the solve after an untimed warm-up
(numba compilation, jax tracing): --repeat rounds, each running geomot and then every
peer once (interleaved, so that a drift of the machine's speed reaches all of them), reported
as the median and [min - max]; the ratio is of the medians.

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


def target_masses(kind, n):
    """The problem's target masses (None: uniform 1/n)."""
    if kind != "masses":
        return None
    nu = 0.2 + np.random.default_rng(1).random(n)
    return nu / nu.sum()


def checked_error(y, weights, nu=None):
    """Max relative mass error of power weights psi (|x - y|^2 - psi), measured by geomot."""
    m = gm.PowerDiagram.from_weights(y, weights, unit_cube(y.shape[1])).masses
    nu = np.full(len(y), 1 / len(y)) if nu is None else nu
    return float(np.max(np.abs(m / nu - 1)))


def time_geomot(y, tol, nu=None):
    t = time.perf_counter()
    res = gm.solve(unit_cube(y.shape[1]), y, nu, tol=tol)
    return {"ok": res.converged, "seconds": time.perf_counter() - t, "iterations": res.iterations,
            "max_rel_error": res.max_rel_error, "checked": res.max_rel_error, "status": res.status.name}


def summary(runs):
    """The last run's verdict with the median and range of the seconds of all runs (None: none ran)."""
    if not runs:
        return None
    out = dict(runs[-1])
    if all(r.get("seconds") is not None for r in runs):
        times = [r["seconds"] for r in runs]
        out.update(seconds=float(np.median(times)), low=min(times), high=max(times))
    return out


def fmt(r):
    if r is None:
        return "—"
    it = r.get("iterations")
    spread = f" [{r['low']:.3g}-{r['high']:.3g}]" if r.get("high", 0) > r.get("low", 0) else ""
    if not r.get("ok"):
        if "status" in r:  # geomot's own verdict, e.g. PRECISION_FLOOR when tol is below what doubles allow
            return f"{r['seconds']:.3f} s{spread} ({it} it, {r['checked']:.0e}, {r['status']})"
        return "failed: " + str(r.get("error") or "not converged")[:40]
    return f"{r['seconds']:.3f} s{spread} ({it if it is not None else '?'} it, {r['checked']:.0e})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e3, 1e4, 1e5])
    ap.add_argument("--problems", nargs="+", default=["uniform", "outside"])
    ap.add_argument("--peers", nargs="*", default=None, help="peers to run (default: all set up)")
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--dim", type=int, default=2, choices=(2, 3))
    ap.add_argument("--repeat", type=int, default=3, help="rounds of timed runs (geomot, then each peer)")
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
            y, nu = problem(kind, n, args.dim), target_masses(kind, n)
            runs = {name: [] for name in ["geomot"] + peers}
            for _ in range(args.repeat):
                ours = time_geomot(y, args.tol, nu)
                runs["geomot"].append(ours)
                for name in peers:
                    if runs[name] and not runs[name][-1].get("ok"):
                        continue  # a peer that failed (or was killed) is not run again
                    r = run_peer(name, y, masses=nu, tol=args.tol, repeat=1, timeout=1800)
                    if r.get("ok"):
                        r["checked"] = checked_error(y, r["weights"], nu)
                    runs[name].append(r)
            ours = summary(runs["geomot"])
            row = [kind, f"{n:.0e}", fmt(ours)]
            best_peer = np.inf
            for name in peers:
                r = summary(runs[name])
                if r is not None and r.get("ok"):
                    best_peer = min(best_peer, r["seconds"])
                row.append(fmt(r))
            row.append(f"{ours['seconds'] / best_peer:.2f}" if np.isfinite(best_peer) else "—")
            print("| " + " | ".join(row) + " |", flush=True)
    print(f"# peak RSS of this process (geomot's solves; the peers run in their own): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20:.2f} GiB")


if __name__ == "__main__":
    main()
