"""Monte Carlo semi-discrete OT: time to a true max relative mass error of 1e-1 and 1e-2.

Uniform source on [0, 1]^d, n uniform random targets in the cube, masses 1/n.
Every solver runs once with a time budget; a callback keeps the heights of its
iterates (geometrically spaced in time), and their *true* error is measured
afterwards, outside the timing. An iterate's time is when its heights existed
(``info.seconds - info.estimate_seconds``: the Monte Carlo estimate at the
heights, which the solver makes to take its next step, is not counted); the
time with that estimate included is printed too ("+est"). The error is measured
exactly with ``PowerDiagram`` in d = 2, on an independent sample of
``--check-samples`` points in higher dimension (scrambled Sobol points with
``--check-qmc``; the check's own noise is printed). Solvers, in the same run:

- ``geomot newton``: ``gm.solve(..., method="monte-carlo")`` (pseudo-random samples);
- ``geomot newton qmc``: the same with scrambled Sobol samples;
- ``geomot hierarchical``: the same with ``clusters = sqrt(n)`` (k-means start);
- ``adam (pyOMT)``: ``method="adam"``, the paper's / pyOMT's baseline, at several learning rates, from
  geomot's start (``initial_heights``); ``adam-h0``: the same from pyOMT's start, ``h = 0``;
- ``POT ASGD``: ``ot.stochastic.averaged_sgd_entropic_transport`` in its own venv
  (``bash benchmarks/peers/setup_peers.sh``), on a discretised source;
- ``POT DRAG``: POT >= 0.9.7's ``ot.semidiscrete.solve_semidiscrete`` (averaged SGD, decreasing
  regularisation, Genans et al. 2025) on the true source, its defaults, for each batch size of
  ``--drag-batch`` and step constant ``a`` of ``--drag-a`` (``lr0 = a sqrt(n batch)``; 1 is POT's default,
  0.33 the paper's); one run per iteration budget (no warm start), peers/run_pot.py;
- ``wait``: what a user waits for: ``gm.solve(..., method="monte-carlo", tol=t)`` for ``t`` in 1e-1, 1e-2,
  wall time to return (status 0: the result certifies its tolerance), and the true error of what it returned.

Every row gives the samples drawn by the time each target was reached.

Each geomot run also gets ``max_samples`` = what the kernel assigns in 1.5 x the
budget (a run stops between estimates only, and one estimate can outlast the budget).

    python benchmarks/bench_monte_carlo.py [--problems 2:1000 2:10000 16:1000] [--budget 120]
        [--methods newton newton-qmc hierarchical adam adam-h0 pot drag wait] [--adam-lr 3.0] [--seeds 0 1 2]
        [--drag-batch 32 256 2048] [--drag-a 1 0.33]
        [--check-samples 4194304] [--check-qmc] [--sparse-checks]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

import geomot as gm
from geomot._kernels.sampling.assign import top2_cpu

HERE = os.path.dirname(os.path.abspath(__file__))
POT_PYTHON = os.path.join(HERE, ".venvs", "pot", "bin", "python")
TARGETS = (1e-1, 1e-2)
METHODS = ("newton", "newton-qmc", "hierarchical", "adam", "adam-h0", "pot", "drag", "wait")


class Recorder:
    """Callback keeping (seconds, heights, ...) at geometrically spaced times; stops at the budget."""

    def __init__(self, budget):
        self.budget, self.points, self.next, self.samples = budget, [], 0.0, 0

    def __call__(self, info):
        self.samples += info.samples
        if info.seconds >= self.next:
            self.points.append((info.seconds - info.estimate_seconds, info.heights.copy(), info.max_rel_error,
                                info.seconds, self.samples))
            # 10 % apart near the targets (where the checks are made), 30 % before
            self.next = (1.1 if info.max_rel_error <= 0.3 else 1.3) * info.seconds + 0.05
        return info.seconds > self.budget


def true_error(problem, heights):
    """``(max relative error, its own noise)`` of ``heights``."""
    y, src, check = problem["points"], problem["source"], problem["check"]
    nu = 1 / len(y)
    if y.shape[1] == 2:
        return float(np.abs(gm.PowerDiagram(y, heights, src).masses / nu - 1).max()), 0.0
    w, se = gm.monte_carlo_masses(src, y, heights, check, seed=12345, qmc=problem["check_qmc"])
    return float(np.abs(w / nu - 1).max()), float(np.sqrt(2 * np.log(2 * len(y))) * se.max() / nu)


def _cells(reached, with_estimate, samples=None):
    """The two 'time to' columns: ``{target: seconds or None}`` each (and the samples drawn by then)."""
    drawn = {e: f" {samples[e]:8.2g} samples" if samples and samples.get(e) else "" for e in reached}
    return " ".join(f"{reached[e]:6.2f} (+est {with_estimate[e]:6.2f}){drawn[e]}" if reached[e] is not None
                    else f"{'-':>19}" for e in reached)


def summarise(problem, name, settings, trace):
    """Time to each target from a trace [(seconds, heights, estimated error, seconds with the estimate, samples drawn
    so far)]."""
    reached = {eps: None for eps in TARGETS}
    with_estimate = {eps: None for eps in TARGETS}
    drawn = {eps: None for eps in TARGETS}
    best = (np.inf, 0.0, None)
    for seconds, heights, estimated, after, samples in trace:
        if problem["points"].shape[1] > 2 and seconds != trace[-1][0] and (
                estimated > 0.3 or problem["sparse_checks"] and reached[TARGETS[0]] is not None and estimated > 0.03):
            continue  # the independent check is expensive in high dimension: only near the targets
        err, noise = true_error(problem, heights)
        if err < best[0]:
            best = (err, noise, seconds)
        for eps in TARGETS:
            if reached[eps] is None and err <= eps:
                reached[eps], with_estimate[eps], drawn[eps] = seconds, after, samples
    if not trace:
        print(f"{problem['label']:>12} {name:>22} {'-':>19} {'-':>19} {'no finite result (NaN)':>11}  {settings}")
        return {"problem": problem["label"], "method": name, "settings": settings, "time_to": {}, "best_error": None}
    cells = _cells(reached, with_estimate, drawn)
    noise = f" (check noise {best[1]:.2g})" if best[1] else ""
    print(f"{problem['label']:>12} {name:>22} {cells} {best[0]:11.3g} at {best[2] if best[2] is not None else 0:7.1f} s"
          f"{noise}  {settings}", flush=True)
    return {"problem": problem["label"], "method": name, "settings": settings,
            "time_to": {str(e): reached[e] for e in TARGETS},
            "time_to_with_estimate": {str(e): with_estimate[e] for e in TARGETS},
            "samples_to": {str(e): drawn[e] for e in TARGETS},
            "best_error": best[0], "best_at": best[2],
            "check_noise": best[1]}


def sample_budget(problem, budget):
    """Samples the assignment kernel handles in ``budget`` seconds (x 1.5): the runs' ``max_samples``.

    The callback can only stop a run between estimates, and one Monte Carlo
    estimate can take longer than the whole budget; the sample cap bounds it.
    Timed at the Voronoi heights of the targets, the solvers' start (at zero
    heights only the extreme targets have cells, and the k-d tree path of 2D
    runs several times faster there: that cap ended Adam's runs at n = 1e4 early).
    """
    y = problem["points"]
    h = -0.5 * (y ** 2).sum(axis=1)
    x = problem["source"].sample(1 << 16, seed=0)
    top2_cpu(x, y, h)
    t = time.perf_counter()
    top2_cpu(x, y, h)
    return int(1.5 * budget * len(x) / (time.perf_counter() - t))


def run_geomot(problem, name, budget, seeds=(0,), **options):
    """One run per seed (a row each); with several seeds, also a row of the medians (a target not reached counts as
    later than any time)."""
    rows = []
    for seed in seeds:
        rec = Recorder(budget)
        res = gm.solve(problem["source"], problem["points"], method=options.get("method", "monte-carlo"), tol=1e-2,
                       seed=seed, callback=rec, max_samples=problem["max_samples"],
                       **{k: v for k, v in options.items() if k != "method"})
        settings = ", ".join(f"{k}={'0' if k == 'heights0' else v}" for k, v in options.items() if k != "method")
        settings = f"{settings + ', ' if settings else ''}seed={seed}; {res.history[-1].samples} samples/iter last"
        rows.append(summarise(problem, name, settings, rec.points))
    if len(rows) > 1:
        medians = {}
        for key in ("time_to", "time_to_with_estimate"):  # a target not reached: later than any time (inf)
            mid = {e: np.median([r.get(key, {}).get(e) or np.inf for r in rows]) for e in map(str, TARGETS)}
            medians[key] = {e: None if np.isinf(t) else float(t) for e, t in mid.items()}
        cells = _cells(medians["time_to"], medians["time_to_with_estimate"])
        print(f"{problem['label']:>12} {name:>22} {cells} {'median of ' + str(len(rows)):>11}", flush=True)
        rows.append({"problem": problem["label"], "method": name, "settings": f"median over seeds {list(seeds)}",
                     **medians})
    return rows


def _pot_trace(problem, budget, fields, iterations):
    """Runs of peers/run_pot.py, one per iteration budget (POT has no warm start), until one takes over a tenth of
    the time budget: ``(peer, trace, last iterations)``."""
    trace, peer = [], "POT"
    with tempfile.TemporaryDirectory() as tmp:
        for it in iterations:
            np.savez(os.path.join(tmp, "in.npz"), points=problem["points"], iterations=np.array([it]), seed=0,
                     **fields)
            subprocess.run([POT_PYTHON, os.path.join(HERE, "peers", "run_pot.py"), os.path.join(tmp, "in.npz"),
                            os.path.join(tmp, "out.json")], check=True)
            out = json.load(open(os.path.join(tmp, "out.json")))
            peer = out["peer"]
            run = out["runs"][0]
            if run["finite"]:
                trace.append((run["seconds"], np.array(run["heights"]), 0.0, run["seconds"], run["samples"]))
            if run["seconds"] > budget / 10:
                break
    return peer, trace, it


def run_pot(problem, budget, n_source, reg, iterations):
    if not os.path.exists(POT_PYTHON):
        print(f"{problem['label']:>12} {'POT ASGD':>22}  (no venv: bash benchmarks/peers/setup_peers.sh)")
        return None
    peer, trace, it = _pot_trace(problem, budget, {"solver": "asgd", "n_source": n_source, "reg": reg}, iterations)
    settings = f"{peer}, n_source={n_source}, reg={reg}, lr=default (1/max(a/reg)), iterations up to {it:.0e}"
    return summarise(problem, "POT ASGD", settings, trace)


def run_drag(problem, budget, batch, a, iterations):
    """POT's ``ot.semidiscrete.solve_semidiscrete`` (DRAG) with batches of ``batch`` and ``lr0 = a sqrt(n batch)``."""
    if not os.path.exists(POT_PYTHON):
        print(f"{problem['label']:>12} {'POT DRAG':>22}  (no venv: bash benchmarks/peers/setup_peers.sh)")
        return None
    peer, trace, it = _pot_trace(problem, budget, {"solver": "drag", "batch_size": batch, "lr_scale": a},
                                 iterations)
    settings = f"{peer} solve_semidiscrete, batch_size={batch}, lr0={a:g} sqrt(n batch), iterations up to {it:.0e}"
    return summarise(problem, "POT DRAG", settings, trace)


def run_wait(problem, tol, seed=0, **options):
    """What a user waits for: ``gm.solve(..., tol=tol)`` until it returns, and the true error of its result."""
    t = time.perf_counter()
    res = gm.solve(problem["source"], problem["points"], method="monte-carlo", tol=tol, seed=seed,
                   max_samples=problem["max_samples"], **options)
    seconds = time.perf_counter() - t
    err, noise = true_error(problem, res.heights)
    samples = sum(i.samples for i in res.history)
    certified = "certified" if res.status == 0 else f"NOT certified (status {int(res.status)})"
    settings = ", ".join(f"{k}={v}" for k, v in options.items())
    print(f"{problem['label']:>12} {'wait, tol=' + format(tol, 'g'):>22} {seconds:8.2f} s to return, {certified}, "
          f"true error {err:.3g}{f' (check noise {noise:.2g})' if noise else ''}, {samples:.2g} samples  {settings}",
          flush=True)
    return {"problem": problem["label"], "method": "wait", "tol": tol, "settings": settings, "seconds": seconds,
            "status": int(res.status), "true_error": err, "check_noise": noise, "samples": samples}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+", default=["2:1000", "2:10000", "16:1000"])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per solver run")
    parser.add_argument("--check-samples", type=int, default=1 << 22)
    parser.add_argument("--adam-lr", type=float, nargs="+", default=[0.3, 1.0, 3.0],
                        help="Adam learning rates, as multiples of 0.4 spacing^2 / (2 d) (geomot's default is 3x)")
    parser.add_argument("--pot-reg", type=float, nargs="+", default=[1e-3, 1e-2],
                        help="entropic regularisations tried for POT (1e-3 overflows to NaN in its exp)")
    parser.add_argument("--drag-batch", type=int, nargs="+", default=[32, 256, 2048],
                        help="batch sizes tried for POT's DRAG (32 is its default)")
    parser.add_argument("--drag-a", type=float, nargs="+", default=[1.0, 0.33],
                        help="DRAG step constants a, lr0 = a sqrt(n batch) (1: POT's default; 0.33: the paper's)")
    parser.add_argument("--pot-iterations", type=float, nargs="+", default=[1e3, 1e4, 1e5, 1e6, 1e7, 1e8],
                        help="iteration budgets of the POT runs (one run each, until one takes budget / 10)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS),
                        help="which solvers to run (default: all)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="one run of every geomot and Adam solver per seed, and a row of the medians")
    parser.add_argument("--check-qmc", action="store_true",
                        help="check on scrambled Sobol points (their measured noise is lower than the binomial one)")
    parser.add_argument("--sparse-checks", action="store_true",
                        help="in d > 2, once 1e-1 is reached, check only iterates that could reach 1e-2 (estimated "
                             "error <= 0.03) and the last one (the best error is then the best of those checked)")
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}; "
          f"budget {args.budget:g} s per run; 'time to' = first iterate whose TRUE max relative error is below")
    print(f"{'problem':>12} {'method':>22} {'t(1e-1) s':>19} {'t(1e-2) s':>19} {'best error':>11}")
    rows = []
    for spec in args.problems:
        d, n = map(int, spec.split(":"))
        rng = np.random.default_rng(0)
        problem = {"label": f"d={d} n={n}", "points": rng.random((n, d)),
                   "source": gm.Uniform(gm.Box(np.zeros(d), np.ones(d))), "check": args.check_samples,
                   "check_qmc": args.check_qmc, "sparse_checks": args.sparse_checks}
        gm.solve(problem["source"], problem["points"][:50], method="monte-carlo", tol=0.5, seed=0)  # compile
        problem["max_samples"] = sample_budget(problem, args.budget)
        seeds = args.seeds
        if "newton" in args.methods:
            rows += run_geomot(problem, "geomot newton", args.budget, seeds)
        if "newton-qmc" in args.methods:
            rows += run_geomot(problem, "geomot newton qmc", args.budget, seeds, qmc=True)
        if "hierarchical" in args.methods:
            rows += run_geomot(problem, "geomot hierarchical", args.budget, seeds, clusters=int(np.sqrt(n)))
        for factor in args.adam_lr:
            spacing = np.prod(np.ptp(problem["points"], axis=0) / n ** (1 / d))
            lr = float(f"{factor * 0.4 * spacing ** (2 / d) / (2 * d):.3g}")
            if "adam" in args.methods:
                rows += run_geomot(problem, "adam (pyOMT)", args.budget, seeds, method="adam", lr=lr)
            if "adam-h0" in args.methods:
                rows += run_geomot(problem, "adam (pyOMT), h0 = 0", args.budget, seeds, method="adam", lr=lr,
                                   heights0=np.zeros(n))
        if n <= 1000 and "pot" in args.methods:
            for reg in args.pot_reg:
                rows.append(run_pot(problem, args.budget, n_source=1 << 16, reg=reg,
                                    iterations=[int(i) for i in args.pot_iterations]))
        if "drag" in args.methods:
            for batch in args.drag_batch:
                for a in args.drag_a:
                    rows.append(run_drag(problem, args.budget, batch, a, [int(i) for i in args.pot_iterations]))
        if "wait" in args.methods:
            for tol in TARGETS:
                rows.append(run_wait(problem, tol))
                rows.append(run_wait(problem, tol, qmc=True))
    if args.json:
        json.dump([r for r in rows if r], open(args.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
