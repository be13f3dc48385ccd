"""Throughput of the Monte Carlo assignment kernels (the two best of <x, y_i> + h_i per sample).

Prints samples/second and GFLOP/s (2 n d flops per sample) of

- ``numba``: ``geomot._kernels.sampling.assign.top2_cpu`` (what the solvers use: SIMD lanes
  below ``BLAS_MIN_DIM`` coordinates, BLAS blocks + a numba top-2 pass above, both
  in single precision with the uncertain samples redone in double);
- ``lanes`` / ``blas``: each of its two paths forced, to show the crossover;
- ``double``: the double-precision kernels alone (no single-precision screen);
- ``matmul``: the NumPy reference ``x @ y.T + h`` then ``argmax`` (argmax only: less work);

beside the machine's matrix-product rates (3000 x 3000 GEMMs, best of 3, in double
and in single precision), the "FLOP bound" the issue compares with.

    python benchmarks/bench_assign.py [--targets 1e3 1e4 1e5] [--dims 2 8 16 32 64 128]
"""
import argparse
import platform
import time

import numpy as np

from geomot._kernels.sampling import assign


def best_time(f, repeat=3):
    time.sleep(0.2)  # OpenBLAS's threads spin for a while after a product (the previous kernel's) and slow numba's
    f()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def gemm_rate(dtype, size=3000):
    a = np.random.default_rng(0).random((size, size)).astype(dtype)
    return 2 * size ** 3 / best_time(lambda: a @ a)


def forced(path):
    """``top2_cpu`` with its path forced: ``"lanes"`` or ``"blas"`` (screened in single precision, as the solvers
    run them), or ``"double"`` (the double-precision kernels alone, without the screen)."""
    def run(x, y, h):
        if path == "double":
            m = len(x)
            out = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m)
            assign._top2_dense(x, y, h, *out)
            return out
        saved = assign.BLAS_MIN_DIM
        assign.BLAS_MIN_DIM = 0 if path == "blas" else 1 << 30
        try:
            return assign.top2_cpu(x, y, h)
        finally:
            assign.BLAS_MIN_DIM = saved
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=float, nargs="+", default=[1e3, 1e4, 1e5])
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 8, 16, 32, 64, 128])
    parser.add_argument("--work", type=float, default=4e9, help="flops per timed call (sets the sample count)")
    args = parser.parse_args()
    peak, single = gemm_rate(np.float64), gemm_rate(np.float32)
    print(f"# {platform.processor() or platform.machine()}, numpy {np.__version__}; "
          f"GEMM (3000^3): {peak / 1e9:.1f} GFLOP/s float64, {single / 1e9:.1f} float32")
    kernels = {"numba": assign.top2_cpu, "lanes": forced("lanes"), "blas": forced("blas"),
               "double": forced("double"), "matmul": assign.assign_numpy}
    print(f"{'n':>7} {'d':>4} {'samples':>8} " + " ".join(f"{k + ' /s':>11} {'GF':>5}" for k in kernels)
          + f" {'numba/GEMM':>10} {'/SGEMM':>7} {'numba/matmul':>12}")
    rng = np.random.default_rng(0)
    for n in map(int, args.targets):
        y = rng.random((n, max(args.dims)))
        h = rng.random(n)
        for d in args.dims:
            m = int(np.clip(args.work / (2 * n * d), 1024, 1 << 20))
            x = rng.random((m, d))
            yd = np.ascontiguousarray(y[:, :d])
            rates = {k: m / best_time(lambda f=f: f(x, yd, h)) for k, f in kernels.items()}
            flops = {k: r * 2 * n * d for k, r in rates.items()}
            print(f"{n:7d} {d:4d} {m:8d} " + " ".join(f"{rates[k]:11.3g} {flops[k] / 1e9:5.1f}" for k in kernels)
                  + f" {flops['numba'] / peak:10.0%} {flops['numba'] / single:7.0%} {rates['numba'] / rates['matmul']:12.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
