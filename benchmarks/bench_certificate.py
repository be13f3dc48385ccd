"""The certificate, re-measured by a peer: geomot's returned heights, their masses computed by pysdot.

For each problem, ``gm.solve(..., tol)`` returns heights and states their max relative mass error;
pysdot 0.2.16 (its own venv, ``benchmarks/peers/setup_peers.sh``) computes the cells of the same power
weights ``psi = 2 h + |y|^2`` (``weights0``, and a tolerance it meets before any Newton step, so it only
measures) and the error of its masses is printed beside geomot's statement. Where the two disagree,
a referee: the 40 cells where they differ most, clipped by shapely from the unit square and the
half-planes of their 80 nearest targets (written about the cell's barycentre, so no |y|^2 appears),
column "referee": the larger of each code's max deviation from it, over nu. Column "pysdot centred":
pysdot again on the targets less their mean and the same heights (the same cells, weights without
``|mean|^2``). Also the same targets
translated by 1e3 and 1e6, which changes neither cells nor heights in exact arithmetic (geomot's
check only).

    python benchmarks/bench_certificate.py                 # n = 1e5, uniform and outside targets, tol 1e-8
    python benchmarks/bench_certificate.py --n 1e4 --tol 1e-10
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from scipy.spatial import cKDTree

import geomot as gm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import run_peer  # noqa: E402

SQUARE = gm.Uniform(gm.Box([0, 0], [1, 1]))


def problems(n):
    y = np.random.default_rng(0).random((n, 2))
    return {"uniform": y, "outside": y + [2.0, 0.0]}


def pysdot_masses(y, res, centre=False):
    """pysdot's masses of the cells of ``(y, res.heights)``; ``centre``: of ``(y - m, res.heights)``, ``m`` the
    targets' mean, the same cells (``<x, y_i> + h_i = <x, y_i - m> + h_i + <x, m>``, the last term common to all)
    with weights ``2 h + |y - m|^2`` that do not carry ``|m|^2`` (9 for the outside targets) into pysdot's sums."""
    if centre:
        y = y - y.mean(axis=0)
    r = run_peer("pysdot", y, tol=1e300, weights0=2 * res.heights + (y ** 2).sum(axis=1), warmup="none")
    return r["masses"] if r.get("ok") else None


def referee(y, res, cells, k=80):
    """Areas of ``cells`` clipped by shapely: the unit square and the half-planes
    ``<x - b, y_i - y_j> >= h_j - h_i - <b, y_i - y_j>`` of the ``k`` nearest targets, ``b`` the cell's barycentre."""
    tree, h, out = cKDTree(y), res.heights, []
    for i in cells:
        b = res.diagram.barycenters[i]
        near = tree.query(y[i], k)[1]
        near = near[near != i]
        a = y[i] - y[near]
        norm = np.linalg.norm(a, axis=1)
        normal, offset = a / norm[:, None], ((h[near] - h[i]) - a @ b) / norm
        foot, along = b + normal * offset[:, None], np.c_[-normal[:, 1], normal[:, 0]]
        halfplanes = shapely.polygons(np.stack([foot + 10 * along, foot + 10 * (along + normal),
                                                foot + 10 * (normal - along), foot - 10 * along], axis=1))
        out.append(shapely.intersection_all(np.r_[halfplanes, shapely.box(0, 0, 1, 1)]).area)
    return np.array(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=float, default=1e5)
    ap.add_argument("--tol", type=float, default=1e-8)
    args = ap.parse_args()
    n = int(args.n)
    print(f"n = {n}, tol = {args.tol:g}")
    print(f"{'problem':>10} {'shift':>7} {'seconds':>8} {'iter':>5} {'status':>16} {'stated':>9} "
          f"{'fresh geomot':>12} {'pysdot':>9} {'pysdot centred':>14} referee")
    for name, y in problems(n).items():
        for shift in (0.0, 1e3, 1e6):
            t = time.perf_counter()
            res = gm.solve(SQUARE, y + shift, tol=args.tol)
            seconds = time.perf_counter() - t
            fresh = gm.PowerDiagram(y + shift, res.heights, SQUARE).masses
            nu = res.target_masses
            fresh_err = float(np.max(np.abs(fresh - nu) / nu))
            peer = pysdot_masses(y, res) if shift == 0 else None
            peer_err = judge = centred_err = "-"
            centred = pysdot_masses(y, res, centre=True) if shift == 0 else None
            if centred is not None:
                centred_err = f"{np.max(np.abs(centred - nu) / nu):.2e}"
            if peer is not None:
                peer_err = f"{np.max(np.abs(peer - nu) / nu):.2e}"
                worst = np.argsort(-np.abs(peer - fresh))[:40]
                ref = referee(y, res, worst)
                judge = (f"geomot {np.max(np.abs(fresh[worst] - ref) / nu[worst]):.1e}, "
                         f"pysdot {np.max(np.abs(peer[worst] - ref) / nu[worst]):.1e}")
            print(f"{name:>10} {shift:7.0e} {seconds:8.2f} {res.iterations:5d} {res.status.name:>16} "
                  f"{res.max_rel_error:9.2e} {fresh_err:12.2e} {peer_err:>9} {centred_err:>14} {judge}", flush=True)


if __name__ == "__main__":
    main()
