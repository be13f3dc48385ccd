"""The certificate, re-measured by a peer: geomot's returned heights, their masses computed by pysdot.

For each problem, ``gm.solve(..., tol)`` returns heights and states their max relative mass error;
pysdot 0.2.16 (its own venv, ``benchmarks/peers/setup_peers.sh``) computes the cells of the same power
weights ``psi = 2 h + |y|^2`` (``weights0``, and a tolerance it meets before any Newton step, so it only
measures) and the error of its masses is printed beside geomot's statement. Also the same targets
translated by 1e3 and 1e6, which changes neither cells nor heights in exact arithmetic (geomot's check
only: pysdot's weights carry |y|^2 and lose the digits).

    python benchmarks/bench_certificate.py                 # n = 1e5, uniform and outside targets, tol 1e-8
    python benchmarks/bench_certificate.py --n 1e4 --tol 1e-10
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

import geomot as gm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import run_peer  # noqa: E402

SQUARE = gm.Uniform(gm.Box([0, 0], [1, 1]))


def problems(n):
    y = np.random.default_rng(0).random((n, 2))
    return {"uniform": y, "outside": y + [2.0, 0.0]}


def pysdot_error(y, res):
    r = run_peer("pysdot", y, tol=1e300, weights0=res.diagram.weights, warmup="none")
    if not r.get("ok") or r.get("masses") is None:
        return None
    return float(np.max(np.abs(r["masses"] - res.target_masses) / res.target_masses))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=float, default=1e5)
    ap.add_argument("--tol", type=float, default=1e-8)
    args = ap.parse_args()
    n = int(args.n)
    print(f"n = {n}, tol = {args.tol:g}")
    print(f"{'problem':>10} {'shift':>7} {'seconds':>8} {'iter':>5} {'status':>16} {'stated':>9} "
          f"{'fresh geomot':>12} {'pysdot':>9}")
    for name, y in problems(n).items():
        for shift in (0.0, 1e3, 1e6):
            t = time.perf_counter()
            res = gm.solve(SQUARE, y + shift, tol=args.tol)
            seconds = time.perf_counter() - t
            fresh = gm.PowerDiagram(y + shift, res.heights, SQUARE).masses
            fresh_err = float(np.max(np.abs(fresh - res.target_masses) / res.target_masses))
            peer = pysdot_error(y, res) if shift == 0 else None
            print(f"{name:>10} {shift:7.0e} {seconds:8.2f} {res.iterations:5d} {res.status.name:>16} "
                  f"{res.max_rel_error:9.2e} {fresh_err:12.2e} {'-' if peer is None else format(peer, '9.2e'):>9}",
                  flush=True)


if __name__ == "__main__":
    main()
