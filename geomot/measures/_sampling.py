r"""Points of the unit cube (pseudo-random or scrambled Sobol), and the seeded blocks every sample is drawn in.

The samples of one estimate are blocks ``b = 0, 1, ...`` of a fixed size
``B`` (the last one cut short). Block ``b`` of the estimate numbered ``e``, of
``k`` samples, is drawn from the generator seeded by
``SeedSequence(entropy, spawn_key=key + (e, b))`` (``entropy, key`` those of
the seed) when ``k <= 4096``; a larger block is ``P = min(4, ceil(k / 4096))``
consecutive parts of (nearly) equal size, part ``p`` seeded by
``key + (e, b, p)``, drawn by threads (NumPy's generators release the GIL: a
Gaussian block of 65536 x 16 took 23 ms in one thread, 11 ms in parts on 2
cores). A block depends on ``(seed, e, b)``
only, never on which machine draws it, how many cores it has, nor on the blocks drawn before it, so
an estimate spread over workers (:mod:`geomot.solvers.monte_carlo.estimate`)
is the estimate drawn in one process.

With ``qmc`` each block is half from each of two scrambled Sobol sequences
(``replicates == 2``), the replicates of randomised quasi-Monte Carlo. The
scramble of replicate ``r`` is seeded by ``(e, r)``, and block ``b`` takes the
points ``b B / 2 .. (b + 1) B / 2`` of its sequence (``fast_forward``): the
samples of an estimate are the first ``N / 2`` points of each sequence, whatever the
blocks, and keep the convergence of Sobol points beyond one block (with
``B`` a power of two every block is balanced too). Where the measure
cannot say how many cube points a block takes (a domain sampled by
rejection, :attr:`~geomot.domains.Domain.maps_cube` false), every block has
its own scrambles, seeded by ``(e, b, r)``: the gain of QMC is then that of
one block.
"""
import warnings
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from scipy import stats

from .._validate import as_float_array


class UnitCube:
    """Stream of points of ``[0, 1)^d``: pseudo-random, or one scrambled Sobol sequence from its point ``skip``."""

    def __init__(self, dim, seed, qmc, skip=0):
        self.dim = dim
        self.rng = np.random.default_rng(seed)
        self.engine = stats.qmc.Sobol(dim, scramble=True, seed=self.rng) if qmc else None
        if skip:
            self.engine.fast_forward(skip)

    def __call__(self, k):
        if self.engine is None:
            return self.rng.random((k, self.dim))
        with warnings.catch_warnings():  # rejection sampling draws batches of any size
            warnings.filterwarnings("ignore", "The balance properties of Sobol", UserWarning)
            return self.engine.random(k)


_PARTS = 4  # the most parts of a pseudo-random block
_PART = 1 << 12  # the fewest samples of a part but the last
_POOL = []


def _threads():
    """The threads that draw the parts of blocks (one pool per process, made at first use; no more threads than
    numba's kernels use, ``NUMBA_NUM_THREADS``)."""
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(min(_PARTS, numba.config.NUMBA_NUM_THREADS)))
    return _POOL[0]


def root_seed(seed):
    """The ``SeedSequence`` that a seed (None, int, SeedSequence, Generator) stands for; a Generator gives
    one draw of its own stream."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(2 ** 63)))
    return np.random.SeedSequence(seed)


class BlockSampler:
    """Samples of a measure in seeded blocks (module docstring); also a stream ``draw(k)``.

    Parameters
    ----------
    measure : Uniform or Gaussian
        Answers ``_stream(cube)``, a stream of its samples from a :class:`UnitCube`, and
        ``_maps_cube`` (whether ``k`` samples take ``k`` cube points).
    seed : None, int, SeedSequence or Generator
    qmc : bool
    """

    seeded = True

    def __init__(self, measure, seed, qmc):
        self.measure, self.qmc = measure, qmc
        self.root = root_seed(seed)
        self.replicates = 2 if qmc else 1
        self.started = 0

    def start(self):
        """The number ``e`` of a new estimate (0, 1, ... in the order they start)."""
        self.started += 1
        return self.started - 1

    def _seed(self, *key):
        return np.random.SeedSequence(self.root.entropy, spawn_key=self.root.spawn_key + key)

    def _pseudo_random(self, k, *key):
        """``k`` pseudo-random samples from the generator seeded by ``key`` (below the root seed)."""
        return self.measure._stream(UnitCube(self.measure.dim, self._seed(*key), False))(k)

    def block(self, e, b, k, size):
        """Block ``b`` of estimate ``e``: its ``k <= size`` samples, shape (k, d), in blocks of ``size``."""
        dim = self.measure.dim
        if not self.qmc:
            count = min(_PARTS, -(-k // _PART))
            if count <= 1:  # one part: the block's own seed
                return self._pseudo_random(k, e, b)
            edges = np.linspace(0, k, count + 1).astype(np.int64)
            out = np.empty((k, dim))

            def draw(p):  # each thread draws and copies its part
                out[edges[p]:edges[p + 1]] = self._pseudo_random(int(edges[p + 1] - edges[p]), e, b, p)
            list(_threads().map(draw, range(count)))
            return out
        parts = []
        for r, (m, stride) in enumerate(((k - k // 2, size - size // 2), (k // 2, size // 2))):
            if self.measure._maps_cube:
                cube = UnitCube(dim, self._seed(e, r), True, skip=b * stride)
            else:
                cube = UnitCube(dim, self._seed(e, b, r), True)
            parts.append(self.measure._stream(cube)(m))
        return np.concatenate(parts)

    def __call__(self, k):
        """``k`` samples of a new estimate, one block."""
        return self.block(self.start(), 0, k, k)


class UserSampler:
    """The user's sampler ``k -> (k, d)``, checked; it draws its own randomness, so its blocks are the
    successive calls (not seeded: no estimate can be spread over workers)."""

    seeded = False
    replicates = 1

    def __init__(self, source, dim):
        self.source, self.dim = source, dim

    def start(self):
        """Estimates are not numbered: 0."""
        return 0

    def block(self, e, b, k, size):
        """The next ``k`` samples (``e``, ``b``, ``size`` do not apply)."""
        return self(k)

    def __call__(self, k):
        return as_float_array(self.source(k), "the sampler's output", (k, self.dim))
