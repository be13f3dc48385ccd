"""Gaussian probability measures: exact on 2D and 3D power cells, Monte Carlo in any dimension.

The exact diagram of a Gaussian clips its cells to the square (cube)
``mean +- RADIUS std`` (:attr:`Gaussian.support`, ``RADIUS = 40``): the density
underflows to 0 in double precision beyond 38.6 std, so the cut loses no
representable mass (the masses still sum to 1 within rounding). The integrals
over the clipped cells and along their facets are
:func:`geomot._kernels.planar.gaussian.gaussian_cells`'s in 2D,
:func:`geomot._kernels.spatial.gaussian.gaussian_cells_3d`'s in 3D.
"""
import numpy as np
from scipy import special

from .._kernels.planar.gaussian import RADIUS, gaussian_cells
from .._kernels.spatial.gaussian import gaussian_cells_3d
from .._validate import as_float_array, as_real, show
from ..domains import Box
from ..errors import GeomotError
from ._sampling import BlockSampler


class Gaussian:
    """Gaussian probability measure ``N(mean, std^2 I)``: density ``exp(-|x - m|^2 / (2 s^2)) / (2 pi s^2)^(d/2)``.

    Exact power diagrams (``gm.PowerDiagram``, ``method="newton"``) in 2D and 3D;
    Monte Carlo solvers in any dimension.

    Parameters
    ----------
    dim : int
        Dimension d.
    mean : array_like of shape (d,), optional
        Default: the origin (a standard Gaussian with ``std = 1``).
    std : float, optional
        Standard deviation of every coordinate.
    """

    def __init__(self, dim, mean=None, std=1.0):
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, (bool, np.bool_)) or dim < 1:
            raise GeomotError(f"Gaussian needs a positive integer dimension dim; got {show(dim)}")
        self.dim = int(dim)
        self.mean = np.zeros(self.dim) if mean is None else as_float_array(mean, "Gaussian mean", (self.dim,))
        # samples a few hundred std away must stay finite, and their squares too
        self.std = as_real(std, "Gaussian std", 0.0, 1e150, low_open=True)

    convex_support = True  # the whole space (the clipping box of the exact diagrams)

    @property
    def support(self):
        """The box the exact diagram clips the cells to: ``mean +- RADIUS std`` (module docstring), 2D or 3D."""
        if self.dim not in (2, 3):
            raise GeomotError(f"exact power diagrams of a Gaussian source are 2D or 3D only; got dimension {self.dim} "
                              f"(Monte Carlo handles any dimension: gm.solve(..., method='monte-carlo'))")
        return self.domain

    def cell_integrals(self, rings, points, frame, n_slots):
        """Gaussian moments of clipped 2D cells and Gaussian lengths of their facets, in a unit frame.

        Parameters
        ----------
        rings : tuple
            ``(offsets, counts, vertices, labels)``: the cells of the planar backend (``geomot._kernels.planar.cells.power_cells``), unit frame
            ``x' = (x - c) / s``.
        points : (n, 2) float64
            The sites ``y'_i`` the second moments are taken about (unit frame).
        frame : tuple (c, s)
        n_slots : int
            Number of facet slots (the CSR adjacency's ``indices.size``) the ring labels index.

        Returns
        -------
        moments : (n, 4) float64
            ``mu(W_i)``, ``int_{W_i} x' dmu`` (2 columns), ``int_{W_i} |x' - y'_i|^2 dmu``: the masses are
            probabilities (they sum to 1).
        facets : (n_slots,) float64
            ``int_F rho' dl'`` per CSR slot, ``rho'`` the density in the unit frame (``s^2 rho``).
        """
        offsets, counts, vertices, labels = rings
        c, s = frame
        return gaussian_cells(offsets, counts, vertices, labels, np.ascontiguousarray(points, float),
                              (self.mean - c) / s, self.std / s, int(n_slots))

    def polyhedron_integrals(self, polyhedra, points, frame, indptr, indices, n_chunks):
        """Gaussian moments of clipped 3D cells and Gaussian areas of their facets, in a unit frame.

        The density hook of the spatial backend (``geomot.diagram._spatial``): parameters and returns as
        :meth:`geomot.GridDensity.polyhedron_integrals` (moments (n, 5), one facet measure per CSR slot).
        """
        c, s = frame
        offsets = polyhedra.offsets
        return gaussian_cells_3d(polyhedra.vertices, polyhedra.fptr, polyhedra.fidx, polyhedra.flab,
                                 offsets.vert_off, offsets.face_off, offsets.idx_off,
                                 np.ascontiguousarray(points, float), indptr, indices, (self.mean - c) / s,
                                 self.std / s, int(n_chunks))

    @property
    def domain(self):
        """:attr:`support` in any dimension: what the exact diagrams, plots and ``locate`` see."""
        return Box(self.mean - RADIUS * self.std, self.mean + RADIUS * self.std)

    def embedding(self, y):
        """The similarity of the solvers' Voronoi start (:mod:`geomot.solvers._start`): the targets' spread
        onto the Gaussian's, ``(t, mid, mean)`` with ``t = std / rms |y - mid|``."""
        mid = y.mean(axis=0)
        return self.std / max(float(np.sqrt(((y - mid) ** 2).sum(axis=1).mean() / y.shape[1])), 1e-300), mid, self.mean

    def sampler(self, seed=None, qmc=False):
        """Sampler in seeded blocks (:mod:`geomot.measures`): normal deviates, or with ``qmc`` the inverse
        normal CDF of scrambled Sobol points (two sequences, see the module docstring)."""
        return BlockSampler(self, seed, qmc)

    _maps_cube = True  # one cube point per sample

    def _stream(self, cube):
        if cube.engine is None:
            def normal(k):
                x = cube.rng.standard_normal((k, self.dim))
                x *= self.std
                x += self.mean
                return x
            return normal
        tiny = np.finfo(float).tiny
        return lambda k: self.mean + self.std * special.ndtri(np.clip(cube(k), tiny, 1 - 2 ** -53))

    def sample(self, k, seed=None, qmc=False):
        """``k`` samples, shape (k, d); see :meth:`sampler`."""
        return self.sampler(seed, qmc)(k)

    def __repr__(self):
        return f"Gaussian(dim={self.dim}, mean={self.mean.tolist()}, std={show(self.std)})"
