r"""Bertsekas' auction for the assignment of source samples to targets (the solvers' assignment start,
:mod:`geomot.solvers._assignment`).

Samples ``x_s`` bid for objects ``z_j`` (a target repeated once per sample it
is owed) at prices ``p_j``; the value of object ``j`` to sample ``s`` is
``<x_s, z_j> - p_j``. A grid of buckets prunes the search for the best: the
prices of bucket ``b`` lie above a plane, ``p_j >= <g_b, z_j> + c_b``
(``g_b`` fitted to them by least squares, ``c_b`` the largest offset that
holds), so none of its objects is worth more than
``max_{z in box_b} <x_s - g_b, z> - c_b``. Prices only rise, so planes
computed once per scale stay below them. The value is also
``w_j - |x_s - z_j|^2 / 2`` plus a term of ``s`` alone, with
``w_j = |z_j|^2 / 2 - p_j``: at most ``max_b w - dist(x_s, box_b)^2 / 2``,
the tighter bound where the prices are close to the Voronoi start's; the
smaller of the two is used. The objects are sorted by bucket (bucket ``b`` holds
``start[b]:start[b+1]``), and the buckets by group, a coarser grid pruned
the same way first (2D, 1e5 objects: 25 groups of 64 buckets of 64 objects).
"""
import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _bounds(xs, half, lo, hi, wmax, slope, offset, first, last, bound):
    """The bounds of the buckets ``first:last`` on the value to ``xs`` (less ``half = |xs|^2 / 2``), written to
    ``bound[:last - first]``: the smaller of the plane's and the power distance's (module docstring). Returns the
    position of the largest."""
    top = 0
    for b in range(first, last):
        u, gap = -offset[b] - half, 0.0
        for k in range(len(xs)):
            a = xs[k] - slope[b, k]
            u += max(a * lo[b, k], a * hi[b, k])
            t = max(lo[b, k] - xs[k], xs[k] - hi[b, k], 0.0)
            gap += t * t
        u = min(u, wmax[b] - 0.5 * gap)
        bound[b - first] = u
        if u > bound[top]:
            top = b - first
    return top


@njit(cache=True)
def scratch(grid):
    """Room for the bounds :func:`best_two` computes: one per group, one per bucket of the largest group."""
    group, goffset = grid[6], grid[11]
    most = 0
    for g in range(len(group) - 1):
        most = max(most, group[g + 1] - group[g])
    return np.empty(len(goffset)), np.empty(most)


@njit(cache=True)
def best_two(xs, z, price, grid, gbound, bound):
    """The best object of the sample ``xs`` and its bid increment: its value less the second best (0 if there
    is no second object).

    ``grid = (start, lo, hi, wmax, slope, offset, group, glo, ghi, gwmax,
    gslope, goffset)``: the buckets, and groups of buckets (``group[g]:group[g + 1]``)
    with their own boxes and price bounds (:func:`_bounds`). Groups, and buckets within a group, whose bound (module docstring)
    cannot beat the second value are skipped; the one of the largest bound is
    searched first. ``gbound``, ``bound``: room for the bounds (:func:`scratch`).
    """
    start, lo, hi, wmax, slope, offset, group, glo, ghi, gwmax, gslope, goffset = grid
    half = 0.0
    for k in range(len(xs)):
        half += 0.5 * xs[k] * xs[k]
    best, second, winner = -np.inf, -np.inf, -1  # values less half, as the bounds
    gtop = _bounds(xs, half, glo, ghi, gwmax, gslope, goffset, 0, len(goffset), gbound)
    for u in range(len(goffset) + 1):
        g = gtop if u == 0 else u - 1
        if u > 0 and (g == gtop or gbound[g] <= second):
            continue
        top = _bounds(xs, half, lo, hi, wmax, slope, offset, group[g], group[g + 1], bound)
        for t in range(group[g + 1] - group[g] + 1):
            i = top if t == 0 else t - 1
            if t > 0 and (i == top or bound[i] <= second):
                continue
            b = group[g] + i
            for j in range(start[b], start[b + 1]):
                v = -price[j] - half
                for k in range(len(xs)):
                    v += xs[k] * z[j, k]
                if v > second:
                    if v > best:
                        second, best, winner = best, v, j
                    else:
                        second = v
    return winner, best - second if second > -np.inf else 0.0


# jacobi_bids splits its bidders into at most this many parallel chunks, each with its own room for the bounds
_CHUNKS = 64


@njit(parallel=True, cache=True)
def jacobi_bids(x, bidders, z, price, grid):
    """Every bidder's object and bid increment ``best - second`` at the same prices (in parallel)."""
    target = np.empty(len(bidders), np.int64)
    increment = np.empty(len(bidders))
    chunks = min(len(bidders), _CHUNKS)
    for c in prange(chunks):
        gbound, bound = scratch(grid)
        for r in range(c * len(bidders) // chunks, (c + 1) * len(bidders) // chunks):
            target[r], increment[r] = best_two(x[bidders[r]], z, price, grid, gbound, bound)
    return target, increment


@njit(cache=True)
def award(bidders, target, increment, eps, price, owner, holder, top_bid, top_bidder):
    """Each object bid for goes to its highest bidder at that bid; returns the samples left without an object."""
    for i in range(len(bidders)):
        j = target[i]
        bid = price[j] + increment[i] + eps
        if top_bidder[j] < 0 or bid > top_bid[j]:
            top_bid[j], top_bidder[j] = bid, bidders[i]
    free = np.empty(len(bidders), np.int64)
    k = 0
    for i in range(len(bidders)):
        j, s = target[i], bidders[i]
        if top_bidder[j] != s:
            free[k] = s
            k += 1
            continue
        price[j] = top_bid[j]
        if holder[j] >= 0:
            owner[holder[j]] = -1
            free[k] = holder[j]
            k += 1
        holder[j], owner[s] = s, j
    for i in range(len(bidders)):
        top_bidder[target[i]] = -1
    return free[:k]


@njit(cache=True)
def gauss_seidel(x, z, price, owner, holder, queue, eps, grid, max_bids):
    """The bids of the samples in ``queue`` one at a time, each at the prices its predecessors left, until
    every sample holds an object or ``max_bids`` bids were made; returns the number of bids."""
    top, bids = len(queue), 0
    gbound, bound = scratch(grid)
    while top > 0 and bids < max_bids:
        top -= 1
        s = queue[top]
        j, increment = best_two(x[s], z, price, grid, gbound, bound)
        price[j] += increment + eps
        bids += 1
        if holder[j] >= 0:
            owner[holder[j]] = -1
            queue[top] = holder[j]
            top += 1
        holder[j], owner[s] = s, j
    return bids
