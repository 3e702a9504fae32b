"""Process lifetimes: what a killed run leaves behind.

- `process_alive`: whether a PID still runs (temporary files carry their owner's PID, so a
  later run can remove those of processes that were killed);
- `remove_dead_owners`: remove the ``PREFIX-PID-...`` entries of a directory whose PID is dead;
- `exit_on_signals`: while it is entered, SIGTERM and SIGINT raise `Stopped` (a
  ``SystemExit`` with status 143 or 130) once, so cleanup code runs (Python's default SIGTERM
  ends the process without it) and a second signal does not cut the cleanup short;
- `sigterm_deferred`: hold SIGTERM and SIGINT back for a few statements that must not be split
  (creating a temporary directory and noting its name; swapping a result into place);
- `run_shell`: ``os.system`` for a build command (``make``) that a stop ends at once, with
  everything it started;
- `stop_workers`, `kill_trees`, `kill_descendants`: kill worker processes with all they
  started and wait until they are gone;
- `die_with_parent`: ask Linux to SIGKILL the calling process when its parent dies (used in
  the child of every compiled standalone binary and every worker process, so that killing a
  run with SIGKILL leaves no simulation running).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

__all__ = ["Stopped", "process_alive", "remove_dead_owners", "exit_on_signals",
           "sigterm_deferred", "run_shell", "stop_workers", "kill_trees", "kill_descendants",
           "die_with_parent"]

#: the signals that stop a command
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

#: prctl option: the signal a process gets when its parent dies
PR_SET_PDEATHSIG = 1


def process_alive(pid: int) -> bool:
    """Whether a process with this PID exists (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_dead_owners(directory: Path, prefix: str) -> None:
    """Remove the files and directories ``PREFIX-PID-*`` (or ``PREFIX-PID``) in ``directory``
    whose owner PID no longer runs."""
    for path in Path(directory).glob(f"{prefix}-*"):
        pid = path.name[len(prefix) + 1:].split("-", 1)[0]
        if not pid.isdigit() or process_alive(int(pid)):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


class Stopped(SystemExit):
    """A command was stopped by a signal; ``code`` is 128 + the signal number."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signal_name = signal.Signals(signum).name


def _ignore(signum: int, frame: object) -> None:
    """A second stop signal while the first one's cleanup runs: nothing to add."""


def _raise_stopped(signum: int, frame: object) -> None:
    for stop in STOP_SIGNALS:  # cleanup from here on is not interrupted again
        signal.signal(stop, _ignore)
    raise Stopped(signum)


@contextmanager
def exit_on_signals() -> Iterator[None]:
    """While entered, the first SIGTERM or SIGINT raises `Stopped` in the main thread, so
    ``finally`` blocks (removing a half-written result directory, stopping workers) run; the
    previous handlers come back on exit. Outside the main thread (where Python cannot set
    handlers) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {stop: signal.signal(stop, _raise_stopped) for stop in STOP_SIGNALS}
    try:
        yield
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)


@contextmanager
def sigterm_deferred() -> Iterator[None]:
    """Block SIGTERM and SIGINT while entered; one that arrives meanwhile is delivered on exit
    (so `Stopped` is raised after the block, where cleanup code can see what it did)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def run_shell(command: str) -> int:
    """Run a shell command like ``os.system`` (0 on success), in a session of its own that is
    killed whole (the shell, ``make`` and its compilers) if this process is stopped meanwhile;
    the shell also dies with this process (`die_with_parent`)."""
    with subprocess.Popen(command, shell=True, start_new_session=True,
                          preexec_fn=die_with_parent) as shell:
        try:
            return shell.wait()
        except BaseException:
            with suppress(ProcessLookupError):
                os.killpg(shell.pid, signal.SIGKILL)
            raise


def stop_workers(processes: Iterable[Any], timeout: float = 5.0) -> None:
    """SIGKILL these ``multiprocessing`` processes and everything they started (compiled
    binaries, ``make`` and its compilers, which run in sessions of their own), and wait up
    to ``timeout`` seconds until the workers are gone."""
    processes = list(processes)
    kill_trees([process.pid for process in processes if process.pid is not None])
    deadline = time.monotonic() + timeout
    for process in processes:
        with suppress(ValueError, AssertionError):
            process.join(max(0.0, deadline - time.monotonic()))


def kill_trees(pids: Iterable[int]) -> None:
    """SIGKILL each process of ``pids`` and all its descendants (children first found, then
    killed together, so none can start another in between)."""
    import psutil

    found = []
    for pid in pids:
        with suppress(psutil.Error):
            parent = psutil.Process(pid)
            found += [parent, *parent.children(recursive=True)]
    for process in found:
        with suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(found, timeout=2.0)


def kill_descendants() -> None:
    """SIGKILL every descendant of this process (e.g. a stopped sweep's Dask workers and
    what they started)."""
    import psutil

    kill_trees(child.pid for child in psutil.Process().children()
               if not is_resource_tracker(child))


def is_resource_tracker(process: Any) -> bool:
    """Whether ``process`` is multiprocessing's resource tracker (this process's helper,
    which must outlive its workers to release their shared memory)."""
    try:
        return any("resource_tracker" in part for part in process.cmdline())
    except Exception:  # gone, or not ours to read
        return False


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies (Linux; elsewhere nothing happens)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
