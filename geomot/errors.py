"""Exceptions raised by geomot (like scipy.spatial: ``ValueError`` for input, ``QhullError`` for Qhull).

:class:`GeomotError` is bad input, a ``ValueError`` whose message names the
parameter, what was expected and what was found. :class:`GeometryError` is
an algorithm failure or an internal bug, a ``RuntimeError``: a user's
``except ValueError`` never swallows it. Non-convergence of a solver is
*not* an exception: it is reported on the result (``OTResult.converged``,
``status``, ``message``).
"""


class GeomotError(ValueError):
    """Bad input: the message names what was expected and what was found."""


class GeometryError(RuntimeError):
    """A geometric construction failed (Qhull could not build a hull, a kernel overflowed): a bug or a
    degenerate case geomot does not handle; please report it."""
