r"""A generative model by semi-discrete optimal transport (paper notes §7).

Fit: solve the OT problem from the uniform measure on the unit square to the
N training samples ``y_i`` (masses ``1/N``). Sample: draw ``x`` uniformly on the
square and map it by the *piecewise-linear extension* of the OT map: the cell
barycentres ``c_i`` are triangulated (Delaunay), ``x`` in triangle ``(i, j, k)``
with barycentric coordinates ``(l_i, l_j, l_k)`` goes to
``l_i y_i + l_j y_j + l_k y_k``. Triangles that straddle the singular set (an
edge ``(i, j)`` whose jump ``|y_i - y_j|`` exceeds ``threshold`` times the local
sample spacing, the rule of :func:`geomot.singular_set`) are removed, so no
sample falls in the gaps between modes. A draw that lands in a removed triangle
(or outside the triangulation) stays with the training sample ``y_i`` whose
power cell it fell in: it is redrawn in a kept triangle at ``y_i`` (uniform over
those triangles and inside the chosen one), so every training sample keeps the
mass ``1/N`` its cell carries and the mode proportions are those of the data.
A sample with no kept triangle is returned as ``y_i`` itself.

The singular edges are those of :class:`geomot.SpacingRule` (k = 4 in 2D),
the rule :func:`geomot.singular_set` uses on the cells. ``OTGenerator`` is a
scikit-learn estimator; this module imports scikit-learn (``pip install
geomot[generative]``), and ``geomot.OTGenerator`` imports it on first use.
"""
import numpy as np
from scipy.spatial import Delaunay
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._validate import as_float_array, as_positive
from ..domains import Box
from ..errors import GeomotError
from ..measures import Uniform
from ..solvers import solve
from ..singular import SpacingRule, singular_set


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
    tol : float, default 1e-8
        Tolerance of the OT solve (max relative cell-mass error). Positive and finite.

    Attributes
    ----------
    data_ : ndarray of float64, shape (n, 2)
        The training samples ``y_i``.
    result_ : OTResult
        The OT solve from the uniform measure on the unit square to ``data_``
        (masses ``1/n``).
    rule_ : SpacingRule
        The singular-edge rule used (k = 4, ``threshold``).
    delaunay_ : scipy.spatial.Delaunay
        The Delaunay triangulation of the cell barycentres
        ``result_.diagram.barycenters`` (n points); ``delaunay_.simplices``,
        shape (t, 3), indexes training samples.
    keep_ : ndarray of bool, shape (t,)
        Whether each triangle of ``delaunay_`` is kept (no singular edge).
    triangles_ : ndarray of int, shape (t_kept, 3)
        The kept triangles, ``delaunay_.simplices[keep_]``.
    incident_ : tuple (indptr, triangles) of int64 ndarrays, shapes (n + 1,) and (3 t_kept,)
        CSR pair: the kept triangles having training sample ``i`` as a
        corner are ``triangles[indptr[i]:indptr[i + 1]]`` (indices into
        ``delaunay_.simplices``); an empty range when ``i`` has none.
    removed_fraction_ : float
        The fraction of the triangulated area (the convex hull of the
        barycentres) covered by removed triangles.
    """

    def __init__(self, *, threshold=5.0, tol=1e-8):
        self.threshold = threshold
        self.tol = tol

    def fit(self, data, y=None):
        """Solve OT from the uniform unit square to ``data`` (n, 2) and build the piecewise-linear map.

        Parameters
        ----------
        data : array_like, shape (n, 2)
            Training samples, n >= 3.
        y : None
            Ignored (scikit-learn convention).

        Returns
        -------
        self
        """
        tol = as_positive(self.tol, "tol")
        rule = SpacingRule.default(2, as_positive(self.threshold, "threshold"))
        data = as_float_array(data, "data", (None, 2))
        if len(data) < 3:
            raise GeomotError(f"OTGenerator needs at least 3 training samples; got {len(data)}")
        result = solve(Uniform(Box([0.0, 0.0], [1.0, 1.0])), data, tol=tol)
        delaunay = Delaunay(result.diagram.barycenters)
        tri = delaunay.simplices
        # a triangle is removed when one of its edges (0, 1), (1, 2), (2, 0) is singular
        bad = rule.bind(data).is_singular(tri, tri[:, [1, 2, 0]]).any(axis=1)
        kept = np.flatnonzero(~bad)
        owner = tri[kept].ravel()
        order = np.argsort(owner, kind="stable")
        c = delaunay.points[tri]
        area = np.abs((c[:, 1, 0] - c[:, 0, 0]) * (c[:, 2, 1] - c[:, 0, 1])
                      - (c[:, 1, 1] - c[:, 0, 1]) * (c[:, 2, 0] - c[:, 0, 0])) / 2
        self.data_, self.result_, self.rule_, self.delaunay_ = data, result, rule, delaunay
        self.keep_ = ~bad
        self.triangles_ = tri[self.keep_]
        self.incident_ = (np.r_[0, np.cumsum(np.bincount(owner, minlength=len(data)))].astype(np.int64),
                          np.repeat(kept, 3)[order].astype(np.int64))
        self.removed_fraction_ = float(area[bad].sum() / area.sum())
        return self

    def sample(self, m, seed=None):
        """``m`` new samples, shape (m, 2): uniform noise mapped by the piecewise-linear OT map."""
        check_is_fitted(self, "delaunay_", msg=_NOT_FITTED)
        rng = np.random.default_rng(seed)
        tri = self.delaunay_
        x = rng.random((int(m), 2))
        simplex = tri.find_simplex(x)
        bad = simplex < 0
        bad[~bad] = ~self.keep_[simplex[~bad]]
        if bad.any():
            # redraw in a kept triangle at the training sample whose cell the draw fell in
            owner = self.result_.diagram.locate(x[bad])
            indptr, triangles = self.incident_
            count = indptr[owner + 1] - indptr[owner]
            pick = indptr[owner] + (rng.random(bad.sum()) * np.maximum(count, 1)).astype(np.int64)
            chosen = np.where(count > 0, triangles[np.minimum(pick, len(triangles) - 1)], -1)
            u = rng.dirichlet(np.ones(3), bad.sum())
            corners = tri.points[tri.simplices[np.maximum(chosen, 0)]]
            x[bad] = np.einsum("mk,mkd->md", u, corners)
            simplex[bad] = chosen
        t = tri.transform[np.maximum(simplex, 0)]
        b = np.einsum("mij,mj->mi", t[:, :2], x - t[:, 2])
        lam = np.column_stack([b, 1 - b.sum(axis=1)])
        out = np.einsum("mk,mkd->md", lam, self.data_[tri.simplices[np.maximum(simplex, 0)]])
        alone = simplex < 0
        if alone.any():
            out[alone] = self.data_[self.result_.diagram.locate(x[alone])]
        return out

    def singular_set(self):
        """The singular set of the fitted OT map, by the rule ``rule_`` of the fit (for drawing, Fig. 13)."""
        check_is_fitted(self, "result_", msg=_NOT_FITTED)
        return singular_set(self.result_, rule=self.rule_)


_NOT_FITTED = "This %(name)s instance is not fitted yet: call fit(data) before sample(m) or singular_set()."
