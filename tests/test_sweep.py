"""Sweeps on Dask workers: the table, skipping finished runs, recovery from a killed client,
failures recorded, bad input refused before any run (real Brian2 runs, tiny loads)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import neuro_kv
from neuro_kv.cli import main
from neuro_kv.parameters import ParameterError
from neuro_kv.sweeps import execute_run, parse_grid, parse_seeds, plan, run_table

GRID = {"n_items": ["1", "2"]}
SEEDS = [1, 2]
#: columns that depend on the machine's timing, not on the runs' results
TIMING = ["build_s", "simulate_s", "compile_s", "elapsed_s", "wall_s", "builds",
          "compiled_modules"]


def results_only(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=[c for c in TIMING if c in table.columns])


def test_grid_and_seed_syntax():
    assert parse_grid(["n_items=1,2", "window=50*ms"]) == {"n_items": ["1", "2"],
                                                           "window": ["50*ms"]}
    assert parse_seeds("1-3") == [1, 2, 3] and parse_seeds("5,1,5") == [1, 5]
    for bad in (["n_items"], ["=1,2"], ["n_items="], ["n_items=1", "n_items=2"]):
        with pytest.raises(ParameterError, match="--grid"):
            parse_grid(bad)
    for bad in ("", "3-1", "a", "-1", "1-"):
        with pytest.raises(ParameterError, match="--seeds"):
            parse_seeds(bad)


@pytest.mark.parametrize("argv, message", [
    (["--grid", "no_such=1,2"], "unknown parameter 'no_such'"),
    (["--grid", "n_items="], "no values given for parameter 'n_items'"),
    (["--grid", "n_items=1,-3"], "parameter 'n_items': value -3 is not allowed"),
    (["--grid", "window=5*mV"], "wrong unit"),
    (["--grid", "n_items=1", "--seeds", "4-2"], "--seeds '4-2' is not allowed"),
    (["--grid", "n_items=1", "--scheduler", "tcp://127.0.0.1:9"], "is unreachable"),
    (["--grid", "n_items=1", "--workers", "0"], "--workers 0 is not allowed"),
])
def test_bad_sweep_input_exits_2_before_any_run(tmp_path, capsys, argv, message):
    out = tmp_path / "sweep"
    assert main(["sweep", "paired-recall", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (out / "runs").exists() or not any((out / "runs").iterdir())


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The 2-value x 2-seed sweep of paired-recall on a 2-worker LocalCluster."""
    out = tmp_path_factory.mktemp("sweep") / "uninterrupted"
    return out, neuro_kv.sweep("paired-recall", GRID, SEEDS, out=out, workers=2)


def test_sweep_table_figure_and_skipping(uninterrupted):
    """The sweep's table, result directories and figure; the same sweep again skips every
    run and removes what a killed run left behind (a hidden partial directory)."""
    out, table = uninterrupted
    assert len(table) == 4 and list(table["status"]) == ["ok"] * 4
    assert list(table["n_items"]) == ["1", "1", "2", "2"] and list(table["seed"]) == [1, 2] * 2
    assert table["recall_accuracy"].min() >= 0.9  # one or two pairs: recalled
    assert (table["circuit"] == "kv-index").all() and table["run_id"].is_unique
    # every run is a standard result directory; the network of a structure is reused
    for run_id in table["run_id"]:
        assert {"metrics.json", "params.toml", "spikes.nwb"} <= {
            p.name for p in (out / "runs" / run_id).iterdir()}
    assert table["builds"].sum() <= 2  # one network per batch, at most one per worker
    assert table["compiled_modules"].notna().all() and (table["wall_s"] > 0).all()
    assert (out / "sweep.png").stat().st_size > 10_000
    stored = pd.read_csv(out / "sweep.csv", dtype={"n_items": str})
    assert list(stored.columns) == list(table.columns)
    assert stored["recall_accuracy"].tolist() == table["recall_accuracy"].tolist()
    (out / "runs" / ".0123456789abcdef.partial-x1").mkdir()  # as a killed run leaves it
    lines: list[str] = []
    again = neuro_kv.sweep("paired-recall", GRID, SEEDS, out=out, workers=1, echo=lines.append)
    assert again.attrs["skipped"] == 4 and again.attrs["ran"] == 0
    assert "4 runs, 4 already finished (skipped), 1 partial results removed" in lines[0]
    assert not [p for p in (out / "runs").iterdir() if ".partial-" in p.name]
    pd.testing.assert_frame_equal(again, table)


@pytest.mark.slow
def test_killed_sweep_resumes_where_it_stopped(tmp_path, uninterrupted):
    """The same sweep from the command line, its client killed (SIGKILL) after its first
    finished run: the same command again skips the finished runs, removes partial results
    and ends with the uninterrupted sweep's table."""
    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "neuro_kv.cli", "sweep", "paired-recall",
               "--grid", "n_items=1,2", "--seeds", "1-2", "--workers", "1",
               "--out", str(killed)]
    client = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs = killed / "runs"

    def finished() -> list[str]:  # complete result directories (not hidden partial ones)
        return [p.name for p in runs.iterdir()
                if not p.name.startswith(".") and (p / "metrics.json").exists()]

    deadline = time.monotonic() + 240
    while not (runs.is_dir() and finished()):
        assert client.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    client.send_signal(signal.SIGKILL)
    client.wait()
    done = finished()
    assert 1 <= len(done) < 4
    (runs / ".0123456789abcdef.partial-x1").mkdir()  # as a run killed while writing
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=400)
    assert resumed.returncode == 0, resumed.stderr
    assert f"4 runs, {len(done)} already finished (skipped)" in resumed.stdout
    assert "partial results removed" in resumed.stdout
    assert not [p for p in runs.iterdir() if ".partial-" in p.name]
    after_kill = pd.read_csv(killed / "sweep.csv", dtype={"n_items": str})
    expected = pd.read_csv(uninterrupted[0] / "sweep.csv", dtype={"n_items": str})
    pd.testing.assert_frame_equal(results_only(after_kill), results_only(expected))


def test_a_failing_run_is_recorded_and_redone(tmp_path):
    spec = plan("paired-recall", {"n_items": ["1"]}, [3])[0]
    broken = spec.__class__(**{**spec.__dict__, "overrides": {"n_items": "1",
                                                              "key_gain": "-1*mV"}})
    runs = tmp_path / "runs"
    runs.mkdir()
    assert execute_run(broken, str(runs)) == "invalid"
    failure = json.loads((runs / f"{spec.run_id}.failed.json").read_text())
    assert "key_gain" in failure["error"] and "Traceback" in failure["traceback"]
    row = run_table([spec], runs).iloc[0]
    assert row["status"] == "invalid" and "key_gain" in row["error"]
    assert execute_run(spec, str(runs)) == "ok"
    assert not (runs / f"{spec.run_id}.failed.json").exists()
    assert run_table([spec], runs).iloc[0]["status"] == "ok"
    assert os.listdir(runs) == [spec.run_id]


def test_run_identity():
    """A run's id depends on its seed and effective parameters, not on how they were given."""
    specs = plan("paired-recall", parse_grid(["n_items=1,2"]), parse_seeds("1-2"))
    assert len({s.run_id for s in specs}) == 4
    same = plan("paired-recall", {"n_items": ["1", "2"]}, [1, 2],
                base={"key_gain": "5.0*mV"})  # the default, written otherwise
    assert [s.run_id for s in same] == [s.run_id for s in specs]
    other = plan("paired-recall", {"n_items": ["1", "2"]}, [1, 2], base={"key_gain": "4*mV"})
    assert not {s.run_id for s in other} & {s.run_id for s in specs}
