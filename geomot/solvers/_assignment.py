r"""The assignment start of the exact solver: heights whose cells hold the source samples an optimal
assignment gives each target.

The masses ``nu`` are rounded to counts ``c_i >= 1`` of ``N = sum c_i``
samples ``x_s`` of the source (low-discrepancy): ``N = n``, or where the
masses differ enough that the smallest is owed a sample, at most ``16 n``
(:func:`sample_counts`). Target ``i`` becomes ``c_i`` objects. An auction (:func:`auction`; Bertsekas, "The auction algorithm: a
distributed relaxation method for the assignment problem", 1988) assigns the
samples to the objects for the value ``<x_s, z_j> - p_j`` and returns prices
``p`` that are ``eps``-complementary: every sample's object is worth at least
its best value less ``eps``. The heights ``k_i = -max_{j of i} p_j`` then put
every sample within ``eps`` of its target's cell (the copies of a target cost
the same to within ``eps``). Prices start at ``|z_j|^2 / 2`` (each sample
bids for its nearest object, the Voronoi start), and ``eps`` shrinks fivefold
per scale from ``span N^(-1/d)`` to a thousandth of the smallest value gap
between neighbouring cells (``span`` the product of the samples' and objects'
widths; the gap of target ``i`` is ``|z_i - z_nearest| width_x N^(-1/d)``, at
most the typical ``span N^(-2/d)``: near-duplicate targets ask for a finer
``eps``). Where a cell is still empty (its sample on a corner of the
diagram), its height is raised until the sample lies inside, by a tenth of
its gap (:func:`assignment_start`).

Each scale bids in rounds (Jacobi: all free samples at the same prices, in
parallel, each object to its highest bidder) while more than ``SERIAL``
samples are free, then one at a time (Gauss-Seidel): the long tails of
displaced samples cost one pruned search each instead of a round. The
pruning bounds are refitted to the prices every ``_REFRESH`` bids per sample.

Coarse to fine (:func:`assign`): from ``_COARSE * _COARSE_MIN`` objects on,
one object in ``_COARSE`` (one per stretch of the pruning grid's order, so
spread as the objects are) and as many samples (the first ones of the
low-discrepancy sequence) are assigned first, the same way; the fine prices
start at the conjugate of the coarse samples' profits ``pi_s = <x_s,
z_own(s)> - p_own(s)``, ``p(z) = max_s <x_s, z> - pi_s`` (:func:`c_transform`:
exact at the coarse objects, convex and piecewise linear between them), and
the fine scales start at the coarse value gap ``span N_coarse^(-2/d)``
instead of ``span N^(-1/d)``. On the moon image at 1e5 targets the first two
cold scales took 25 s and 58 bids per sample; the coarse assignment of 6250
takes about 1.5 s.

Measured (quiet, tol 1e-9, the cases of :mod:`._start`, the whole solve): a
square with two holes, 2400 uniform targets: 0.6 s and 8 Newton steps, where
the dense ``scipy.optimize.linear_sum_assignment`` and the Bellman-Ford
potentials it replaced took 5 s and 2 s before Newton; 20000 targets: 11.0 s
and 13 steps, about 100 bids per sample. Memory is ``O(N)``.
"""
import numpy as np
from scipy.spatial import cKDTree

from .._kernels.auction import award, gauss_seidel, jacobi_bids

# while more samples than this are free the bids are Jacobi rounds (in parallel), then Gauss-Seidel
SERIAL = 16
# objects per bucket of the pruning grid (holes, 8000 targets, one-level grid: 16 -> 3.2 s, 64 -> 1.8 s, 128 -> 2.0 s)
_BUCKET = 64
# the factor eps shrinks by per scale
_SCALE = 5.0
# rounds of raising empty cells (each raises every empty cell until its sample lies inside)
_REPAIRS = 4
# the auction stops after this many bids per sample (the cases measured took 40 to 100)
_MAX_BIDS = 2000
# the samples of the assignment start: one per target, more where the masses differ, up to this many per target
# (two squares, 230 targets, masses in a ratio of 1e4: one sample per target started 1520 times off the smallest
# mass, and the solve failed at 4.4; 16 per target: 140 times, converged)
_SAMPLES_PER_TARGET = 16
# the pruning bounds are refitted to the prices after this many bids per sample within a scale (prices rise
# through a scale, and bounds fitted at its start loosen)
_REFRESH = 0.5
# from _COARSE * _COARSE_MIN objects on, the auction starts from the prices of an assignment of one object in
# _COARSE and as many samples (moon image, 1e5 targets: auction 77.6 s cold, 34-45 s from 6250 objects)
_COARSE = 16
_COARSE_MIN = 2000
# the coarse assignment's last eps, as a share of its gap between neighbouring cells
_COARSE_FINAL = 1e-2
# the last eps, as a share of the smallest gap between neighbouring cells (moon image, whole solve: 3e4 targets
# 18.3 s at 1e-3, 26.6 s at 1e-2; 1e5: 146.4 s, 169.8 s)
_FINAL = 1e-3


def counts_of(nu, n):
    """Counts ``c_i >= 1`` of ``sum c_i`` about ``n`` samples in proportion to ``nu`` (largest remainders)."""
    share = n * nu / nu.sum()
    counts = np.maximum(1, np.floor(share)).astype(np.int64)
    short = n - int(counts.sum())
    if short > 0:
        counts[np.argsort(counts - share)[:short]] += 1
    return counts


def sample_counts(nu):
    """The samples owed to each target (:func:`counts_of`): one per target, or enough that the smallest mass is
    owed one, at most ``_SAMPLES_PER_TARGET`` per target."""
    n = len(nu)
    return counts_of(nu, int(min(_SAMPLES_PER_TARGET * n, max(n, np.ceil(nu.sum() / nu.min())))))


def buckets(z, size=_BUCKET):
    """A grid of about ``len(z) / size`` buckets over the objects ``z``, grouped by a grid ``size^(1/d)``
    times coarser: ``(order, start, lo, hi, group, glo, ghi)``, the objects sorted by group and bucket, bucket
    ``b`` holding ``order[start[b]:start[b + 1]]`` within the box ``[lo[b], hi[b]]``, group ``g`` the buckets
    ``group[g]:group[g + 1]`` within ``[glo[g], ghi[g]]`` (empty buckets and groups dropped)."""
    n, d = z.shape
    g = max(1, int(round((n / size) ** (1 / d))))
    coarse = max(1, int(round(g / size ** (1 / d))))
    low, width = z.min(axis=0), np.ptp(z, axis=0)
    cell = np.minimum((g * (z - low) / np.where(width > 0, width, 1.0)).astype(np.int64), g - 1)
    key = np.ravel_multi_index(tuple((cell * coarse // g).T), (coarse,) * d) * g ** d \
        + np.ravel_multi_index(tuple(cell.T), (g,) * d)
    order = np.argsort(key, kind="stable")
    keys, first = np.unique(key[order], return_index=True)
    start = np.append(first, n)
    zs = z[order]
    lo, hi = np.minimum.reduceat(zs, first, axis=0), np.maximum.reduceat(zs, first, axis=0)
    group = np.append(np.unique(keys // g ** d, return_index=True)[1], len(keys))
    glo, ghi = np.minimum.reduceat(lo, group[:-1], axis=0), np.maximum.reduceat(hi, group[:-1], axis=0)
    return order, start, lo, hi, group, glo, ghi


def price_planes(zs, ps, first):
    """Planes under the prices of each run of objects ``zs[first[b]:first[b + 1]]``: ``(slope, offset)`` with
    ``ps_j >= <slope_b, zs_j> + offset_b``, the slope fitted by least squares (runs of at most ``d`` objects: the
    gradient ``z`` of ``|z|^2 / 2`` at their mean), the offset the largest that holds."""
    n, d = zs.shape
    counts = np.diff(np.append(first, n))
    run = np.repeat(np.arange(len(first)), counts)
    mean = np.add.reduceat(zs, first, axis=0) / counts[:, None]
    dz, dp = zs - mean[run], ps - (np.add.reduceat(ps, first) / counts)[run]
    scatter = np.add.reduceat(dz[:, :, None] * dz[:, None, :], first, axis=0)
    ridge = 1e-9 * np.trace(scatter, axis1=1, axis2=2) + 1e-300
    slope = np.linalg.solve(scatter + ridge[:, None, None] * np.eye(d),
                            np.add.reduceat(dz * dp[:, None], first, axis=0)[..., None])[..., 0]
    slope = np.where((counts > d)[:, None] & np.isfinite(slope).all(axis=1)[:, None], slope, mean)
    return slope, np.minimum.reduceat(ps - (zs * slope[run]).sum(axis=1), first)


def bounds(zs, ps, start, lo, hi, group, glo, ghi):
    """The pruning grid of the kernels at the prices ``ps``: the buckets' and groups' boxes with their largest
    ``w = |z|^2 / 2 - p`` and their price planes (:func:`price_planes`)."""
    w = 0.5 * (zs ** 2).sum(axis=1) - ps  # (module docstring of the kernels)
    wmax = np.maximum.reduceat(w, start[:-1])
    return (start, lo, hi, wmax, *price_planes(zs, ps, start[:-1]), group, glo, ghi,
            np.maximum.reduceat(wmax, group[:-1]), *price_planes(zs, ps, start[group[:-1]]))


def auction(x, z, price, eps_range):
    r"""An ``eps``-optimal assignment of the samples ``x`` (N, d) to the objects ``z`` (N, d) for the value
    ``<x_s, z_j> - p_j``, from the prices ``price`` (updated in place).

    ``eps_range = (eps0, eps_final)``: the first and last scale. Returns
    ``(owner, bids)``: the object of each sample (-1 for samples left
    without one when ``_MAX_BIDS`` bids per sample were spent) and the number of bids.
    """
    n = len(z)
    order, start, lo, hi, group, glo, ghi = buckets(z)
    zs, ps = np.ascontiguousarray(z[order]), price[order]
    owner, holder = np.empty(n, np.int64), np.empty(n, np.int64)
    top_bid, top_bidder = np.empty(n), np.full(n, -1, np.int64)
    eps, eps_final = eps_range
    bids, budget = 0, _MAX_BIDS * n
    while bids < budget:
        owner[:], holder[:] = -1, -1
        grid, fresh = bounds(zs, ps, start, lo, hi, group, glo, ghi), bids
        free = np.arange(n)
        while len(free) > SERIAL and bids < budget:
            if bids - fresh > _REFRESH * n:
                grid, fresh = bounds(zs, ps, start, lo, hi, group, glo, ghi), bids
            target, increment = jacobi_bids(x, free, zs, ps, grid)
            bids += len(free)
            free = award(free, target, increment, eps, ps, owner, holder, top_bid, top_bidder)
        if len(free):
            bids += gauss_seidel(x, zs, ps, owner, holder, free.copy(), eps, grid, max(budget - bids, 0))
        if eps <= eps_final:
            break
        eps = max(eps / _SCALE, eps_final)
    price[order] = ps
    return np.where(owner >= 0, order[owner], -1), bids


def c_transform(x, profit, z):
    """The prices ``p(z) = max_s <x_s, z> - profit_s`` of the objects ``z`` (the samples' profits' conjugate),
    by the kernels' pruned search with the roles of samples and objects swapped."""
    order, start, lo, hi, group, glo, ghi = buckets(x)
    xs, ps = np.ascontiguousarray(x[order]), profit[order]
    best, _ = jacobi_bids(np.ascontiguousarray(z), np.arange(len(z)), xs, ps, bounds(xs, ps, start, lo, hi, group, glo, ghi))
    return (xs[best] * z).sum(axis=1) - ps[best]


def assign(x, z, price, eps_final):
    """An ``eps_final``-optimal assignment of the samples ``x`` to the objects ``z`` from the prices ``price``
    (updated in place): :func:`auction`, from ``eps = span N^(-1/d)``; from ``_COARSE * _COARSE_MIN`` objects on,
    from the prices of a coarse assignment instead (module docstring). Returns ``auction``'s ``(owner, bids)``."""
    n, d = z.shape
    span = (float(np.ptp(x, axis=0).max()) or 1.0) * (float(np.ptp(z, axis=0).max()) or 1.0)
    eps0 = span * n ** (-1 / d)
    if n >= _COARSE * _COARSE_MIN:
        sub = buckets(z)[0][::_COARSE]  # one object in _COARSE, spread as the grid's buckets
        xc, zc, pc = np.ascontiguousarray(x[:len(sub)]), np.ascontiguousarray(z[sub]), price[sub]
        gap = span * len(sub) ** (-2 / d)  # the value gap between neighbouring coarse cells
        own, _ = assign(xc, zc, pc, max(eps_final, _COARSE_FINAL * gap))
        if (own >= 0).all():
            price[:] = c_transform(xc, (xc * zc[own]).sum(axis=1) - pc[own], z)
            eps0 = min(eps0, gap)
    return auction(x, z, price, (max(eps0, eps_final), eps_final))


def assignment_start(draw, z, nu, diagram):
    """The diagram of the assignment start (module docstring).

    ``draw(N)``: ``N`` samples of the source in the unit frame; ``z`` (n, d):
    the targets in the unit frame; ``diagram(k)``: the diagram of the unit-frame
    heights ``k``. Returns ``(diagram, k)``.
    """
    n, d = z.shape
    counts = sample_counts(nu)
    target = np.repeat(np.arange(n), counts)  # the target of each object
    x = np.ascontiguousarray(draw(len(target)), dtype=float)
    objects = np.ascontiguousarray(z[target])
    width = float(np.ptp(x, axis=0).max()) or 1.0
    span = width * (float(np.ptp(objects, axis=0).max()) or 1.0)
    # the value gap between neighbouring cells: typical, and of each target with its nearest neighbour
    gap = span * len(target) ** (-2 / d)
    local = cKDTree(z).query(z, 2)[0][:, 1] * width * len(target) ** (-1 / d) if n > 1 else np.full(1, gap)
    local = np.where(local > 0, np.minimum(local, gap), gap)
    price = 0.5 * (objects ** 2).sum(axis=1)
    # (at least 1e-12 of the prices' scale: smaller steps would not change them)
    eps_final = _FINAL * max(float(local.min()), 1e-9 * (span + float(price.max())))
    owner, _ = assign(x, objects, price, eps_final)
    k = -np.maximum.reduceat(price, np.concatenate([[0], np.cumsum(counts)[:-1]]))
    witness = np.full(n, -1, np.int64)
    held = owner >= 0
    witness[target[owner[held]]] = np.flatnonzero(held)  # one sample of each target
    pd = diagram(k)
    for _ in range(_REPAIRS):
        empty = np.flatnonzero(pd.empty & (witness >= 0))
        if not len(empty):
            break
        xs = x[witness[empty]]
        lead = (xs @ z.T + k).max(axis=1) - ((xs * z[empty]).sum(axis=1) + k[empty])
        k[empty] += lead + 0.1 * local[empty]
        pd = diagram(k)
    return pd, k
