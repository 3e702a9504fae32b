"""paired-recall: measured recall on the standard benchmark (d = N = 40, 60 % hidden)."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import Network, defaultclock, prefs, second, set_device

from circuits.kv_index import KVIndexCircuit
from neuro_kv.api import prepare


@pytest.mark.parametrize(("n_items", "seed"), [(20, 1), (40, 3)])
def test_recall_from_partial_cues(run_cached, n_items, seed):
    m = run_cached("paired-recall", seed, "cython", n_items=n_items).metrics
    assert m["recall_accuracy"] >= 0.95
    assert m["slot_hit_rate"] >= 0.9
    assert m["correct_slot_spike_fraction"] >= 0.7  # a near-one-hot spiking softmax


def test_stdp_value_rule_recalls(run_cached):
    m = run_cached("paired-recall", 1, "cython", n_items=20, value_rule="stdp").metrics
    assert m["recall_accuracy"] >= 0.95


def test_numpy_device_runs_the_same_protocol(run_cached):
    m = run_cached("paired-recall", 4, "numpy", n_items=5).metrics
    assert m["recall_accuracy"] >= 0.9 and m["slot_hit_rate"] >= 0.8


def test_without_neuromodulator_nothing_is_stored(run_cached):
    m = run_cached("paired-recall", 1, "cython", n_items=20, encoding_modulator=0.0).metrics
    assert 0.4 <= m["recall_accuracy"] <= 0.6
    assert m["slot_hit_rate"] == 0.0  # no key learned: the index stays silent


def test_cpp_standalone_recalls_too(run_cached):
    m = run_cached("paired-recall", 2, "cpp_standalone", n_items=20).metrics
    assert m["recall_accuracy"] >= 0.95


def test_same_seed_same_spikes_other_seed_other_spikes(run_cached):
    first = run_cached("paired-recall", 5, "cython", n_items=3)
    again = neuro_kv_run("paired-recall", 5, n_items=3)
    other = neuro_kv_run("paired-recall", 6, n_items=3)
    for a, b in zip(first.segment.spiketrains, again.segment.spiketrains, strict=False):
        np.testing.assert_array_equal(a.magnitude, b.magnitude)
    assert any(len(a) != len(b) or not np.array_equal(a.magnitude, b.magnitude)
               for a, b in zip(first.segment.spiketrains, other.segment.spiketrains, strict=False))


def neuro_kv_run(protocol, seed, **parameters):
    import neuro_kv

    return neuro_kv.run(protocol, seed=seed, device="cython", **parameters)


def test_no_weight_change_during_retrieval():
    """Run the encoding phases, snapshot the weights, run the retrieval phases: unchanged."""
    protocol, circuit, values, _ = prepare("paired-recall", None, "cython", 1, {"n_items": 3})
    assert isinstance(circuit, KVIndexCircuit)
    patterns = protocol.draw_patterns(values, np.random.default_rng(1))
    schedule = protocol.schedule(values, patterns)
    set_device("runtime")
    prefs.codegen.target = "cython"
    defaultclock.dt = values["dt"]
    built = circuit.build(values, schedule)
    network = Network(*built.objects)
    encoding = 3 * (values["window"] + values["gap"])
    network.run(encoding)
    after_encoding = built.weights()
    network.run(schedule.duration - encoding)
    after_retrieval = built.weights()
    assert float(schedule.duration / second) > float(encoding / second)
    assert after_encoding["keys"].max() > 0.3 and after_encoding["values"].max() > 0.3
    for name in ("keys", "values"):
        np.testing.assert_array_equal(after_encoding[name], after_retrieval[name])
    assert len(built.spike_monitors["index"].t) > 0


@pytest.mark.slow
@pytest.mark.parametrize("device", ["cython", "cpp_standalone"])
@pytest.mark.parametrize("n_items", [20, 40])
def test_recall_three_seeds(n_items, device):
    import neuro_kv

    for seed in (1, 2, 3):
        m = neuro_kv.run("paired-recall", seed=seed, device=device, n_items=n_items).metrics
        assert m["recall_accuracy"] >= 0.95, (seed, m["recall_accuracy"])
