"""Monte Carlo semi-discrete OT: time to a judged max relative mass error of 1e-1 and 1e-2.

Problems (``--problems KIND:d:n``, ``benchmarks/mc_problems.py``), masses ``1/n``:

- ``cube`` (or plain ``d:n``): source uniform on ``[0, 1]^d``, targets uniform in the cube, judged exactly
  with ``PowerDiagram`` in d = 2, on an independent sample of the source above;
- ``cylinder``: the same source, targets varying in 2 random coordinates only: the cells are cylinders over an
  exact 2D diagram, judged exactly (scrambled Sobol points are flattered there: rows marked);
- ``gaussian-subspace``: source ``N(0, I_d)``, targets in a random 2D affine subspace, judged exactly by the 2D
  Gaussian diagram.

A judge certifies an error ``eps`` when its judged error plus its own noise is at most ``eps`` (noise 0 when
exact; sampled: the simultaneous 95 % bound over the cells, printed with every error, and the problem's
header line says which targets the judge can certify at all and what sample would certify the others).

Every solver runs once with a time budget; a callback keeps the heights of its iterates (geometrically
spaced in time), and they are judged afterwards, outside the timing. An iterate's time is when its heights
existed (``info.seconds - info.estimate_seconds``), and "(+est)" adds the Monte Carlo estimate the solver
makes at those heights: the time to a target is the first certified iterate's, that estimate included.
Solvers, in the same run:

- ``geomot newton``: ``gm.solve(..., method="monte-carlo")`` (pseudo-random samples);
- ``geomot newton qmc``: the same with scrambled Sobol samples;
- ``geomot hierarchical``: the same with ``clusters = sqrt(n)`` (k-means start);
- ``adam (pyOMT)``: ``method="adam"``, the paper's / pyOMT's baseline, at several learning rates, from
  geomot's start (``initial_heights``); ``adam-h0``: the same from pyOMT's start, ``h = 0``;
- ``POT ASGD``: ``ot.stochastic.averaged_sgd_entropic_transport`` in its own venv
  (``bash benchmarks/peers/setup_peers.sh``), on a discretised source;
- ``POT DRAG``: POT >= 0.9.7's ``ot.semidiscrete.solve_semidiscrete`` (averaged SGD, decreasing
  regularisation, Genans et al. 2025) on the true source, its defaults, for each batch size of
  ``--drag-batch``, step constant ``a`` of ``--drag-a`` (``lr0 = a sqrt(n batch)``; 1 is POT's default) and
  projection bound of ``--drag-max-cost`` (0, POT's default: none); one run per iteration budget (no warm
  start), peers/run_pot.py;
- ``wait``: what a user waits for: ``gm.solve(..., method="monte-carlo", tol=eps)`` for ``eps`` in 1e-1, 1e-2
  (and ``tol=eps/2`` when that converged but the judge does not certify ``eps``), wall time to return, and the
  judged error of what it returned; a summary row gives the time to each certified target; ``wait-qmc``:
  the same with scrambled Sobol samples.

Every row gives the samples drawn by the time each target was reached: all the samples the solver drew
(estimates, starts, line searches), counted at the source. The last lines of a problem compare the best
Adam and POT DRAG rows with geomot's ``wait`` rows.

Each geomot run also gets ``max_samples`` = what the kernel assigns in 1.5 x the
budget (a run stops between estimates only, and one estimate can outlast the budget).

    python benchmarks/bench_monte_carlo.py [--problems cylinder:16:1000 gaussian-subspace:64:1000 16:1000]
        [--budget 120] [--methods newton newton-qmc hierarchical adam adam-h0 pot drag wait wait-qmc]
        [--adam-lr 3.0]
        [--seeds 0 1 2] [--drag-batch 32 256 2048] [--drag-a 1 0.33] [--drag-max-cost 0 16]
        [--check-samples 4194304] [--check-qmc]
"""
import argparse
import collections
import copy
import dataclasses
import itertools
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
sys.path.insert(0, HERE)
import mc_problems  # noqa: E402 (a sibling module)

POT_PYTHON = os.path.join(HERE, ".venvs", "pot", "bin", "python")
TARGETS = (1e-1, 1e-2)
METHODS = ("newton", "newton-qmc", "hierarchical", "adam", "adam-h0", "pot", "drag", "wait", "wait-qmc")
RATIO = 4  # a sampled judge should have a noise of at most eps / RATIO to judge eps: the header says what it takes

# an iterate: when its heights existed, that plus the estimate at them, the heights, the samples drawn by then
Point = collections.namedtuple("Point", "seconds with_estimate heights samples")


def counted(measure):
    """A copy of ``measure`` that counts the samples drawn from it in ``drawn``.

    Every sample a solver draws passes through the measure's stream (estimates, the start's fit, line
    searches, revivals), so the count is all of them.
    """
    class Counted(type(measure)):
        def _stream(self, cube):
            stream = super()._stream(cube)

            def draw(k):
                self.drawn += k
                return stream(k)
            return draw
    out = copy.copy(measure)
    out.__class__, out.drawn = Counted, 0
    return out


class Recorder:
    """Callback keeping :class:`Point` s at geometrically spaced times; stops at the budget."""

    def __init__(self, budget, source):
        self.budget, self.source, self.points, self.next = budget, source, [], 0.0

    def __call__(self, info):
        if info.seconds >= self.next:
            self.points.append(Point(info.seconds - info.estimate_seconds, info.seconds, info.heights.copy(),
                                     self.source.drawn))
            # 10 % apart near the targets (where the checks are made), 30 % before
            self.next = (1.1 if info.max_rel_error <= 0.3 else 1.3) * info.seconds + 0.05
        return info.seconds > self.budget


def judge_header(problem):
    """One line: what judges the problem, and which targets it can certify."""
    judge = problem.judge
    if judge.exact:
        return f"# {problem.label}: judged exactly (noise 0)"
    parts = []
    for eps in TARGETS:
        noise = mc_problems.predicted_noise(problem.nu, eps, judge.samples)
        verdict = "can certify" if judge.can_certify(eps) else "CANNOT certify"
        parts.append(f"{verdict} {eps:g} (noise ~{noise:.2g} at that error; {RATIO}x below it needs "
                     f"{mc_problems.samples_for(problem.nu, eps, RATIO):.2g} samples)")
    return f"# {problem.label}: judged on {judge.samples:.3g} independent samples: " + "; ".join(parts)


def _cell(point):
    """One 'time to' column: seconds (+ the estimate at those heights) and the samples drawn by then."""
    if point is None:
        return f"{'-':>34}"
    samples = f"{point.samples:8.2g}" if point.samples is not None else " " * 8
    return f"{point.seconds:7.2f} (+est {point.with_estimate:7.2f}) {samples}"


def summarise(problem, name, settings, trace):
    """The row of one run: the first iterate certified within each target, and the judged error of the last."""
    if not trace:
        print(f"{problem.label:>26} {name:>22} {'no finite result (NaN)':>34}  {settings}")
        return {"problem": problem.label, "method": name, "settings": settings, "time_to": {}, "final": None}
    reached = {eps: problem.judge.first_certified(trace, eps)[0] for eps in TARGETS}
    final = problem.judge(trace[-1].heights)
    flattered = "" if problem.qmc_fair or "qmc" not in name else " [QMC flattered here]"
    print(f"{problem.label:>26} {name:>22} {' '.join(_cell(reached[e]) for e in TARGETS)} {str(final):>16} "
          f"at {trace[-1].with_estimate:6.1f} s  {settings}{flattered}", flush=True)
    return {"problem": problem.label, "method": name, "settings": settings,
            "time_to": {str(e): p and p.seconds for e, p in reached.items()},
            "time_to_with_estimate": {str(e): p and p.with_estimate for e, p in reached.items()},
            "samples_to": {str(e): p and p.samples for e, p in reached.items()},
            "final": {"error": final.error, "noise": final.noise, "seconds": trace[-1].with_estimate}}


def sample_budget(problem, budget):
    """Samples drawn and assigned in ``budget`` seconds (x 1.5): the runs' ``max_samples``.

    The callback can only stop a run between estimates, and one Monte Carlo
    estimate can take longer than the whole budget; the sample cap bounds it.
    Timed at the Voronoi heights of the targets, the solvers' start (at zero
    heights only the extreme targets have cells, and the k-d tree path of 2D
    runs several times faster there: that cap ended Adam's runs at n = 1e4 early),
    the drawing included (normal deviates in d = 16 cost about half as much as their assignment).
    """
    y = problem.points
    h = -0.5 * (y ** 2).sum(axis=1)
    top2_cpu(problem.source.sample(1 << 16, seed=0), y, h)
    t = time.perf_counter()
    k = top2_cpu(problem.source.sample(1 << 16, seed=1), y, h)[0].size
    return int(1.5 * budget * k / (time.perf_counter() - t))


def run_geomot(problem, name, budget, max_samples, seeds=(0,), **options):
    """One run per seed (a row each); with several seeds, also a row of the medians (a target not reached counts as
    later than any time)."""
    rows = []
    for seed in seeds:
        problem.source.drawn = 0
        rec = Recorder(budget, problem.source)
        res = gm.solve(problem.source, problem.points, method=options.get("method", "monte-carlo"), tol=1e-2,
                       seed=seed, callback=rec, max_samples=max_samples,
                       **{k: v for k, v in options.items() if k != "method"})
        settings = ", ".join(f"{k}={'0' if k == 'heights0' else v}" for k, v in options.items() if k != "method")
        settings = f"{settings + ', ' if settings else ''}seed={seed}; {res.history[-1].samples} samples/iter last"
        rows.append(summarise(problem, name, settings, rec.points))
    if len(rows) > 1:
        rows.append(median_row(problem, name, rows, seeds))
    return rows


def median_row(problem, name, rows, seeds):
    """The medians over seeds of the times to each target (one not reached: later than any time)."""
    medians = {}
    for key in ("time_to", "time_to_with_estimate"):
        mid = {e: np.median([r.get(key, {}).get(e) or np.inf for r in rows]) for e in map(str, TARGETS)}
        medians[key] = {e: None if np.isinf(t) else float(t) for e, t in mid.items()}
    cells = " ".join(_cell(Point(medians["time_to"][str(e)], medians["time_to_with_estimate"][str(e)], None, None))
                     if medians["time_to"][str(e)] is not None else _cell(None) for e in TARGETS)
    print(f"{problem.label:>26} {name:>22} {cells} {'median of ' + str(len(rows)):>16}", flush=True)
    return {"problem": problem.label, "method": name, "settings": f"median over seeds {list(seeds)}", **medians}


def _pot_trace(problem, budget, fields, iterations):
    """Runs of peers/run_pot.py, one per iteration budget (POT has no warm start), until one takes over a tenth of
    the time budget: ``(peer, trace, last iterations)``; a run's time is its whole call."""
    trace, peer = [], "POT"
    with tempfile.TemporaryDirectory() as tmp:
        for it in iterations:
            np.savez(os.path.join(tmp, "in.npz"), points=problem.points, iterations=np.array([it]), seed=0,
                     sampler=problem.pot_sampler, **fields)
            subprocess.run([POT_PYTHON, os.path.join(HERE, "peers", "run_pot.py"), os.path.join(tmp, "in.npz"),
                            os.path.join(tmp, "out.json")], check=True)
            out = json.load(open(os.path.join(tmp, "out.json")))
            peer = out["peer"]
            run = out["runs"][0]
            if run["finite"]:
                trace.append(Point(run["seconds"], run["seconds"], np.array(run["heights"]), run["samples"]))
            if run["seconds"] > budget / 10:
                break
    return peer, trace, it


def run_pot(problem, budget, n_source, reg, iterations):
    if not os.path.exists(POT_PYTHON):
        print(f"{problem.label:>26} {'POT ASGD':>22}  (no venv: bash benchmarks/peers/setup_peers.sh)")
        return None
    peer, trace, it = _pot_trace(problem, budget, {"solver": "asgd", "n_source": n_source, "reg": reg}, iterations)
    settings = f"{peer}, n_source={n_source}, reg={reg}, lr=default (1/max(a/reg)), iterations up to {it:.0e}"
    return summarise(problem, "POT ASGD", settings, trace)


def run_drag(problem, budget, batch, a, max_cost, iterations):
    """POT's ``ot.semidiscrete.solve_semidiscrete`` (DRAG) with batches of ``batch``, ``lr0 = a sqrt(n batch)``
    and the potential clipped to ``[-max_cost, max_cost]`` (0: not clipped, POT's default)."""
    if not os.path.exists(POT_PYTHON):
        print(f"{problem.label:>26} {'POT DRAG':>22}  (no venv: bash benchmarks/peers/setup_peers.sh)")
        return None
    peer, trace, it = _pot_trace(problem, budget, {"solver": "drag", "batch_size": batch, "lr_scale": a,
                                                   "max_cost": max_cost}, iterations)
    settings = (f"{peer} solve_semidiscrete, batch_size={batch}, lr0={a:g} sqrt(n batch)"
                f"{f', max_cost={max_cost:g}' if max_cost else ''}, iterations up to {it:.0e}")
    return summarise(problem, "POT DRAG", settings, trace)


def wait_once(problem, tol, max_samples, qmc, seed=0):
    """What a user waits for: ``gm.solve(..., tol=tol)`` until it returns, and the verdict on its result."""
    problem.source.drawn = 0
    t = time.perf_counter()
    res = gm.solve(problem.source, problem.points, method="monte-carlo", tol=tol, seed=seed,
                   max_samples=max_samples, qmc=qmc)
    seconds = time.perf_counter() - t
    verdict = problem.judge(res.heights)
    certified = "converged" if res.status == 0 else f"NOT converged (status {int(res.status)})"
    name = f"wait{', qmc' if qmc else ''}, tol={tol:g}"
    flattered = "" if problem.qmc_fair or not qmc else " [QMC flattered here]"
    print(f"{problem.label:>26} {name:>22} {seconds:8.2f} s to return, {certified}, judged {verdict}, "
          f"{problem.source.drawn:.2g} samples{flattered}", flush=True)
    return {"problem": problem.label, "method": "wait", "qmc": qmc, "tol": tol, "seconds": seconds,
            "status": int(res.status), "error": verdict.error, "noise": verdict.noise,
            "samples": problem.source.drawn, "point": Point(seconds, seconds, res.heights, problem.source.drawn),
            "verdict": verdict}


def run_wait(problem, max_samples, qmc):
    """For each target ``eps``: ``tol=eps``, and ``tol=eps/2`` if that converged but the judge does not certify
    it; then the summary row (the time to the first certified result)."""
    rows, reached = [], {}
    for eps in TARGETS:
        reached[eps] = None
        for tol in (eps, eps / 2):
            row = wait_once(problem, tol, max_samples, qmc)
            rows.append(row)
            if row["verdict"].certifies(eps):
                reached[eps] = row["point"]
            if reached[eps] or row["status"] != 0:
                break
    name = f"geomot wait{' qmc' if qmc else ''}"
    flattered = "" if problem.qmc_fair or not qmc else " [QMC flattered here]"
    print(f"{problem.label:>26} {name:>22} {' '.join(_cell(reached[e]) for e in TARGETS)}  (time until "
          f"gm.solve returns a result the judge certifies){flattered}", flush=True)
    summary = {"problem": problem.label, "method": name, "qmc": qmc,
               "time_to_with_estimate": {str(e): p and p.seconds for e, p in reached.items()},
               "samples_to": {str(e): p and p.samples for e, p in reached.items()}}
    return [{k: v for k, v in r.items() if k not in ("point", "verdict")} for r in rows] + [summary]


def compare(problem, rows, budget):
    """The last lines of a problem: geomot's wait time to each target against the best Adam (either start) and
    POT DRAG rows (their time with the estimate; a target they never reached counts as more than the budget)."""
    mine = [r for r in rows if r and r["method"].startswith("geomot wait") and (problem.qmc_fair or not r["qmc"])]
    for eps in map(str, TARGETS):
        ours = [r["time_to_with_estimate"][eps] for r in mine if r["time_to_with_estimate"][eps] is not None]
        if not ours:
            print(f"# {problem.label}, to {eps}: geomot's wait rows did not certify it")
            continue
        parts = [f"geomot {min(ours):.2f} s"]
        for peer in ("adam (pyOMT)", "POT DRAG"):
            times = [r["time_to_with_estimate"].get(eps) for r in rows if r and r["method"].startswith(peer)
                     and "time_to_with_estimate" in r and not r["settings"].startswith("median")]
            if not times:
                continue
            best = min((t for t in times if t is not None), default=None)
            parts.append(f"{peer} {best:.2f} s: {best / min(ours):.1f}x" if best is not None
                         else f"{peer} not within {budget:g} s: > {budget / min(ours):.1f}x")
        print(f"# {problem.label}, to {eps}: " + ", ".join(parts), flush=True)


def adam_lr(problem, factor):
    """``factor`` times ``0.4 spacing^2 / (2 k)``, the spacing of the targets' intrinsic coordinates (``k`` of
    them; geomot's default is 3x)."""
    n, k = problem.frame.shape
    spacing = np.prod(np.ptp(problem.frame, axis=0) / n ** (1 / k))
    return float(f"{factor * 0.4 * spacing ** (2 / k) / (2 * k):.3g}")


def parse():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+", default=["2:1000", "2:10000", "16:1000"],
                        help=f"KIND:d:n or d:n (a cube), KIND in {sorted(mc_problems.KINDS)}")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per solver run")
    parser.add_argument("--check-samples", type=int, default=1 << 22,
                        help="the most samples of a sampled judge (it takes fewer when they judge 1e-2 well)")
    parser.add_argument("--adam-lr", type=float, nargs="+", default=[0.3, 1.0, 3.0],
                        help="Adam learning rates, as multiples of 0.4 spacing^2 / (2 d) (geomot's default is 3x)")
    parser.add_argument("--pot-reg", type=float, nargs="+", default=[1e-3, 1e-2],
                        help="entropic regularisations tried for POT (1e-3 overflows to NaN in its exp)")
    parser.add_argument("--drag-batch", type=int, nargs="+", default=[32, 256, 2048],
                        help="batch sizes tried for POT's DRAG (32 is its default)")
    parser.add_argument("--drag-a", type=float, nargs="+", default=[1.0, 0.33],
                        help="DRAG step constants a, lr0 = a sqrt(n batch) (1: POT's default)")
    parser.add_argument("--drag-max-cost", type=float, nargs="+", default=[0.0],
                        help="DRAG's projection bound on the potential (0: none, POT's default; POT's example "
                             "passes the bound of the cost, d on the unit cube)")
    parser.add_argument("--pot-iterations", type=float, nargs="+", default=[1e3, 1e4, 1e5, 1e6, 1e7, 1e8],
                        help="iteration budgets of the POT runs (one run each, until one takes budget / 10)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS),
                        help="which solvers to run (default: all)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="one run of every geomot and Adam solver per seed, and a row of the medians")
    parser.add_argument("--check-qmc", action="store_true",
                        help="sampled judges on scrambled Sobol points (their noise measured by two replicates)")
    parser.add_argument("--json", help="write the rows here")
    return parser.parse_args()


def run_problem(problem, args):
    """Every method asked for on one problem: its rows."""
    gm.solve(problem.source, problem.points[:50], method="monte-carlo", tol=0.5, seed=0)  # compile
    max_samples = sample_budget(problem, args.budget)
    seeds, methods, rows = args.seeds, args.methods, []
    if "newton" in methods:
        rows += run_geomot(problem, "geomot newton", args.budget, max_samples, seeds)
    if "newton-qmc" in methods:
        rows += run_geomot(problem, "geomot newton qmc", args.budget, max_samples, seeds, qmc=True)
    if "hierarchical" in methods:
        rows += run_geomot(problem, "geomot hierarchical", args.budget, max_samples, seeds,
                           clusters=int(np.sqrt(len(problem.points))))
    for factor in args.adam_lr:
        lr = adam_lr(problem, factor)
        if "adam" in methods:
            rows += run_geomot(problem, "adam (pyOMT)", args.budget, max_samples, seeds, method="adam", lr=lr)
        if "adam-h0" in methods:
            rows += run_geomot(problem, "adam (pyOMT), h0 = 0", args.budget, max_samples, seeds, method="adam",
                               lr=lr, heights0=np.zeros(len(problem.points)))
    if len(problem.points) <= 1000 and "pot" in methods:
        for reg in args.pot_reg:
            rows.append(run_pot(problem, args.budget, n_source=1 << 16, reg=reg,
                                iterations=[int(i) for i in args.pot_iterations]))
    if "drag" in methods:
        for batch, a, max_cost in itertools.product(args.drag_batch, args.drag_a, args.drag_max_cost):
            rows.append(run_drag(problem, args.budget, batch, a, max_cost, [int(i) for i in args.pot_iterations]))
    if "wait" in methods:
        rows += run_wait(problem, max_samples, qmc=False)
    if "wait-qmc" in methods:
        rows += run_wait(problem, max_samples, qmc=True)
    if "wait" in methods or "wait-qmc" in methods:
        compare(problem, rows, args.budget)
    return rows


def main():
    args = parse()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}; "
          f"budget {args.budget:g} s per run; 'time to' = first iterate CERTIFIED below (judged + noise <= target)")
    print(f"{'problem':>26} {'method':>22} {'t(1e-1) s (+est) samples':>34} {'t(1e-2) s (+est) samples':>34} "
          f"{'last judged':>16}")
    rows = []
    for spec in args.problems:
        nu = np.full(int(spec.split(":")[-1]), 1 / int(spec.split(":")[-1]))
        judge_samples = min(args.check_samples, mc_problems.samples_for(nu, min(TARGETS), RATIO))
        problem = mc_problems.problem(spec, judge_samples, args.check_qmc)
        problem = dataclasses.replace(problem, source=counted(problem.source))
        print(judge_header(problem), flush=True)
        rows += run_problem(problem, args)
    if args.json:
        json.dump([r for r in rows if r], open(args.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
