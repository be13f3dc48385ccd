"""Time of OTGenerator.fit and OTGenerator.sample on the 25-Gaussian grid, under any BLAS threading.

For each N: ``fit`` on N samples of the grid (seed 0), then ``sample(m)``;
medians of --repeat runs after an untimed warm-up (numba compilation); the fit's
CPU seconds (this process, all its threads) beside its wall time tell the work
from the wait on a shared machine. Each size is also timed with the BLAS
threads left at their default and with ``threadpoolctl.threadpool_limits(1)``
around the calls: the generator must
not depend on the difference (scipy's ``Delaunay.transform``, used by
``sample`` before, took 7.8 s per call on a loaded 2-core machine with
threaded OpenBLAS and 0.001 s with one thread). The targets of issue 23: fit
at N = 20000 in at most 2 s, at N = 1e5 in at most 15 s.

    python benchmarks/bench_generator.py                  # N = 2500, 20000, 100000
    python benchmarks/bench_generator.py --sizes 512 20000 --repeat 5 --m 100000
"""
import argparse
import contextlib
import os
import platform
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import geomot as gm
from geomot.generative.datasets import grid_gaussians


def timed(n, m, repeat, one_thread):
    """Medians over ``repeat`` runs: (fit wall s, fit CPU s of this process, sample wall s)."""
    fits, cpus, samples = [], [], []
    for _ in range(repeat):
        limit = threadpool_limits(1) if one_thread else contextlib.nullcontext()
        with limit:
            t, c = time.perf_counter(), time.process_time()
            gen = gm.OTGenerator().fit(grid_gaussians(n, 0))
            fits.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
            t = time.perf_counter()
            gen.sample(m, seed=1)
            samples.append(time.perf_counter() - t)
    return float(np.median(fits)), float(np.median(cpus)), float(np.median(samples))


def main(sizes=(2500, 20000, 100000), m=2500, repeat=3):
    gm.OTGenerator().fit(grid_gaussians(256, 0)).sample(10, seed=0)  # compile the kernels
    blas = ", ".join(f"{p['internal_api']} {p['num_threads']} threads" for p in threadpool_info()
                     if p["user_api"] == "blas") or "no BLAS found"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {blas}, load {load:.1f}")
    print(f"| N | fit s (BLAS default) | fit CPU s (default) | fit s (1 thread) | sample({m}) s (default) | "
          "sample s (1 thread) |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        default, single = timed(n, m, repeat, False), timed(n, m, repeat, True)
        print(f"| {n} | {default[0]:.2f} | {default[1]:.2f} | {single[0]:.2f} | {default[2]:.4f} | {single[2]:.4f} |",
              flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=float, nargs="+", default=[2500, 20000, 100000])
    ap.add_argument("--m", type=int, default=2500, help="samples drawn per sample() call")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    main(tuple(int(s) for s in a.sizes), a.m, a.repeat)
