"""Planar polygons in 3D, stacked for vectorised work (facets of spatial diagrams and singular surfaces)."""
import numpy as np


def stack_polygons(polygons):
    """Stack a non-empty list of polygons ((m_k, d) arrays) for vectorised work.

    Returns ``(vertices, start, nxt)``: all vertices (sum m_k, d), the row
    where each polygon starts (k,), and for every vertex the row of the next
    one around its polygon (the last goes back to the first).
    """
    sizes = np.array([len(p) for p in polygons])
    start = np.r_[0, np.cumsum(sizes)[:-1]]
    nxt = np.arange(sizes.sum()) + 1
    nxt[start + sizes - 1] = start
    return np.vstack(polygons), start, nxt


def polygon_areas(polygons):
    """Areas of planar polygons in 3D (a list of (m, 3) vertex arrays in order), vectorised.

    ``area = |sum_k (p_k - p_0) x (p_{k+1} - p_0)| / 2`` (Newell's formula about the first vertex).
    """
    if len(polygons) == 0:
        return np.empty(0)
    v, start, nxt = stack_polygons(polygons)
    v = v - np.repeat(v[start], np.diff(np.r_[start, len(v)]), axis=0)
    return 0.5 * np.linalg.norm(np.add.reduceat(np.cross(v, v[nxt]), start, axis=0), axis=1)
