r"""The blocks of an estimate tallied on the workers of a ``dask.distributed.Client``.

The targets and the heights go to the cluster once per estimate
(``n (d + 1)`` doubles), as the results of two tasks that hold them: unlike
scattered data, which dies with the worker holding it, a task's result is
recomputed from the graph when its worker is lost. Each task draws a contiguous range of blocks, assigns
them and returns their merged :class:`~.estimate.Tally` (per-cell counts, the
per-block cost and moment sums, the slab samples of the Hessian: ``16 n`` bytes
and the slab samples, not ``16 n`` per block); the client reduces them in
block order (:func:`~.estimate.reduce`, the code of the run without a client).
Block 0 goes first, alone: it sets the width of the Hessian slabs, which
the other tasks receive as a future. A block is a function of
``(seed, estimate, block)`` only (:mod:`geomot.measures._sampling`), so a task
lost with its worker is recomputed by dask to the same tallies, and the
estimate does not depend on the number of workers.
"""
import numpy as np


def _held(value):
    return value


def send(client, *arrays):
    """Futures of ``arrays`` on the cluster of ``client``: each the result of a task that returns it, so that
    dask recomputes it (from the graph) if the worker holding it is lost; scattered data would be lost with it."""
    return [client.submit(_held, a, pure=False) for a in arrays]


def _width(tally):
    return tally.width


def tallies(client, job, y, h, tasks_per_thread=2):
    """The tallies of the blocks of ``job``, one per task, in block order, computed by the workers of ``client``.

    The blocks after the first are split into ``tasks_per_thread`` ranges per worker thread (fewer if there
    are fewer blocks), for the balance of the load.
    """
    y_f, h_f = send(client, y, h)
    first = client.submit(job.tallies, y_f, h_f, range(0, 1), None, pure=False)
    futures = [first]
    rest = job.blocks - 1
    if rest:
        width = client.submit(_width, first, pure=False)
        threads = max(sum(client.nthreads().values()), 1)
        edges = np.linspace(1, job.blocks, min(rest, tasks_per_thread * threads) + 1).round().astype(int)
        futures += [client.submit(job.tallies, y_f, h_f, range(a, b), width, pure=False)
                    for a, b in zip(edges[:-1], edges[1:])]
    for future in futures:  # in block order
        yield future.result()
        future.release()
