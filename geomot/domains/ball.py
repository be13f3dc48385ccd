"""The solid ball in 3D, with its exact spherical boundary."""
import numpy as np
import shapely

from .._polygons import stack_polygons
from ._round import RoundDomain


class Ball(RoundDomain):
    """Closed solid ball ``{x : |x - center| <= radius}`` in 3D, with its exact spherical boundary.

    Power cells on a ball are intersected with the sphere analytically (cell
    volumes, moments and facet areas in closed form: a polyhedral part plus
    spherical-cone terms), never with a polyhedral approximation.
    """

    dim = 3

    @property
    def volume(self):
        with np.errstate(over="ignore"):  # inf for radii whose power overflows (a source refuses it)
            return float(4.0 / 3.0 * np.pi * np.float64(self.radius) ** 3)

    def sample(self, u):
        """Map points ``u`` of the unit cube onto the ball, uniformly.

        ``r = R u_0^(1/3)``, ``cos(polar angle) = 1 - 2 u_1``, ``azimuth = 2 pi u_2``.
        """
        r = self.radius * np.cbrt(u[:, 0])
        z = 1.0 - 2.0 * u[:, 1]
        s = np.sqrt(np.maximum(1.0 - z * z, 0.0))
        t = 2 * np.pi * u[:, 2]
        return self.center + r[:, None] * np.column_stack([s * np.cos(t), s * np.sin(t), z])

    def clip_halfspaces(self):
        """The bounding cube, cut by the inscribed sphere exactly."""
        eye = np.eye(3)
        lo, hi = self.bounds
        return np.vstack([eye, -eye]), np.concatenate([hi, -lo]), True

    def cut_polygons(self, polygons, quad_segs=16):
        """Planar polygons in 3D cut by the ball: ``F ∩ {|x - c| <= R}``, the arcs as polylines.

        In its plane (unit normal ``u``, at signed distance ``d`` from ``c``) the
        ball is the disk of centre ``c + d u`` and radius ``sqrt(R^2 - d^2)``;
        each polygon is intersected with it in 2D coordinates of the plane
        (shapely, vectorised over polygons), then lifted back.
        """
        if len(polygons) == 0:
            return []
        v, start, nxt = stack_polygons(polygons)
        v = v - self.center
        owner = np.repeat(np.arange(len(polygons)), np.diff(np.r_[start, len(v)]))
        normal = np.add.reduceat(np.cross(v, v[nxt]), start, axis=0)  # Newell: 2 x area x unit normal
        u = normal / np.linalg.norm(normal, axis=1)[:, None]
        e1 = np.cross(u, np.where(np.abs(u[:, :1]) < 0.9, [[1.0, 0, 0]], [[0, 1.0, 0]]))
        e1 /= np.linalg.norm(e1, axis=1)[:, None]
        e2 = np.cross(u, e1)
        d = (v[start] * u).sum(axis=1)
        flat = np.column_stack([(v * e1[owner]).sum(axis=1), (v * e2[owner]).sum(axis=1)])
        disks = shapely.buffer(shapely.points(np.zeros((len(polygons), 2))),
                               np.sqrt(np.maximum(self.radius ** 2 - d ** 2, 0.0)), quad_segs=quad_segs)
        cut = shapely.intersection(shapely.polygons(shapely.linearrings(flat, indices=owner)), disks)
        xy, which = shapely.get_coordinates(shapely.get_exterior_ring(cut), return_index=True)
        last = np.r_[np.flatnonzero(np.diff(which)), len(which) - 1]  # rings repeat their first point last
        keep = np.setdiff1d(np.arange(len(which)), last)
        xy, which = xy[keep], which[keep]
        lifted = self.center + d[which, None] * u[which] + xy[:, :1] * e1[which] + xy[:, 1:] * e2[which]
        return np.split(lifted, np.cumsum(np.bincount(which, minlength=len(polygons)))[:-1])
