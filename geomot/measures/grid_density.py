r"""Piecewise-constant densities on a grid of pixels: images as source measures.

``GridDensity(values, domain)`` is the probability measure whose density is
constant on every pixel of a regular grid over a 2D :class:`~geomot.Box`:

.. math:: \rho(x) = \frac{v_{ij}}{\sum_{kl} v_{kl}\, |P|} \quad \text{on the pixel}
          \quad P_{ij} = [x_0 + j\,\Delta x,\ x_0 + (j + 1)\,\Delta x] \times [y_0 + i\,\Delta y,\ y_0 + (i + 1)\,\Delta y],

row ``i`` counted upward in ``y`` (matplotlib's ``origin="lower"``), column
``j`` in ``x``. The exact diagrams cut every cell into its pixel pieces
(:mod:`geomot._kernels.planar.grid`): a cell's mass is ``sum_P rho_P |W ∩ P|``,
its facet measure ``sum_P rho_P |F ∩ P|``. Zero pixels (a black background) are
ordinary input: their cells carry no mass, and the solver starts from the
Voronoi diagram of the targets mapped into the largest rectangle of positive
pixels (:meth:`GridDensity.embedding`).
"""
import numpy as np

from .._kernels.planar.grid import grid_cells, largest_rectangle
from .._validate import as_flag, as_float_array, show
from ..domains import Box
from ..errors import GeomotError
from ._sampling import BlockSampler

# ITU-R BT.601 luma, the weights of Pillow's "L" conversion
_LUMA = np.array([0.299, 0.587, 0.114])


class GridDensity:
    r"""Probability measure with a density constant on each pixel of a 2D box (module docstring).

    Parameters
    ----------
    values : array_like, shape (ny, nx)
        Non-negative, finite, with a positive sum; ``values[i, j]`` is the
        (unnormalised) density on pixel column ``j``, row ``i`` counted upward
        in ``y``. Normalised to a probability.
    domain : geomot.Box
        The 2D box the pixels tile (``nx`` columns across ``x``, ``ny`` rows across ``y``).

    Attributes
    ----------
    values : ndarray, shape (ny, nx)
        The density, normalised: ``values.sum() * pixel_area == 1``.
    pixel_masses : ndarray, shape (ny, nx)
        ``mu(P_ij)``, summing to 1.
    domain : geomot.Box
    dim : int
        2.
    """

    def __init__(self, values, domain):
        if not isinstance(domain, Box):
            raise GeomotError(f"GridDensity needs a geomot.Box domain that the pixels tile; got {show(domain)}")
        values = as_float_array(values, "GridDensity values")
        if values.ndim != domain.dim:
            raise GeomotError(f"GridDensity values must have one axis per dimension of the domain ({domain.dim}): "
                              f"shape (ny, nx) on a 2D box; got shape {values.shape}")
        if domain.dim != 2:
            raise GeomotError(f"GridDensity is 2D (an image on a 2D geomot.Box); got a {domain.dim}D box")
        if min(values.shape) < 1:
            raise GeomotError(f"GridDensity values must have at least one pixel; got shape {values.shape}")
        if (values < 0).any():
            where = tuple(int(i) for i in np.argwhere(values < 0)[0])
            raise GeomotError(f"GridDensity values must be >= 0; found {show(float(values[where]))} at index {where}")
        total = float(values.sum())
        if not total > 0 or not np.isfinite(total):
            raise GeomotError(f"GridDensity values must have a positive finite sum; got {show(total)}")
        self.domain = domain
        self.dim = domain.dim
        self.pixel_masses = values / total
        self.step = (domain.upper - domain.lower) / np.array(values.shape[::-1], float)
        self.values = self.pixel_masses / float(np.prod(self.step))

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
        if pixels.ndim == 3:
            if pixels.shape[2] not in (3, 4):
                raise GeomotError(f"image must be grayscale (rows, columns) or RGB(A) (rows, columns, 3 or 4); got "
                                  f"shape {pixels.shape}")
            pixels = pixels[..., :3] @ _LUMA
        if pixels.ndim != 2:
            raise GeomotError(f"image must be grayscale (rows, columns) or RGB(A) (rows, columns, 3 or 4); got "
                              f"shape {pixels.shape}")
        gray = as_float_array(pixels, "image") / _full_scale(pixels)
        if invert:
            gray = 1.0 - gray
        gray = gray[::-1]  # the first stored row is the top of the picture: values[0] is the bottom row
        if domain is None:
            ny, nx = gray.shape
            domain = Box([0.0, 0.0], [nx / max(nx, ny), ny / max(nx, ny)])
        return cls(gray, domain)

    @property
    def shape(self):
        """``(ny, nx)``."""
        return self.values.shape

    def density(self, x):
        """The density at points ``x`` of shape (k, 2) (0 outside the box; a point on a pixel edge takes the
        pixel above or to the right of it, inside the box)."""
        x = as_float_array(x, "x", (None, 2))
        cell = np.floor((x - self.domain.lower) / self.step).astype(np.int64)
        ny, nx = self.shape
        inside = self.domain.contains(x)
        col = np.clip(cell[:, 0], 0, nx - 1)
        row = np.clip(cell[:, 1], 0, ny - 1)
        return np.where(inside, self.values[row, col], 0.0)

    def embedding(self, y):
        """The similarity of the solvers' Voronoi start (:mod:`geomot.solvers._start`).

        None (no map) when every target lies where the density is positive: each Voronoi cell then
        carries mass. Otherwise the bounding box of the targets onto 90 % of the largest rectangle of
        positive pixels (:func:`geomot._kernels.planar.grid.largest_rectangle`), so that every site lies
        where there is mass (a disk of white on black, 2000 targets uniform over the box: 9 Newton steps
        from there, 127 by a continuation from the box).
        """
        if (self.density(y) > 0).all():
            return None
        r0, c0, r1, c1 = largest_rectangle(self.pixel_masses > 0)
        lower = self.domain.lower + self.step * np.array([c0, r0])
        return Box(lower, lower + self.step * np.array([c1 - c0, r1 - r0])).embedding(y)

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

    def sampler(self, seed=None, qmc=False):
        """Sampler in seeded blocks, also a stream ``draw(k) -> (k, 2)`` (:mod:`geomot.measures`).

        A point ``u`` of the unit square is mapped by the Knothe-Rosenblatt map
        of the density: ``u_1`` by the inverse of the cumulative distribution of
        ``y`` (piecewise linear: rows are uniform inside), then ``u_0`` by the
        inverse of that row's cumulative distribution of ``x``. The map is
        monotone in each coordinate, so Sobol points (``qmc``) stay low-discrepancy.
        """
        return BlockSampler(self, seed, qmc)

    _maps_cube = True  # one cube point per sample

    def _stream(self, cube):
        return lambda k: self.sample_map(cube(k))

    def sample_map(self, u):
        """The Knothe-Rosenblatt map (:meth:`sampler`) of points ``u`` of ``[0, 1)^2``, shape (k, 2)."""
        ny, nx = self.shape
        flat = self.pixel_masses.ravel()
        cdf = np.cumsum(flat)
        cdf /= cdf[-1]
        row_end = cdf[nx - 1::nx]
        r = np.minimum(np.searchsorted(row_end, u[:, 1], side="right"), ny - 1)
        row_start = np.where(r > 0, row_end[r - 1], 0.0)
        while (row_end[r] == row_start).any():  # u_1 at the rounding edge: back to the last row with mass
            r = np.where(row_end[r] == row_start, r - 1, r)
            row_start = np.where(r > 0, row_end[r - 1], 0.0)
        width = row_end[r] - row_start
        y_frac = np.clip((u[:, 1] - row_start) / width, 0.0, 1.0)
        target = row_start + u[:, 0] * width
        # the first pixel whose cumulative mass passes the target carries mass, but at the row's rounding edge
        idx = np.clip(np.searchsorted(cdf, target, side="right"), r * nx, r * nx + nx - 1)
        while (flat[idx] == 0).any():
            idx = np.where(flat[idx] == 0, idx - 1, idx)
        left = np.where(idx > 0, cdf[idx - 1], 0.0)
        x_frac = np.clip((target - left) / (cdf[idx] - left), 0.0, 1.0)
        return self.domain.lower + self.step * np.column_stack([idx - r * nx + x_frac, r + y_frac])

    def sample(self, k, seed=None, qmc=False):
        """``k`` samples, shape (k, 2); see :meth:`sampler`."""
        return self.sampler(seed, qmc)(k)

    def __repr__(self):
        ny, nx = self.shape
        return f"GridDensity({ny} x {nx} pixels, {self.domain!r})"


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
    lo, hi = float(np.min(pixels)), float(np.max(pixels))
    if lo < 0 or hi > 1:
        raise GeomotError(f"image of floats must have gray levels in [0, 1]; got values in [{show(lo)}, {show(hi)}]")
    return 1.0
