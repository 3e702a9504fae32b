"""A killed ``neuro-kv run`` leaves nothing behind: SIGKILL while it simulates (no result
directory, no partial file, no compiled binary still running), SIGTERM while it writes (the
half-written directory is removed, exit status 143), and what a killed writer left is removed
by the next write to the same place."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neuro_kv.processes import process_alive
from neuro_kv.storage import atomic_directory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc and uses prctl (Linux)")


def descendants(pid: int) -> dict[int, str]:
    """PID -> command name of every process below ``pid`` (from /proc)."""
    parents: dict[int, tuple[int, str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        parents[int(stat.parent.name)] = (int(text[text.rindex(")") + 2:].split()[1]), name)
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, name) in parents.items():
            if ppid == parent and child not in found:
                found[child] = name
                frontier.append(child)
    return found


def start_run(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "neuro_kv.cli", "run", "paired-recall",
                             "--seed", "1", "--set", "n_items=60", "--quiet", "--out",
                             str(out), *extra], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def running(pid: int) -> bool:
    """Whether ``pid`` still runs: it exists and is not a zombie (a killed process that its
    new parent has not reaped yet is dead)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2:].split()[0] != "Z" and process_alive(pid)


def wait_for(condition, timeout: float, step: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if out.name in p.name)


def test_sigkill_while_simulating_leaves_no_directory_and_no_binary_running(tmp_path):
    out = tmp_path / "run"
    # the build of the writing test below (no compilation of its own): 60 items are about
    # 2 s of simulation, and the kill comes within 50 ms of the binary's start
    run = start_run(out)
    try:
        binaries = {}
        assert wait_for(lambda: binaries.update(
            {p: n for p, n in descendants(run.pid).items() if n == "main"}) or binaries,
            timeout=300, step=0.05), "the standalone binary never started"
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        assert wait_for(lambda: not any(running(p) for p in binaries), timeout=10), (
            "the compiled simulation kept running after its run was killed")
    finally:
        run.kill()
        run.wait()
    assert leftovers(out) == []


def test_sigterm_while_writing_removes_the_half_written_directory(tmp_path):
    out = tmp_path / "run"
    run = start_run(out)
    try:
        writing = wait_for(lambda: any(p.name.startswith(".run.partial-")
                                       for p in tmp_path.iterdir()), timeout=300)
        assert writing, run.stderr.read().decode() if run.poll() is not None else "no write"
        run.send_signal(signal.SIGTERM)
        status = run.wait(timeout=60)
    finally:
        run.kill()
        run.wait()
    assert status == 128 + signal.SIGTERM, status  # stopped while writing, not after
    assert leftovers(out) == []


def test_the_next_write_removes_what_a_killed_writer_left(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f".run.partial-{dead.pid}-abc123"
    (stale / "runs").mkdir(parents=True)
    alive = tmp_path / f".run.partial-{os.getpid()}-def456"  # a writer still running
    alive.mkdir()
    with atomic_directory(tmp_path / "run") as tmp:
        (tmp / "metrics.json").write_text("{}")
    assert not stale.exists() and alive.exists()
    assert (tmp_path / "run" / "metrics.json").exists()
