"""Result directories on disk, written so that a reader never sees half of one.

`save_result` writes one run's directory: ``metrics.json``, ``params.toml`` (effective
parameters with units, seed, device, versions), ``spikes.nwb`` and the protocol's figures
(``raster.png`` and ``weights.png`` for one simulation; a protocol of many runs, like
``capacity``, has no single spike record and stores its per-run scores in ``metrics.json``).
Every directory and file is written under a hidden temporary sibling name that is renamed into
place at the end (`atomic_directory`, `atomic_file`); a SIGTERM or an exception removes it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tomli_w
from brian2 import second

from neuro_kv.engine import RunFailure
from neuro_kv.nwb import write_nwb
from neuro_kv.processes import remove_dead_owners, sigterm_deferred
from neuro_kv.results import RunResult, scalar_metrics

__all__ = ["save_result", "write_result", "atomic_directory", "atomic_file", "write_atomic",
           "strict_json", "time_step_s"]


def save_result(outcome: RunResult | RunFailure, directory: str | Path) -> Path | None:
    """Write a run's result directory atomically (replacing an existing one at the end). For
    a run the guard stopped, what it recorded until then (status, stop time, parameters,
    spikes); None for a failure with no record."""
    result = outcome.result if isinstance(outcome, RunFailure) else outcome
    if result is None:
        return None
    directory = Path(directory)
    with atomic_directory(directory) as tmp:
        write_result(result, tmp)
    return directory


def write_result(result: RunResult, tmp: Path, spikes: bool = True, figures: bool = True) -> None:
    """Write ``result``'s files (metrics, parameters, spikes as NWB, figures) into the
    existing directory ``tmp``."""
    (tmp / "metrics.json").write_text(json.dumps(strict_json(result.metrics), indent=2,
                                                 sort_keys=True, allow_nan=False))
    document = {
        "run": result.provenance(),
        "parameters": result.parameter_strings,
        "versions": result.versions,
    }
    (tmp / "params.toml").write_text(tomli_w.dumps(document))
    drawn = result.figures if figures else {}
    if result.spikes is None or result.schedule is None:  # a protocol of many runs
        for name, draw in drawn.items():
            draw(tmp / name)
        return
    if spikes:
        write_nwb(tmp / "spikes.nwb", [(result.seed, result.spikes, result.schedule)],
                  description=f"neuro-kv {result.protocol} on {result.circuit}",
                  metadata={**document, "metrics": scalar_metrics(result.metrics)},
                  weights=result.weights, controls=result.controls,
                  resolution_s=time_step_s(result.parameters), protocol=result.protocol,
                  circuit=result.circuit)
    for name, draw in drawn.items():
        draw(tmp / name)


def time_step_s(parameters: dict[str, Any]) -> float | None:
    """A run's simulation time step ``dt`` in seconds (None if it has none)."""
    dt = parameters.get("dt")
    return None if dt is None else float(dt / second)


def strict_json(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling directory (``.NAME.partial-PID-...``) that replaces ``target``
    only on success; it is removed on any exception (SIGTERM included, see
    `neuro_kv.processes.exit_on_signals`), and those left by killed processes are removed
    by the next write to the same place."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in ("partial", "old"):  # of runs killed while writing (SIGKILL)
        remove_dead_owners(target.parent, f".{target.name}.{leftover}")
    tmp: Path | None = None
    try:
        with sigterm_deferred():  # a SIGTERM now is raised once ``tmp`` is known
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-{os.getpid()}-",
                                        dir=target.parent))
        yield tmp
        os.chmod(tmp, 0o755)
        with sigterm_deferred():  # the swap is not split by a SIGTERM
            old = None
            if target.exists():
                old = target.with_name(f".{target.name}.old-{os.getpid()}")
                os.rename(target, old)
            os.rename(tmp, target)
            tmp = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a hidden temporary sibling of ``path`` (same suffix) to write; it is renamed to
    ``path`` on success and removed on failure, so a reader never sees a half-written file."""
    path = Path(path)
    remove_dead_owners(path.parent, f".{path.name}.partial")
    tmp: Path | None = None
    try:
        with sigterm_deferred():  # a SIGTERM now is raised once ``tmp`` is known
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.partial-{os.getpid()}-",
                                            suffix=path.suffix, dir=path.parent)
            os.close(handle)
            tmp = Path(name)
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see `atomic_file`)."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)
