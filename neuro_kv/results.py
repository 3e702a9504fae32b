"""Results of one run and their storage as a result directory.

A result directory holds ``metrics.json``, ``params.toml`` (effective parameters with units,
seed, device, versions), ``spikes.nwb`` and the protocol's figures (``raster.png`` and
``weights.png`` for one simulation; a protocol of many runs, like ``capacity``, has no single
spike record and stores its per-run scores in ``metrics.json``). It is written
into a hidden temporary sibling directory that is renamed into place at the end, so a reader
never sees a half-written result.
"""

from __future__ import annotations

import functools
import json
import math
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from neuro_kv.processes import remove_dead_owners, sigterm_deferred
from neuro_kv.schedule import Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["RunResult", "versions", "atomic_directory", "atomic_file", "write_atomic",
           "save_batch", "combine_metrics", "BOOKKEEPING"]

PACKAGES = ("neuro-kv", "brian2", "numpy", "neo", "elephant", "pynwb", "matplotlib")


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return tuple(found.items())


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape a result."""
    return dict(_versions())


@dataclass
class RunResult:
    """Everything one run produced: metrics, spikes, weights, parameters and provenance.

    ``spikes`` (a `neuro_kv.spikes.SpikeRecord`) holds each population's spikes;
    ``segment`` is the same as a Neo Segment (built on first use).
    """

    protocol: str
    circuit: str
    seed: int
    device: str
    parameters: dict[str, Any]
    parameter_strings: dict[str, Any]
    metrics: dict[str, Any]
    spikes: SpikeRecord | None
    schedule: Schedule | None
    weights: dict[str, np.ndarray]
    populations: tuple[str, ...]
    figures: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=versions)
    _segment: Any = field(default=None, repr=False, compare=False)
    #: a RunResult is a finished run (a `neuro_kv.engine.RunFailure` is not)
    ok = True

    @property
    def segment(self) -> Any:
        """The spikes as a Neo Segment (one SpikeTrain per neuron), or None."""
        if self.spikes is not None and self._segment is None:
            self._segment = self.spikes.segment(name=f"{self.protocol} seed {self.seed}")
        return self._segment

    def view(self) -> Any:
        """Show the interactive report of this run (`neuro_kv.report`) in a Jupyter
        notebook (or a browser outside one); returns the Bokeh layout."""
        from bokeh.io import output_notebook, show

        from neuro_kv.report import RunView, run_layout

        layout = run_layout(RunView.from_result(self))
        try:
            from IPython import get_ipython

            if get_ipython() is not None:
                output_notebook(hide_banner=True)
        except ImportError:
            pass
        show(layout)
        return layout

    def provenance(self) -> dict[str, Any]:
        """Run identity: protocol, circuit, seed, device, versions and machine."""
        return {
            "protocol": self.protocol,
            "circuit": self.circuit,
            "seed": self.seed,
            "device": self.device,
            "machine": platform.platform(),
        }

    def save(self, directory: str | Path) -> Path:
        """Write the result directory atomically; replaces an existing one at the end."""
        directory = Path(directory)
        with atomic_directory(directory) as tmp:
            self._write(tmp)
        return directory

    def _write(self, tmp: Path, spikes: bool = True, figures: bool = True) -> None:
        (tmp / "metrics.json").write_text(json.dumps(strict_json(self.metrics), indent=2,
                                                     sort_keys=True, allow_nan=False))
        document = {
            "run": self.provenance(),
            "parameters": self.parameter_strings,
            "versions": self.versions,
        }
        (tmp / "params.toml").write_text(tomli_w.dumps(document))
        drawn = self.figures if figures else {}
        if self.spikes is None or self.schedule is None:  # a protocol of many runs
            for name, draw in drawn.items():
                draw(tmp / name)
            return
        if spikes:
            from neuro_kv.nwb import write_nwb

            write_nwb(tmp / "spikes.nwb", [(self.seed, self.spikes, self.schedule)],
                      description=f"neuro-kv {self.protocol} on {self.circuit}",
                      metadata={**document, "metrics": scalar_metrics(self.metrics)},
                      weights=self.weights)
        for name, draw in drawn.items():
            draw(tmp / name)


#: metrics that describe how a run was computed, not what it measured
BOOKKEEPING = frozenset({"seed", "build_s", "simulate_s", "compile_s", "elapsed_s", "wall_s",
                         "builds", "compiled_modules", "encoding_rate_limit_hz"})


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """The numeric, measured metrics of a run (no bookkeeping)."""
    return {key: value for key, value in metrics.items()
            if _is_number(value) and key not in BOOKKEEPING}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _mean_and_interval(values: list[Any]) -> tuple[Any, Any] | None:
    """Mean and 95 % t interval over seeds of numbers, or of dicts of them (recursively, key
    by key); None for anything else (lists, strings, per-run intervals)."""
    from neuro_kv.analysis.statistics import t_interval

    if values and all(_is_number(v) or v is None for v in values):
        finite = np.array([v for v in values if v is not None], dtype=float)
        finite = finite[np.isfinite(finite)]
        if not len(finite):
            return None
        return float(finite.mean()), list(t_interval(finite))
    if values and all(isinstance(v, dict) for v in values):
        means, intervals = {}, {}
        for key in dict.fromkeys(k for v in values for k in v):
            found = _mean_and_interval([v[key] for v in values if key in v])
            if found is not None:
                means[key], intervals[key] = found
        return (means, intervals) if means else None
    return None


def combine_metrics(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """One protocol's metrics over seeds: every numeric metric, and every dict of them (e.g.
    accessibility per level), as its mean over the runs with ``NAME_ci`` = its 95 %
    Student-t interval over seeds beside it (the same shape: [low, high] per number);
    ``n_seeds``. Per-run lists, bookkeeping and the runs' own ``*_ci`` are left to the
    per-seed files."""
    combined: dict[str, Any] = {"n_seeds": len(metrics)}
    names = dict.fromkeys(k for m in metrics for k in m)
    for name in names:
        if name in BOOKKEEPING or name.endswith("_ci") or "_ci_" in name:
            continue
        found = _mean_and_interval([m[name] for m in metrics if name in m])
        if found is not None:
            combined[name], combined[f"{name}_ci"] = found
    return combined


def _combine_batch(finished: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`combine_metrics` of the runs, updated with the protocol's own pooled statistics
    (its optional ``combine(p, metrics)``, e.g. an AUC pooled over seeds), and the protocol's
    figures of the whole batch (its optional ``batch_figures(p, combined)``)."""
    from neuro_kv.registry import get_protocol

    metrics = [r.metrics for r in finished]
    combined = combine_metrics(metrics)
    protocol, p = get_protocol(finished[0].protocol), finished[0].parameters
    if hasattr(protocol, "combine"):
        combined.update(protocol.combine(p, metrics))
    figures = protocol.batch_figures(p, combined) if hasattr(protocol, "batch_figures") else {}
    return combined, figures


def save_batch(results: list[Any], directory: str | Path) -> dict[str, Any]:
    """Write many runs of one protocol as one directory, atomically, and return its summary.

    ``runs/seed-N/``: each finished run's ``metrics.json`` and ``params.toml`` (and, for the
    first finished run, its figures), and those of each run the guard stopped (its status
    and stop time); ``spikes.nwb``: the spikes and windows of every finished
    run (a ``seed`` column in both tables); ``runs.csv``: one row per run (seed, status,
    every scalar metric, error); ``summary.json``: per scalar metric the mean, standard
    deviation, n and 95 % Student-t interval over the finished runs, with the per-seed
    values, and the failed runs; ``metrics.json``: `combine_metrics` of the finished runs
    (means, with ``NAME_ci`` beside each) and the protocol's pooled statistics; the
    protocol's batch figures (intervals over seeds), if it draws any.
    """
    import pandas as pd

    from neuro_kv.analysis.statistics import t_interval

    finished = [r for r in results if r.ok]
    rows = []
    for result in results:
        if result.ok:
            rows.append({"seed": result.seed, "status": "ok",
                         **scalar_metrics(result.metrics), "error": ""})
        else:
            stopped = getattr(result, "result", None)  # a run the guard stopped
            rows.append({"seed": result.request.seed, "status": result.status,
                         "error": result.error,
                         **({"stopped_at_s": stopped.metrics["stopped_at_s"]}
                            if stopped is not None else {})})
    table = pd.DataFrame(rows)
    names = list(dict.fromkeys(key for r in finished for key in scalar_metrics(r.metrics)))
    summary: dict[str, Any] = {
        "protocol": finished[0].protocol if finished else results[0].request.protocol,
        "runs": len(results), "finished": len(finished),
        "failed": [{"seed": r.request.seed, "status": r.status, "error": r.error}
                   for r in results if not r.ok],
        "metrics": {}}
    for name in names:
        values = np.array([r.metrics[name] for r in finished if name in r.metrics],
                          dtype=float)
        values = values[np.isfinite(values)]
        if not len(values):
            continue
        summary["metrics"][name] = {
            "mean": float(values.mean()), "sd": float(values.std(ddof=1)) if len(values) > 1
            else 0.0, "n": len(values), "ci95": list(t_interval(values)),
            "values": [float(v) for v in values]}
    with atomic_directory(Path(directory)) as tmp:
        for k, result in enumerate(finished):
            (tmp / "runs" / f"seed-{result.seed}").mkdir(parents=True)
            result._write(tmp / "runs" / f"seed-{result.seed}", spikes=False,
                          figures=k == 0)
        for failure in results:  # a stopped run: its status, stop time and parameters
            if not failure.ok and getattr(failure, "result", None) is not None:
                (tmp / "runs" / f"seed-{failure.request.seed}").mkdir(parents=True)
                failure.result._write(tmp / "runs" / f"seed-{failure.request.seed}",
                                      spikes=False, figures=False)
        if finished:
            from neuro_kv.nwb import write_nwb

            first = finished[0]
            write_nwb(tmp / "spikes.nwb", [(r.seed, r.spikes, r.schedule) for r in finished
                                           if r.spikes is not None],
                      description=f"neuro-kv {first.protocol} on {first.circuit}, "
                                  f"{len(finished)} runs",
                      metadata={"runs": [r.provenance() for r in finished],
                                "parameters": first.parameter_strings})
        (tmp / "runs.csv").write_text(table.to_csv(index=False))
        if finished:
            combined, figures = _combine_batch(finished)
            (tmp / "metrics.json").write_text(json.dumps(strict_json(combined), indent=2,
                                                         sort_keys=True, allow_nan=False))
            for name, draw in figures.items():
                draw(tmp / name)
        (tmp / "summary.json").write_text(json.dumps(strict_json(summary), indent=2,
                                                     allow_nan=False))
    return summary


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
    `neuro_kv.processes.exit_on_sigterm`), and those left by killed processes are removed
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
