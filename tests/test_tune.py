"""Tuning with Optuna: search-space checks, pruning of silent/runaway encoding, the best
parameter file, and two processes sharing one study on PostgreSQL (real Brian2 runs)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import optuna
import pytest

import neuro_kv
from neuro_kv.api import read_parameter_file
from neuro_kv.cli import main
from neuro_kv.engine import RunRequest, run_requests
from neuro_kv.parameters import ParameterError
from neuro_kv.tuning import dimensions, parse_space

MISTUNED = {"n_items": "2", "plateau_drive": "10*mV", "eta_key": "0.05"}
SPACE = ["plateau_drive=5*mV..300*mV:log", "eta_key=0.04..1:log"]


def test_space_syntax_and_checks():
    assert parse_space(["eta_key=0.01..1:log", "plateau_drive=5*mV..300*mV"]) == [
        ("eta_key", "0.01", "1", True), ("plateau_drive", "5*mV", "300*mV", False)]
    dims = dimensions("paired-recall", parse_space(["plateau_drive=5*mV..0.3*volt:log"]))
    assert (dims[0].low, dims[0].high, dims[0].unit) == (5.0, 300.0, "mV")
    for bad in (["eta_key"], ["eta_key=0.1"], ["eta_key=..1"], [], ["a=1..2", "a=2..3"]):
        with pytest.raises(ParameterError, match="--space"):
            parse_space(bad)
    for bad, message in ((["slot_policy=1..2"], "cannot be tuned"),
                         (["eta_key=-1..1"], "parameter 'eta_key': value -1"),
                         (["plateau_drive=5..10"], "missing unit")):
        with pytest.raises(ParameterError, match=message):
            dimensions("paired-recall", parse_space(bad))


@pytest.mark.parametrize("argv, message", [
    (["--space", "no_such=1..2"], "unknown parameter 'no_such'"),
    (["--space", "eta_key=0.5..0.5"], "empty range"),
    (["--space", "eta_key=0.9..0.1"], "low 0.9 > high 0.1"),
    (["--space", "eta_key=0..1:log"], "log range needs LOW > 0"),
    (["--space", "eta_key=0.1..1", "--objective", "no_metric"], "is not a scalar metric"),
    (["--space", "eta_key=0.1..1", "--trials", "0"], "--trials 0 is not allowed"),
    (["--space", "eta_key=0.1..1", "--storage",
      "postgresql://someone:secret@127.0.0.1:9/nothing"], "cannot be used"),
    (["--space", "eta_key=0.1..1", "--storage", "nosuchdb://x"], "cannot be used"),
])
def test_bad_tune_input_exits_2_before_any_trial(tmp_path, capsys, argv, message):
    arguments = ["tune", "paired-recall", "--objective", "recall_accuracy", "--trials", "2",
                 "--out", str(tmp_path / "study"), *argv]
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert "secret" not in err
    assert not (tmp_path / "study" / "trials.csv").exists()


def test_encoding_rate_tells_silent_healthy_and_runaway_networks():
    """The pruning signal (seed 1): the storing population's mean rate while storing
    against the circuit's limits (0.5, 50) Hz. Healthy: defaults; silent: weak plateau and
    key learning rate; runaway: no slot inhibition and strong key synapses, 12 items (every
    slot with a learned key then answers every later key)."""
    runs = {"healthy": {"n_items": "2"}, "silent": MISTUNED,
            "runaway": {"n_items": "12", "inhibition_strength": "0*mV", "key_gain": "30*mV",
                        "key_acetylcholine_suppression": "0"}}
    results = run_requests([RunRequest("paired-recall", 1, overrides)
                            for overrides in runs.values()], guard=False)
    rates = {name: r.metrics["encoding_rate_hz"] for name, r in zip(runs, results,
                                                                   strict=True)}
    assert rates["silent"] < 0.5 < rates["healthy"] < 50 < rates["runaway"], rates


def test_tune_prunes_the_mistuned_start_and_writes_a_reproducible_best(tmp_path, capsys):
    out = tmp_path / "study"
    printed: list[str] = []
    study = neuro_kv.tune("paired-recall", "recall_accuracy", SPACE, 4, out=out,
                          base=MISTUNED, sampler_seed=3, echo=printed.append)
    states = [t.state for t in study.trials]
    assert len(states) == 4
    # progress: a line per finished trial, the pruned start with the rate that pruned it
    trial_lines = [line for line in printed if line.startswith("  trial ")]
    assert len(trial_lines) == 4, printed
    assert trial_lines[0].startswith("  trial 0 pruned: storing rate 0 Hz"), trial_lines[0]
    start = study.trials[0]  # the base values are the first trial: a silent network
    assert start.params == {"plateau_drive": 10.0, "eta_key": 0.05}
    assert start.state == optuna.trial.TrialState.PRUNED
    assert start.intermediate_values[0] < 0.5
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert complete and {"wall_s", "builds", "compiled_modules"} <= set(
        complete[0].user_attrs)
    for name in ("best.toml", "trials.csv", "history.png"):
        assert (out / name).stat().st_size > 0
    best = study.best_trial
    assert main(["run", "paired-recall", "--params", str(out / "best.toml"), "--seed", "1",
                 "--quiet", "--out", str(tmp_path / "rerun")]) == 0
    rerun = read_parameter_file(out / "best.toml")
    assert rerun["plateau_drive"] == best.user_attrs["parameters"]["plateau_drive"]
    printed = capsys.readouterr().out
    assert f"recall_accuracy: {best.value:.4g}" in printed


def test_two_tuning_processes_share_one_postgres_study(tmp_path):
    """Two `neuro-kv tune` processes, one of them with 2 workers (2 + 1 trials, 3 processes
    running trials at once), on one PostgreSQL study: the study holds exactly the trials
    asked for, each once."""
    url = os.environ.get("NEURO_KV_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("NEURO_KV_POSTGRES_URL is not set: .ci/run starts PostgreSQL")
        pytest.skip("no PostgreSQL server (set NEURO_KV_POSTGRES_URL)")
    name = f"shared-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "neuro_kv.cli", "tune", "paired-recall", "--objective",
               "recall_accuracy", "--space", "plateau_drive=50*mV..300*mV",
               "--space", "eta_key=0.3..1", "--set", "n_items=1", "--storage", url,
               "--study", name, "--quiet"]
    first = subprocess.Popen([*command, "--trials", "2", "--workers", "2",
                              "--out", str(tmp_path / "a")], stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen([*command, "--trials", "1", "--out", str(tmp_path / "b")],
                              stderr=subprocess.PIPE, text=True)
    for process in (first, second):
        _, err = process.communicate(timeout=400)
        assert process.returncode == 0, err
    try:
        study = optuna.load_study(study_name=name, storage=url)
        assert len(study.trials) == 3
        assert sorted(t.number for t in study.trials) == list(range(3))
        assert len({t._trial_id for t in study.trials}) == 3
        assert all(t.state.is_finished() for t in study.trials)
        assert sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials) >= 2
    finally:
        optuna.delete_study(study_name=name, storage=url)
