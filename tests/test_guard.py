"""The runaway guard inside the compiled run: a network made to explode (or to stay silent)
while storing stops at the next checkpoint, on cpp_standalone and on numpy; its neighbours
and the package's own controls run to the end; the result directory records the stop."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from neuro_kv.engine import RunRequest, run_together

#: no slot inhibition, strong keys, no acetylcholine switch: once a few keys are stored every
#: slot answers every key (measured, seed 1: the index's storing rate passes 50 Hz at 1.45 s
#: and reaches 60.8 Hz over the whole 12-item run without the guard)
RUNAWAY = {"n_items": 12, "inhibition_strength": "0*mV", "key_gain": "30*mV",
           "key_acetylcholine_suppression": 0}


@pytest.mark.parametrize("device", ["cpp_standalone",
                                    pytest.param("numpy", marks=pytest.mark.slow)])
def test_an_exploding_network_stops_early_and_its_neighbour_runs_on(device):
    # the neighbour (6 items, 1.8 s) runs on past the stop at 1.45 s; then the network
    # stops, since no run is left (the stopped one's schedule lasts 3.6 s)
    stopped, neighbour = run_together([RunRequest("paired-recall", 1, RUNAWAY),
                                       RunRequest("paired-recall", 2, {"n_items": 6})],
                                      device=device)
    assert not stopped.ok and stopped.status == "runaway"
    metrics = stopped.result.metrics
    assert metrics["storing_rate_hz"] > 50 and metrics["duration_s"] == pytest.approx(3.6)
    # halted at the first checkpoint past the limit: well before the end of its schedule
    assert 0.5 < metrics["stopped_at_s"] < 2.0
    assert "stopped at 1.45 s of 3.60 s" in stopped.error
    index_times = stopped.result.spikes.population("index")[1]
    assert index_times.max() <= metrics["stopped_at_s"]
    assert neighbour.ok and neighbour.metrics["recall_accuracy"] >= 0.95
    assert neighbour.spikes.population("index")[1].max() > 1.6


def test_the_guard_stops_the_whole_network_when_no_run_is_left():
    """Alone, the exploding run ends the simulation at its stop: a 40-item run (12 s of
    model time) ends at 1.45 s; without the guard it simulates all 12 s."""
    many = {**RUNAWAY, "n_items": 40}
    guarded = run_together([RunRequest("paired-recall", 1, many)])[0]
    unguarded = run_together([RunRequest("paired-recall", 1, many)], guard=False)[0]
    assert guarded.result.metrics["stopped_at_s"] < 0.15 * guarded.result.metrics["duration_s"]
    assert unguarded.ok and unguarded.metrics["encoding_rate_hz"] > 50
    # the unguarded run kept spiking to the end; the guarded network did not go on
    assert unguarded.spikes.population("index")[1].max() > 11.0
    assert guarded.result.spikes.t_stop == pytest.approx(1.45)


def test_a_silent_network_stops_and_controls_do_not():
    silent = run_together([RunRequest("paired-recall", 1,
                                      {"n_items": 8, "plateau_drive": "0*mV"})])[0]
    assert silent.status == "silent" and silent.result.metrics["storing_rate_hz"] < 0.5
    # judged after 500 ms of storing (five windows, the fifth ends at 0.70 s): the checkpoint
    # after that, at 0.75 s (at 0.70 s the integrated time is a rounding error short)
    assert silent.result.metrics["stopped_at_s"] == pytest.approx(0.75)
    # a random slot policy may tag no slot for the first items: not silent (seed 8, p 0.02
    # over 40 slots: slots per item 0, 0, 1, 0, 0, 4, ...; judged at 100 ms it was halted)
    sparse = run_together([RunRequest("paired-recall", 8, {
        "n_items": 12, "slot_policy": "random", "slot_probability": 0.02})])[0]
    assert sparse.ok
    # the package's control: nothing is stored (no modulator), so nothing is checked
    control = run_together([RunRequest("paired-recall", 1,
                                       {"n_items": 4, "encoding_modulator": 0})])[0]
    assert control.ok and control.metrics["recall_accuracy"] < 0.7
    # and the guard can be turned off
    kept = run_together([RunRequest("paired-recall", 1,
                                    {"n_items": 4, "plateau_drive": "0*mV"})], guard=False)[0]
    assert kept.ok and kept.metrics["encoding_rate_hz"] == 0


def test_a_stopped_run_leaves_a_directory_with_its_status(tmp_path):
    out = tmp_path / "stopped"
    sets = [f"--set={name}={value}" for name, value in RUNAWAY.items()]
    done = subprocess.run([sys.executable, "-m", "neuro_kv.cli", "run", "paired-recall",
                           "--seed", "1", "--quiet", "--out", str(out), *sets],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr
    assert "stopped at 1.45 s" in done.stderr and "Traceback" not in done.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == "runaway" and metrics["stopped_at_s"] == pytest.approx(1.45)
    assert (out / "params.toml").exists() and (out / "raster.png").exists()
    assert np.isfinite(metrics["storing_rate_hz"])


def test_a_batch_records_the_runs_the_guard_stopped(tmp_path, capsys):
    from neuro_kv.cli import main

    out = tmp_path / "batch"
    sets = [f"--set={name}={value}" for name, value in RUNAWAY.items()]
    assert main(["run", "paired-recall", "--seeds", "1-2", "--quiet", "--out", str(out),
                 *sets]) == 1
    assert "seed 1 runaway" in capsys.readouterr().out
    metrics = json.loads((out / "runs" / "seed-1" / "metrics.json").read_text())
    assert metrics["status"] == "runaway" and metrics["stopped_at_s"] == pytest.approx(1.45)
    assert "stopped_at_s" in (out / "runs.csv").read_text()


def scaled_batch(n_slots: int) -> tuple:
    """A healthy, a silent and a runaway run of a ``n_slots`` index, in one batch."""
    size = {"n_slots": n_slots}
    return tuple(run_together([
        RunRequest("paired-recall", 1, {**size, "n_items": 6}),
        RunRequest("paired-recall", 1, {**size, "n_items": 8, "plateau_drive": "0*mV"}),
        RunRequest("paired-recall", 1, {**size, **RUNAWAY})]))


def check_scaled(n_slots: int) -> None:
    healthy, silent, runaway = scaled_batch(n_slots)
    # one tagged slot of n_slots: a population rate far below the 40-slot range is healthy
    assert healthy.ok, healthy.error
    assert healthy.metrics["recall_accuracy"] == 1.0
    assert healthy.metrics["encoding_rate_hz"] < 0.5 * 40 / n_slots * 10
    assert silent.status == "silent", silent.error if silent.ok else silent.status
    assert runaway.status == "runaway", runaway.error if runaway.ok else runaway.status
    assert f"{0.5 * 40 / n_slots:.3g}-{50 * 40 / n_slots:.3g} Hz" in runaway.error


@pytest.mark.slow
def test_the_guard_scales_with_the_index_2000_slots():
    """The healthy range is judged on the slots meant to fire (one tagged slot per item),
    so a 2,000-slot index that stores correctly runs on, and silent and runaway ones of that
    size still stop (before, the healthy one was stopped as silent at 0.06 Hz)."""
    check_scaled(2000)


@pytest.mark.slow
def test_the_guard_scales_with_the_index_10000_slots():
    check_scaled(10000)


@pytest.mark.slow
def test_the_guard_lets_a_10000_neuron_ensemble_index_run_and_stops_bad_ones():
    # 8 items: 800 ms of storing, past the 500 ms after which silence is judged
    size = {"n_index": 10000, "n_items": 8, "silenced_fractions": (0.0,)}
    healthy, silent, runaway = run_together([
        RunRequest("ensemble-recall", 1, size),
        RunRequest("ensemble-recall", 1, {**size, "projection_gain": "0*mV",
                                          "background_drive": "0*mV"}),
        RunRequest("ensemble-recall", 1, {**size, "inhibition_strength": "0*mV",
                                          "background_drive": "30*mV"})])
    assert healthy.ok, healthy.error
    assert healthy.metrics["recall_accuracy"] >= 0.9
    assert silent.status == "silent"
    assert runaway.status == "runaway"
