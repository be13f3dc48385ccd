"""The run of a Monte Carlo solve: the shared skeleton (:class:`~geomot.solvers._run.Run`) plus sampling.

The sampler, the assignment device, the batch, the sample budget, and the
noise of the last estimate, which sizes the next one.
"""
import time

import numpy as np

from ...errors import GeomotError
from .._run import Run
from .estimate import estimate


def _noise_factor(nu):
    """``z max_i sqrt((1 - nu_i) / nu_i)``: the max relative noise of a mass estimate is this over ``sqrt(N)``."""
    z = np.sqrt(2 * np.log(2 * len(nu)))
    return float(z * np.sqrt((1 - nu) / nu).max())


def pow2(k):
    """The smallest power of two >= k (at least 1)."""
    return 1 << int(np.ceil(np.log2(max(k, 1))))


class SampledRun(Run):
    """A :class:`~geomot.solvers._run.Run` that draws its own estimates.

    Parameters
    ----------
    draw : callable
        ``draw(k) -> (k, d)`` samples of the source.
    y, nu : ndarray
        Targets (centred: the true targets are ``y + origin``) and their masses.
    assigner : Assigner
    batch : int
        Samples per kernel call.
    max_samples : int or None
        Budget on the samples drawn.
    verbose, callback
        As :class:`~geomot.solvers._run.Run`.
    origin : ndarray, shape (d,)
        Where the centred targets' origin lies (the estimates' costs are measured to ``y + origin``).
    client : dask.distributed.Client, optional
        Whose workers tally the estimates' blocks (the small draws of the starts and line searches stay here).
    """

    def __init__(self, draw, y, nu, assigner, batch, max_samples=None, verbose=False, callback=None, origin=None,
                 client=None):
        super().__init__(nu, verbose, callback)
        self.draw, self.y, self.assigner, self.batch, self.max_samples = draw, y, assigner, batch, max_samples
        self.origin, self.client = origin, client
        self.noise_factor = _noise_factor(nu)
        self.kappa = 1.0
        self.used = 0

    def samples_for(self, noise):
        """Fewest samples ``N`` whose predicted max relative noise is at most ``noise``.

        The prediction is ``kappa noise_factor / sqrt(N)``, ``kappa`` that of the
        last estimate (randomised QMC: the error measured by its two replicates
        over the binomial one; QMC errors fall faster than ``N^-1/2``, so
        extrapolating with the exponent 1/2 overestimates ``N``). ``N`` is a
        power of two up to one batch and a whole number of batches above
        (with ``qmc=True`` each batch is a power-of-two block of both Sobol
        streams); rounding up to a power of two above a batch cost up to 2x
        more samples (``docs/benchmarks.md``).
        """
        k = (self.kappa * self.noise_factor / noise) ** 2
        return pow2(k) if k <= self.batch else self.batch * int(np.ceil(k / self.batch))

    def affordable(self, k):
        """Whether ``k`` more samples fit the budget; the first estimate must fit it."""
        if self.max_samples is None or self.used + k <= self.max_samples:
            return True
        if not self.history:
            raise GeomotError(f"max_samples={self.max_samples} is smaller than the first estimate ({k} samples)")
        return False

    def estimate(self, h, k, **kw):
        self.used += k
        start = time.perf_counter()
        est = estimate(self.draw, self.y, h, k, self.assigner, batch=self.batch, origin=self.origin,
                       client=self.client, **kw)
        est.seconds = time.perf_counter() - start
        return est

    def record_estimate(self, est, h, step, log=True):
        """Record an estimate at heights ``h`` (:meth:`Run.record`); returns ``(error, noise, stop)``.

        ``last`` keeps ``(estimate, heights, noise)`` of the latest: a solve returns those heights with that
        estimate of their masses, whatever the optimiser did after."""
        self.kappa = est.kappa
        noise = est.kappa * self.noise_factor / np.sqrt(est.samples)
        err, stop = self.record(est.masses, h, step, samples=est.samples, noise=noise,
                                estimate_seconds=est.seconds, log=log)
        self.last = (est, h, noise)
        return err, noise, stop
