"""Shared plumbing for the peer runners (run_pysdot.py, run_sdot.py).

Runs inside each peer's own venv, so: stdlib + numpy only, and it must work with both
numpy 1.x (the pysdot venv) and numpy 2.x (the sdot venv).

The problem: semi-discrete OT from the uniform probability measure on [0,1]^d (d = 2 or 3,
read off the points) to Diracs y_i with masses nu_i (normalized to sum 1; default 1/n).
Weights convention everywhere in this harness: psi_i such that x lies in cell i iff
|x - y_i|^2 - psi_i is smallest (power distance |x - y|^2 - psi).  Both peers use that
convention natively, so their weights are saved as they return them (defined up to an
additive constant).

A runner module provides `PEER` (a label such as "pysdot 0.2.16"), and
`solve(points, masses, tol, weights0, start) -> dict` which builds the domain and solves ONE
problem from scratch (this call is what gets timed) and returns
    weights        (n,) psi
    masses         (n,) the cell masses as the peer itself reports them at `weights`
    iterations     Newton steps, or None
    converged      the peer's own verdict (bool)
    start          "default" | "hand-made" | "weights0"
    stop_criterion a short human-readable string
    peer_stats     small JSON-able dict (optional)
Anything done after the solve (e.g. a separate call to read the masses) should be
returned as a callable under "finish" so that it stays out of the timing.
"""

import argparse
import json
import math
import sys
import time
import traceback

import numpy as np


def similarity_start(points, fill=0.9):
    """Hand-made admissible start (every cell non-empty) for points anywhere.

    Shrink the cloud into the unit cube with a similarity z_i = s*y_i + t (s > 0), whose image
    lies inside [0.05, 0.95]^d.  The Voronoi diagram of the z_i restricted to the cube has no
    empty cell (each z_i is interior to its own cell and to the cube).  Expanding
        |x - z_i|^2 = |x - t|^2 - 2 s <x, y_i> + 2 s <t, y_i> + s^2 |y_i|^2
    and dropping the i-independent |x - t|^2, then dividing by s > 0, the cell test becomes
    argmin_i [ -2 <x, y_i> + 2 <t, y_i> + s |y_i|^2 ].  The power diagram of (y_i, psi_i) compares
    |x|^2 - 2 <x, y_i> + |y_i|^2 - psi_i, so both diagrams coincide when
        psi_i = |y_i|^2 - s |y_i|^2 - 2 <t, y_i> = |y_i|^2 - |s y_i + t|^2 / s + |t|^2 / s,
    and the constant |t|^2/s can be dropped: psi_i = |y_i|^2 - |z_i|^2 / s.
    """
    y = np.asarray(points, dtype=np.float64)
    d = y.shape[1]
    lo, hi = y.min(axis=0), y.max(axis=0)
    ext = float((hi - lo).max())
    s = fill / ext if ext > 0 else 1.0
    t = 0.5 * np.ones(d) - s * 0.5 * (lo + hi)
    z = s * y + t
    return (y * y).sum(axis=1) - (z * z).sum(axis=1) / s


def all_inside_unit_cube(points):
    y = np.asarray(points)
    return bool(np.all(y >= 0.0) and np.all(y <= 1.0))


def _parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", required=True, help=".npy, shape (n, d), d = 2 or 3")
    ap.add_argument("--masses", default=None, help=".npy, shape (n,), normalized to sum 1 (default 1/n)")
    ap.add_argument("--weights0", default=None, help=".npy, shape (n,), starting psi")
    ap.add_argument("--tol", type=float, default=1e-8, help="target max_i |m_i - nu_i| / nu_i")
    ap.add_argument("--out", required=True, help="output .npz (weights, masses)")
    ap.add_argument("--repeat", type=int, default=1, help="timed solves (from scratch); seconds = min")
    ap.add_argument("--warmup", choices=("small", "same", "none"), default="small",
                    help="untimed warm-up solve: small (n=200, same d), same (same n and d), none")
    ap.add_argument("--start", choices=("auto", "default", "hand-made"), default="auto",
                    help="start when no --weights0 (meaning is peer-specific, see the runner)")
    return ap.parse_args(argv)


def _finite_or_none(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def main(peer_module, argv=None):
    """Run one CLI invocation; always prints exactly one JSON line on stdout."""
    res = {"peer": getattr(peer_module, "PEER", "?"), "n": None, "d": None, "seconds": None,
           "iterations": None, "max_rel_error": None, "start": None, "ok": False, "error": None}
    out_path = None
    try:
        args = _parse(argv)
        out_path = args.out
        res["tol"] = args.tol
        pts = np.ascontiguousarray(np.load(args.points), dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] not in (2, 3):
            raise ValueError(f"points must have shape (n, 2) or (n, 3), got {pts.shape}")
        n, d = pts.shape
        res["n"], res["d"] = int(n), int(d)
        if args.masses is not None:
            nu = np.ascontiguousarray(np.load(args.masses), dtype=np.float64).reshape(-1)
            if nu.shape[0] != n or not np.all(nu > 0):
                raise ValueError("masses must have shape (n,) and be > 0")
            tot = nu.sum()
            if abs(tot - 1.0) > 1e-12:
                res["masses_normalized_from_sum"] = float(tot)
            nu = nu / tot
        else:
            nu = np.full(n, 1.0 / n)
        w0 = None
        if args.weights0 is not None:
            w0 = np.ascontiguousarray(np.load(args.weights0), dtype=np.float64).reshape(-1)
            if w0.shape[0] != n:
                raise ValueError("weights0 must have shape (n,)")

        # untimed warm-up (imports, JIT, first-call allocations)
        if args.warmup != "none":
            nw = 200 if args.warmup == "small" else n
            yw = np.random.default_rng(12345).random((nw, d))
            peer_module.solve(yw, np.full(nw, 1.0 / nw), args.tol, None, "auto")

        times = []
        r = None
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            r = peer_module.solve(pts, nu, args.tol, w0, args.start)
            times.append(time.perf_counter() - t0)
        finish = r.pop("finish", None)
        if finish is not None:
            r.update(finish())

        w = np.asarray(r["weights"], dtype=np.float64).reshape(-1)
        m = np.asarray(r["masses"], dtype=np.float64).reshape(-1)
        err = float(np.max(np.abs(m - nu) / nu))
        res["seconds"] = min(times)
        res["seconds_all"] = times
        res["iterations"] = None if r.get("iterations") is None else int(r["iterations"])
        res["max_rel_error"] = _finite_or_none(err)
        res["start"] = r.get("start")
        res["stop_criterion"] = r.get("stop_criterion")
        res["peer_converged"] = bool(r.get("converged"))
        res["warmup"] = args.warmup
        if r.get("peer_stats"):
            res["peer_stats"] = r["peer_stats"]
        ok = bool(r.get("converged")) and res["max_rel_error"] is not None and err <= args.tol \
            and bool(np.all(np.isfinite(w)))
        res["ok"] = ok
        if not ok:
            res["error"] = r.get("error") or (
                f"not converged to tol: max_rel_error={err:.3e} > {args.tol:.1e}"
                if math.isfinite(err) else "non-finite masses")
        np.savez(out_path, weights=w, masses=m)
    except BaseException as e:  # report, never a bare traceback
        if isinstance(e, SystemExit) and e.code in (0, None):
            raise
        res["ok"] = False
        msg = f"{type(e).__name__}: {e}"
        res["error"] = msg[:2000]
        traceback.print_exc(file=sys.stderr)  # details go to stderr only
    print(json.dumps(res), flush=True)
    return 0
