"""POT's stochastic semi-dual solver on a semi-discrete problem; runs in POT's own venv (benchmarks/.venvs/pot).

POT (``ot.stochastic``, Genevay et al. 2016) solves discrete-to-discrete
entropic OT, so the uniform source on [0, 1]^d is replaced by ``n_source``
uniform samples; the cost is ``|x - y|^2 / 2``. ``averaged_sgd_entropic_transport``
returns the target dual ``v``; as ``reg -> 0`` the cells are
``argmin_j |x - y_j|^2 / 2 - v_j``, i.e. geomot heights ``h_j = v_j - |y_j|^2 / 2``.
POT has no warm start, so each iteration budget is a separate run from zero.

    python run_pot.py IN.npz OUT.json   (IN: points, n_source, reg, iterations, seed)
"""
import json
import sys
import time

import numpy as np
import ot


def main():
    data = np.load(sys.argv[1])
    y = data["points"]
    n, d = y.shape
    rng = np.random.default_rng(int(data["seed"]))
    x = rng.random((int(data["n_source"]), d))
    cost = 0.5 * ((x ** 2).sum(1)[:, None] - 2 * x @ y.T + (y ** 2).sum(1)[None, :])
    a = np.full(len(x), 1 / len(x))
    b = np.full(n, 1 / n)
    reg = float(data["reg"])
    runs = []
    for iterations in data["iterations"]:
        t = time.perf_counter()
        v = ot.stochastic.averaged_sgd_entropic_transport(a, b, cost, reg, numItermax=int(iterations),
                                                          random_state=int(data["seed"]))
        seconds = time.perf_counter() - t
        runs.append({"iterations": int(iterations), "seconds": seconds,
                     "heights": (v - 0.5 * (y ** 2).sum(1)).tolist(), "finite": bool(np.isfinite(v).all())})
    json.dump({"peer": f"POT {ot.__version__}", "runs": runs}, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
