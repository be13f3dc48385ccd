"""An image as the source: geomot's exact GridDensity beside pysdot 0.2.16's ScaledImage and sdot's Image, in the same run.

The source is the 256 x 256 picture ``demos/images.py:moon`` (gray levels 0.06 .. 1, no zero pixel, so
that pysdot's Voronoi start is valid) on the unit square; n targets uniform in the square, masses 1/n,
tol = 1e-8 on the largest relative mass error. geomot's heights are re-measured by a fresh diagram
(column "checked"), each peer's weights by the peer itself and by geomot. Also the cost per Newton step against the uniform source on the same targets.
Wall clock after an untimed warm-up, best of --repeat.

    bash benchmarks/peers/setup_peers.sh          # once: the pysdot and sdot venvs
    python benchmarks/bench_image.py [--sizes 1e4 1e5] [--repeat 3]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import geomot as gm
from geomot.solvers._start import DENSITY_ASSIGNMENT_MIN

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "demos"))
from images import moon  # noqa: E402

PEERS = {"pysdot": (ROOT / ".venvs" / "pysdot" / "bin" / "python", "run_pysdot_image.py"),
         "sdot": (ROOT / ".venvs" / "sdot" / "bin" / "python", "run_sdot_image.py")}


def geomot_time(source, y, repeat):
    best, res = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        res = gm.solve(source, y, tol=1e-8)
        best = min(best, time.perf_counter() - t)
    return best, res


def peer_run(peer, y, image, repeat):
    python, runner = PEERS[peer]
    if not python.exists():
        return {"error": "not set up"}
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/y.npy", y)
        np.save(f"{tmp}/img.npy", image)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        out = subprocess.run([str(python), str(ROOT / "peers" / runner), "--points", f"{tmp}/y.npy",
                              "--image", f"{tmp}/img.npy", "--out", f"{tmp}/o.npz", "--repeat", str(repeat)],
                             capture_output=True, text=True, env=env, timeout=3600)
        line = [s for s in out.stdout.splitlines() if s.startswith("{")]
        if not line:
            return {"error": out.stderr[-300:]}
        result = json.loads(line[-1])
        result["weights"] = np.load(f"{tmp}/o.npz")["weights"]
        return result


def peer_columns(peer, y, source, seconds):
    """The table's four columns of one peer: seconds, steps, its error by itself and by geomot, our ratio."""
    if "error" in peer:
        return f"— ({peer['error'][:40]}) | | | | "
    theirs = gm.PowerDiagram.from_weights(y, peer["weights"], source).masses
    return (f"{peer['seconds']:.2f} s | {peer['iterations']} | {peer['max_rel_error']:.1e} / "
            f"{np.max(np.abs(theirs * len(y) - 1)):.1e} | {seconds / peer['seconds']:.2f} | ")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e5])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    image = moon(256)[::-1].copy()  # upright: row 0 at the bottom
    box = gm.Box([0.0, 0.0], [1.0, 1.0])
    source = gm.GridDensity(image, box)
    print("| n | geomot | steps | error (checked by geomot) | pysdot | steps | error (pysdot's / by geomot) | ratio |"
          " sdot | steps | error (sdot's / by geomot) | ratio | uniform source: s, steps | s per step, image / uniform |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in map(int, args.sizes):
        y = np.random.default_rng(0).random((n, 2))
        gm.solve(source, y[:200], tol=1e-8)  # warm-up (numba), and of the assignment start's auction:
        gm.solve(source, np.random.default_rng(1).random((DENSITY_ASSIGNMENT_MIN, 2)), tol=1e-2)
        seconds, res = geomot_time(source, y, args.repeat)
        checked = float(np.max(np.abs(gm.PowerDiagram(y, res.heights, source).masses * n - 1)))
        uniform_s, uniform = geomot_time(gm.Uniform(box), y, args.repeat)
        peer_cols = "".join(peer_columns(peer_run(peer, y, image, args.repeat), y, source, seconds) for peer in PEERS)
        per_step = (seconds / res.iterations) / (uniform_s / uniform.iterations)
        print(f"| {n} | {seconds:.2f} s | {res.iterations} | {res.max_rel_error:.1e} ({checked:.1e}) | {peer_cols}"
              f"{uniform_s:.2f} s, {uniform.iterations} | {per_step:.2f} |", flush=True)


if __name__ == "__main__":
    main()
