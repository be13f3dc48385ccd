r"""The dense CPU assignment kernel: register tiles of ``TARGETS`` targets by two SIMD vectors of samples, each
tile's scores merged into the samples' running top two.

A numba intrinsic that writes the loop in LLVM IR with SIMD vector values,
because numba has no vector type and LLVM's loop vectoriser only vectorises
innermost loops: it would keep the accumulators in memory, one load and one
store per few multiply-adds (measured: half the speed). Here the
``TARGETS x 2`` accumulators (12 registers of 8 single- or 4 double-precision
lanes, within the 16 of AVX2) live in registers through the whole loop over
the ``d`` coordinates, as in a GEMM micro-kernel:

    acc[t, v] = h[j0 + t] + sum_k y[j0 + t, k] * xt[k, l0 + v VECTOR : l0 + (v + 1) VECTOR]

(two vector loads of the samples and ``TARGETS`` broadcasts of target
coordinates feed ``2 TARGETS`` fused multiply-adds per coordinate), then
each sample's top two are updated with the ``TARGETS`` scores, in increasing
target order (ties keep the smaller index):

    up = s > b1, mid = s > b2;  b2, i2 = (b1, i1) if up else ((s, j) if mid else (b2, i2));  b1, i1 = (s, j) if up

skipped (one branch per tile) when no score of the tile beats any sample's
second best, which changes nothing: after the first targets most tiles are
such (at d = 8-32, 2-12 % faster; level at d >= 64).

The sums are in coordinate order with fused multiply-adds where the machine
has them (``contract``), which the single-precision error bound of
:func:`geomot._kernels.sampling.assign._top2_screened` allows. Machines with
narrower vectors (SSE, NEON) split each vector in two; the result is the same.
"""
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

TARGETS = 6  # targets per tile
VECTOR_BYTES = 32  # AVX2; a tile holds 2 VECTOR_BYTES // itemsize samples (float32: 16, float64: 8)
_CONTRACT = ("contract",)
_TASK = 128  # samples per parallel task


@intrinsic
def tile_top2(typingctx, xt, y, h, l0, j0, b1, b2, i1, i2):
    r"""Merge targets ``j0 .. j0 + TARGETS`` into the top two of the tile of samples at ``l0`` (module docstring).

    ``xt`` (d, L) the samples transposed, ``y`` (n, d) and ``h`` (n,) the
    targets and heights, ``b1, b2`` (L,) the best and second scores and
    ``i1, i2`` (L,) int32 their targets, updated in place; all C-contiguous,
    of one float type. The caller keeps ``l0 + 2 VECTOR_BYTES / itemsize <= L`` and
    ``j0 + TARGETS <= n`` (pad the targets with height ``-inf``).
    """
    if not (isinstance(xt, types.Array) and xt.dtype in (types.float32, types.float64)
            and all(a.dtype == xt.dtype for a in (y, h, b1, b2)) and i1.dtype == i2.dtype == types.int32):
        return None
    sig = types.void(xt, y, h, l0, j0, b1, b2, i1, i2)

    def codegen(context, builder, signature, args):
        xt_, y_, h_, b1_, b2_, i1_, i2_ = (context.make_array(signature.args[q])(context, builder, args[q])
                                           for q in (0, 1, 2, 5, 6, 7, 8))
        l0_, j0_ = (context.cast(builder, args[q], signature.args[q], types.int64) for q in (3, 4))
        dtype = signature.args[0].dtype
        width = 8 * VECTOR_BYTES // dtype.bitwidth
        i64, i32 = ir.IntType(64), ir.IntType(32)
        fvec, ivec = ir.VectorType(context.get_value_type(dtype), width), ir.VectorType(i32, width)
        falign = dtype.bitwidth // 8

        def const(v):
            return ir.Constant(i64, v)

        def at(array, index):
            return builder.gep(array.data, [index])

        def splat(value, vty):
            undef = ir.Constant(vty, ir.Undefined)
            first = builder.insert_element(undef, value, ir.Constant(i32, 0))
            return builder.shuffle_vector(first, undef, ir.Constant(ir.VectorType(i32, width), [0] * width))

        def pointer(array, index, vty):
            return builder.bitcast(at(array, index), vty.as_pointer())

        d = builder.extract_value(xt_.shape, 0)
        row = builder.extract_value(xt_.shape, 1)
        dy = builder.extract_value(y_.shape, 1)
        starts = [splat(builder.load(at(h_, builder.add(j0_, const(t)))), fvec) for t in range(TARGETS)]
        y_rows = [builder.mul(builder.add(j0_, const(t)), dy) for t in range(TARGETS)]

        entry = builder.block
        header = builder.append_basic_block("tile.header")
        body = builder.append_basic_block("tile.body")
        done = builder.append_basic_block("tile.done")
        builder.branch(header)
        builder.position_at_end(header)
        k = builder.phi(i64)
        k.add_incoming(const(0), entry)
        acc = [[builder.phi(fvec) for _ in range(2)] for _ in range(TARGETS)]
        for t in range(TARGETS):
            for v in range(2):
                acc[t][v].add_incoming(starts[t], entry)
        builder.cbranch(builder.icmp_signed("<", k, d), body, done)

        builder.position_at_end(body)
        x_at = builder.add(builder.mul(k, row), l0_)
        x = [builder.load(pointer(xt_, builder.add(x_at, const(v * width)), fvec), align=falign) for v in range(2)]
        for t in range(TARGETS):
            yk = splat(builder.load(at(y_, builder.add(y_rows[t], k))), fvec)
            for v in range(2):
                product = builder.fmul(x[v], yk, flags=_CONTRACT)
                acc[t][v].add_incoming(builder.fadd(acc[t][v], product, flags=_CONTRACT), body)
        k.add_incoming(builder.add(k, const(1)), body)
        builder.branch(header)

        builder.position_at_end(done)
        # most tiles change no sample's top two: update only if a score beats some sample's second best
        update = builder.append_basic_block("tile.update")
        end = builder.append_basic_block("tile.end")
        beats = None
        for v in range(2):
            s2 = builder.load(pointer(b2_, builder.add(l0_, const(v * width)), fvec), align=falign)
            for t in range(TARGETS):
                above = builder.fcmp_ordered(">", acc[t][v], s2)
                beats = above if beats is None else builder.or_(beats, above)
        bits = ir.VectorType(ir.IntType(1), width)
        any_of = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(1), [bits]),
                                                f"llvm.vector.reduce.or.v{width}i1")
        builder.cbranch(builder.call(any_of, [beats]), update, end)
        builder.position_at_end(update)
        for v in range(2):
            at_v = builder.add(l0_, const(v * width))
            pb1, pb2 = pointer(b1_, at_v, fvec), pointer(b2_, at_v, fvec)
            pi1, pi2 = pointer(i1_, at_v, ivec), pointer(i2_, at_v, ivec)
            s1, s2 = builder.load(pb1, align=falign), builder.load(pb2, align=falign)
            q1, q2 = builder.load(pi1, align=4), builder.load(pi2, align=4)
            for t in range(TARGETS):
                score = acc[t][v]
                j = splat(builder.trunc(builder.add(j0_, const(t)), i32), ivec)
                up = builder.fcmp_ordered(">", score, s1)
                mid = builder.fcmp_ordered(">", score, s2)
                s2 = builder.select(up, s1, builder.select(mid, score, s2))
                q2 = builder.select(up, q1, builder.select(mid, j, q2))
                s1 = builder.select(up, score, s1)
                q1 = builder.select(up, j, q1)
            builder.store(s1, pb1, align=falign)
            builder.store(s2, pb2, align=falign)
            builder.store(q1, pi1, align=4)
            builder.store(q2, pi2, align=4)
        builder.branch(end)
        builder.position_at_end(end)
        return context.get_dummy_value()
    return sig, codegen


@njit(cache=True, parallel=True)
def _top2_tiles(x, center, y, h, best, second, gap):
    """Two best cells of the samples ``x - center`` (rows) by register tiles, a task per 128 samples, in the
    precision of ``y, h``.

    ``y, h`` padded to a multiple of ``TARGETS`` targets (heights ``-inf``).
    Each task copies its samples, shifted and transposed (a coordinate's
    samples side by side), into that precision. The targets are taken in
    blocks of about 128 KiB, which stay in the core's cache while every tile
    of the task's samples passes over them.
    """
    m, d = x.shape
    n = y.shape[0]
    width = 2 * VECTOR_BYTES // y.itemsize  # samples per tile
    block = max(TARGETS, (1 << 17) // (d * y.itemsize) // TARGETS * TARGETS)
    for c in prange((m + _TASK - 1) // _TASK):
        s0 = c * _TASK
        w = min(m, s0 + _TASK) - s0
        xc = np.zeros((d, _TASK), y.dtype)
        for s in range(w):
            for k in range(d):
                xc[k, s] = x[s0 + s, k] - center[k]
        b1 = np.full(_TASK, -np.inf, y.dtype)
        b2 = np.full(_TASK, -np.inf, y.dtype)
        i1 = np.full(_TASK, -1, np.int32)
        i2 = np.full(_TASK, -1, np.int32)
        for t0 in range(0, n, block):
            for l0 in range(0, _TASK, width):
                for j0 in range(t0, min(n, t0 + block), TARGETS):
                    tile_top2(xc, y, h, l0, j0, b1, b2, i1, i2)
        for s in range(w):
            best[s0 + s] = i1[s]
            second[s0 + s] = i2[s]
            gap[s0 + s] = b1[s] - b2[s]


def top2_tiles(x, y, h, best, second, gap, center=None):
    """The two best cells of the samples ``x - center`` (``center`` 0 by default) into ``best, second, gap``,
    computed in the precision of ``gap`` (float32 or float64; ``y, h`` are converted to it while padded)."""
    n, d = y.shape
    padded = -(-n // TARGETS) * TARGETS
    yp = np.zeros((padded, d), gap.dtype)
    yp[:n] = y
    hp = np.full(padded, -np.inf, gap.dtype)
    hp[:n] = h
    _top2_tiles(np.ascontiguousarray(x), np.zeros(d) if center is None else center, yp, hp, best, second, gap)
