"""Seeded sample blocks (``geomot.measures._sampling``): the same on any machine, drawn in parts by threads."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy import stats

import geomot as gm
from geomot.measures import _sampling

SOURCES = [gm.Gaussian(5), gm.Uniform(gm.Box(np.zeros(3), [1.0, 2.0, 3.0]))]


def _with_threads(count, draw):
    """``draw()`` with the block-drawing pool replaced by one of ``count`` threads."""
    saved = list(_sampling._POOL)
    _sampling._POOL[:] = [ThreadPoolExecutor(count)]
    try:
        return draw()
    finally:
        _sampling._POOL[0].shutdown()
        _sampling._POOL[:] = saved


@pytest.mark.parametrize("source", SOURCES, ids=["gaussian", "box"])
@pytest.mark.parametrize("k", [1, 4096, 4097, 10007, 65536])
def test_a_block_is_the_same_whatever_the_threads_that_draw_it(source, k):
    sampler = source.sampler(seed=3)
    one = _with_threads(1, lambda: sampler.block(2, 5, k, 65536))
    four = _with_threads(4, lambda: sampler.block(2, 5, k, 65536))
    assert one.shape == (k, source.dim)
    np.testing.assert_array_equal(one, four)
    np.testing.assert_array_equal(one, sampler.block(2, 5, k, 65536))  # the process's own pool
    assert not np.array_equal(one, sampler.block(2, 6, k, 65536))  # another block, other samples


def test_a_small_block_is_one_generator_seeded_by_its_estimate_and_index():
    """Blocks of at most 4096 samples are the streams of earlier releases: one generator, seed (e, b)."""
    source = gm.Gaussian(4)
    sampler = source.sampler(seed=9)
    root = np.random.SeedSequence(9)
    rng = np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(1, 2)))
    np.testing.assert_array_equal(sampler.block(1, 2, 4096, 65536), rng.standard_normal((4096, 4)))


def test_the_parts_of_a_block_are_independent_draws_of_the_measure():
    """A Gaussian block of 4 parts passes a normality test coordinate by coordinate, and its parts are not
    copies or shifts of one another (their correlation is at the noise level)."""
    x = gm.Gaussian(3).sampler(seed=1).block(0, 0, 1 << 16, 1 << 16)
    for c in range(3):
        assert stats.kstest(x[:, c], "norm").pvalue > 1e-3
    quarters = x[:, 0].reshape(4, -1)
    corr = np.corrcoef(quarters)
    assert np.abs(corr[np.triu_indices(4, 1)]).max() < 5 / np.sqrt(quarters.shape[1])
