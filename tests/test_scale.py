"""kv-ensemble at scale: the planner refuses an index that would not fit, with its estimate,
before anything is built; a 100,000-neuron index runs (slow: about 80 s and 8 GB)."""

from __future__ import annotations

import pytest

import neuro_kv
from neuro_kv.parameters import ParameterError
from neuro_kv.preparation import available_memory


def test_an_index_that_would_not_fit_is_refused_with_its_estimate():
    # 10^6 neurons: 8 x 10^8 synapses, about 80 GB; refused on any machine with less
    if available_memory() > 400e9:
        pytest.skip("this machine could hold it")
    with pytest.raises(ParameterError, match=r"one run of kv-ensemble with these sizes needs "
                                             r"about 8\d\.?\d* GB; this machine has"):
        neuro_kv.run("ensemble-recall", seed=1, n_index=1_000_000, n_items=1)


@pytest.mark.slow
def test_a_100000_neuron_index_stores_and_recalls():
    """Measured (benchmarks/bench_ensemble_scale.py, seed 1, 4 items): recall 1.0,
    ensembles of 4,324 neurons, 1.8 s of model time in 63 s."""
    result = neuro_kv.run("ensemble-recall", seed=1, n_index=100_000, n_items=4,
                          silenced_fractions=(0.0,))
    assert result.metrics["recall_accuracy"] >= 0.9
    assert 0.02 <= result.metrics["ensemble_fraction"] <= 0.06
