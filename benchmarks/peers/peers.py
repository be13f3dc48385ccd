"""Run the peer solvers (pysdot, sdot), each in its own venv, on a problem given as arrays.

Plain module, stdlib + numpy only (it runs in the dev venv).  From /work/main/benchmarks:

    from peers import run_peer, available_peers        # (benchmarks/peers/__init__.py)
    r = run_peer("sdot", points, tol=1e-8)
    r["ok"], r["seconds"], r["max_rel_error"], r["weights"], r["masses"]

Problem: uniform probability measure on [0,1]^d (d = points.shape[1], 2 or 3) -> Diracs at
`points` with masses `masses` (normalized to sum 1; default 1/n).  Weights psi use the power
distance |x - y_i|^2 - psi_i (both peers' own convention), defined up to a constant.
Set the venvs up with benchmarks/peers/setup_peers.sh.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VENVS = HERE.parent / ".venvs"
PEERS = {"pysdot": "run_pysdot.py", "sdot": "run_sdot.py"}
SETUP_HINT = "run benchmarks/peers/setup_peers.sh"


def _python(name):
    return VENVS / name / "bin" / "python"


def available_peers():
    """Names of the peers whose venv exists (no import check: that is what run_peer reports)."""
    return [name for name in PEERS if _python(name).exists()]


def _failure(name, n, d, msg, **extra):
    r = {"peer": name, "n": n, "d": d, "seconds": None, "iterations": None, "max_rel_error": None,
         "start": None, "ok": False, "error": msg, "weights": None, "masses": None}
    r.update(extra)
    return r


def run_peer(name, points, masses=None, tol=1e-8, weights0=None, timeout=600, repeat=1,
             warmup="small", start="auto"):
    """Solve with peer `name` ("pysdot" or "sdot") in a subprocess; returns the runner's JSON dict
    plus `weights` and `masses` arrays (None on failure).  Never raises for a peer failure.

    repeat: timed solves from scratch, `seconds` is their min (`seconds_all` lists them).
    warmup: "small" (n=200, same d; default), "same" (same n and d) or "none" -- untimed.
    start:  "auto" / "default" / "hand-made" when weights0 is None (see the runners).
    """
    points = np.asarray(points, dtype=np.float64)
    n = int(points.shape[0]) if points.ndim == 2 else None
    d = int(points.shape[1]) if points.ndim == 2 else None
    if name not in PEERS:
        return _failure(name, n, d, f"unknown peer {name!r} (known: {', '.join(PEERS)})")
    py = _python(name)
    if not py.exists():
        return _failure(name, n, d, f"venv {VENVS / name} missing: {SETUP_HINT}")
    with tempfile.TemporaryDirectory(prefix=f"peer_{name}_") as tmp:
        tmp = Path(tmp)
        cmd = [str(py), str(HERE / PEERS[name]), "--points", str(tmp / "points.npy"),
               "--tol", repr(float(tol)), "--out", str(tmp / "out.npz"),
               "--repeat", str(int(repeat)), "--warmup", warmup, "--start", start]
        np.save(tmp / "points.npy", points)
        if masses is not None:
            np.save(tmp / "masses.npy", np.asarray(masses, dtype=np.float64))
            cmd += ["--masses", str(tmp / "masses.npy")]
        if weights0 is not None:
            np.save(tmp / "weights0.npy", np.asarray(weights0, dtype=np.float64))
            cmd += ["--weights0", str(tmp / "weights0.npy")]
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)     # keep the dev venv's packages out of the peer's venv
        env.pop("PYTHONHOME", None)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                                  cwd=str(tmp))
        except subprocess.TimeoutExpired:
            return _failure(name, n, d, f"timeout after {timeout} s")
        except OSError as e:
            return _failure(name, n, d, f"cannot run {py}: {e}; {SETUP_HINT}")
        res = None
        for line in reversed(proc.stdout.splitlines()):
            line = line.strip()
            if line.startswith("{"):
                try:
                    res = json.loads(line)
                    break
                except ValueError:
                    continue
        if res is None:
            tail = (proc.stderr or proc.stdout or "").strip()[-1500:]
            return _failure(name, n, d, f"runner exited {proc.returncode} without a JSON line: {tail}")
        res["weights"], res["masses"] = None, None
        out = tmp / "out.npz"
        if out.exists():
            with np.load(out) as z:
                res["weights"] = np.array(z["weights"])
                res["masses"] = np.array(z["masses"])
        if not res.get("ok") and proc.stderr:
            res["stderr_tail"] = proc.stderr.strip()[-1500:]
        return res


if __name__ == "__main__":   # tiny smoke test: python benchmarks/peers/peers.py [n]
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    y = np.random.default_rng(0).random((n, 2))
    for p in available_peers() or list(PEERS):
        r = run_peer(p, y)
        print({k: v for k, v in r.items() if k not in ("weights", "masses")})
