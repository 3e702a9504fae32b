"""The command line: listing, parameters, bad input (exit 2, one line), a full small run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import warnings

import pytest

from neuro_kv.cli import main
from neuro_kv.preparation import read_parameter_file
from neuro_kv.storage import save_result


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuro_kv.cli", *args], capture_output=True,
                          text=True, timeout=600)


def test_list_and_params(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "kv-index" in out and "paired-recall" in out
    assert main(["params", "paired-recall"]) == 0
    out = capsys.readouterr().out
    for name in ("n_input", "n_slots", "n_value", "n_items", "cue_hidden_fraction",
                 "slot_policy", "slot_probability", "encoding_modulator", "eta_key",
                 "tau_key_decay", "eta_value", "value_rule"):
        assert f"\n{name} " in out
    assert "100.0*ms" in out
    assert main(["params", "capacity"]) == 0
    out = capsys.readouterr().out
    assert "\nloads " in out and "2,3,4,5,6,8,10,15,20,30,36,40,60,80" in out
    assert main(["params", "paired-recall", "--circuit", "hopfield"]) == 0
    assert "\nrecurrent_gain " in capsys.readouterr().out


@pytest.mark.parametrize(("args", "expected"), [
    (["--set", "n_items=-1"], "parameter 'n_items': value -1"),
    (["--set", "bogus=1"], "unknown parameter 'bogus'"),
    (["--set", "window=5*mV"], "wrong unit"),
    (["--set", "cue_hidden_fraction=nan"], "not a finite number"),
    (["--set", "n_items"], "expected NAME=VALUE"),
    (["--params", "/nonexistent.toml"], "cannot be read"),
    (["--seeds", "3-1"], "--seeds '3-1' is not allowed"),
    (["--seeds", "1-2", "--workers", "0"], "workers 0 is not allowed"),
])
def test_bad_input_exits_2_before_simulating(args, expected, capsys):
    # in this process (the entry point itself is run in a subprocess by the tests below)
    assert main(["run", "paired-recall", *args, "--out", "/nonexistent/never"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]


def test_unknown_protocol_and_device_exit_2(capsys):
    assert main(["run", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["run", "paired-recall", "--device", "gpu"]) == 2
    assert "gpu" in capsys.readouterr().err


def test_run_writes_a_complete_result_directory(tmp_path):
    out = tmp_path / "run"
    result = cli("run", "paired-recall", "--set", "n_items=3", "--set", "cue_hidden_fraction=0.5",
                 "--seed", "3", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "recall_accuracy" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "metrics.json", "params.toml", "raster.png", "spikes.nwb", "weights.png"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("recall_accuracy", "n_items", "seed", "device", "elapsed_s", "slot_hit_rate"):
        assert key in metrics
    assert metrics["n_items"] == 3 and metrics["seed"] == 3
    assert metrics["device"] == "cpp_standalone"
    params = tomllib.loads((out / "params.toml").read_text())
    assert params["run"]["seed"] == 3 and params["parameters"]["cue_hidden_fraction"] == 0.5
    assert params["versions"]["brian2"].startswith("2.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pynwb import NWBHDF5IO

        with NWBHDF5IO(str(out / "spikes.nwb"), "r") as io:
            nwb = io.read()
            units = nwb.units.to_dataframe()
            trials = nwb.trials.to_dataframe()
    assert len(units) == 960 + 40 + 10 + 320
    assert set(units["population"]) == {"input", "index", "inhibitory", "cortex"}
    assert set(units["seed"]) == {3}
    assert list(trials["phase"]) == ["encode"] * 3 + ["retrieve"] * 3
    assert list(trials["modulator"]) == [1.0] * 3 + [0.0] * 3
    assert set(trials["reentry"]) == set(trials["synapse_loss"]) == {0.0}
    assert trials["start_time"].iloc[1] == pytest.approx(0.15)
    # the stored parameters repeat the run exactly
    again = tmp_path / "again"
    result = cli("run", "paired-recall", "--params", str(out / "params.toml"), "--seed", "3",
                 "--out", str(again), "--quiet")
    assert result.returncode == 0, result.stderr
    repeat = json.loads((again / "metrics.json").read_text())
    assert repeat["per_item_accuracy"] == metrics["per_item_accuracy"]
    assert repeat["winning_slots"] == metrics["winning_slots"]


def test_many_seeds_write_one_batch_directory(tmp_path):
    """``--seeds``: every run, one NWB file, a table and a summary with intervals."""
    out = tmp_path / "batch"
    # the command .ci/pythons.sh runs on Python 3.12 and 3.13 (its 3.11 reference then finds
    # this build in the cache)
    result = cli("run", "paired-recall", "--seeds", "1-4", "--workers", "2", "--out", str(out),
                 "--quiet")
    assert result.returncode == 0, result.stderr
    assert re.search(r"recall_accuracy: \S+ \((95 % CI \S+ to \S+, n = 4|at every one of 4 "
                     r"seeds)\)", result.stdout), result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "runs", "runs.csv",
                                                     "spikes.nwb", "summary.json"]
    assert sorted(p.name for p in (out / "runs").iterdir()) == [
        f"seed-{s}" for s in range(1, 5)]
    assert (out / "runs" / "seed-1" / "raster.png").exists()  # figures: the first run
    assert sorted(p.name for p in (out / "runs" / "seed-2").iterdir()) == [
        "metrics.json", "params.toml"]
    summary = json.loads((out / "summary.json").read_text())
    accuracy = summary["metrics"]["recall_accuracy"]
    assert accuracy["n"] == 4 and len(accuracy["values"]) == 4
    assert accuracy["ci95"][0] <= accuracy["mean"] <= accuracy["ci95"][1]
    assert summary["finished"] == 4 and summary["failed"] == []
    # every interval stays within its seeds' values (so a fraction's within [0, 1]); the
    # parameter the metrics echo is a setting, printed and stored without an interval
    for name, stats in summary["metrics"].items():
        assert min(stats["values"]) <= stats["ci95"][0] <= stats["ci95"][1] <= max(
            stats["values"]), name
    assert summary["settings"] == {"n_items": 20} and "n_items" not in summary["metrics"]
    assert "settings: n_items = 20" in result.stdout and "n_items: " not in result.stdout
    combined = json.loads((out / "metrics.json").read_text())  # means, NAME_ci beside each
    assert combined["n_seeds"] == 4
    assert combined["recall_accuracy"] == pytest.approx(accuracy["mean"])
    assert combined["recall_accuracy_ci"] == pytest.approx(accuracy["ci95"])
    rates = combined["population_rate_hz"]  # a dict of numbers: key by key
    assert set(rates) == {"input", "index", "inhibitory", "cortex"}
    low, high = combined["population_rate_hz_ci"]["index"]
    assert low <= rates["index"] <= high
    assert "per_item_accuracy" not in combined  # per-run lists stay per run
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pynwb import NWBHDF5IO

        with NWBHDF5IO(str(out / "spikes.nwb"), "r") as io:
            nwb = io.read()
            assert sorted(set(nwb.units.to_dataframe()["seed"])) == [1, 2, 3, 4]
            assert len(nwb.trials.to_dataframe()) == 4 * 2 * 20  # each seed: 20 stores, 20 recalls


def test_failed_save_leaves_nothing(tmp_path, run_cached):
    result = run_cached("paired-recall", 5, n_items=3)

    def broken(path):
        raise RuntimeError("disk full")

    result.figures = {**result.figures, "zz.png": broken}
    with pytest.raises(RuntimeError):
        save_result(result, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_protocol_of_many_runs_takes_seeds_like_the_others(tmp_path):
    """``neuro-kv run heteroassociation --seeds 101-102``: one run of the protocol over
    exactly those seeds (its parameter ``seeds``), in the default place of a batch."""
    result = subprocess.run(
        [sys.executable, "-m", "neuro_kv.cli", "run", "heteroassociation", "--seeds",
         "101-102", "--set", "loads=2", "--quiet"], capture_output=True, text=True,
        timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "results" / "heteroassociation-seeds101-102"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["seeds"] == [101, 102]
    assert len(metrics["accuracy_by_load_per_seed"]["2"]) == 2
    stored = read_parameter_file(out / "params.toml")
    assert stored["seeds"] == [101, 102]  # the file repeats the run
