r"""A generative model by semi-discrete optimal transport (paper notes §7).

Fit: solve the OT problem from the uniform measure on the unit square to the
training samples ``y_i`` (masses ``1/N``; a sample repeated ``k`` times is one
target of mass ``k/N``). Sample: draw ``x`` on the square (scrambled Sobol
points by default, so that the number of draws in every cell region follows
its mass without Monte Carlo noise) and map it by the *piecewise-linear
extension* of the OT map (:mod:`geomot.generative.interpolant`): the cell
barycentres ``c_i`` are triangulated (Delaunay), ``x`` in triangle
``(i, j, k)`` with barycentric coordinates ``(l_i, l_j, l_k)`` goes to
``l_i y_i + l_j y_j + l_k y_k``. Triangles that straddle the singular set (an
edge ``(i, j)`` whose jump ``|y_i - y_j|`` exceeds ``threshold`` times the local
sample spacing, the rule of :func:`geomot.singular_set`) are removed, so no
sample falls in the gaps between modes. A draw that lands in a removed triangle
(or outside the triangulation) stays with the training sample ``y_i`` whose
power cell it fell in: it is redrawn in a kept triangle at ``y_i`` (uniform over
those triangles and inside the chosen one), so every training sample keeps the
mass its cell carries and the mode proportions are those of the data. A sample
with no kept triangle is returned as ``y_i`` itself. Collinear data are
interpolated along their line (segments between consecutive cells).

The OT solve runs on the data mapped into the square,
``y' = 1/2 + (y - center) / scale``: the cells do not change (a translation of
the targets adds the same affine function ``<x, t>`` to every plane
``<x, y_i> + h_i``, a scaling by ``s`` multiplies the heights by ``s``), and
the solver works on targets at its own scale.

``OTGenerator`` is a scikit-learn estimator; this module imports scikit-learn
(``pip install geomot[generative]``), and ``geomot.OTGenerator`` imports it on
first use.
"""
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from .._validate import as_count, as_flag, as_float_array, as_positive, as_seed
from ..domains import Box
from ..errors import GeomotError
from ..measures import Uniform
from ..measures._sampling import UnitCube
from ..singular import SpacingRule, singular_set
from ..solvers import solve
from .interpolant import PiecewiseLinear

SQUARE = Box([0.0, 0.0], [1.0, 1.0])
#: the data fill this fraction of the square's side in the solver's frame
FILL = 0.9


class OTGenerator(BaseEstimator):
    """Semi-discrete OT generator for 2D data: a scikit-learn estimator with ``fit`` / ``sample``.

    The constructor only stores its parameters (``get_params``, ``set_params``
    and ``sklearn.base.clone`` work as for any estimator); they are validated
    by :meth:`fit`.

    Parameters
    ----------
    threshold : float, default 5.0
        Singular-edge rule, :class:`geomot.SpacingRule` with k = 4 (the 2D
        default): an edge ``(i, j)`` of the barycentre triangulation is
        singular when ``|y_i - y_j| > threshold * max(s_i, s_j)``, ``s`` the
        distance of each training sample to its 4th nearest other sample.
        Positive and finite.
    tol : float, default 1e-6
        Tolerance of the OT solve (max relative cell-mass error). Positive and
        finite. A cell-mass error of ``tol / N`` moves the expected share of
        the generated samples that a cell region receives by as much, far
        below the noise of any sample of ``m`` points; smaller values cost
        Newton steps and, from about N = 1e5 on, fall below the solve's
        precision floor (``result_.precision_floor``: 1e-7 on the 25-Gaussian
        grid at N = 1e5, 2.6e-7 on the ring).

    Attributes
    ----------
    data_ : ndarray of float64, shape (n, 2)
        The distinct training samples ``y_i`` (in the order of their first occurrence).
    masses_ : ndarray of float64, shape (n,)
        Their masses: the fraction of the training samples equal to each.
    center_, scale_ : ndarray (2,), float
        The solver's frame: the OT solve is to ``1/2 + (data_ - center_) / scale_``.
    result_ : OTResult
        The OT solve from the uniform measure on the unit square to the data in
        the solver's frame. Its cells, barycentres and diagram are those of the
        OT map to ``data_`` (module docstring); its heights are ``heights_ / scale_``.
    heights_ : ndarray, shape (n,)
        The heights of the OT map to ``data_`` itself (mean zero):
        ``gm.PowerDiagram(data_, heights_, source)`` has cell masses ``masses_``.
    rule_ : SpacingRule
        The singular-edge rule used (k = 4, ``threshold``).
    simplices_ : ndarray of int64, shape (t, 3), or (t, 2) for collinear data
        The Delaunay triangles of the cell barycentres ``result_.diagram.barycenters``
        (segments between consecutive barycentres along the line for collinear
        data), as indices of training samples.
    keep_ : ndarray of bool, shape (t,)
        Whether each simplex is kept (no singular edge).
    triangles_ : ndarray of int64, shape (t_kept, 3) (or (t_kept, 2))
        The kept simplices, ``simplices_[keep_]``.
    incident_ : tuple (indptr, simplices) of int64 ndarrays, shapes (n + 1,) and (3 t_kept,)
        CSR pair: the kept simplices having training sample ``i`` as a
        corner are ``simplices[indptr[i]:indptr[i + 1]]`` (indices into
        ``simplices_``); an empty range when ``i`` has none.
    removed_fraction_ : float
        The fraction of the triangulated area (the convex hull of the
        barycentres; length along the line for collinear data) covered by removed simplices.
    interpolant_ : geomot.generative.interpolant.PiecewiseLinear
        The fitted map that :meth:`sample` evaluates (the attributes above are its parts).
    """

    def __init__(self, *, threshold=5.0, tol=1e-6):
        self.threshold = threshold
        self.tol = tol

    def fit(self, data, y=None):
        """Solve OT from the uniform unit square to ``data`` (n, 2) and build the piecewise-linear map.

        Parameters
        ----------
        data : array_like, shape (n, 2)
            Training samples, n >= 3, at least 2 distinct; repeated samples
            are one target carrying their count.
        y : None
            Ignored (scikit-learn convention).

        Returns
        -------
        self

        Warns
        -----
        sklearn.exceptions.ConvergenceWarning
            When the OT solve did not reach ``tol`` (``result_.converged`` is
            False), with the solver's message; the fit is kept, built on the
            solve's last heights.
        """
        tol = as_positive(self.tol, "tol")
        rule = SpacingRule.default(2, as_positive(self.threshold, "threshold"))
        data = as_float_array(data, "data", (None, 2))
        if len(data) < 3:
            raise GeomotError(f"data must contain at least 3 training samples; got {len(data)}")
        points, masses = distinct(data)
        center = (points.max(axis=0) + points.min(axis=0)) / 2
        scale = float(np.max(points.max(axis=0) - points.min(axis=0))) / FILL
        if scale == 0:
            raise GeomotError("data must contain at least 2 distinct samples; all samples are equal, "
                              "so no interpolation between samples is possible")
        # the BLAS calls here are vector operations of length n: threads only cost (seconds on a loaded machine)
        with threadpool_limits(1, user_api="blas"):
            result = solve(Uniform(SQUARE), 0.5 + (points - center) / scale, masses, tol=tol)
            interpolant = PiecewiseLinear(result.diagram.barycenters, points, rule.bind(points))
        if not result.converged:
            warnings.warn(f"the OT solve of OTGenerator.fit did not converge: {result.message}", ConvergenceWarning,
                          stacklevel=2)
        self.data_, self.masses_, self.center_, self.scale_ = points, masses, center, scale
        self.result_, self.heights_, self.rule_ = result, scale * result.heights, rule
        self.interpolant_ = interpolant
        self.simplices_, self.keep_ = interpolant.simplices, interpolant.keep
        self.triangles_ = interpolant.simplices[interpolant.keep]
        self.incident_, self.removed_fraction_ = interpolant.incident, interpolant.removed_fraction
        return self

    def sample(self, m, seed=None, *, qmc=True):
        """``m`` new samples, shape (m, 2): noise on the unit square mapped by the piecewise-linear OT map.

        Parameters
        ----------
        m : int
            Number of samples, >= 0.
        seed : None, int, SeedSequence or numpy Generator
            Seeds the scrambling of the Sobol sequence (or the pseudo-random
            points) and the redraws in kept triangles: a given seed gives the
            same samples, with ``qmc=True`` or ``qmc=False``.
        qmc : bool, default True
            Draw the noise as the first ``m`` points of a scrambled Sobol
            sequence (randomised quasi-Monte Carlo). The number of points
            ``m_A`` that falls in a region ``A`` of the square (the cells of one
            mode, say) then stays within a few points of its mean ``m |A|``,
            where ``m`` independent uniform draws (``qmc=False``) scatter it
            binomially, ``sd(m_A) = sqrt(m |A| (1 - |A|))`` (18 points for a
            mode of the 8-Gaussian ring at ``m = 2500``): the generated mode
            histogram follows the cell masses, and the reverse KL of ``k``
            modes loses the term ``(k - 1) / (2 m)`` that independent draws add.

        Returns
        -------
        ndarray of float64, shape (m, 2)
        """
        check_is_fitted(self, "interpolant_", msg=_NOT_FITTED)
        m = as_count(m, "m")
        rng = np.random.default_rng(as_seed(seed))
        x = UnitCube(2, rng, as_flag(qmc, "qmc"))(m)
        return self.interpolant_(x, self.result_.diagram.locate(x), rng)

    def singular_set(self):
        """The singular set of the fitted OT map, by the rule ``rule_`` of the fit (for drawing, Fig. 13)."""
        check_is_fitted(self, "result_", msg=_NOT_FITTED)
        return singular_set(self.result_, rule=self.rule_)


def distinct(data):
    """``(points, masses)``: the distinct rows of ``data`` in order of first occurrence, and their frequencies."""
    _, first, counts = np.unique(data, axis=0, return_index=True, return_counts=True)
    if len(first) == len(data):
        return data, np.full(len(data), 1.0 / len(data))
    order = np.argsort(first)
    return data[first[order]], counts[order] / len(data)


_NOT_FITTED = "This %(name)s instance is not fitted yet: call fit(data) before sample(m) or singular_set()."
