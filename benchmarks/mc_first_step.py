"""The Monte Carlo Newton solver's first log step, judged exactly: which estimate (masses or Hessian) spoils it.

On a problem with an exact judge (``gaussian-subspace``: targets in a random 2D
subspace, Gaussian source), at the solver's start heights
(``gm.solve(..., maxiter=0)``), the log Newton direction ``H d = b``
(``solvers/monte_carlo/newton.py:_direction``) is computed with the Hessian
``H`` and the masses in ``b`` taken exactly (the 2D diagram of the subspace
coordinates) or estimated (``estimate(..., hessian_samples=N)``), and
``h + a d`` is judged exactly for ``a`` = 1, 1/2, 1/4: the max relative mass
error and the number of empty cells. ``--slab`` also rebuilds the Hessian from
the slabs of ``N`` fresh samples with other slab fractions ``p`` (the
quantile over all of them; ``estimate`` takes it over its first block), and
reports the off-diagonal entries' mean and rms relative error against the exact
Hessian and the share of facets without a sample; with ``--nearest`` also
with each sample counted at the nearest bisector among its cell's exact
neighbours instead of its second best cell's (an oracle: it measures the bias
of the top-two attribution).

    PYTHONPATH=. python benchmarks/mc_first_step.py --problem gaussian-subspace:16:10000 \\
        --samples 20 22 --slab 0.1 0.3 0.5 --nearest
"""
import argparse
import time

import numpy as np
from numba import njit, prange

import geomot as gm
from geomot._kernels.sampling.assign import top2_cpu
from geomot.measures import as_sampler
from geomot.solvers._laplacian import LaplacianSolver
from geomot.solvers._residuals import log_residual
from geomot.solvers.monte_carlo.estimate import Assigner, estimate, slab_hessian
from geomot.solvers.monte_carlo.newton import _direction

import mc_problems

STEPS = (1.0, 0.5, 0.25)


def judged_steps(problem, h, d):
    """``"err (empty)"`` of ``h + a d`` for each ``a`` in :data:`STEPS`, judged exactly."""
    out = []
    for a in STEPS:
        w = problem.judge.masses(h + a * d)
        out.append(f"{mc_problems.max_rel_error(w, problem.nu):8.3g} ({int((w == 0).sum())} empty)")
    return " | ".join(out)


def slab_fraction_hessian(index, second, dist, inverse_spacing, n, p, n_samples):
    """:func:`~geomot.solvers.monte_carlo.estimate.slab_hessian` of per-sample arrays, its half-width the ``p``
    quantile of ``dist`` over all of them."""
    eps = np.quantile(dist, p)
    sel = dist < eps
    return slab_hessian(index[sel], second[sel], inverse_spacing[sel], n, n_samples, eps)


@njit(parallel=True)
def nearest_bisectors(x, y, h, best, indptr, indices):
    """``(j, distance, 1 / |y_i - y_j|)`` of the nearest bisector of each sample's cell ``i = best`` among the
    cell's neighbours (CSR rows ``indptr, indices``; the diagonal skipped): ``(s_i - s_j) / |y_i - y_j|``,
    ``s = <x, y> + h``."""
    m, d = x.shape
    out_j, out_dist, out_inv = np.full(m, -1, np.int64), np.full(m, np.inf), np.zeros(m)
    for s in prange(m):
        i = best[s]
        score_i = h[i]
        for c in range(d):
            score_i += x[s, c] * y[i, c]
        for t in range(indptr[i], indptr[i + 1]):
            j = indices[t]
            if j == i:
                continue
            score_j, q = h[j], 0.0
            for c in range(d):
                score_j += x[s, c] * y[j, c]
                q += (y[i, c] - y[j, c]) ** 2
            inv = 1 / np.sqrt(q)
            if (score_i - score_j) * inv < out_dist[s]:
                out_j[s], out_dist[s], out_inv[s] = j, (score_i - score_j) * inv, inv
    return out_j, out_dist, out_inv


def report(problem, h, laplacian, b, coo, off, label, slabbed, p, m, n):
    """One slab Hessian's line: the judged steps and its entries' errors against the exact Hessian."""
    rel = np.asarray(slabbed[coo.row[off], coo.col[off]]).ravel() / coo.data[off] - 1
    print(f"{label:42s}", judged_steps(problem, h, _direction(laplacian, slabbed, b)),
          f"   [{p * m / n:.1f} slab samples per cell; off-diagonal error mean {rel.mean():+.3f}, "
          f"rms {np.sqrt(np.mean(rel ** 2)):.3f}; facets without a sample {np.mean(rel == -1):.3f}]")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="gaussian-subspace:16:10000")
    parser.add_argument("--samples", type=int, nargs="+", default=[20, 22], help="log2 of the samples N")
    parser.add_argument("--slab", type=float, nargs="*", default=[], help="slab fractions p to rebuild H with")
    parser.add_argument("--nearest", action="store_true", help="also the nearest-bisector attribution (oracle)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    problem = mc_problems.problem(args.problem, None)
    if not problem.judge.exact:
        raise SystemExit("the problem needs an exact judge (gaussian-subspace or cylinder)")
    nu, n, dim = problem.nu, len(problem.nu), problem.points.shape[1]
    h = gm.solve(problem.source, problem.points, method="monte-carlo", tol=0.1, seed=args.seed, maxiter=0).heights
    exact = gm.PowerDiagram(problem.judge.z, h, problem.judge.source)
    w, hessian = exact.masses, exact.hessian().tocsr()
    print(f"# {problem.label}: start judged {mc_problems.max_rel_error(w, nu):.3g}, {int(exact.empty.sum())} empty; "
          f"h + a d judged at a = {STEPS}")
    laplacian = LaplacianSolver(nu, "jacobi")
    b_exact = log_residual(np.maximum(w, 1e-300), nu)
    print(f"{'exact H, exact w':42s}", judged_steps(problem, h, _direction(laplacian, hessian, b_exact)))
    y = problem.points - (problem.points.min(axis=0) + problem.points.max(axis=0)) / 2  # as the solver centres
    draw = as_sampler(problem.source, dim, args.seed, False)
    coo = hessian.tocoo()
    off = coo.row != coo.col
    for k in args.samples:
        m = 1 << k
        start = time.perf_counter()
        est = estimate(draw, y, h, m, Assigner("cpu"), hessian_samples=m)
        seconds = time.perf_counter() - start
        b = log_residual(np.maximum(est.masses, 0.5 / m), nu)
        print(f"# N = 2^{k} ({seconds:.1f} s)")
        print(f"{'exact H, estimated w':42s}", judged_steps(problem, h, _direction(laplacian, hessian, b)))
        print(f"{'estimated H, estimated w':42s}", judged_steps(problem, h, _direction(laplacian, est.hessian, b)))
        print(f"{'estimated H, exact w':42s}", judged_steps(problem, h, _direction(laplacian, est.hessian, b_exact)))
        if not args.slab:
            continue
        parts = []
        for block in range(0, m, 1 << 18):
            x = draw(min(1 << 18, m - block))
            best, second, gap = top2_cpu(x, y, h)[:3]
            inverse_spacing = 1 / np.linalg.norm(y[best] - y[second], axis=1)
            near = nearest_bisectors(x, y, h, best, hessian.indptr, hessian.indices) if args.nearest else ()
            parts.append((best, second, gap * inverse_spacing, inverse_spacing) + near)
        index, second, dist, inverse_spacing, *near = (np.concatenate(c) for c in zip(*parts))
        if near:
            print(f"# samples whose nearest bisector is not their second best cell's: {np.mean(near[0] != second):.3f}")
        for p in args.slab:
            report(problem, h, laplacian, b_exact, coo, off, f"slab p = {p}, exact w",
                   slab_fraction_hessian(index, second, dist, inverse_spacing, n, p, m), p, m, n)
            if near:
                report(problem, h, laplacian, b_exact, coo, off, "  nearest bisector, exact w",
                       slab_fraction_hessian(index, *near, n, p, m), p, m, n)


if __name__ == "__main__":
    main()
