"""The counter-based random streams: distributions with the stated moments, and every counter
(seed, neuron, time step, stream) giving other numbers (numpy implementation; the three
devices' identity is tested through circuit spikes in test_engine.py)."""

from __future__ import annotations

import numpy as np

from neuro_kv.random_stream import exponential_numpy, normal_numpy, uniform_numpy

N = 10**6


def test_draws_have_the_stated_distributions():
    neurons = np.arange(N)
    u = uniform_numpy(7, neurons, 123, 0)
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.002 and abs(u.var() - 1 / 12) < 0.001
    e = exponential_numpy(7, neurons, 123, 1)
    assert abs(e.mean() - 1) < 0.005 and abs(e.var() - 1) < 0.02
    z = normal_numpy(7, neurons, 123, 2)
    assert abs(z.mean()) < 0.005 and abs(z.var() - 1) < 0.01
    assert np.abs(z).max() <= np.sqrt(3) * 2  # Irwin-Hall of four: tails cut at 2*sqrt(3)
    # neighbouring counters are uncorrelated
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.005


def test_every_counter_changes_the_draw():
    neurons = np.arange(1000)
    reference = uniform_numpy(1, neurons, 10, 0)
    for seed, step, stream in ((2, 10, 0), (1, 11, 0), (1, 10, 1)):
        other = uniform_numpy(seed, neurons, step, stream)
        assert np.mean(other == reference) == 0
    np.testing.assert_array_equal(uniform_numpy(1, neurons, 10, 0), reference)
