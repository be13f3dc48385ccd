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
"""
import numpy as np
from scipy.spatial import Delaunay

from .._validate import as_float_array, as_positive
from ..domains import Box
from ..errors import GeomotError
from ..measures import Uniform
from ..solvers import solve
from ..singular import local_spacing, singular_set


class OTGenerator:
    """Semi-discrete OT generator for 2D data, with a scikit-learn-like ``fit`` / ``sample``.

    Parameters
    ----------
    threshold : float
        Singular-edge rule: an edge of the barycentre triangulation is singular
        when ``|y_i - y_j| > threshold * max(s_i, s_j)``, ``s`` the distance of
        each training sample to its 4th nearest other sample.
    tol : float
        Tolerance of the OT solve (max relative cell-mass error).

    Attributes (after ``fit``)
    --------------------------
    result_ : OTResult
    triangles_ : (t, 3) int64, the kept triangles (indices of training samples)
    removed_fraction_ : float, the fraction of the triangulated area removed
    """

    def __init__(self, *, threshold=5.0, tol=1e-8):
        self.threshold = as_positive(threshold, "threshold")
        self.tol = as_positive(tol, "tol")

    def fit(self, data):
        """Solve OT from the uniform unit square to ``data`` (n, 2) and build the piecewise-linear map."""
        y = as_float_array(data, "data", (None, 2))
        if len(y) < 3:
            raise GeomotError(f"OTGenerator needs at least 3 training samples; got {len(y)}")
        self.data_ = y
        self.result_ = solve(Uniform(Box([0.0, 0.0], [1.0, 1.0])), y, tol=self.tol)
        self.delaunay_ = Delaunay(self.result_.diagram.barycenters)
        tri = self.delaunay_.simplices
        s = local_spacing(y)
        bad = np.zeros(len(tri), bool)
        for a, b in ((0, 1), (1, 2), (2, 0)):
            i, j = tri[:, a], tri[:, b]
            bad |= np.linalg.norm(y[i] - y[j], axis=1) > self.threshold * np.maximum(s[i], s[j])
        self.keep_ = ~bad
        self.triangles_ = tri[self.keep_]
        kept = np.flatnonzero(self.keep_)
        owner = tri[kept].ravel()
        order = np.argsort(owner, kind="stable")
        self.incident_ = (np.r_[0, np.cumsum(np.bincount(owner, minlength=len(y)))], np.repeat(kept, 3)[order])
        c = self.delaunay_.points[tri]
        area = np.abs((c[:, 1, 0] - c[:, 0, 0]) * (c[:, 2, 1] - c[:, 0, 1])
                      - (c[:, 1, 1] - c[:, 0, 1]) * (c[:, 2, 0] - c[:, 0, 0])) / 2
        self.removed_fraction_ = float(area[bad].sum() / area.sum())
        return self

    def sample(self, m, seed=None):
        """``m`` new samples, shape (m, 2): uniform noise mapped by the piecewise-linear OT map."""
        if not hasattr(self, "delaunay_"):
            raise GeomotError("call fit(data) before sample(m)")
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
        """The singular set of the fitted OT map (for drawing, Fig. 13)."""
        return singular_set(self.result_, threshold=self.threshold)
