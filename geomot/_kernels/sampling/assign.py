r"""Monte Carlo cell assignment: the two largest of ``<x, y_i> + h_i`` for every sample ``x`` (any dimension).

For each sample the kernels return the best cell ``i`` (``argmax``), the
second best ``j`` and the gap ``(<x, y_i> + h_i) - (<x, y_j> + h_j) >= 0``:
the gap is what the Monte Carlo Hessian needs (samples with a small gap lie in
a slab about the facet ``F_ij``). Ties (measure zero for continuous samples)
go to the smallest index (the k-d tree path breaks them arbitrarily). With one target,
``second = -1`` and ``gap = inf``.

Implementations of one computation, tested against each other:

``top2_numpy``
    Reference: blocked matrix product and ``np.argsort`` (memory bounded).
``top2_cpu``
    numba: a parallel task per 128 samples, in register tiles of 6 targets
    by 16 samples (:mod:`.tile`: the accumulators stay in SIMD registers
    through the loop over the coordinates, as in a GEMM micro-kernel, and
    the top two are updated from them with branch-free selects), the
    targets in blocks that stay in cache. It runs in single precision first
    (twice the SIMD lanes), and the samples whose single-precision gap does
    not certify the winner are redone in double precision
    (:func:`_top2_screened`): ``best`` is the double-precision argmax;
    ``second`` and ``gap`` carry single-precision rounding (``gap`` within
    the certified bound; ``second`` can differ only where the second and
    third scores are that close). ``benchmarks/bench_assign.py`` measures it
    against the machine's matrix-product rate and NumPy's ``x @ y.T`` + argmax.
``top2_kdtree``
    In 2D and 3D with many targets, a nearest-neighbour query: with
    ``psi_i = 2 h_i + |y_i|^2`` and ``C = max psi``, the points
    ``(y_i, sqrt(C - psi_i))`` are at squared distance
    ``|x|^2 + C - 2 (<x, y_i> + h_i)`` from ``(x, 0)``, so the two nearest
    (scipy's ``cKDTree``, ``O(log n)`` per sample) are the two best cells and
    half the difference of their squared distances is the gap. ``top2_cpu``
    takes it from ``KDTREE_MIN_TARGETS`` targets on in d <= 3 (measured:
    ``docs/benchmarks.md``, design measurements).
``top2_cuda``
    numba.cuda, one thread per sample; the targets are streamed through
    shared memory in 32 x 32 tiles (targets x coordinates) loaded cooperatively
    by the block, partial scores in registers, counts by atomic adds. Runs
    under ``NUMBA_ENABLE_CUDASIM=1``.
"""
import math

import numpy as np
from numba import cuda, njit, prange
from scipy.spatial import cKDTree

from .tile import top2_tiles

KDTREE_MIN_TARGETS = 3000
_F32 = np.finfo(np.float32)
_CENTER_SAMPLES = 4096


def top2_numpy(x, y, h, block=4096):
    """Reference ``(best, second, gap)`` by matrix products; see the module docstring."""
    m = len(x)
    best = np.empty(m, np.int64)
    second = np.full(m, -1, np.int64)
    gap = np.full(m, np.inf)
    for start in range(0, m, block):
        s = x[start:start + block] @ y.T + h
        order = np.argsort(-s, axis=1, kind="stable")
        best[start:start + block] = order[:, 0]
        if len(y) > 1:
            rows = np.arange(len(s))
            second[start:start + block] = order[:, 1]
            gap[start:start + block] = s[rows, order[:, 0]] - s[rows, order[:, 1]]
    return best, second, gap


def assign_numpy(x, y, h, block=4096):
    """``argmax_i <x, y_i> + h_i`` for each row of ``x`` (NumPy matrix-product reference)."""
    out = np.empty(len(x), np.int64)
    for start in range(0, len(x), block):
        out[start:start + block] = np.argmax(x[start:start + block] @ y.T + h, axis=1)
    return out


@njit(cache=True, parallel=True)
def _scale(x, center, ymax):
    """``sum_k |x_k - center_k| ymax_k`` for each row of ``x``."""
    m, d = x.shape
    out = np.zeros(m)
    for s in prange(m):
        acc = 0.0
        for k in range(d):
            acc += abs(x[s, k] - center[k]) * ymax[k]
        out[s] = acc
    return out


def _top2_screened(x, y, h, best, second, gap):
    r"""Single-precision scores, double precision where they cannot certify the winner; returns the redone rows.

    The scores are shifted first, which changes no difference between two
    scores of a sample: with ``X = x - c`` (``c`` the mean of the first samples),
    ``Y = y - mean(y)`` and ``g_j = h_j + <c, y_j>`` (minus its largest value),
    ``<x, y_j> + h_j = <X, Y_j> + g_j + (a term of the sample alone)``. In
    single precision (unit roundoff ``u = 2^-24``, inputs rounded too) every
    score of sample ``X`` is within
    ``B = gamma_{d+3} (max_j |g_j| + sum_k |X_k| max_j |Y_jk|) + (d + 3) tiny``
    of its exact value (``gamma_m = m u / (1 - m u)``, any summation order,
    fused multiply-adds included; ``tiny`` for underflow). A single-precision
    gap above ``2 B`` proves the winner; the other samples (ties, near
    ties, overflow) are redone in double precision, as are whole batches
    whose scores could exceed ``1e30``.
    """
    m, d = x.shape
    center = x[:_CENTER_SAMPLES].mean(axis=0)  # any centre keeps the bound; the first samples' mean is one pass less
    ys = y - y.mean(axis=0)
    g = h + np.einsum("ij,j->i", y, center)  # einsum, not BLAS: OpenBLAS threads left spinning slow numba's 2x
    g -= g.max()
    scale = _scale(x, center, np.abs(ys).max(axis=0)) + np.abs(g).max()
    if not scale.max() < 1e30:
        top2_tiles(x, y, h, best, second, gap)
        return np.arange(m)
    gamma = (d + 3) * _F32.eps / 2 / (1 - (d + 3) * _F32.eps / 2)
    single = np.empty(m, np.float32)
    top2_tiles(x, ys, g, best, second, single, center)
    gap[:] = single
    redo = np.flatnonzero(~(gap > 2 * (gamma * scale + (d + 3) * float(_F32.tiny))))  # NaN (overflow) included
    if len(redo):
        b, s, gp = np.empty(len(redo), np.int64), np.empty(len(redo), np.int64), np.empty(len(redo))
        top2_tiles(x[redo], y, h, b, s, gp)
        best[redo], second[redo], gap[redo] = b, s, gp
    return redo


def top2_kdtree(x, y, h):
    """``(best, second, gap)`` by a k-d tree on the lifted targets (see the module docstring); n >= 2."""
    psi = 2 * h + (y ** 2).sum(axis=1)
    c = psi.max()
    tree = cKDTree(np.column_stack([y, np.sqrt(c - psi)]))
    dist, idx = tree.query(np.column_stack([x, np.zeros(len(x))]), k=2, workers=-1)
    return idx[:, 0].astype(np.int64), idx[:, 1].astype(np.int64), 0.5 * (dist[:, 1] ** 2 - dist[:, 0] ** 2)


def top2_cpu(x, y, h):
    """``(best, second, gap)`` on the CPU: k-d tree, or numba register tiles screened in single precision
    (module docstring)."""
    x, y, h = (np.ascontiguousarray(a, dtype=np.float64) for a in (x, y, h))
    m = len(x)
    if x.shape[1] <= 3 and len(y) >= KDTREE_MIN_TARGETS:
        return top2_kdtree(x, y, h)
    best, second, gap = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m)
    if m:
        _top2_screened(x, y, h, best, second, gap)
    return best, second, gap


def assign_cpu(x, y, h):
    """``argmax_i <x, y_i> + h_i`` for each row of ``x`` (numba; see :func:`top2_cpu`)."""
    return top2_cpu(x, y, h)[0]


_TILE = 32  # targets per shared-memory tile (CUDA)
_KTILE = 32  # coordinates per shared-memory tile (CUDA)


@cuda.jit
def _top2_kernel(x, y, h, best, second, gap, counts):
    s = cuda.grid(1)
    tid = cuda.threadIdx.x
    nthreads = cuda.blockDim.x
    m, d = x.shape
    n = y.shape[0]
    ytile = cuda.shared.array((_TILE, _KTILE), np.float64)
    acc = cuda.local.array(_TILE, np.float64)
    b1 = -math.inf
    b2 = -math.inf
    i1 = -1
    i2 = -1
    for t0 in range(0, n, _TILE):
        tw = min(_TILE, n - t0)
        for t in range(_TILE):
            acc[t] = h[t0 + t] if t < tw else -math.inf
        for k0 in range(0, d, _KTILE):
            kw = min(_KTILE, d - k0)
            cuda.syncthreads()
            for e in range(tid, _TILE * _KTILE, nthreads):  # cooperative load of the tile
                t = e // _KTILE
                k = e % _KTILE
                ytile[t, k] = y[t0 + t, k0 + k] if (t < tw and k < kw) else 0.0
            cuda.syncthreads()
            if s < m:
                for k in range(kw):
                    xk = x[s, k0 + k]
                    for t in range(tw):
                        acc[t] += xk * ytile[t, k]
        if s < m:
            for t in range(tw):
                v = acc[t]
                if v > b2:
                    if v > b1:
                        b2, i2, b1, i1 = b1, i1, v, t0 + t
                    else:
                        b2, i2 = v, t0 + t
    if s < m:
        best[s] = i1
        second[s] = i2
        gap[s] = b1 - b2
        cuda.atomic.add(counts, i1, 1)


def top2_cuda(x, y, h, threads=128):
    """``(best, second, gap, counts)`` on the GPU (numba.cuda); ``counts`` is the histogram of ``best``.

    ``y`` and ``h`` may be device arrays (``numba.cuda.to_device``), so that a
    stream of sample batches copies the targets once.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    if not hasattr(y, "copy_to_host"):  # callers that stream batches pass y, h already on the device
        y, h = cuda.to_device(np.ascontiguousarray(y, np.float64)), cuda.to_device(np.ascontiguousarray(h, np.float64))
    m = len(x)
    best, second, gap = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m)
    counts = np.zeros(y.shape[0], np.int64)
    _top2_kernel[(m + threads - 1) // threads, threads](x, y, h, best, second, gap, counts)
    return best, second, gap, counts
