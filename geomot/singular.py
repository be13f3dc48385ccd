r"""The singular set of a semi-discrete optimal transport map (2D and 3D).

Where the target support is not convex the Brenier map ``T = grad u_h`` jumps
(paper notes §5). In the discrete setting, the facet ``F_ij`` between adjacent
cells is crossed by a jump of ``|y_i - y_j|``. A facet is *singular* when that
jump is large compared with the spacing of the targets around ``y_i`` and
``y_j``; its normals ``(y_i, -1)``, ``(y_j, -1)`` then make the angle

.. math:: \cos\theta_{ij} = \frac{\langle y_i, y_j\rangle + 1}{\sqrt{(|y_i|^2 + 1)(|y_j|^2 + 1)}}.

Singular facets chain into the curves of ``Sigma_1`` (ridges of ``u_h``);
where three or more meet, the power vertex has a large triangle as
subgradient: a point of ``Sigma_2`` (a branch point, or a point whose
subgradient covers a hole of the target support). The discrete set is resolved
to the size of the cells: :func:`singular_set` summarises it at a length scale
of three cell spacings (its Notes), so that the counts of curves, branch points
and surfaces are those of the geometry, not of the staircase of cells.

In 3D the facets are polygons and the singular facets tile the singular
surfaces: the folds of the displacement interpolation
``rho_t = ((1 - t) id + t T)_# mu``, which tears along them into the two
sheets ``(1 - t) F_ij + t y_i`` and ``(1 - t) F_ij + t y_j`` (paper Fig. 11).

The spacing rule, calibrated on uniform samples (cube, ball; grids in 2D),
measures the spacing ``s_i`` by the k-th nearest target: k = 4 in 2D, k = 8
in 3D, about half the mean number of Voronoi neighbours (6 and 15.5). Between
neighbouring cells of a convex, evenly sampled support the ratio
``|y_i - y_j| / max(s_i, s_j)`` stayed below 4 in 2D and below 3.0 in 3D (four
samples of 10^4 points, cube and ball); the default thresholds are 5 and 4.
The rule is one object, :class:`SpacingRule`, used by :func:`singular_set`,
the pyOMT rule of :mod:`geomot.generative.latent` and
:class:`geomot.OTGenerator`; :class:`AngleRule` is the paper's angle
criterion with the same interface.
"""
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, QhullError, cKDTree

from ._kernels.sampling.assign import top2_cpu

from .diagram import PowerDiagram
from .result import OTResult
from ._validate import as_choice, as_float_array, as_positive, show
from .errors import GeomotError


def _lengths(values):
    """Up to three numbers of a summary, plain (``0.59, 0.58, 0.52, ...``)."""
    text = ", ".join(f"{float(v):.3g}" for v in values[:3])
    return text + (", ..." if len(values) > 3 else "")


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(repr=False)
class SingularSet:
    """Singular facets, curves and points of a 2D semi-discrete OT map.

    Attributes
    ----------
    pairs : ndarray of int64, shape (k, 2)
        Cells ``i < j`` on either side of each singular facet: every facet
        the rule flags (the map jumps across each of them).
    segments : ndarray, shape (k, 2, 2)
        End points of each singular facet.
    jumps : ndarray, shape (k,)
        ``|y_i - y_j|``, the jump of the map across the facet.
    angles : ndarray, shape (k,)
        ``theta_ij`` (radians) between the supporting planes' normals.
    curves : list of ndarray, each (m, 2)
        ``Sigma_1`` as polylines, longest first; a closed curve repeats its
        first point last. Pieces shorter than ``scale`` are left out
        (:func:`singular_set`, Notes).
    lengths : ndarray, shape (len(curves),)
        Length of each curve (decreasing).
    branch_points : ndarray, shape (p, 2)
        ``Sigma_2`` points: where three or more curves meet, and isolated
        points whose subgradient covers a hole of the target support.
    branch_degree : ndarray of int64, shape (p,)
        How many curve ends meet at each point (0 for an isolated point).
    fragment : ndarray of bool, shape (k,)
        The singular facets left out of ``curves`` and ``branch_points``:
        spurs and stray pieces shorter than ``scale``.
    scale : float
        The length below which a piece is not resolved (Notes of :func:`singular_set`).
    criterion, threshold
        The rule used: ``"spacing"`` (jump > threshold x local spacing) or ``"angle"``.
    """

    pairs: np.ndarray
    segments: np.ndarray
    jumps: np.ndarray
    angles: np.ndarray
    curves: list
    lengths: np.ndarray
    branch_points: np.ndarray
    branch_degree: np.ndarray
    fragment: np.ndarray
    scale: float
    criterion: str
    threshold: float

    def __repr__(self):
        curves = _plural(len(self.curves), "curve")
        if len(self.curves):
            curves += f" (length {_lengths(self.lengths)})"
        return (f"SingularSet({self.criterion} rule, threshold={show(self.threshold)}: "
                f"{_plural(len(self.pairs), 'facet')}, {curves}, "
                f"{_plural(len(self.branch_points), 'Sigma_2 point')}, scale={self.scale:.3g})")


@dataclass(repr=False)
class SingularSet3D:
    """Singular facets (the singular surfaces) of a 3D semi-discrete OT map.

    Attributes
    ----------
    pairs : ndarray of int64, shape (k, 2)
        Cells ``i < j`` on either side of each singular facet.
    polygons : list of k ndarrays, each (m, 3)
        The vertices of each singular facet ``F_ij``, in order around it.
    areas : ndarray, shape (k,)
        Area of each facet.
    jumps : ndarray, shape (k,)
        ``|y_i - y_j|``, the jump of the map across the facet.
    angles : ndarray, shape (k,)
        ``theta_ij`` (radians) between the supporting planes' normals.
    component : ndarray of int64, shape (k,)
        The surface each facet belongs to (facets sharing a vertex are on one
        surface), numbered by decreasing area; -1 for a fragment: a surface
        of area below ``scale**2``.
    surface_areas : ndarray, shape (number of surfaces,)
        Area of each surface (decreasing).
    scale : float
        ``scale**2`` is the area below which a surface is a fragment (:func:`singular_set`, Notes).
    criterion, threshold
        The rule used: ``"spacing"`` (jump > threshold x local spacing) or ``"angle"``.
    """

    pairs: np.ndarray
    polygons: list
    areas: np.ndarray
    jumps: np.ndarray
    angles: np.ndarray
    component: np.ndarray
    surface_areas: np.ndarray
    scale: float
    criterion: str
    threshold: float

    @property
    def total_area(self):
        """Total area of the singular facets (fragments included)."""
        return float(self.areas.sum())

    def __repr__(self):
        surfaces = _plural(len(self.surface_areas), "surface")
        if len(self.surface_areas):
            surfaces += f" (area {_lengths(self.surface_areas)})"
        return (f"SingularSet3D({self.criterion} rule, threshold={show(self.threshold)}: "
                f"{_plural(len(self.pairs), 'facet')}, {surfaces}, scale={self.scale:.3g})")


# spacing rule per dimension: (k of the k-th nearest neighbour spacing, default threshold); module docstring.
# Any other dimension (the latent spaces of geomot.generative, d = 4 ... a few hundred) gets _SPACING_RULE_ND.
_SPACING_RULE = {2: (4, 5.0), 3: (8, 4.0)}
_SPACING_RULE_ND = (4, 5.0)


@dataclass(frozen=True)
class SpacingRule:
    r"""The spacing rule for singular facets: the facet between cells ``i`` and ``j`` is singular when

    .. math:: |y_i - y_j| > \mathrm{threshold} \cdot \max(s_i, s_j),

    ``s_i`` the distance from ``y_i`` to its ``k``-th nearest other target
    (:func:`local_spacing`). The rule is scale-free: it compares the jump of
    the map across the facet with the spacing of the targets on either side.

    Parameters
    ----------
    k : int
        Which nearest neighbour measures the local spacing ``s_i`` (>= 1).
    threshold : float
        Positive, finite.

    Notes
    -----
    :meth:`default` gives the calibrated rule of a dimension: k = 4 and
    threshold 5 in 2D, k = 8 and threshold 4 in 3D (module docstring), and
    k = 4, threshold 5 in every other dimension, the rule the latent spaces of
    :mod:`geomot.generative` have always used. That choice was measured, not
    only inherited: for uniform targets in the unit cube (n = 10^3 and 10^4,
    three seeds, the top-two cells of 2 x 10^5 uniform draws) the largest
    ratio ``|y_i - y_j| / max(s_i, s_j)`` between adjacent cells with k = 4 was
    3.1 at d = 4, 2.3 at d = 8, 1.9 at d = 16, 1.6 at d = 32, 1.5 at d = 64 and
    1.3 at d = 128: below 5 everywhere, so an evenly sampled convex support has
    no singular facet, and ever further below it as d grows (the spacing
    concentrates), so in high dimension the rule flags only jumps well beyond
    the local spacing. A larger k did not separate the two better (k = 8: 2.2
    at d = 4, 1.3 at d = 128).

    The spacing is a k-d tree query over all targets: bind the rule to the
    targets once (:meth:`bind`) and ask the bound rule, rather than calling
    :meth:`is_singular` repeatedly.

    Examples
    --------
    >>> import numpy as np
    >>> blob = np.random.default_rng(0).random((50, 2)) * 0.1
    >>> y = np.r_[blob, blob + 5.0]              # two blobs, 50 targets each
    >>> rule = SpacingRule.default(2)
    >>> rule
    SpacingRule(k=4, threshold=5.0)
    >>> bound = rule.bind(y)                     # the spacing s, once
    >>> bound.is_singular([0, 0], [1, 50]).tolist()
    [False, True]
    """

    k: int = 4
    threshold: float = 5.0
    criterion: ClassVar[str] = "spacing"

    def __post_init__(self):
        if isinstance(self.k, bool) or not isinstance(self.k, (int, np.integer)) or self.k < 1:
            raise GeomotError(f"SpacingRule k must be an integer >= 1; got {show(self.k)}")
        object.__setattr__(self, "k", int(self.k))
        object.__setattr__(self, "threshold", as_positive(self.threshold, "threshold"))

    @classmethod
    def default(cls, dim, threshold=None):
        """The calibrated rule of dimension ``dim`` (class Notes), with ``threshold`` if one is given."""
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
            raise GeomotError(f"dim must be an integer >= 1; got {show(dim)}")
        k, default = _SPACING_RULE.get(int(dim), _SPACING_RULE_ND)
        return cls(k, default if threshold is None else threshold)

    def spacing(self, points):
        """``s``, shape (n,): the distance from each target to its k-th nearest other target."""
        return local_spacing(points, self.k)

    def bind(self, points):
        """The rule on the targets ``points`` (n, d), their spacing computed once: a :class:`BoundRule`."""
        points = np.asarray(points, dtype=float)
        return BoundRule(self, points, self.spacing(points))

    def is_singular(self, points, i, j):
        """Mask: is the facet between ``i[k]`` and ``j[k]`` singular? (Computes the spacing: see :meth:`bind`.)"""
        return self.bind(points).is_singular(i, j)


@dataclass(frozen=True)
class AngleRule:
    r"""The paper's angle rule: the facet between cells ``i`` and ``j`` is singular when ``theta_ij > threshold``.

    ``theta_ij`` is the angle between the normals ``(y_i, -1)`` and
    ``(y_j, -1)`` of the supporting planes (:func:`normal_angles`), in
    radians. It depends on the units of ``y``, so there is no default
    threshold. Same interface as :class:`SpacingRule`.
    """

    threshold: float
    criterion: ClassVar[str] = "angle"

    def __post_init__(self):
        object.__setattr__(self, "threshold", as_positive(self.threshold, "threshold"))

    def bind(self, points):
        """The rule on the targets ``points`` (n, d): a :class:`BoundRule`."""
        return BoundRule(self, np.asarray(points, dtype=float), None)

    def is_singular(self, points, i, j):
        """Mask: is the facet between ``i[k]`` and ``j[k]`` singular?"""
        return self.bind(points).is_singular(i, j)


@dataclass(frozen=True, eq=False)
class BoundRule:
    """A :class:`SpacingRule` or :class:`AngleRule` bound to its targets, for any number of queries.

    Attributes
    ----------
    rule : SpacingRule or AngleRule
    points : ndarray, shape (n, d)
        The targets ``y``.
    spacing : ndarray, shape (n,), or None
        ``s_i`` (:meth:`SpacingRule.spacing`); None for an :class:`AngleRule`.
        ``inf`` when there is a single target.
    """

    rule: object
    points: np.ndarray = field(repr=False)
    spacing: object = field(repr=False)

    @property
    def criterion(self):
        return self.rule.criterion

    @property
    def threshold(self):
        return self.rule.threshold

    def ratio(self, i, j):
        """The quantity the rule compares with its threshold, for index arrays ``i``, ``j`` of one shape.

        Spacing rule: ``|y_i - y_j| / max(s_i, s_j)``; angle rule: ``theta_ij``.
        """
        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        y = self.points
        if self.spacing is None:
            return normal_angles(y, np.column_stack([i.ravel(), j.ravel()])).reshape(i.shape)
        return np.linalg.norm(y[i] - y[j], axis=-1) / np.maximum(self.spacing[i], self.spacing[j])

    def is_singular(self, i, j, factor=1.0):
        """Mask, shape of ``i``: is the facet between ``i`` and ``j`` singular (``factor * threshold`` if given)?

        Spacing rule: ``|y_i - y_j| > factor * threshold * max(s_i, s_j)``;
        angle rule: ``theta_ij > factor * threshold``.
        """
        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        limit = factor * self.rule.threshold
        if self.spacing is None:
            return self.ratio(i, j) > limit
        y = self.points
        return np.linalg.norm(y[i] - y[j], axis=-1) > limit * np.maximum(self.spacing[i], self.spacing[j])

    def mask(self, pairs, factor=1.0):
        """:meth:`is_singular` for the rows ``(i, j)`` of ``pairs``, shape (k, 2): mask of shape (k,)."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return self.is_singular(pairs[:, 0], pairs[:, 1], factor)


def as_rule(points, threshold=None, criterion="spacing", rule=None):
    """The rule bound to ``points``: ``rule`` (a rule, or a :class:`BoundRule` of these points) or the one
    that ``threshold`` and ``criterion`` name (:meth:`SpacingRule.default` of the points' dimension).

    With ``rule``, ``threshold`` must be None and ``criterion`` is the rule's own.
    """
    points = np.asarray(points, dtype=float)
    as_choice(criterion, "criterion", ("spacing", "angle"))
    if rule is not None:
        if threshold is not None:
            raise GeomotError("give either rule or threshold, not both")
        if criterion == "angle" and getattr(rule, "criterion", None) != "angle":
            raise GeomotError(f"criterion='angle' and a rule of criterion {getattr(rule, 'criterion', None)!r}: "
                              f"give either rule or criterion")
        if isinstance(rule, BoundRule):
            if rule.points is not points and (rule.points.shape != points.shape
                                              or not np.array_equal(rule.points, points)):
                raise GeomotError(f"rule is bound to other targets (shape {rule.points.shape}); "
                                  f"expected the targets of shape {points.shape}")
            return rule
        if isinstance(rule, (SpacingRule, AngleRule)):
            return rule.bind(points)
        raise GeomotError(f"rule must be a SpacingRule, an AngleRule or a bound rule; got {type(rule).__name__}")
    if criterion == "spacing":
        return SpacingRule.default(points.shape[1], threshold).bind(points)
    if threshold is None:
        raise GeomotError("criterion='angle' needs a threshold in radians")
    return AngleRule(threshold).bind(points)


def normal_angles(y, pairs):
    """``theta_ij`` between ``(y_i, -1)`` and ``(y_j, -1)`` for each row of ``pairs``."""
    a, b = y[pairs[:, 0]], y[pairs[:, 1]]
    cos = ((a * b).sum(1) + 1) / np.sqrt(((a * a).sum(1) + 1) * ((b * b).sum(1) + 1))
    return np.arccos(np.clip(cos, -1.0, 1.0))


def local_spacing(y, k=4):
    """Distance from each target to its k-th nearest other target (a scale for "nearby"; k = 4 in 2D, 8 in 3D).

    Unlike Delaunay edge lengths it is not inflated by edges that bridge a gap
    of the support, so points on the rim of a cluster keep the cluster's scale.
    """
    n = len(y)
    if n < 2:
        return np.full(n, np.inf)
    k = min(k, n - 1)
    return cKDTree(y).query(y, k + 1)[0][:, k]


# the resolution of the discrete singular set, in source-side spacings of the cells (singular_set, Notes)
_RESOLUTION = 3.0


def singular_set(result, threshold=None, criterion="spacing", *, rule=None):
    r"""Extract the singular set of a 2D or 3D OT map.

    Parameters
    ----------
    result : OTResult or PowerDiagram
        An exact result (``method="newton"``), or the diagram of any result
        (``gm.PowerDiagram(res.points, res.heights, res.source)``).
    threshold : float, optional
        ``criterion="spacing"`` (the rule :meth:`SpacingRule.default`): a facet is singular when
        ``|y_i - y_j| > threshold * max(s_i, s_j)``, ``s_i`` the distance from
        ``y_i`` to its k-th nearest target, k = 4 in 2D and 8 in 3D (default
        threshold 5 in 2D, 4 in 3D: scale-free, above the largest ratio
        between neighbouring cells of convex, evenly sampled supports; see the
        module docstring). In 2D, gaps are closed as in edge detection: a
        facet above ``0.6 * threshold`` whose two ends both touch singular
        facets is singular too, so that sampling noise does not cut a ridge in
        pieces (spurs are not added: a spur has a free end). In 3D a facet
        missing from a surface leaves a hole, not a cut, and no gap is closed.
        ``criterion="angle"``: when ``theta_ij > threshold`` (radians, the
        paper's criterion; no default, it depends on the units of ``y``).
    criterion : {"spacing", "angle"}
    rule : SpacingRule or AngleRule, optional
        The rule itself, instead of ``threshold`` and ``criterion`` (for
        instance ``SpacingRule(k=6, threshold=4.5)``); 2D gap closing applies
        to a spacing rule as above.

    Returns
    -------
    SingularSet (2D: facets, curves, branch points) or SingularSet3D (3D: facets, surfaces)

    Notes
    -----
    The facets tell where the map jumps; the summary (curves and points in 2D,
    surfaces in 3D) is the geometry the facets resolve. The discrete singular
    set is a chain of cell edges, so it is resolved to about the size of the
    cells: the *scale* is

    .. math:: \ell = 3 \, \operatorname{median}_i \sigma_i,

    ``sigma_i`` the spacing of the cells on the singular facets in the source,
    measured as the rule measures the targets' (distance from the barycentre
    of ``W_i`` to the k-th nearest barycentre, :func:`local_spacing`). The
    factor 3 was measured on the paper's configurations (Fig. 5, 8, 9, 10,
    two mirrored clusters): the staircase pieces of the cells along a concave
    corner of a sampled support, and the cluster of facets around a point
    whose subgradient covers a hole, were at most 2.1 sigma long; the shortest
    curve of the geometry was 7.9 sigma long (Fig. 10, n = 4000). In 2D:

    - a connected piece of extent (bounding-box diagonal) below ``ell``, or
      left without a curve by the two rules below, is one point of
      ``Sigma_2`` when its subgradient covers a hole (the hull of
      its cells' targets has ``2 area / perimeter`` above half a singular
      jump, ``threshold * s / 2`` with the default spacing rule's threshold and
      the median spacing ``s`` of those targets), else a fragment;
    - a spur shorter than ``ell`` (a curve with a free end) is a fragment;
    - branch nodes joined by a curve shorter than ``ell`` are one branch point.

    In 3D the singular facets sharing a vertex form one surface; a surface of
    area below ``ell**2`` is a fragment.
    """
    diagram = _exact_diagram(result)
    y = diagram.points
    dim = y.shape[1]
    if dim not in _SPACING_RULE:
        raise GeomotError(f"singular_set supports 2D and 3D diagrams; got dimension {dim}")
    bound = as_rule(y, threshold, criterion, rule)
    criterion, threshold = bound.criterion, bound.threshold
    pairs, facets = diagram.facets()
    if dim == 3:
        pairs, facets, areas = _measured_facets(diagram, pairs, facets)
    if criterion == "spacing" and dim == 2:
        singular = _close_gaps(bound, pairs, facets, diagram)
    else:
        singular = bound.mask(pairs)
    keep = np.flatnonzero(singular)
    pairs = pairs[keep]
    jumps = np.linalg.norm(y[pairs[:, 0]] - y[pairs[:, 1]], axis=1)
    angles = normal_angles(y, pairs)
    scale = _scale(diagram, pairs)
    if dim == 3:
        polygons = diagram.source.domain.cut_polygons([facets[i] for i in keep])
        component, surface_areas = _surfaces(polygons, areas[keep], diagram, scale)
        return SingularSet3D(pairs, polygons, areas[keep], jumps, angles, component, surface_areas, scale,
                             criterion, threshold)
    segments = facets[keep]
    curves, points, degree, fragment = _structure(segments, pairs, diagram, scale, _hole_test(y))
    lengths = np.array([np.linalg.norm(np.diff(c, axis=0), axis=1).sum() for c in curves])
    order = np.argsort(-lengths, kind="stable")
    curves, lengths = [curves[k] for k in order], lengths[order]
    return SingularSet(pairs, segments, jumps, angles, curves, lengths, points, degree, fragment, scale,
                       criterion, threshold)


def _exact_diagram(result):
    """The power diagram of ``result`` (an exact OTResult or a PowerDiagram), or a GeomotError saying what to pass."""
    if isinstance(result, PowerDiagram):
        return result
    if isinstance(result, OTResult):
        if result.diagram is None:
            raise GeomotError("result must be an exact result (method='newton') or a PowerDiagram; got a Monte "
                              "Carlo result, which has no cells: pass gm.PowerDiagram(res.points, res.heights, "
                              "res.source) in 2D or 3D")
        return result.diagram
    raise GeomotError(f"result must be an OTResult or a PowerDiagram; got {type(result).__name__}")


def _scale(diagram, pairs):
    """``ell = 3 median sigma_i`` over the cells of ``pairs`` (:func:`singular_set`, Notes); 0 with no pair."""
    if len(pairs) == 0:
        return 0.0
    full = np.flatnonzero(~diagram.empty)
    k = SpacingRule.default(diagram.points.shape[1]).k
    sigma = np.full(len(diagram.empty), np.nan)
    sigma[full] = local_spacing(diagram.barycenters[full], k)
    return float(_RESOLUTION * np.median(sigma[np.unique(pairs)]))


def _hole_test(y):
    """``covers(cells)``: does the hull of ``y[cells]`` hold a hole, ``2 area / perimeter > threshold s / 2``?

    ``threshold`` and the spacing ``s`` (median over ``cells``) are those of :meth:`SpacingRule.default`.
    """
    rule = SpacingRule.default(y.shape[1])
    spacing = rule.spacing(y)

    def covers(cells):
        if len(cells) < 3:
            return False
        try:
            hull = ConvexHull(y[cells])
        except QhullError:  # collinear targets: a segment, no hole
            return False
        return 2 * hull.volume / hull.area > rule.threshold * float(np.median(spacing[cells])) / 2

    return covers


def _surfaces(polygons, areas, diagram, scale):
    """The surfaces of the 3D singular facets: ``(component, surface_areas)`` (:class:`SingularSet3D`)."""
    if not polygons:
        return np.empty(0, np.int64), np.empty(0)
    lo, hi = diagram.source.domain.bounds
    vertices = np.vstack(polygons)
    owner = np.repeat(np.arange(len(polygons)), [len(q) for q in polygons])
    close = cKDTree(vertices).query_pairs(1e-9 * float(np.linalg.norm(hi - lo)), output_type="ndarray")
    link = coo_array((np.ones(len(close)), (owner[close[:, 0]], owner[close[:, 1]])), shape=(len(polygons),) * 2)
    label = connected_components(link, directed=False)[1]
    total = np.bincount(label, weights=areas)
    ranked = np.argsort(-total, kind="stable")
    ranked = ranked[total[ranked] >= scale ** 2]
    number = np.full(len(total), -1, np.int64)
    number[ranked] = np.arange(len(ranked))
    return number[label], total[ranked]


def near_singular_set(result, sing, x, width):
    r"""Which source points lie within ``width`` of a singular facet of their cell: the lips of the folds.

    ``x`` lies in the cell ``W_i`` of ``i = argmax_k <x, y_k> + h_k``; its
    distance to the plane of the facet ``F_ij`` is
    ``(<x, y_i> + h_i - <x, y_j> - h_j) / |y_i - y_j| >= 0``. A point is
    flagged when this distance is below ``width`` for some singular pair
    ``(i, j)`` (then it is within ``width`` of ``F_ij`` itself, up to points
    beyond an edge of the facet). Under ``(1 - t) id + t T`` the flagged
    points on the two sides of ``F_ij`` drift ``t |y_i - y_j|`` apart.

    Parameters
    ----------
    result : OTResult
    sing : SingularSet or SingularSet3D
        Of the same result.
    x : array_like, shape (m, d)
    width : float

    Returns
    -------
    ndarray of bool, shape (m,)
    """
    if not isinstance(result, OTResult):
        raise GeomotError(f"result must be an OTResult; got {type(result).__name__}")
    if not isinstance(sing, (SingularSet, SingularSet3D)):
        raise GeomotError(f"sing must be the SingularSet of the result (gm.singular_set(result)); "
                          f"got {type(sing).__name__}")
    y, h = result.points, result.heights
    if len(sing.pairs) and sing.pairs.max() >= len(y):
        raise GeomotError(f"sing must be the singular set of this result ({len(y)} targets); "
                          f"it names cell {int(sing.pairs.max())}")
    x = as_float_array(x, "x", (None, y.shape[1]))
    width = as_positive(width, "width")
    best = top2_cpu(x, y, h)[0]
    # singular partners of every cell, CSR (ptr, partner)
    a, b = np.r_[sing.pairs[:, 0], sing.pairs[:, 1]], np.r_[sing.pairs[:, 1], sing.pairs[:, 0]]
    order = np.argsort(a, kind="stable")
    ptr = np.r_[0, np.cumsum(np.bincount(a, minlength=len(y)))]
    count = np.diff(ptr)[best]
    row = np.repeat(np.arange(len(x)), count)  # one row per (sample, singular partner of its cell)
    k = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    i, j = best[row], b[order][ptr[best[row]] + k]
    d = y[i] - y[j]
    dist = (np.einsum("md,md->m", x[row], d) + h[i] - h[j]) / np.linalg.norm(d, axis=1)
    near = np.zeros(len(x), bool)
    near[row[dist < width]] = True
    return near


def _measured_facets(diagram, pairs, polygons):
    """Keep the facets of positive measure in ``diagram.facet_measures``; return them with those measures.

    On a Ball, ``facets()`` gives the cells' facets within the bounding cube:
    some lie outside the ball (measure 0), others are only partly inside (the
    exact areas are the diagram's).
    """
    indptr, indices = diagram.neighbors
    n = len(indptr) - 1
    key = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr)) * n + indices  # sorted: rows and rows' entries
    want = pairs[:, 0] * n + pairs[:, 1]
    at = np.minimum(np.searchsorted(key, want), max(len(key) - 1, 0))
    areas = np.where(key[at] == want, diagram.facet_measures[at], 0.0) if len(key) else np.zeros(len(pairs))
    keep = np.flatnonzero(areas > 0)
    return pairs[keep], [polygons[k] for k in keep], areas[keep]


def _close_gaps(bound, pairs, segments, diagram):
    """2D spacing rule with gap closing (see :func:`singular_set`): mask of the singular facets ``pairs``."""
    weak = np.flatnonzero(bound.mask(pairs, factor=0.6))
    a, b, where = _nodes(segments[weak], diagram)
    strong = bound.mask(pairs[weak])
    touches = np.zeros(len(where), bool)
    touches[a[strong]] = touches[b[strong]] = True
    singular = np.zeros(len(pairs), bool)
    singular[weak[strong | (touches[a] & touches[b])]] = True
    return singular


def _nodes(segments, diagram):
    """Node ids of the two ends of each segment (ends closer than 1e-9 x the domain size are one node).

    Returns ``(a, b, where)``: node ids of first and second ends, node coordinates.
    """
    if len(segments) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty((0, 2))
    lo, hi = diagram.source.domain.bounds
    tol = 1e-9 * float(np.linalg.norm(hi - lo))
    ends = segments.reshape(-1, 2)
    close = cKDTree(ends).query_pairs(tol, output_type="ndarray")
    m = len(ends)
    link = coo_array((np.ones(len(close)), (close[:, 0], close[:, 1])), shape=(m, m))
    node = connected_components(link, directed=False)[1]
    where = np.zeros((node.max() + 1, 2))
    where[node] = ends
    return node[0::2], node[1::2], where


def _structure(segments, pairs, diagram, scale, sigma2):
    """Sigma_1 curves and Sigma_2 points of the singular facets, cleaned at the length ``scale``.

    The facets are a graph on their end points (:func:`_nodes`). A piece is
    shorter than ``scale`` (:func:`singular_set`, Notes) when:

    1. it is a spur (a curve from a branch node to a free end, or with both
       ends free): it is dropped;
    2. it joins two branch nodes: they are one branch point (at their
       midpoint; the curve between them is part of it).

    These repeat until nothing changes (each pass removes a curve). Then a
    connected piece of the facets with no curve left, or of extent
    (bounding-box diagonal) below ``scale``, is one point: a Sigma_2 point if
    ``sigma2(cells)`` says its subgradient covers a hole, else a fragment.

    Returns ``(curves, points, degree, fragment)``: polylines, Sigma_2 points
    (k, 2), how many curve ends meet at each point (0: an isolated point),
    and a mask over the facets of those dropped as fragments or spurs.
    """
    fragment = np.zeros(len(segments), bool)
    if len(segments) == 0:
        return [], np.empty((0, 2)), np.empty(0, np.int64), fragment
    a, b, where = _nodes(segments, diagram)
    real = a != b  # facets shorter than the snapping tolerance (co-circular vertices) are points
    alive = real.copy()
    link = coo_array((np.ones(int(alive.sum())), (a[alive], b[alive])), shape=(len(where),) * 2)
    piece = connected_components(link, directed=False)[1][a]
    ends = where[np.r_[a, b]].reshape(2, -1, 2)
    small = [c for c in np.unique(piece[alive])
             if np.linalg.norm(np.ptp(ends[:, piece == c].reshape(-1, 2), axis=0)) < scale]
    alive &= ~np.isin(piece, small)
    while True:
        degree = np.bincount(np.r_[a[alive], b[alive]], minlength=len(where))
        short = [(path[0], path[-1], edges) for path, edges in _chains(a, b, alive, degree)
                 if np.linalg.norm(np.diff(where[path], axis=0), axis=1).sum() < scale]
        spurs = [e for u, v, e in short if min(degree[u], degree[v]) == 1]
        bridges = [(u, v, e) for u, v, e in short if u != v and min(degree[u], degree[v]) >= 3]
        if spurs:
            for e in spurs:
                alive[e], fragment[e] = False, True
        elif bridges:
            u, v, e = bridges[0]
            alive[e] = False
            where[u] = (where[u] + where[v]) / 2
            a[a == v], b[b == v] = u, u
        else:
            break
    isolated = []
    for c in np.setdiff1d(np.unique(piece[real]), piece[alive]):
        mine = piece == c
        fragment[mine] = not sigma2(np.unique(pairs[mine]))
        if not fragment[mine].any():
            isolated.append(ends[:, mine].reshape(-1, 2).mean(0))
    curves = [where[path] for path, _ in _chains(a, b, alive, degree)]
    branch = np.flatnonzero(degree >= 3)
    points = np.vstack([where[branch], np.reshape(isolated, (-1, 2))])
    return curves, points, np.r_[degree[branch], np.zeros(len(isolated))].astype(np.int64), fragment


def _chains(a, b, alive, degree):
    """Chain the alive edges sharing end nodes into ``(node path, edge indices)`` pairs."""
    live = np.flatnonzero(alive)
    nnodes = len(degree)
    ends_of = np.r_[a[live], b[live]]
    ptr = np.r_[0, np.cumsum(np.bincount(ends_of, minlength=nnodes))]
    edge_at = np.tile(live, 2)[np.argsort(ends_of, kind="stable")]  # node -> incident edges, CSR (ptr, edge_at)
    used = np.zeros(len(a), bool)
    out = []

    def walk(first, e):
        path, edges, cur = [first], [], first
        while True:
            used[e] = True
            edges.append(e)
            cur = b[e] if a[e] == cur else a[e]
            path.append(cur)
            if degree[cur] != 2:
                return path, edges
            nxt = [f for f in edge_at[ptr[cur]:ptr[cur + 1]] if not used[f]]
            if not nxt:
                return path, edges
            e = nxt[0]

    for v in np.flatnonzero(degree != 2):
        for e in edge_at[ptr[v]:ptr[v + 1]]:
            if not used[e]:
                out.append(walk(v, e))
    for e in live:
        if not used[e]:
            out.append(walk(a[e], e))
    return out
