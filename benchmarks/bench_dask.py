"""Monte Carlo estimates on a dask ``LocalCluster``: 1 against 2 worker processes, and the run without a client.

For each problem (d, n), one estimate of ``--samples`` samples with the slab
Hessian (what a Newton step costs): its wall time without a client, and with
a ``LocalCluster`` of 1 and of 2 workers (1 thread each; numba's own threads
as configured), after a warm-up estimate (the workers import and compile).
Prints the bytes sent per estimate (targets and heights), the seconds
to send them alone, and checks that every run gives the same masses. The
model of ``docs/dask.md`` takes its compute rate from the 1-worker row.

    python benchmarks/bench_dask.py [--problems 16:1000 64:1000] [--samples 4194304] [--batch 65536]
"""
import argparse
import os
import time

import numpy as np
from dask.distributed import Client, LocalCluster, wait

import geomot as gm
from geomot.solvers.monte_carlo._dask import send


def timed(source, y, h, samples, batch, client):
    t = time.perf_counter()
    w = gm.monte_carlo_masses(source, y, h, samples, batch=batch, seed=0, client=client)[0]
    return time.perf_counter() - t, w


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+", default=["16:1000", "64:1000", "16:10000"])
    parser.add_argument("--samples", type=int, default=1 << 22)
    parser.add_argument("--batch", type=int, default=1 << 16)
    args = parser.parse_args()
    print(f"# {os.cpu_count()} cores; {args.samples} samples per estimate, blocks of {args.batch}")
    print(f"{'problem':>14} {'sent':>10} {'send s':>9} {'no client s':>11} {'1 worker s':>10} "
          f"{'2 workers s':>11} {'same':>5}")
    clusters = {k: LocalCluster(n_workers=k, processes=True, threads_per_worker=1, dashboard_address=":0")
                for k in (1, 2)}
    clients = {k: Client(c) for k, c in clusters.items()}
    for spec in args.problems:
        d, n = map(int, spec.split(":"))
        y = np.random.default_rng(0).random((n, d))
        h = -0.5 * (y ** 2).sum(axis=1)
        source = gm.Uniform(gm.Box(np.zeros(d), np.ones(d)))
        times, masses = {}, {}
        for k in (None, 1, 2):
            client = clients.get(k)
            timed(source, y, h, args.batch, args.batch, client)  # warm-up: imports, compilation
            times[k], masses[k] = timed(source, y, h, args.samples, args.batch, client)
        t = time.perf_counter()
        wait(send(clients[2], y, h))
        sent = time.perf_counter() - t
        same = all(np.array_equal(masses[None], masses[k]) for k in (1, 2))
        print(f"{'d=%d n=%d' % (d, n):>14} {(y.nbytes + h.nbytes) / 1e6:8.2f}MB {sent:9.3f} {times[None]:11.2f} "
              f"{times[1]:10.2f} {times[2]:11.2f} {str(same):>5}", flush=True)
    for c in list(clients.values()) + list(clusters.values()):
        c.close()


if __name__ == "__main__":
    main()
