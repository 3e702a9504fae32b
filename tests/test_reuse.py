"""One built network runs many loads and seeds: same spikes as fresh runs, one build."""

from __future__ import annotations

import numpy as np
import pytest

from neuro_kv.parameters import ParameterError
from neuro_kv.reuse import CompiledProtocol


def test_reused_network_gives_the_spikes_of_a_fresh_run(run_cached):
    compiled = CompiledProtocol("paired-recall", max_items=3, device="cython")
    reused = [compiled.run(seed=5, n_items=3), compiled.run(seed=6, n_items=2),
              compiled.run(seed=5, n_items=3, slot_policy="random", slot_probability=0.2)]
    assert compiled.builds == 1
    fresh = run_cached("paired-recall", 5, "cython", n_items=3)
    for a, b in zip(fresh.segment.spiketrains, reused[0].segment.spiketrains, strict=True):
        np.testing.assert_array_equal(a.magnitude, b.magnitude)
    assert reused[0].metrics["recall_accuracy"] == fresh.metrics["recall_accuracy"]
    assert reused[1].metrics["n_items"] == 2
    assert reused[1].metrics["recall_accuracy"] >= 0.9
    # every run starts from the stored initial state: repeating the first run after the
    # others gives its spikes again
    repeat = compiled.run(seed=5, n_items=3)
    for a, b in zip(reused[0].segment.spiketrains, repeat.segment.spiketrains, strict=True):
        np.testing.assert_array_equal(a.magnitude, b.magnitude)
    assert reused[2].metrics["winning_slots"] != reused[0].metrics["winning_slots"]
    # stopping after encoding (to look at the network, e.g. to prune a tuning trial) and
    # going on gives the spikes of an uninterrupted run
    seen = []
    split = compiled.run(seed=5, n_items=3, after_encoding=lambda output, schedule: seen.append(
        (output.duration_s, max(t.max(initial=0) for _, t in output.spikes.values()))))
    assert seen[0][0] == pytest.approx(0.45) and seen[0][1] < 0.45  # 3 x (100 + 50) ms
    for a, b in zip(fresh.segment.spiketrains, split.segment.spiketrains, strict=True):
        np.testing.assert_array_equal(a.magnitude, b.magnitude)


def test_structural_parameters_are_refused():
    compiled = CompiledProtocol("paired-recall", max_items=2, device="numpy")
    with pytest.raises(ParameterError, match="change the network"):
        compiled.run(seed=1, n_items=2, key_gain="4*mV")
    with pytest.raises(ParameterError, match="at most 2"):
        compiled.run(seed=1, n_items=3)


def test_runtime_parameters_change_without_a_rebuild(run_cached):
    """The hopfield retrieval gains are model variables: a reused network run with another
    bias gives the spikes of a fresh run built with it, and the next run is back at the
    default. A small network (10 + 10 entries)."""
    sizes = {"n_input": 10, "n_value": 10}
    compiled = CompiledProtocol("paired-recall", circuit="hopfield", max_items=3,
                                device="cython", **sizes)
    biased = compiled.run(seed=2, n_items=3, retrieval_bias="16*mV")
    default = compiled.run(seed=2, n_items=3)
    assert compiled.builds == 1
    assert biased.parameters["retrieval_bias"] != default.parameters["retrieval_bias"]
    fresh_biased = run_cached("paired-recall", 2, "cython", circuit="hopfield", n_items=3,
                              retrieval_bias="16*mV", **sizes)
    fresh_default = run_cached("paired-recall", 2, "cython", circuit="hopfield", n_items=3,
                               **sizes)
    for reused, fresh in ((biased, fresh_biased), (default, fresh_default)):
        for a, b in zip(fresh.segment.spiketrains, reused.segment.spiketrains, strict=True):
            np.testing.assert_array_equal(a.magnitude, b.magnitude)

    def cortex_spikes(result):
        return sum(len(t) for t in result.segment.spiketrains
                   if t.annotations["population"] == "cortex")

    assert cortex_spikes(biased) > cortex_spikes(default)  # the bias took effect
