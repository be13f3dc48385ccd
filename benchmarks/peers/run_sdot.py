"""Runner for sdot (PyPI `sdot`, the jax/loom rewrite) -- run it with benchmarks/.venvs/sdot/bin/python.

    run_sdot.py --points Y.npy [--masses NU.npy] [--weights0 PSI0.npy] --tol 1e-8 --out OUT.npz [--repeat 1]

Prints one JSON line (see _runner_common.py); OUT.npz holds `weights` and `masses`.

Weights: sdot's own, w_i with power distance |x - d_i|^2 - w_i (sdot/PowerDiagram.py) -- the
harness convention, saved as returned.

Solve: sdot.OtProblem(sdot.SumOfDiracs(points, masses), sdot.Box()).solve(sdot.Iterative(...)),
a fresh OtProblem per timed solve (so no warm start from a previous solution); Box() is the
unit square/cube in the dimension of the points; the CPU solver (damped Newton, in C++).

Stop criterion.  The C++ Newton (sdot/include/sdot/sdotplan/Newton.h) stops when
    max_i |a_i - nu_i| <= tol_abs   OR   max_i |a_i - nu_i| / nu_i <= tol_rel
on the masses at the current weights (no Newton step after it).  The public `Iterative(tol=...)`
is tol_abs; tol_rel is only exposed through the bench-only (documented as "unstable") settings
`Tuning(mass_rtol=...)`.  We use Iterative(tol=0.0, tuning=Tuning(mass_rtol=tol)), i.e. exactly
"max relative mass error <= tol".  The masses reported are the solution's `cell_masses` (computed
by the solver at the returned weights); sdot rescales its targets by the measured domain mass
(1 up to ~1e-15), we compare with the normalized nu we gave it.

Start.  sdot picks its own start in C++ (Voronoi, or a similarity that brings the cloud into
the domain, or the given weights0 -- it keeps the best one); it is reported in
peer_stats.start.  "start" is "default" unless --weights0 is given ("weights0") or
--start hand-made (the similarity start of _runner_common, passed as weights0).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import _runner_common as common  # noqa: E402

try:
    from importlib.metadata import version as _version
    PEER = "sdot " + _version("sdot")
except Exception:  # pragma: no cover
    PEER = "sdot"

_STAT_KEYS = ("status", "nb_iter", "nb_diag", "start", "residual", "t_total", "nb_continuation_steps",
              "min_start_mass", "aggregation")


def solve(points, masses, tol, weights0, start):
    import sdot

    if weights0 is not None:
        w0, how = np.array(weights0, dtype=np.float64), "weights0"
    elif start == "hand-made":
        w0, how = common.similarity_start(points), "hand-made"
    else:
        w0, how = None, "default"

    pb = sdot.OtProblem(sdot.SumOfDiracs(np.array(points, dtype=np.float64),
                                         np.array(masses, dtype=np.float64)), sdot.Box())
    settings = sdot.Iterative(tol=0.0, weights0=w0, on_failure="ignore",
                              tuning=sdot.Tuning(mass_rtol=float(tol)))
    sol = pb.solve(settings)

    def finish():
        return {"weights": np.array(sol.weights, dtype=np.float64),
                "masses": np.array(sol.cell_masses, dtype=np.float64)}

    stats = {}
    for k in _STAT_KEYS:
        v = sol.stats.get(k)
        if isinstance(v, (np.floating, np.integer)):
            v = v.item()
        if v is None or isinstance(v, (str, int, float, bool)):
            stats[k] = v
        else:
            stats[k] = str(v)
    return {
        "finish": finish,
        "iterations": int(sol.stats["nb_iter"]),
        "converged": bool(sol.converged),
        "start": how,
        "stop_criterion": f"sdot C++ Newton: max|m-nu|/nu <= {tol:.1e} "
                          "(Iterative(tol=0), Tuning(mass_rtol=tol))",
        "peer_stats": stats,
        "error": None if sol.converged else f"sdot did not converge: status {sol.stats['status']!r}",
    }


if __name__ == "__main__":
    sys.exit(common.main(sys.modules[__name__]))
