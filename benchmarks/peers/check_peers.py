"""Smoke/consistency check of the peer harness (dev venv; stdlib + numpy).

    python benchmarks/peers/check_peers.py [--repeat 3] [--mc 1000000] [--big 10000]

Runs every available peer, one after the other, on
    2D uniform in the square  n = 1000 and --big      rng(0).random((n, 2))
    2D outside the square     n = 1000 and --big      rng(0).random((n, 2)) + [2, 0]
    3D uniform in the cube    n = 1000                rng(0).random((n, 3))
at tol 1e-8, prints one line per run, and for n = 1000 checks the returned weights by Monte
Carlo: N uniform samples assigned by argmin_i |x - y_i|^2 - psi_i; the counts should match
N nu_i up to binomial noise (z_i = (c_i - N nu_i) / sqrt(N nu_i (1 - nu_i)): max|z| ~ 3-4 and
sum z_i^2 / n ~ 1 for a correct solution; the MC relative error per cell is ~ sqrt(1/(N nu))).
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import available_peers, run_peer  # noqa: E402


def mc_counts(points, psi, nsamples, seed=1, chunk=10000):
    rng = np.random.default_rng(seed)
    n, d = points.shape
    c = (points * points).sum(1) - psi          # |x-y|^2 - psi = |x|^2 - 2 x.y + c
    counts = np.zeros(n, dtype=np.int64)
    done = 0
    while done < nsamples:
        m = min(chunk, nsamples - done)
        x = rng.random((m, d))
        idx = np.argmin(c[None, :] - 2.0 * (x @ points.T), axis=1)
        counts += np.bincount(idx, minlength=n)
        done += m
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--mc", type=int, default=1_000_000)
    ap.add_argument("--big", type=int, default=10000)
    ap.add_argument("--tol", type=float, default=1e-8)
    args = ap.parse_args()

    cases = []
    for n in (1000, args.big):
        cases.append((f"2D square n={n}", np.random.default_rng(0).random((n, 2))))
    for n in (1000, args.big):
        cases.append((f"2D outside n={n}", np.random.default_rng(0).random((n, 2)) + [2.0, 0.0]))
    cases.append(("3D cube n=1000", np.random.default_rng(0).random((1000, 3))))

    peers = available_peers()
    if not peers:
        print("no peer venv: run benchmarks/peers/setup_peers.sh")
        return 1
    bad = 0
    for label, y in cases:
        for p in peers:
            r = run_peer(p, y, tol=args.tol, repeat=args.repeat)
            secs = r.get("seconds_all") or []
            line = (f"{label:22s} {r['peer']:18s} ok={r['ok']!s:5s} start={r['start']!s:9s} "
                    f"it={r['iterations']!s:4s} err={r['max_rel_error'] if r['max_rel_error'] is None else format(r['max_rel_error'], '.2e'):9s} "
                    f"t_min={r['seconds'] if r['seconds'] is None else format(r['seconds'], '.3f')}s "
                    f"t_all={[round(t, 3) for t in secs]}")
            st = r.get("peer_stats") or {}
            if "t_total" in st:
                line += f" (sdot C++ t_total {st['t_total']:.3f}s, start {st.get('start')})"
            if not r["ok"]:
                bad += 1
                line += f"  ERROR: {r['error']}"
            elif y.shape[0] <= 1000 and args.mc > 0:
                nu = np.full(y.shape[0], 1.0 / y.shape[0])
                cnt = mc_counts(y, r["weights"], args.mc)
                z = (cnt - args.mc * nu) / np.sqrt(args.mc * nu * (1 - nu))
                rel = np.abs(cnt / args.mc - nu) / nu
                line += (f"  MC(N={args.mc:.0e}): max rel {rel.max():.3f}, max|z| {np.abs(z).max():.2f}, "
                         f"chi2/n {np.mean(z * z):.2f}, empty {int((cnt == 0).sum())}")
            print(line, flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
