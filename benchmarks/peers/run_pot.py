"""POT's stochastic semi-dual solvers on a semi-discrete problem; runs in POT's own venv (benchmarks/.venvs/pot).

``solver = "drag"`` (POT >= 0.9.7): ``ot.semidiscrete.solve_semidiscrete``,
averaged SGD on the semi-dual with the DRAG decreasing-regularisation schedule
(Genans et al., NeurIPS 2025), sampling the true source itself with POT's own sampler
(``sampler``: ``"unif"`` on [0, 1]^d, or ``"normal"``, N(0, I_d)), batches of ``batch_size``,
``lr0 = lr_scale sqrt(n batch_size)`` (``lr_scale = 1``: POT's default), every other setting
POT's default: the step ``lr0 / t^(2/3)`` on the potential, the regularisation
``max(reg, 0.1 / t^(1/2))`` at iteration ``t``, the uniform (Polyak) average of the
iterates returned; ``max_cost > 0`` clips the potential to ``[-max_cost, max_cost]`` (the
projection of the paper; POT's own example passes the bound of the cost, and ``max_cost = 0``
here is POT's default, no projection). Its cost is ``|x - y|^2`` and its cells
``argmin_j |x - y_j|^2 - g_j``, i.e. geomot heights ``h_j = (g_j - |y_j|^2) / 2``. (The
development version of this module, with ``target_positions``, ``n_iter`` and ``proj_bound``,
had the cost ``|x - y|^2 / 2``, whose potential is ``g / 2``: the same ``lr0`` moved its cells
twice as far, so ``lr_scale = 2`` here is its default step.) Samples drawn:
``iterations x batch_size``.

``solver = "asgd"``: POT (``ot.stochastic``, Genevay et al. 2016) solves discrete-to-discrete
entropic OT, so the source is replaced by ``n_source`` of its samples; the cost is ``|x - y|^2 / 2``. ``averaged_sgd_entropic_transport``
returns the target dual ``v``; as ``reg -> 0`` the cells are
``argmin_j |x - y_j|^2 / 2 - v_j``, i.e. geomot heights ``h_j = v_j - |y_j|^2 / 2``.
POT has no warm start, so each iteration budget is a separate run from zero.

    python run_pot.py IN.npz OUT.json   (IN: solver, points, iterations, seed, sampler; asgd: n_source, reg;
                                         drag: batch_size, lr_scale, max_cost)
"""
import json
import sys
import time

import numpy as np
import ot


def drag(data):
    """The runs of ``ot.semidiscrete.solve_semidiscrete`` (module docstring), one per iteration budget."""
    from ot.semidiscrete import solve_semidiscrete
    y = data["points"]
    batch = int(data["batch_size"])
    lr0 = float(data["lr_scale"]) * np.sqrt(len(y) * batch)
    ot.backend.get_backend(y).seed(int(data["seed"]))  # its built-in 'unif' sampler draws from the backend's
    runs = []
    for iterations in data["iterations"]:
        t = time.perf_counter()
        g = np.asarray(solve_semidiscrete(y, str(data["sampler"]), max_iter=int(iterations), batch_size=batch,
                                          lr0=lr0, max_cost=float(data["max_cost"]) or None))
        seconds = time.perf_counter() - t
        runs.append({"iterations": int(iterations), "seconds": seconds, "samples": int(iterations) * batch,
                     "heights": (0.5 * (g - (y ** 2).sum(1))).tolist(), "finite": bool(np.isfinite(g).all())})
    return runs


def asgd(data):
    """The runs of ``ot.stochastic.averaged_sgd_entropic_transport`` (module docstring)."""
    y = data["points"]
    n, d = y.shape
    rng = np.random.default_rng(int(data["seed"]))
    size = (int(data["n_source"]), d)
    x = rng.standard_normal(size) if str(data["sampler"]) == "normal" else rng.random(size)
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
        runs.append({"iterations": int(iterations), "seconds": seconds, "samples": int(iterations),
                     "heights": (v - 0.5 * (y ** 2).sum(1)).tolist(), "finite": bool(np.isfinite(v).all())})
    return runs


def main():
    data = np.load(sys.argv[1])
    runs = drag(data) if str(data["solver"]) == "drag" else asgd(data)
    json.dump({"peer": f"POT {ot.__version__}", "runs": runs}, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
