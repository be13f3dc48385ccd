r"""Piecewise-constant densities on a grid of pixels or voxels: images as source measures.

``GridDensity(values, domain)`` is the probability measure whose density is
constant on every pixel of a regular grid over a 2D :class:`~geomot.Box`:

.. math:: \rho(x) = \frac{v_{ij}}{\sum_{kl} v_{kl}\, |P|} \quad \text{on the pixel}
          \quad P_{ij} = [x_0 + j\,\Delta x,\ x_0 + (j + 1)\,\Delta x] \times [y_0 + i\,\Delta y,\ y_0 + (i + 1)\,\Delta y],

row ``i`` counted upward in ``y`` (matplotlib's ``origin="lower"``), column
``j`` in ``x``; on a 3D box ``values[k, i, j]`` is the density on the voxel
``P_ij x [z_0 + k Δz, z_0 + (k + 1) Δz]`` (layer ``k`` in ``z``). The exact
diagrams cut every cell into its pixel (voxel) pieces
(:mod:`geomot._kernels.planar.grid`, :mod:`geomot._kernels.spatial.grid`): a
cell's mass is ``sum_P rho_P |W ∩ P|``, its facet measure ``sum_P rho_P |F ∩ P|``. Zero pixels (a black background) are
ordinary input: their cells carry no mass, and where the Voronoi start leaves a
cell without mass the solver maps the targets into the largest rectangle (box)
of positive pixels (voxels) (:meth:`GridDensity.support_embedding`).
"""
import numpy as np
from scipy.fft import dctn, idctn
from scipy.interpolate import RegularGridInterpolator

from .._kernels.planar.grid import grid_cells, largest_rectangle
from .._kernels.spatial.grid import grid_cells_3d, largest_box
from .._validate import as_flag, as_float_array, show
from ..domains import Box
from ..errors import GeometryError, GeomotError
from ._sampling import BlockSampler

# ITU-R BT.601 luma, the weights of Pillow's "L" conversion
_LUMA = np.array([0.299, 0.587, 0.114])


class GridDensity:
    r"""Probability measure with a density constant on each pixel of a 2D box or voxel of a 3D box (module
    docstring).

    Parameters
    ----------
    values : array_like, shape (ny, nx) or (nz, ny, nx)
        Non-negative, finite, with a positive sum; ``values[i, j]`` is the
        (unnormalised) density on pixel column ``j``, row ``i`` counted upward
        in ``y``; in 3D ``values[k, i, j]`` on voxel column ``j``, row ``i``,
        layer ``k`` counted upward in ``z``. Normalised to a probability.
    domain : geomot.Box
        The 2D or 3D box the pixels tile (``nx`` columns across ``x``, ``ny`` rows across ``y``, ``nz``
        layers across ``z``).

    Attributes
    ----------
    values : ndarray, shape (ny, nx) or (nz, ny, nx)
        The density, normalised: ``values.sum() * pixel_volume == 1``.
    pixel_masses : ndarray, the shape of ``values``
        ``mu(P)`` of every pixel (voxel), summing to 1.
    step : ndarray, shape (dim,)
        The pixel's sides ``(dx, dy[, dz])``.
    convex_support : bool
        Whether the support is the whole box (no zero pixel); a black
        background makes it a union of pixels, in general neither convex nor
        connected.
    domain : geomot.Box
    dim : int
        2 or 3.
    """

    def __init__(self, values, domain):
        if not isinstance(domain, Box):
            raise GeomotError(f"GridDensity needs a geomot.Box domain that the pixels tile; got {show(domain)}")
        values = as_float_array(values, "GridDensity values")
        if values.ndim != domain.dim:
            raise GeomotError(f"GridDensity values must have one axis per dimension of the domain ({domain.dim}): "
                              f"shape (ny, nx) on a 2D box, (nz, ny, nx) on a 3D box; got shape {values.shape}")
        if domain.dim not in (2, 3):
            raise GeomotError(f"GridDensity needs a 2D or 3D geomot.Box; got a {domain.dim}D box")
        if min(values.shape) < 1:
            raise GeomotError(f"GridDensity values must have at least one pixel; got shape {values.shape}")
        if (values < 0).any():
            where = tuple(int(i) for i in np.argwhere(values < 0)[0])
            raise GeomotError(f"GridDensity values must be >= 0; found {show(float(values[where]))} at index {where}")
        with np.errstate(over="ignore"):
            total = float(values.sum())
        if not total > 0 or not np.isfinite(total):
            raise GeomotError(f"GridDensity values must have a positive finite sum; got {show(total)}")
        self.domain = domain
        self.dim = domain.dim
        self.pixel_masses = values / total
        self.step = (domain.upper - domain.lower) / np.array(values.shape[::-1], float)
        self.values = self.pixel_masses / float(np.prod(self.step))
        self.convex_support = bool((self.values > 0).all())

    @classmethod
    def from_image(cls, image, domain=None, invert=False):
        """The density of a grayscale picture (a file or an array), upright.

        Parameters
        ----------
        image : str, path or array_like
            A PNG or JPEG file (read by Pillow: ``pip install 'geomot[image]'``),
            or an array of shape (rows, columns) or (rows, columns, 3 or 4)
            (RGB(A), converted to gray by the BT.601 luma weights; alpha ignored),
            with the first row at the top, as pictures are stored.
        domain : geomot.Box, optional
            Default: the box ``[0, nx / max(nx, ny)] x [0, ny / max(nx, ny)]``
            (the picture's aspect ratio, longest side 1).
        invert : bool
            False: bright pixels are dense. True: dark pixels are dense (stippling).
            Gray levels are scaled to [0, 1] (by 255 for 8-bit input, 65535 for 16-bit)
            and inverted as ``1 - gray``.
        """
        invert = as_flag(invert, "invert")
        pixels = _read_image(image)
        white = _full_scale(pixels)
        if pixels.ndim == 3:
            if pixels.shape[2] not in (3, 4):
                raise GeomotError(f"image must be grayscale (rows, columns) or RGB(A) (rows, columns, 3 or 4); got "
                                  f"shape {pixels.shape}")
            pixels = pixels[..., :3] @ _LUMA
        if pixels.ndim != 2:
            raise GeomotError(f"image must be grayscale (rows, columns) or RGB(A) (rows, columns, 3 or 4); got "
                              f"shape {pixels.shape}")
        gray = as_float_array(pixels, "image") / white
        if invert:
            gray = 1.0 - gray
        gray = gray[::-1]  # the first stored row is the top of the picture: values[0] is the bottom row
        if domain is None:
            ny, nx = gray.shape
            domain = Box([0.0, 0.0], [nx / max(nx, ny), ny / max(nx, ny)])
        return cls(gray, domain)

    @property
    def shape(self):
        """``(ny, nx)`` or ``(nz, ny, nx)``."""
        return self.values.shape

    def density(self, x):
        """The density at points ``x`` of shape (k, dim) (0 outside the box; a point on a pixel face takes the
        pixel above it along that axis, inside the box)."""
        x = as_float_array(x, "x", (None, self.dim))
        cell = np.floor((x - self.domain.lower) / self.step).astype(np.int64)
        index = np.clip(cell, 0, np.array(self.shape[::-1]) - 1)[:, ::-1]  # (layer,) row, column
        return np.where(self.domain.contains(x), self.values[tuple(index.T)], 0.0)

    def linearised_potential(self, x):
        r"""The potential ``phi`` of the linearised transport from this density to the uniform measure on its
        box, at points ``x`` (k, dim): the solvers' fitted start (:func:`geomot.solvers._start.density_correction`).

        The map ``T = Id + grad phi`` pushes ``rho`` (of mean 1 on the box) to the uniform measure when
        ``det(I + D^2 phi) = rho``; with ``D^2 phi`` taken isotropic, ``(1 + Delta phi / d)^d = rho``, so

        .. math:: \Delta \phi = d\, (\rho^{1/d} - \bar{\rho^{1/d}}) \quad \text{in the box}, \qquad
                  \partial_n \phi = 0 \text{ on its faces},

        the mean removed for the Neumann problem; solved on the pixel grid by a
        type-II discrete cosine transform (the 5- or 7-point Laplacian at pixel
        centres), evaluated by multilinear interpolation (constant beyond the
        outer pixel centres). Targets spread evenly over the box whose cells
        get the correction ``phi(y_i)`` in their heights carry about the
        density's mass (the moon picture, 1e4 uniform targets: 25 Newton steps
        instead of 44).
        """
        if not hasattr(self, "_potential"):
            rho = (self.pixel_masses * self.pixel_masses.size) ** (1.0 / self.dim)
            rhs = dctn(self.dim * (rho - rho.mean()), type=2, norm="ortho")
            eigen = sum(((2 * np.cos(np.pi * np.arange(m) / m) - 2) / h ** 2).reshape(
                [m if a == axis else 1 for a in range(self.dim)])
                for axis, (m, h) in enumerate(zip(self.shape, self.step[::-1])))
            eigen.flat[0] = 1.0
            rhs /= eigen
            rhs.flat[0] = 0.0
            centres = [self.domain.lower[a] + self.step[a] * (np.arange(m) + 0.5)
                       for a, m in zip(range(self.dim - 1, -1, -1), self.shape)]
            self._potential = RegularGridInterpolator(centres, idctn(rhs, type=2, norm="ortho"), bounds_error=False,
                                                      fill_value=None)
        lower = self.domain.lower + 0.5 * self.step
        inside = np.clip(x, lower, np.maximum(lower, self.domain.upper - 0.5 * self.step))
        return self._potential(inside[:, ::-1])

    def support_embedding(self, y):
        """The similarity of the solvers' second start (:mod:`geomot.solvers._start`), for when the Voronoi
        start leaves a cell without mass: the bounding box of the targets onto 90 % of the largest
        rectangle (box) of positive pixels (voxels) (:func:`geomot._kernels.planar.grid.largest_rectangle`,
        :func:`geomot._kernels.spatial.grid.largest_box`), so that every site lies where there is mass (a
        disk of white on black, 2000 targets uniform over the box: 8 Newton steps from there, 127 by a
        continuation from the box)."""
        if self.dim == 2:
            r0, c0, r1, c1 = largest_rectangle(self.pixel_masses > 0)
            first, last = np.array([c0, r0]), np.array([c1, r1])
        else:
            k0, r0, c0, k1, r1, c1 = largest_box(self.pixel_masses > 0)
            first, last = np.array([c0, r0, k0]), np.array([c1, r1, k1])
        lower = self.domain.lower + self.step * first
        return Box(lower, lower + self.step * (last - first)).embedding(y)

    def cell_integrals(self, rings, points, frame, n_slots):
        """Moments of the density over clipped 2D cells and its measure along their facets, in a unit frame.

        Parameters and returns as :meth:`geomot.Gaussian.cell_integrals` (the density hook of the planar
        backend, ``geomot.diagram._planar``): ``moments`` (n, 4) probabilities and their first and second
        moments, ``facets`` (n_slots,) ``int_F rho' dl'`` in the unit frame ``x' = (x - c) / s``.
        """
        offsets, counts, vertices, labels = rings
        c, s = frame
        return grid_cells(offsets, counts, vertices, labels, np.ascontiguousarray(points, float), self.pixel_masses,
                          (self.domain.lower - c) / s, self.step / s, int(n_slots))

    def polyhedron_integrals(self, polyhedra, points, frame, indptr, indices, n_chunks):
        """Moments of the density over clipped 3D cells and its measure over their facets, in a unit frame.

        The density hook of the spatial backend (``geomot.diagram._spatial``), voxel by voxel
        (:func:`geomot._kernels.spatial.grid.grid_cells_3d`).

        Parameters
        ----------
        polyhedra : geomot._kernels.spatial.cells.Polyhedra
            The cells, unit frame ``x' = (x - c) / s`` (``frame = (c, s)``).
        points : (n, 3) float64
            The unit-frame sites ``y'_i`` the second moments are taken about.
        indptr, indices : int64
            The neighbour lists, CSR (slot ``s`` of row ``i``: the facet towards ``indices[s]``).
        n_chunks : int
            Chunks of cells for the parallel kernel.

        Returns
        -------
        moments : (n, 5) float64
            ``mu(W_i)`` (probabilities), ``int_W x' dmu`` (3 columns), ``int_W |x' - y'_i|^2 dmu``.
        facets : (indices.size,) float64
            ``int_F rho' dA'`` over the facet of each slot, ``rho' = s^3 rho`` the unit-frame density.
        """
        c, s = frame
        out = grid_cells_3d(polyhedra, np.ascontiguousarray(points, float), indptr, indices, self.pixel_masses,
                            (self.domain.lower - c) / s, self.step / s, int(n_chunks))
        if out.status.any():
            raise GeometryError(f"voxel clipping overflowed its work arrays for cells "
                                f"{np.flatnonzero(out.status)[:10].tolist()} (a bug: please report it)")
        return out.moments, out.facets

    def sampler(self, seed=None, qmc=False):
        """Sampler in seeded blocks, also a stream ``draw(k) -> (k, dim)`` (:mod:`geomot.measures`).

        A point ``u`` of the unit cube is mapped by the Knothe-Rosenblatt map
        of the density: in 3D ``u_2`` by the inverse of the cumulative distribution of
        ``z`` (piecewise linear: layers are uniform inside), then ``u_1`` by the
        inverse of that layer's cumulative distribution of ``y``, then ``u_0`` by
        the inverse of that row's cumulative distribution of ``x`` (in 2D: ``y``, then ``x``).
        The map is monotone in each coordinate, so Sobol points (``qmc``) stay low-discrepancy.
        """
        return BlockSampler(self, seed, qmc)

    _maps_cube = True  # one cube point per sample

    def _stream(self, cube):
        return lambda k: self.sample_map(cube(k))

    def sample_map(self, u):
        """The Knothe-Rosenblatt map (:meth:`sampler`) of points ``u`` of ``[0, 1)^dim``, shape (k, dim)."""
        flat = self.pixel_masses.ravel()
        cdf = np.cumsum(flat)
        cdf /= cdf[-1]
        k = len(u)
        start = np.zeros(k, np.int64)  # the first flat index of each sample's block (layer, row, pixel)
        below = np.zeros(k)  # the cumulative mass before it
        width = np.ones(k)  # its mass
        block = flat.size
        position = np.empty((k, self.dim))
        for axis, n in enumerate(self.shape):  # the slowest axis (z, or y in 2D) first
            block //= n
            coord = self.dim - 1 - axis
            target = below + u[:, coord] * width
            # the sub-block holding the first pixel whose cumulative mass passes the target carries mass,
            # but at the block's rounding edge: back to the last sub-block with mass
            b = np.clip((np.searchsorted(cdf, target, side="right") - start) // block, 0, n - 1)
            while True:
                first = start + b * block
                lo = np.where(first > 0, cdf[first - 1], 0.0)
                hi = cdf[first + block - 1]
                if not (hi == lo).any():
                    break
                b = np.where(hi == lo, b - 1, b)
            position[:, coord] = b + np.clip((target - lo) / (hi - lo), 0.0, 1.0)
            start, below, width = first, lo, hi - lo
        return self.domain.lower + self.step * position

    def sample(self, k, seed=None, qmc=False):
        """``k`` samples, shape (k, dim); see :meth:`sampler`."""
        return self.sampler(seed, qmc)(k)

    def __repr__(self):
        return f"GridDensity({' x '.join(map(str, self.shape))} {'pixels' if self.dim == 2 else 'voxels'}, " \
               f"{self.domain!r})"


def _read_image(image):
    """The pixels of a file (Pillow) or an array, as stored (first row at the top)."""
    if isinstance(image, (str, bytes)) or hasattr(image, "__fspath__"):
        try:
            from PIL import Image
        except ModuleNotFoundError:
            raise ImportError("GridDensity.from_image reads files with Pillow: pip install 'geomot[image]' "
                              "(or pass the pixels as an array)") from None
        try:
            with Image.open(image) as picture:
                mode = picture.mode
                return np.asarray(picture.convert("L") if mode not in ("L", "I;16", "I", "F") else picture)
        except (OSError, ValueError) as exc:
            raise GeomotError(f"image could not be read as a picture: {exc}") from None
    if isinstance(image, np.ndarray) and image.dtype == bool:
        return image.astype(float)
    return np.asarray(image) if isinstance(image, np.ndarray) else as_float_array(image, "image")


def _full_scale(pixels):
    """The value of white: 255 for 8-bit pictures, 65535 for 16-bit, 1 for floats (which must lie in [0, 1])."""
    if pixels.dtype == np.uint8:
        return 255.0
    if pixels.dtype == np.uint16 or pixels.dtype == np.int32 and pixels.max(initial=0) > 255:
        return 65535.0
    if np.issubdtype(pixels.dtype, np.integer):
        return 255.0
    pixels = as_float_array(pixels, "image")
    lo, hi = float(np.min(pixels, initial=0.0)), float(np.max(pixels, initial=0.0))
    if lo < 0 or hi > 1:
        raise GeomotError(f"image of floats must have gray levels in [0, 1]; got values in [{show(lo)}, {show(hi)}]")
    return 1.0
