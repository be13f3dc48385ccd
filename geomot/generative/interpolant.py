r"""The piecewise-linear extension of a semi-discrete OT map, with the singular simplices removed.

The cell barycentres ``c_i`` of the OT map to the training samples ``y_i``
are triangulated (Delaunay); a source point ``x`` in the simplex
``(i_0, ..., i_k)`` with barycentric coordinates ``l`` goes to
``sum_a l_a y_{i_a}``. A simplex with a singular edge (:class:`geomot.SpacingRule`:
the jump ``|y_i - y_j|`` far above the local sample spacing) is removed.

Collinear training samples (all within ``1e-9`` of their diameter from one
line) have strips for cells and no planar triangulation: the simplices are
then the segments between consecutive barycentres along the line's direction
(a 1D Delaunay), and the map is linear along each.
"""
import numpy as np
from scipy.spatial import Delaunay

from .._kernels.generative import locate_barycentric

COLLINEAR = 1e-9


def line_direction(data):
    """The unit direction of the line through collinear ``data`` (n, 2), or None if they span the plane.

    ``data`` holds at least 2 distinct samples.
    """
    _, s, vt = np.linalg.svd(data - data.mean(axis=0), full_matrices=False)
    return vt[0] if s[1] <= COLLINEAR * s[0] else None


class PiecewiseLinear:
    """The piecewise-linear map of the module docstring, built once, then read only.

    Parameters
    ----------
    barycenters : ndarray (n, 2)
        Cell barycentres ``c_i`` in the source.
    data : ndarray (n, 2)
        Training samples ``y_i``.
    rule : BoundRule
        The singular-edge rule bound to ``data``.

    Attributes
    ----------
    simplices : int64 (t, k + 1)
        Triangles (k = 2), or segments (k = 1, collinear data), as indices of samples.
    neighbors : int64 (t, 3) or None
        scipy's neighbours of the triangles (None for segments).
    direction : ndarray (2,) or None
        The data's line for collinear data, else None.
    keep : bool (t,)
        Whether each simplex is kept (no singular edge).
    incident : tuple (indptr, simplices) of int64 ndarrays, shapes (n + 1,) and ((k + 1) t_kept,)
        CSR pair: the kept simplices with corner ``i``.
    removed_fraction : float
        Fraction of the triangulated area (length for segments) in removed simplices.
    """

    def __init__(self, barycenters, data, rule):
        n = len(data)
        self.barycenters, self.data = barycenters, data
        self.direction = line_direction(data)
        if self.direction is None:
            tri = Delaunay(barycenters)
            self.simplices = tri.simplices.astype(np.int64)
            self.neighbors = tri.neighbors.astype(np.int64)
            c = barycenters[self.simplices]
            size = np.abs((c[:, 1, 0] - c[:, 0, 0]) * (c[:, 2, 1] - c[:, 0, 1])
                          - (c[:, 1, 1] - c[:, 0, 1]) * (c[:, 2, 0] - c[:, 0, 0])) / 2
            # a triangle with a corner of its own at every sample: the walk's start per cell
            self.start = np.zeros(n, np.int64)
            self.start[self.simplices.ravel()] = np.repeat(np.arange(len(self.simplices)), 3)
        else:
            self.coord = barycenters @ self.direction
            order = np.argsort(self.coord, kind="stable")
            self.sorted_coord = self.coord[order]
            self.simplices = np.column_stack([order[:-1], order[1:]]).astype(np.int64)
            self.neighbors = None
            size = np.diff(self.sorted_coord)
        s = self.simplices
        bad = rule.is_singular(s, np.roll(s, -1, axis=1)).any(axis=1) if s.shape[1] == 3 else \
            rule.is_singular(s[:, 0], s[:, 1])
        self.keep = ~bad
        kept = np.flatnonzero(self.keep)
        owner = s[kept].ravel()
        order = np.argsort(owner, kind="stable")
        self.incident = (np.r_[0, np.cumsum(np.bincount(owner, minlength=n))].astype(np.int64),
                         np.repeat(kept, s.shape[1])[order].astype(np.int64))
        self.removed_fraction = float(size[bad].sum() / size.sum()) if size.sum() > 0 else 0.0

    def locate(self, x, owner):
        """``(simplex, lam)``: the simplex containing each ``x[k]`` (-1 outside) and its barycentric coordinates.

        ``owner[k]``, the cell of ``x[k]``, starts the walk (its barycentre lies in that cell, near ``x[k]``).
        """
        if self.neighbors is not None:
            return locate_barycentric(x, self.barycenters, self.simplices, self.neighbors,
                                      self.start[owner], len(self.simplices) + 2)
        t = x @ self.direction
        j = np.searchsorted(self.sorted_coord, t, side="right") - 1
        inside = (j >= 0) & (j < len(self.simplices))
        j = np.clip(j, 0, len(self.simplices) - 1)
        a, b = self.sorted_coord[j], self.sorted_coord[j + 1]
        width = b - a
        inside &= width > 0
        lb = np.where(width > 0, (t - a) / np.where(width > 0, width, 1.0), 0.0)
        return np.where(inside, j, -1), np.column_stack([1 - lb, lb])

    def __call__(self, x, owner, rng):
        """The map at source points ``x`` (m, 2) in the cells ``owner``; removed simplices redrawn (module docstring).

        A point in a removed simplex, or outside the triangulation, is redrawn uniformly in a kept
        simplex with corner ``owner[k]`` (its own cell's sample keeps its mass); with none, it maps
        to ``y_owner`` itself.
        """
        simplex, lam = self.locate(x, owner)
        bad = simplex < 0
        bad[~bad] = ~self.keep[simplex[~bad]]
        if bad.any():
            who = owner[bad]
            indptr, incident = self.incident
            count = indptr[who + 1] - indptr[who]
            pick = indptr[who] + (rng.random(len(who)) * np.maximum(count, 1)).astype(np.int64)
            chosen = np.full(len(who), -1, np.int64)
            if len(incident):
                chosen = np.where(count > 0, incident[np.minimum(pick, len(incident) - 1)], -1)
            lam[bad] = rng.dirichlet(np.ones(self.simplices.shape[1]), len(who))
            simplex[bad] = chosen
        out = np.einsum("mk,mkd->md", lam, self.data[self.simplices[np.maximum(simplex, 0)]])
        alone = simplex < 0
        out[alone] = self.data[owner[alone]]
        return out
