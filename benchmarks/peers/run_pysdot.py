"""Runner for pysdot 0.2.16 -- run it with benchmarks/.venvs/pysdot/bin/python.

    run_pysdot.py --points Y.npy [--masses NU.npy] [--weights0 PSI0.npy] --tol 1e-8 --out OUT.npz [--repeat 1]

Prints one JSON line (see _runner_common.py); OUT.npz holds `weights` and `masses`.

Weights: pysdot's own, psi_i with power distance |x - y_i|^2 - psi_i (the cell of i is where
|x - y_i|^2 - psi_i is smallest) -- the harness convention, saved as returned.

Stop criterion.  pysdot's OptimalTransport.adjust_weights() runs an undamped Newton (on an
empty cell it halves the step back towards the previous weights) and only knows ABSOLUTE
criteria: "max delta masses" (stop when max_i |m_i - nu_i| < value, tested on the masses at the
current weights, before the next step) or "max delta weights".  There is no relative option, so
we set "max delta masses" to tol * min_i nu_i, which implies max_i |m_i - nu_i| / nu_i < tol
(for non-uniform masses this over-solves the big cells).  The reported masses are read back with
pd.integrals() at the final weights (outside the timing) and the relative error is computed
from them.

Start.  Default pysdot start: psi_i = sqrt(nu_i), i.e. the Voronoi diagram only when the masses
are uniform; adjust_weights() raises BadInitialGuess when the start has an empty cell (all
targets outside the square; also non-uniform masses, even with all points inside).
--start auto (default): pysdot's default when all points lie in [0,1]^d and the masses are
uniform; else, points inside: the Voronoi start psi = 0; else the similarity start of
_runner_common.similarity_start (both reported as start = "hand-made", peer_stats.start_detail
says which).  --start default / hand-made (similarity) force one.
Linear solver: "Scipy" (scipy.sparse.linalg.spsolve); pysdot's default "Petsc" is not
installed, and pysdot would fall back to Scipy anyway.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import _runner_common as common  # noqa: E402

try:
    from importlib.metadata import version as _version
    PEER = "pysdot " + _version("pysdot")
except Exception:  # pragma: no cover
    PEER = "pysdot"


def solve(points, masses, tol, weights0, start):
    from pysdot import OptimalTransport
    from pysdot.domain_types import ConvexPolyhedraAssembly
    import pysdot.OptimalTransport as _ot_mod  # noqa: F401
    BadInitialGuess = sys.modules["pysdot.OptimalTransport"].BadInitialGuess

    n, d = points.shape
    inside = common.all_inside_unit_cube(points)
    uniform = bool(np.all(masses == masses[0]))
    detail = None
    if weights0 is not None:
        w0, how = np.array(weights0, dtype=np.float64), "weights0"
    elif start == "default" or (start == "auto" and inside and uniform):
        w0, how = None, "default"                 # pysdot: psi = sqrt(nu) (Voronoi iff nu uniform)
    elif start == "auto" and inside:
        w0, how, detail = np.zeros(n), "hand-made", "voronoi (psi = 0)"
    else:
        w0, how, detail = common.similarity_start(points), "hand-made", "similarity"

    domain = ConvexPolyhedraAssembly()
    domain.add_box([0.0] * d, [1.0] * d)
    ot = OptimalTransport(points, None, domain, masses=np.array(masses, dtype=np.float64),
                          linear_solver="Scipy")
    abs_tol = tol * float(np.min(masses))
    ot.set_stopping_criterion(abs_tol, "max delta masses")
    try:
        ot.adjust_weights(initial_weights=w0)
    except BadInitialGuess:
        raise RuntimeError(f"pysdot BadInitialGuess: the {how} start has an empty cell "
                           "(use --start hand-made or give --weights0)") from None

    # pysdot breaks (converged) only in the "max delta masses" test, before a Newton step;
    # otherwise it ran out of its max_iter (1000) iterations.
    converged = len(ot.delta_m) > 0 and ot.delta_m[-1] < abs_tol

    def finish():
        return {"weights": np.array(ot.get_weights(), dtype=np.float64),
                "masses": np.array(ot.pd.integrals(), dtype=np.float64)}

    return {
        "finish": finish,
        "iterations": len(ot.delta_w),          # Newton steps (linear solves)
        "converged": converged,
        "start": how,
        "stop_criterion": f"pysdot 'max delta masses': max|m-nu| < tol*min(nu) = {abs_tol:.3e}",
        "peer_stats": {"start_detail": detail,
                       "mass_evaluations": len(ot.delta_m),
                       "last_max_abs_mass_error": float(ot.delta_m[-1]) if ot.delta_m else None,
                       "linear_solver": "Scipy"},
    }


if __name__ == "__main__":
    sys.exit(common.main(sys.modules[__name__]))
