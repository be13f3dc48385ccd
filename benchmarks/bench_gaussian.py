"""Cost per Newton step: the exact 2D Gaussian source against the uniform one, the same targets.

Targets uniform in the unit square; the Gaussian N((0.5, 0.5), 0.2^2 I) (the square spans 5 std). tol 1e-8.

    python benchmarks/bench_gaussian.py
"""
import time

import numpy as np

import geomot as gm

for n in (int(1e4), int(1e5)):
    y = np.random.default_rng(0).random((n, 2))
    for name, src, yy in [("uniform", gm.Uniform(gm.Box([0, 0], [1, 1])), y), ("gaussian", gm.Gaussian(2, [0.5, 0.5], 0.2), y)]:
        gm.solve(src, yy[:500], tol=1e-6)
        ts = []
        for _ in range(3):
            t = time.perf_counter(); r = gm.solve(src, yy, tol=1e-8); ts.append(time.perf_counter() - t)
        print(f"{name:9s} n={n:.0e} {np.median(ts):.3f} s (range {min(ts):.3f}-{max(ts):.3f}), {r.iterations} it, "
              f"{np.median(ts) / max(r.iterations, 1):.3f} s/it, err {r.max_rel_error:.1e}, {r.status.name}", flush=True)
