"""Matplotlib drawings of power diagrams, singular sets and solver runs.

Imported lazily (``import geomot.plot``), never from ``geomot/__init__``: it
needs matplotlib (``pip install 'geomot[plot]'``). Every function takes
``ax=None`` (a new figure), validates its input (a :class:`geomot.GeomotError`
naming the parameter), sets the axes limits from what it draws and returns
the axes.

One module per job: ``_cells`` (power diagrams, their duals, the transport
map), ``_singular`` (singular sets in 2D and 3D), ``_lifting`` (the Brenier
polyhedron, its Legendre dual, the paraboloid lifting), ``_motion``
(displacement interpolation), ``_history`` (solver runs), ``_checks`` (input
checks and limits shared by all).
"""
try:
    import matplotlib  # noqa: F401
except ImportError as exc:  # tested with matplotlib hidden (tests/test_plot_and_demos.py)
    raise ImportError("geomot.plot needs matplotlib: pip install 'geomot[plot]'") from exc

from ._cells import cell_paths, domain_outline, power_diagram, target_colors, transport_map, weighted_delaunay
from ._history import newton_history
from ._lifting import brenier_potential, legendre_dual, lifting
from ._motion import displacement_interpolation
from ._singular import singular_section, singular_set, singular_surface

__all__ = ["cell_paths", "domain_outline", "power_diagram", "target_colors", "transport_map", "weighted_delaunay",
           "newton_history", "brenier_potential", "legendre_dual", "lifting", "displacement_interpolation",
           "singular_section", "singular_set", "singular_surface"]
