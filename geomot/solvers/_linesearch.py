"""The damping of Kitagawa, Mérigot and Thibert (JEMS 2019): the one line-search primitive of the solvers.

Accept the Newton step ``a d`` for the largest ``a = 2^-k`` whose trial state
keeps every cell above the floor and whose merit dropped by the factor
``1 - a / 2``; else halve ``a``. What a trial is (an exact diagram, or the
masses of one common Monte Carlo batch) and what its merit is belong to the
caller; refusing a trial on the way (a cell below the floor) is raising
:class:`~geomot.diagram._frame.CellsRejected`.
"""
from ..diagram._frame import CellsRejected


def kmt_step(trial, current, halvings, first=1.0):
    """The KMT step: ``(a, state)`` for the largest accepted ``a = 2^-k <= first``, ``k < halvings``, or
    ``(0.0, None)``.

    Parameters
    ----------
    trial : callable
        ``trial(a) -> (merit, state)``; raises ``CellsRejected`` to refuse ``a``.
    current : float
        The merit at ``a = 0``.
    halvings : int
        The smallest step tried is ``2^-(halvings - 1)`` (1: the full step only).
    first : float
        The first step tried, a power of 2 in ``(0, 1]``: a caller whose last
        steps were short starts below 1 and saves the trials that would be
        refused (the smallest step stays ``2^-(halvings - 1)``).
    """
    step = 1.0
    while step > first and halvings > 1:
        step /= 2
        halvings -= 1
    for _ in range(halvings):
        try:
            merit, state = trial(step)
        except CellsRejected:
            step /= 2
            continue
        if merit <= (1 - step / 2) * current and merit < current:
            return step, state
        step /= 2
    return 0.0, None
