"""geomot: semi-discrete optimal transport on exact geometry.

Given a source probability measure ``mu`` and target Diracs ``(y_i, nu_i)``,
find the heights ``h`` of the Brenier potential ``u_h(x) = max_i <x, y_i> + h_i``
whose power cells ``W_i(h)`` carry the masses ``mu(W_i(h)) = nu_i``.

>>> import numpy as np, geomot as gm
>>> y = np.random.default_rng(0).random((100, 2))
>>> res = gm.solve(gm.Uniform(gm.Box([0, 0], [1, 1])), y)
>>> bool(res.converged)
True

Plotting lives in :mod:`geomot.plot` (imports matplotlib; not imported here);
:class:`OTGenerator` (scikit-learn) is imported on first use.
"""
import os

# numba's OpenMP threads spin while they wait at the end of a parallel kernel. On a machine whose cores other
# work keeps busy, each kernel then waits for its descheduled spinner: a 2D diagram and its Hessian at n = 2000
# took 84 ms with the default policy, 2.4 ms passive (2 cores, another job on both). A policy the user set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .diagram import PowerDiagram  # noqa: E402 (after the OpenMP policy, which is read when the runtime loads)
from .domains import Ball, Box, ConvexPolytope, Disk, Domain, Polygon  # noqa: E402
from .errors import GeometryError, GeomotError  # noqa: E402
from .measures import Gaussian, GridDensity, Uniform  # noqa: E402
from .result import IterationInfo, OTResult  # noqa: E402
from .singular import SingularSet, SingularSet3D, SpacingRule, singular_set  # noqa: E402
from .solvers import Status, monte_carlo_masses, solve, solve_monte_carlo  # noqa: E402

__all__ = ["Ball", "Box", "ConvexPolytope", "Disk", "Domain", "Polygon", "Uniform", "Gaussian", "GridDensity", "PowerDiagram", "solve",
           "solve_monte_carlo", "monte_carlo_masses", "OTResult", "IterationInfo", "Status", "SingularSet",
           "SingularSet3D", "SpacingRule", "singular_set", "OTGenerator", "GeomotError", "GeometryError"]
__version__ = "0.2.0.dev0"

_LAZY = {"OTGenerator": "geomot.generative.generate"}  # needs scikit-learn (the "generative" extra)


def __getattr__(name):
    if name in _LAZY:
        import importlib
        try:
            module = importlib.import_module(_LAZY[name])
        except ModuleNotFoundError as exc:
            raise ImportError(f"geomot.{name} needs {exc.name}: pip install 'geomot[generative]'") from exc
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'geomot' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
