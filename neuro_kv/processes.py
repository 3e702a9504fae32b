"""Process lifetimes: what a killed run leaves behind.

- `process_alive`: whether a PID still runs (temporary files carry their owner's PID, so a
  later run can remove those of processes that were killed);
- `remove_dead_owners`: remove the ``PREFIX-PID-...`` entries of a directory whose PID is dead;
- `exit_on_sigterm`: while it is entered, SIGTERM raises ``SystemExit`` so cleanup code runs
  (Python's default SIGTERM ends the process without it);
- `sigterm_deferred`: hold SIGTERM back for a few statements that must not be split (creating
  a temporary directory and noting its name; swapping a result into place);
- `die_with_parent`: ask Linux to SIGKILL the calling process when its parent dies (used in
  the child of every compiled standalone binary and every worker process, so that killing a
  run with SIGKILL leaves no simulation running).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["process_alive", "remove_dead_owners", "exit_on_sigterm", "sigterm_deferred",
           "die_with_parent"]

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


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def exit_on_sigterm() -> Iterator[None]:
    """While entered, SIGTERM raises ``SystemExit(143)`` in the main thread, so ``finally``
    blocks (e.g. removing a half-written result directory) and child-process cleanup run;
    the previous handler comes back on exit. Outside the main thread (where Python cannot
    set handlers) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def sigterm_deferred() -> Iterator[None]:
    """Block SIGTERM while entered; one that arrives meanwhile is delivered on exit (so its
    ``SystemExit`` is raised after the block, where cleanup code can see what it did)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
