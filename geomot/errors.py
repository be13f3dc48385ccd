"""Exceptions raised by geomot.

All of geomot's own exceptions derive from :class:`GeomotError`, itself a
``ValueError`` so that code catching bad input the usual Python way keeps
working. Non-convergence of a solver is *not* an exception: it is reported on
the result (``OTResult.converged``, ``status``, ``message``).
"""


class GeomotError(ValueError):
    """Base class of every error raised by geomot (bad input, bad geometry)."""


class GeometryError(GeomotError):
    """A geometric construction failed (for example Qhull could not build a hull)."""
