"""The command line shared by the image runners (run_pysdot_image.py, run_sdot_image.py).

    RUNNER --points Y.npy --image IMG.npy --tol 1e-8 --out OUT.npz [--repeat 1]

``solve(points, image, tol)`` is the peer's solve, ``finish(result) -> (weights, masses, iterations)``
reads its answer (weights ``w``: power distance ``|x - y_i|^2 - w_i``). Prints one JSON line: seconds
(best of --repeat, after an untimed warm-up on 200 points), iterations, max_rel_error (the peer's own
masses, normalised); OUT.npz holds ``weights`` and ``masses``.
"""
import argparse
import json
import time

import numpy as np


def main(solve, finish):
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
        result = solve(y, image, args.tol)
        times.append(time.perf_counter() - t)
    weights, masses, iterations = finish(result)
    err = float(np.max(np.abs(masses / masses.sum() * len(y) - 1)))
    np.savez(args.out, weights=weights, masses=masses)
    print(json.dumps({"seconds": min(times), "seconds_all": times, "iterations": iterations,
                      "max_rel_error": err, "ok": err <= args.tol}))
