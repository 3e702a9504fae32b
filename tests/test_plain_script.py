"""benchmarks/plain_kv_index.py, the kv-index circuit written as a plain Brian2 script (the
baseline of the replica benchmark), stays the circuit: at the defaults, on the same patterns
and seed, it fires exactly the spikes of the circuit built by neuro-kv with one replica, and
so gives the same paired-recall metrics."""

import sys
from pathlib import Path

import numpy as np
from brian2 import defaultclock, ms, second

import neuro_kv
from neuro_kv.devices import use_runtime
from neuro_kv.preparation import RunRequest, plan_run
from neuro_kv.seeding import analysis_rng
from neuro_kv.spikes import SpikeRecord

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import plain_kv_index  # noqa: E402

SEED, ITEMS = 3, 4


def test_the_plain_script_fires_the_circuits_spikes_at_the_defaults():
    circuit = neuro_kv.run("paired-recall", seed=SEED, n_items=ITEMS, device="numpy")
    use_runtime("numpy")
    defaultclock.dt = 0.1 * ms
    network, duration, monitors = plain_kv_index.build(
        *plain_kv_index.paired_recall_patterns(ITEMS, SEED), SEED)
    network.run(duration * second, namespace={})
    spikes = {}
    for name, monitor in monitors.items():
        plain = (np.asarray(monitor.i[:]), np.asarray(monitor.t_[:]))
        ours = circuit.spikes.population(name)
        assert len(plain[0]) == len(ours[0]) > 0, name
        np.testing.assert_array_equal(plain[0], ours[0])
        np.testing.assert_allclose(plain[1], ours[1], rtol=0, atol=1e-9)
        spikes[name] = plain
    record = SpikeRecord(spikes, circuit.spikes.sizes, duration)
    planned = plan_run(RunRequest("paired-recall", SEED, {"n_items": ITEMS}), "numpy")
    metrics = planned.protocol.analyse(planned.values, planned.patterns, planned.schedule,
                                       record, analysis_rng(SEED), {})
    for name in ("recall_accuracy", "slot_hit_rate", "correct_slot_spike_fraction"):
        assert metrics[name] == circuit.metrics[name]
    assert circuit.metrics["recall_accuracy"] > 0.9
