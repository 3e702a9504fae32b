"""The engine: a run gives the same spikes alone or as any replica of any batch, per-replica
parameters equal single runs with that value, the devices agree, batches are planned to fit,
and failures stay with their run (real Brian2 runs, small loads)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import neuro_kv
from neuro_kv.engine import RunRequest, plan_batches, plan_group, run_together
from neuro_kv.parameters import ParameterError


def assert_same_run(a, b, weight_tolerance=0.0):
    """Identical spikes of every population and equal final weights (exactly, or to
    ``weight_tolerance`` across devices, whose floating-point arithmetic differs in the last
    bit: numpy rounds every operation, the compiled code fuses some)."""
    assert a.spikes.sizes == b.spikes.sizes
    for population, (indices, times) in a.spikes.spikes.items():
        other_indices, other_times = b.spikes.spikes[population]
        np.testing.assert_array_equal(indices, other_indices, err_msg=population)
        np.testing.assert_array_equal(times, other_times, err_msg=population)
    for name, weights in a.weights.items():
        np.testing.assert_allclose(weights, b.weights[name], rtol=0, atol=weight_tolerance,
                                   err_msg=name)


def test_a_run_is_the_same_alone_and_in_any_batch(run_cached):
    """Seed 5 (3 items) alone, beside another seed and two idle replicas (a batch of 4), and
    among four runs of other lengths and parameters and eleven idle replicas (a batch of 16,
    where a longer run keeps the network going after its schedule has ended)."""
    alone = run_cached("paired-recall", 5, n_items=3)
    assert alone.metrics["batch"]["replicas"] == 1
    pair = run_together([RunRequest("paired-recall", 6, {"n_items": 3}),
                         RunRequest("paired-recall", 5, {"n_items": 3})])
    mixed = run_together([RunRequest("paired-recall", 7, {"n_items": 5}),
                          RunRequest("paired-recall", 5, {"n_items": 3}),
                          RunRequest("paired-recall", 8, {"n_items": 2,
                                                          "inhibition_strength": "6*mV"}),
                          RunRequest("paired-recall", 9, {"n_items": 4,
                                                          "plateau_drive": "100*mV"}),
                          RunRequest("paired-recall", 10, {"n_items": 1})], replicas=16)
    assert pair[1].metrics["batch"]["replicas"] == 4
    assert mixed[1].metrics["batch"]["replicas"] == 16
    assert_same_run(alone, pair[1])
    assert_same_run(alone, mixed[1])
    assert alone.metrics["recall_accuracy"] == mixed[1].metrics["recall_accuracy"]
    # the neighbours are different runs, not copies
    assert len(mixed[0].spikes.spikes["input"][1]) != len(mixed[1].spikes.spikes["input"][1])


def test_per_replica_parameters_equal_single_runs(run_cached):
    """Parameters that do not change the structure are per-replica model variables: runs of
    one batch with different values give what single runs with those values give."""
    values = [{"n_items": 3, "inhibition_strength": "1*mV"},
              {"n_items": 3, "key_gain": "6*mV", "eta_key": 0.4},
              {"n_items": 3, "v_threshold": "-52*mV", "input_rate": "30*Hz"},
              {"n_items": 3}]
    batch = run_together([RunRequest("paired-recall", 3, v) for v in values])
    assert {r.metrics["batch"]["replicas"] for r in batch} == {4}
    for result, overrides in zip(batch, values, strict=True):
        assert_same_run(result, run_cached("paired-recall", 3, **overrides))
    counts = [len(r.spikes.spikes["index"][1]) for r in batch]
    assert len(set(counts)) == 4, counts  # each value took effect


def test_hopfield_runtime_gains_per_replica(run_cached):
    """The hopfield retrieval gains, per replica: a batch with two biases equals the single
    runs, and the larger bias makes the cortex fire more."""
    runs = [RunRequest("paired-recall", 2, {"n_items": 2}, "hopfield"),
            RunRequest("paired-recall", 2, {"n_items": 2, "retrieval_bias": "16*mV"},
                       "hopfield")]
    default, biased = run_together(runs)
    assert_same_run(default, run_cached("paired-recall", 2, circuit="hopfield", n_items=2))
    assert_same_run(biased, run_cached("paired-recall", 2, circuit="hopfield", n_items=2,
                                       retrieval_bias="16*mV"))
    assert len(biased.spikes.spikes["cortex"][1]) > len(default.spikes.spikes["cortex"][1])


def test_numpy_gives_the_spikes_of_cpp_standalone(run_cached):
    """The counter-based random streams and the same equations give identical spikes on
    numpy and C++ standalone, and weights equal to 1e-12. Cython's comparison is behind
    ``slow`` (it compiles 39 modules: 70-150 s on a new 2-core machine); the default suite
    runs Cython only in `tests/test_stops.py` (stopped while it compiles)."""
    assert_same_run(run_cached("paired-recall", 3, "numpy", n_items=2),
                    run_cached("paired-recall", 3, n_items=2), weight_tolerance=1e-12)


@pytest.mark.slow
def test_cython_gives_the_spikes_of_cpp_standalone(run_cached):
    assert_same_run(run_cached("paired-recall", 3, "cython", n_items=2),
                    run_cached("paired-recall", 3, n_items=2), weight_tolerance=1e-12)


def test_another_process_finds_the_build_and_compiles_nothing(run_cached):
    run_cached("paired-recall", 5, n_items=3)  # the build exists
    code = ("import neuro_kv; r = neuro_kv.run('paired-recall', n_items=1); "
            "print(r.metrics['compiled_modules'], r.metrics['builds'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "1"]  # built (code generated), nothing compiled


def test_batches_are_planned_by_structure_length_and_workers():
    # equal runs: as few batches as the workers can share
    assert plan_group([6.0] * 32, 0.04, "cpp_standalone", 16, 2) == [(0, 16, 16),
                                                                      (16, 32, 16)]
    # runs of very different lengths are not padded into one batch
    spans = plan_group([24.0] * 3 + [0.6] * 13, 0.04, "cpp_standalone", 16, 1, built=[4, 16])
    assert spans[0] == (0, 3, 4)
    for first, last, replicas in spans:
        assert last - first <= replicas and replicas in (1, 4, 16)
    # a replica count with no build is used only where its compile pays
    assert plan_group([0.9, 0.9], 0.04, "cpp_standalone", 16, 1, built=[1]) == [
        (0, 1, 1), (1, 2, 1)]
    assert plan_group([0.9, 0.9], 0.04, "cpp_standalone", 16, 1, built=[1, 4]) == [
        (0, 2, 4)]
    # another value rule is another structure; a bad run fails alone
    requests = [RunRequest("paired-recall", 1, {"n_items": 2}),
                RunRequest("paired-recall", 2, {"n_items": 2, "value_rule": "stdp"}),
                RunRequest("paired-recall", 3, {"n_items": -2})]
    batches, failures = plan_batches(requests)
    assert sorted(len(b.runs) for b in batches) == [1, 1]
    assert [number for number, _ in failures] == [2]
    assert failures[0][1].status == "invalid" and "'n_items'" in failures[0][1].error


def test_memory_splits_batches_and_refuses_runs_too_large(monkeypatch):
    from neuro_kv import engine
    from neuro_kv.registry import get_circuit

    circuit = get_circuit("kv-index")
    structure = {name: circuit.parameters[name].default
                 for name in circuit.structural_parameters}
    per_replica = circuit.per_replica_bytes(structure, 1024)
    requests = [RunRequest("paired-recall", seed, {"n_items": 2}) for seed in range(8)]
    monkeypatch.setattr(engine, "standalone_build_exists", lambda *args: True)
    batches, failures = plan_batches(requests)
    assert not failures and [b.replicas for b in batches] == [16]
    monkeypatch.setattr(engine, "available_memory", lambda: int(5.5 * per_replica / 0.5))
    batches, failures = plan_batches(requests)  # room for 5 replicas: batches of 4
    assert not failures and [b.replicas for b in batches] == [4, 4]
    monkeypatch.setattr(engine, "available_memory", lambda: per_replica)
    batches, failures = plan_batches(requests)
    assert not batches and len(failures) == 8
    assert "needs about" in failures[0][1].error and "GB" in failures[0][1].error


def test_failures_stay_per_run():
    """In one batch: a runaway network (no slot inhibition, strong keys, no acetylcholine
    switch: every slot answers every key) fails alone, its neighbour keeps its result;
    with the guard off the runaway run gives its metrics."""
    runaway = {"n_items": 12, "inhibition_strength": "0*mV", "key_gain": "30*mV",
               "key_acetylcholine_suppression": 0}
    results = run_together([RunRequest("paired-recall", 1, runaway),
                            RunRequest("paired-recall", 2, {"n_items": 12})])
    assert results[0].status == "runaway" and "Hz" in results[0].error
    assert results[1].ok and results[1].metrics["recall_accuracy"] >= 0.9
    unguarded = run_together([RunRequest("paired-recall", 1, runaway)], guard=False)[0]
    assert unguarded.ok and unguarded.metrics["encoding_rate_hz"] > 50
    with pytest.raises(RuntimeError, match="runaway"):
        neuro_kv.run("paired-recall", seed=1, **runaway)


def test_run_many_refuses_bad_input_before_running():
    with pytest.raises(ParameterError, match="'n_items'"):
        neuro_kv.run_many("paired-recall", seeds=[1, 2], n_items=-1)
    with pytest.raises(ParameterError, match="seed"):
        neuro_kv.run_many("paired-recall", seeds=[1, 2**31])
