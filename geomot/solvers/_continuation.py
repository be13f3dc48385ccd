r"""The start on non-convex domains beyond the assignment start's size: a continuation from the bounding box.

On a domain with holes, or concave, or in several parts, the Voronoi start
of :mod:`._start` can leave cells that the domain hardly meets: a target in
a hole has an empty or tiny cell, its neighbours huge ones (a square with two
holes, 2400 uniform targets: relative errors of 800 at the start, 265 damped
Newton steps, the KMT floor on the cell masses keeping every step short).
Up to :data:`._start.ASSIGNMENT_MAX` targets the assignment start of
:mod:`._assignment` replaces it (8 to 12 steps on the cases
below); above, the solve starts on the bounding box ``B`` of the domain ``Omega``
(convex: no cell is ever empty, and Newton takes a handful of steps) and
moves the source to the domain through the blends

.. math:: \mu_t = (1 - t)\, U(B) + t\, U(\Omega), \qquad
          w_i^t = (1 - t)\, w_i^B + t\, w_i^\Omega, \qquad H^t = (1 - t) H^B + t H^\Omega,

exact like their two diagrams (of the same points and half weights: ``B``
and ``Omega`` share their unit frame). Each stage solves to a loose
tolerance, so every cell of ``mu_t`` carries about its mass, and
``1 - t`` shrinks fourfold per stage until the cells of ``U(Omega)`` itself
carry at least a fifth of their masses; the solve then goes on with the
domain alone. The stages are short in number, not in steps: where a cell
grows out of a hole into the domain its mass grows ``t / (1 - t)`` times
faster than the Newton model of the stage predicts, and the damping halves
the steps (measured under load, tol 1e-9: 35 steps for the square with two
holes and 2400 targets, 70 for an annulus to two disks, 3000 targets, 113 for
an L with a hole and 3000 targets over its bounding box, 156 for the square
with two holes and 20000 targets, 207 s; from the Voronoi start, 265, 300+, 312).
"""
from ..diagram import PowerDiagram
from ..diagram._frame import CellsRejected
from ..domains import Box
from ..measures import Uniform
from ._start import poor_start, similarity, voronoi_heights

# a stage stops at this max relative error of mu_t; 1 - t shrinks by FACTOR a stage, at most MAX_STAGES times;
# the domain takes over once its cells carry READY x their mass. Measured (square with two holes, 2400 targets;
# annulus to two disks, 3000): FACTOR 10 and STAGE_TOL 0.05 took 48 and 97 steps, these 35 and 76, FACTOR 2 36
# and 68 (with more stages, slower); from the Voronoi start, 265 and 366
_STAGE_TOL = 0.3
_READY = 0.2
_MAX_STAGES = 8
_FACTOR = 4
def needs_continuation(pd, nu):
    """Whether the start ``pd`` (a :class:`~geomot.PowerDiagram`) on a non-convex domain is poor
    (:func:`._start.poor_start`)."""
    return not getattr(pd.source.domain, "is_convex", True) and poor_start(pd, nu)


def continuation(pd, nu, newton):
    """The diagram of the domain at the end of the continuation, or None if a cell of it is still empty.

    ``pd``: the diagram of the start on the domain (its points and source);
    ``newton(diagram, tol) -> diagram`` runs damped Newton on a diagram or a
    :class:`Blend` (the solver's loop, its steps recorded in the solve's history).
    """
    box = Uniform(Box(*pd.source.domain.bounds))
    current = newton(PowerDiagram(pd.points, voronoi_heights(pd.points, similarity(box, pd.points)), box), _STAGE_TOL)
    gap = 1.0
    for _ in range(_MAX_STAGES):
        domain = current.domain if isinstance(current, Blend) else pd.with_halfweights(current.halfweights)
        if (domain.masses >= _READY * nu).all():
            break
        gap /= _FACTOR
        current = newton(Blend(current.box if isinstance(current, Blend) else current, domain, 1 - gap), _STAGE_TOL)
    else:
        domain = current.domain
    return domain if (domain.masses > 0).all() else None


class Blend:
    """The cells of the blend ``mu_t`` (module docstring), with the solver's interface of a diagram.

    Parameters
    ----------
    box, domain : PowerDiagram
        The diagrams of the same points and half weights on the bounding box and on the domain.
    t : float in (0, 1)
    """

    def __init__(self, box, domain, t):
        self.box, self.domain, self.t = box, domain, t

    @property
    def halfweights(self):
        return self.box.halfweights

    @property
    def heights(self):
        return self.domain.heights

    @property
    def masses(self):
        return (1 - self.t) * self.box.masses + self.t * self.domain.masses

    def unit_hessian(self):
        return (1 - self.t) * self.box.unit_hessian() + self.t * self.domain.unit_hessian()

    def with_halfweights(self, g, *, warm=True, floor=0.0, rebuild=True, suspects=None, centred=False):
        """Both diagrams at half weights ``g`` (``centred``: at the mean-zero user heights they round to); a
        blended cell mass below ``floor`` refuses them."""
        out = Blend(self.box.with_halfweights(g, warm=warm, rebuild=rebuild, centred=centred),
                    self.domain.with_halfweights(g, warm=warm, rebuild=rebuild, centred=centred), self.t)
        if out.masses.min() < floor:
            raise CellsRejected
        return out
