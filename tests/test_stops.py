"""A stopped command ends within 5 s, with status 143 (SIGTERM) or 130 (SIGINT) and a
one-line message, and leaves no process of its own (workers, compiled binaries, compilers,
Dask workers) and no partial result behind; a sweep keeps its finished runs.

SIGTERM goes to the command's process alone (as ``kill`` or ``timeout`` send it); SIGINT goes
to its whole process group, as Ctrl-C in a terminal does. Each command is stopped while it
simulates (a compiled binary of it runs), or, for the Cython device, while it compiles.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import optuna
import pytest

from tests.test_kill_safety import descendants, running, wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc (Linux)")

#: longer runs than the defaults, so that the stop comes while they simulate
LONG = ["--set", "window=400*ms", "--quiet"]
COMMANDS = {
    "run": ["run", "paired-recall", "--seed", "1", *LONG],
    "run-batched": ["run", "paired-recall", "--seeds", "1-4", "--workers", "2", *LONG],
    # one batch per load, so one of the two workers waits idle for work
    "capacity": ["run", "capacity", "--set", "n_seeds=1", "--set", "workers=2",
                 "--set", "loads=2,4", "--quiet"],
    "sweep": ["sweep", "paired-recall", "--grid", "n_items=2,3", "--seeds", "1-2",
              "--workers", "2", "--set", "window=400*ms"],
    "tune": ["tune", "paired-recall", "--objective", "recall_accuracy", "--space",
             "eta_key=0.3..1", "--trials", "4", "--workers", "2", "--set", "window=400*ms",
             "--quiet"],
    "run-cython": ["run", "paired-recall", "--seed", "1", "--device", "cython", "--quiet"],
}
COMPILERS = ("cc1plus", "cc1", "make")
#: the descendant that shows a command is at work: the standalone binary, or a compiler
BUSY = {"run-cython": ("cc1plus", "cc1", "gcc", "g++", "x86_64-linux-gnu-gcc")}
#: SIGINT of run-batched, capacity and tune runs behind ``slow`` (suite time on a new
#: machine); SIGINT reaches the same code as SIGTERM, tested here on run and sweep
SLOW = {("run-batched", signal.SIGINT), ("capacity", signal.SIGINT), ("tune", signal.SIGINT)}
CASES = [pytest.param(command, signum, marks=[pytest.mark.slow] if (command, signum) in SLOW
                      else [], id=f"{command}-{signal.Signals(signum).name}")
         for command in COMMANDS if command != "run-cython"
         for signum in (signal.SIGTERM, signal.SIGINT)] + [
    pytest.param("run-cython", signal.SIGTERM, id="run-cython-SIGTERM")]
#: stopped while their workers compile C++ (an empty build cache): what a new machine meets
COMPILING = [("capacity", signal.SIGTERM), ("sweep", signal.SIGTERM)]


@pytest.mark.parametrize("command,signum", CASES)
def test_a_stopped_command_ends_at_once_and_leaves_nothing(tmp_path, command, signum):
    check_stop(tmp_path, command, signum, busy_names(command))


def busy_names(command: str) -> tuple[str, ...]:
    """What the test waits for: a simulation binary of the command, or (except for the plain
    run, the one case always stopped while it simulates) a compiler it started, whichever
    comes first: on a new machine's empty build cache the stop then comes while it compiles,
    which keeps the suite short there."""
    if command in BUSY:
        return BUSY[command]
    return ("main",) if command == "run" else ("main", *COMPILERS)


@pytest.mark.parametrize("command,signum", COMPILING,
                         ids=[f"{c}-{signal.Signals(s).name}" for c, s in COMPILING])
def test_a_command_stopped_while_it_compiles_leaves_no_compiler(tmp_path, command, signum):
    check_stop(tmp_path, command, signum, COMPILERS, cache=tmp_path / "cache")


def check_stop(tmp_path, command: str, signum: int, busy: tuple[str, ...],
               cache=None) -> None:
    """Start ``command``, send ``signum`` once one of its descendants is named in ``busy``,
    and check the time, the status, the message, the processes and the files."""
    out = tmp_path / "out"
    env = {**os.environ, **({"NEURO_KV_CACHE": str(cache)} if cache else {})}
    process = subprocess.Popen([sys.executable, "-m", "neuro_kv.cli", *COMMANDS[command],
                                "--out", str(out)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env=env)
    try:
        assert wait_for(lambda: busy_descendants(process.pid, busy), timeout=300, step=0.05), (
            f"{command} never started {busy}: {process.poll()} "
            f"{process.stderr.read() if process.poll() is not None else ''}")
        tree = descendants(process.pid)
        stopped = time.monotonic()
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)  # Ctrl-C: the whole foreground group
        else:
            process.send_signal(signum)
        try:
            _, err = process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{command} still ran 5 s after {signal.Signals(signum).name}: "
                        f"{descendants(process.pid)}")
        took = time.monotonic() - stopped
        left = {pid: name for pid, name in tree.items() if running(pid)}
        assert not left or wait_for(lambda: not any(running(p) for p in left), 1.0), (
            f"left running: {left}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 128 + signum, (process.returncode, err)
    lines = err.strip().splitlines()
    name = signal.Signals(signum).name
    assert len(lines) == 1 and lines[0].startswith(f"neuro-kv: stopped by {name}"), err
    assert took < 5
    if command == "sweep":  # finished runs stay; nothing partial
        assert not list((out / "runs").glob(".*.partial-*"))
    elif command == "tune":  # the study stays (to resume), with no trial left "running"
        assert sorted(p.name for p in out.iterdir()) == ["study.db"]
        study = optuna.load_study(study_name=None, storage=f"sqlite:///{out / 'study.db'}")
        states = {trial.state for trial in study.trials}
        assert states and optuna.trial.TrialState.RUNNING not in states, states
    else:
        assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if ".partial-" in p.name]


def busy_descendants(pid: int, names: tuple[str, ...]) -> bool:
    return any(name in names for name in descendants(pid).values())
