"""Extending neuro-kv from outside: the example package (examples/neuro-kv-example) adds a
protocol and a circuit variant through entry points; installed into a directory of its own,
it is found and run by the ``neuro-kv`` command like neuro-kv's own."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent.parent / "examples" / "neuro-kv-example"


@pytest.fixture(scope="module")
def example_env(tmp_path_factory):
    """An environment in which the example package is installed (its own --target
    directory on PYTHONPATH, so the rest of the suite never sees it)."""
    target = tmp_path_factory.mktemp("example-site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--target", str(target), str(EXAMPLE)], check=True)
    return {**os.environ, "PYTHONPATH": str(target)}


def neuro_kv(env, *args: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "neuro_kv.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_example_package_registers_and_runs_from_the_command_line(example_env,
                                                                       tmp_path):
    listed = neuro_kv(example_env, "list", cwd=tmp_path)
    assert "retest-recall:" in listed and "kv-index-soft:" in listed
    params = neuro_kv(example_env, "params", "retest-recall", "--circuit", "kv-index-soft",
                      cwd=tmp_path)
    assert [line.split()[1] for line in params.splitlines()
            if line.startswith("self_excitation ")] == ["0.0*mV"]
    shares = {}
    for circuit in ("kv-index", "kv-index-soft"):
        out = tmp_path / circuit
        neuro_kv(example_env, "run", "retest-recall", "--circuit", circuit, "--seeds", "1-2",
                 "--set", "n_items=20", "--quiet", "--out", str(out), cwd=tmp_path)
        runs = [json.loads((out / "runs" / f"seed-{s}" / "metrics.json").read_text())
                for s in (1, 2)]
        assert all(m["accuracy_first"] >= 0.95 and m["accuracy_second"] >= 0.95
                   for m in runs)
        shares[circuit] = [m["correct_slot_share"] for m in runs]
    # measured, seeds 1-4 at 20 items: latched 0.996-0.999, soft (no latch) 0.83-0.90
    assert all(share > 0.99 for share in shares["kv-index"])
    assert all(share < 0.95 for share in shares["kv-index-soft"])
