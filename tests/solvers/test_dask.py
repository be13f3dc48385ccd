"""Monte Carlo on a dask.distributed cluster: the estimates and solves of one process, bit for bit.

A ``LocalCluster`` of 2 worker processes (1 thread each); blocks are small (``batch=4096``) so that every
estimate spreads over several tasks.
"""
import os
import pathlib

import numpy as np
import pytest

import geomot as gm
from geomot.measures import as_sampler
from geomot.solvers.monte_carlo._dask import tallies
from geomot.solvers.monte_carlo.estimate import Assigner, BlockJob, reduce

distributed = pytest.importorskip("dask.distributed")

SQUARE = gm.Uniform(gm.Box([0, 0], [1, 1]))
BATCH = 1 << 12


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        c.wait_for_workers(2)
        yield c


def targets(n=40, d=2, seed=0):
    y = np.random.default_rng(seed).random((n, d))
    return y, -0.5 * (y ** 2).sum(axis=1)


def same_estimate(a, b):
    np.testing.assert_array_equal(a.masses, b.masses)
    np.testing.assert_array_equal(a.stderr, b.stderr)
    assert a.cost == b.cost and a.kappa == b.kappa
    if a.hessian is not None:
        assert (a.hessian != b.hessian).nnz == 0
    if a.first_moments is not None:
        np.testing.assert_array_equal(a.first_moments, b.first_moments)
        np.testing.assert_array_equal(a.second_moments, b.second_moments)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("source,qmc", [(SQUARE, False), (SQUARE, True), (gm.Gaussian(3), True),
                                        (gm.Uniform(gm.Polygon([(0, 0), (2, 0), (0, 1)])), True)])
def test_masses_with_a_client_are_those_without(client, source, qmc):
    """``monte_carlo_masses``: 10.5 blocks, the same masses and standard errors bit for bit (pseudo-random,
    QMC on a mapped box and Gaussian, QMC by rejection on a triangle)."""
    y, h = targets(d=source.dim)
    n_samples = 10 * BATCH + BATCH // 2
    here = gm.monte_carlo_masses(source, y, h, n_samples, batch=BATCH, seed=7, qmc=qmc)
    there = gm.monte_carlo_masses(source, y, h, n_samples, batch=BATCH, seed=7, qmc=qmc, client=client)
    np.testing.assert_array_equal(here[0], there[0])
    np.testing.assert_array_equal(here[1], there[1])
    assert here[0].sum() == pytest.approx(1.0)


@pytest.mark.timeout(120)
def test_every_split_of_the_blocks_reduces_to_the_same_estimate(client):
    """Hessian, moments, cost and kappa too, whatever the number of tasks the blocks are split into, and equal
    to the estimate of one process; the masses within their standard error of a brute-force argmax."""
    y, h = targets(n=60)
    draw = as_sampler(SQUARE, 2, 3, True)
    job = BlockJob(draw, 5, BATCH, 9 * BATCH + 100, "cpu", hessian_samples=4 * BATCH + 7, moments=True)
    run = Assigner("cpu").bind(y, h)
    first = job.tally(run, y, 0, None)
    local = reduce([first] + [job.tally(run, y, b, first.width) for b in range(1, job.blocks)], 60, 2, job)
    for tasks_per_thread in (1, 3, 10):
        same_estimate(local, reduce(tallies(client, job, y, h, tasks_per_thread), 60, 2, job))
    x = np.concatenate([draw.block(5, b, min(BATCH, job.n_samples - b * BATCH), BATCH) for b in range(job.blocks)])
    brute = np.bincount(np.argmax(x @ y.T + h, axis=1), minlength=60) / len(x)
    np.testing.assert_array_equal(local.masses, brute)  # the same samples, assigned by brute force
    exact = gm.PowerDiagram(y, h, SQUARE).masses
    assert (np.abs(local.masses - exact) <= 5 * local.stderr + 1e-12).all()
    assert local.kappa < 0.5  # QMC: the replicates agree far better than binomial noise


@pytest.mark.timeout(180)
@pytest.mark.parametrize("method,options", [("monte-carlo", {}), ("monte-carlo", {"qmc": True, "clusters": 4}),
                                            ("adam", {"maxiter": 30})])
def test_solve_with_a_client_is_the_solve_without(client, method, options):
    """The heights, masses and history of a solve are those without a client, bit for bit."""
    y, _ = targets(n=30)
    kw = dict(method=method, tol=0.1, seed=11, batch=BATCH) | options
    here = gm.solve(SQUARE, y, **kw)
    there = gm.solve(SQUARE, y, client=client, **kw)
    np.testing.assert_array_equal(here.heights, there.heights)
    np.testing.assert_array_equal(here.masses, there.masses)
    assert [i.samples for i in here.history] == [i.samples for i in there.history]
    assert here.status == there.status


@pytest.mark.timeout(120)
def test_one_worker_gives_the_answer_of_two(client):
    y, h = targets(n=50, d=4)
    source = gm.Gaussian(4)
    two = gm.monte_carlo_masses(source, y, h, 12 * BATCH, batch=BATCH, seed=2, client=client)
    with distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as one_client:
        one = gm.monte_carlo_masses(source, y, h, 12 * BATCH, batch=BATCH, seed=2, client=one_client)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])


class DyingUniform(gm.Uniform):
    """The uniform measure, whose first block drawn (on any worker) kills that worker's process."""

    def __init__(self, domain, marker):
        super().__init__(domain)
        self.marker = marker

    def _stream(self, cube):
        marker = pathlib.Path(self.marker)
        if not marker.exists():
            marker.write_text("killed")
            os._exit(1)
        return super()._stream(cube)


@pytest.mark.timeout(180)
def test_a_worker_lost_mid_estimate_changes_nothing(client, tmp_path):
    """A worker dies in its first block of a solve: dask recomputes its tasks, and the result is unchanged."""
    y, _ = targets(n=30)
    dying = DyingUniform(SQUARE.domain, str(tmp_path / "marker"))
    here = gm.solve(SQUARE, y, method="monte-carlo", tol=0.1, seed=4, batch=BATCH)
    there = gm.solve(dying, y, method="monte-carlo", tol=0.1, seed=4, batch=BATCH, client=client)
    assert (tmp_path / "marker").exists()  # a worker did die
    np.testing.assert_array_equal(here.heights, there.heights)
    np.testing.assert_array_equal(here.masses, there.masses)
    client.wait_for_workers(2)


def test_client_validation(client):
    with pytest.raises(gm.GeomotError, match="client must be a dask.distributed.Client"):
        gm.monte_carlo_masses(SQUARE, *targets(), 1000, client="tcp://127.0.0.1:8786")
    with pytest.raises(gm.GeomotError, match="callable sampler"):
        gm.solve(lambda k: np.random.random((k, 2)), targets()[0], method="monte-carlo", client=client)
    with pytest.raises(gm.GeomotError, match="callable sampler"):
        gm.monte_carlo_masses(lambda k: np.random.random((k, 2)), *targets(), 1000, client=client)


def test_without_dask_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "dask.distributed", None)  # what an import of a missing module does
    with pytest.raises(ImportError, match=r"pip install 'geomot\[dask\]'"):
        gm.monte_carlo_masses(SQUARE, *targets(), 1000, client=object())
