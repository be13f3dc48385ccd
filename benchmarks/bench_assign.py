"""Throughput of the Monte Carlo assignment kernels (the two best of <x, y_i> + h_i per sample).

Prints samples/second and GFLOP/s (2 n d flops per sample) of

- ``numba``: ``geomot._kernels.sampling.assign.top2_cpu``, what the solvers use: the
  register-tiled kernel in single precision, the samples it cannot certify redone in
  double (the float64 -> float32 copy and the screen included);
- ``single`` / ``double``: the tiled kernel alone (``tile.top2_tiles``) in float32 / float64
  (the samples converted per task);
- ``matmul32`` / ``matmul64``: NumPy's ``x @ y.T + h`` then ``argmax``, in blocks of 4096
  samples (argmax only: less work), in float32 / float64;

beside the machine's matrix-product rates (3000 x 3000 GEMMs, the best of 5 before the
kernels and 5 after, in double and in single precision), the bound the issue compares
with. A second table gives ``numba`` and ``single`` over the SGEMM rate, ``double`` over
the DGEMM rate, and ``numba`` over ``matmul32``. Each rate is the median of ``--repeat`` timed calls (the range in brackets
with ``--ranges``).

    python benchmarks/bench_assign.py [--targets 1e3 1e4 1e5] [--dims 2 8 16 32 64 128] [--repeat 5]
"""
import argparse
import platform
import time

import numpy as np

from geomot._kernels.sampling import assign, tile


def times(f, repeat):
    time.sleep(0.2)  # OpenBLAS's threads spin for a while after a product (the previous kernel's) and slow numba's
    f()
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return np.array(out)


def gemm_rate(dtype, size=3000, repeat=5):
    """The best rate of ``repeat`` products of two ``size x size`` matrices (this VM's speed drifts: best of 5)."""
    a = np.random.default_rng(0).random((size, size)).astype(dtype)
    return 2 * size ** 3 / times(lambda: a @ a, repeat).min()


def tiles(dtype):
    def run(x, y, h):
        m = len(x)
        out = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, dtype)
        tile.top2_tiles(x, y, h, *out)
        return out
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=float, nargs="+", default=[1e3, 1e4, 1e5])
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 8, 16, 32, 64, 128])
    parser.add_argument("--work", type=float, default=4e9, help="flops per timed call (sets the sample count)")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per kernel (the median is printed)")
    parser.add_argument("--ranges", action="store_true", help="print each rate's range over the calls too")
    args = parser.parse_args()
    dgemm, sgemm = gemm_rate(np.float64), gemm_rate(np.float32)
    print(f"# {platform.processor() or platform.machine()}, numpy {np.__version__}; "
          f"GEMM (3000^3): {dgemm / 1e9:.1f} GFLOP/s float64, {sgemm / 1e9:.1f} float32")
    kernels = {"numba": (assign.top2_cpu, np.float64), "single": (tiles(np.float32), np.float32),
               "double": (tiles(np.float64), np.float64), "matmul32": (assign.assign_numpy, np.float32),
               "matmul64": (assign.assign_numpy, np.float64)}
    width = 22 if args.ranges else 11
    print(f"{'n':>7} {'d':>4} {'samples':>8} " + " ".join(f"{k + ' GF':>{width}}" for k in kernels))
    rng = np.random.default_rng(0)
    rows = []
    for n in map(int, args.targets):
        y = rng.random((n, max(args.dims)))
        h = rng.random(n)
        for d in args.dims:
            m = int(np.clip(args.work / (2 * n * d), 8192, 1 << 20))  # solvers call it on 65536
            x = rng.random((m, d))
            yd = np.ascontiguousarray(y[:, :d])
            flops = {}
            for name, (f, dtype) in kernels.items():
                xs, ys, hs = x.astype(dtype), yd.astype(dtype), h.astype(dtype)
                flops[name] = 2 * n * d * m / times(lambda: f(xs, ys, hs), args.repeat) / 1e9
            cells = [f"{np.median(g):5.1f} [{g.min():5.1f}-{g.max():5.1f}]" if args.ranges else f"{np.median(g):.1f}"
                     for g in flops.values()]
            rate = {k: np.median(g) * 1e9 for k, g in flops.items()}
            rows.append((n, d, m, cells, rate))
            print(f"{n:7d} {d:4d} {m:8d} " + " ".join(f"{c:>{width}}" for c in cells), flush=True)
    dgemm, sgemm = max(dgemm, gemm_rate(np.float64)), max(sgemm, gemm_rate(np.float32))
    print(f"# GEMM, the best before and after: {dgemm / 1e9:.1f} GFLOP/s float64, {sgemm / 1e9:.1f} float32")
    print(f"{'n':>7} {'d':>4} {'numba/SGEMM':>11} {'single/SGEMM':>12} {'double/DGEMM':>12} {'numba/matmul32':>14}")
    for n, d, m, cells, rate in rows:
        print(f"{n:7d} {d:4d} {rate['numba'] / sgemm:11.0%} {rate['single'] / sgemm:12.0%} {rate['double'] / dgemm:12.0%}"
              f" {rate['numba'] / rate['matmul32']:14.2f}")


if __name__ == "__main__":
    main()
