"""Many runs of one protocol: their statistics over seeds (`combine_metrics`) and their batch
directory (`save_batch`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuro_kv.analysis.statistics import seed_interval
from neuro_kv.nwb import write_nwb
from neuro_kv.registry import get_protocol
from neuro_kv.results import BOOKKEEPING, scalar_metrics
from neuro_kv.storage import atomic_directory, strict_json, time_step_s, write_result

__all__ = ["combine_metrics", "save_batch", "settings_of"]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _mean_and_interval(values: list[Any]) -> tuple[Any, Any] | None:
    """Mean and 95 % interval over seeds (`seed_interval`) of numbers, or of dicts of them
    (recursively, key by key); None for anything else (lists, strings, per-run intervals)."""
    if values and all(_is_number(v) or v is None for v in values):
        finite = np.array([v for v in values if v is not None], dtype=float)
        finite = finite[np.isfinite(finite)]
        if not len(finite):
            return None
        return float(finite.mean()), list(seed_interval(finite))
    if values and all(isinstance(v, dict) for v in values):
        means, intervals = {}, {}
        for key in dict.fromkeys(k for v in values for k in v):
            found = _mean_and_interval([v[key] for v in values if key in v])
            if found is not None:
                means[key], intervals[key] = found
        return (means, intervals) if means else None
    return None


def settings_of(metrics: list[dict[str, Any]], parameters: dict[str, Any]
                ) -> dict[str, Any]:
    """The metrics that echo a parameter (e.g. ``n_items``) with one value at every seed:
    settings, reported as such, never with an interval."""
    return {name: metrics[0][name] for name in parameters
            if metrics and all(name in m for m in metrics)
            and all(m[name] == metrics[0][name] for m in metrics)}


def combine_metrics(metrics: list[dict[str, Any]], settings: set[str] = frozenset()
                    ) -> dict[str, Any]:
    """One protocol's metrics over seeds: every numeric metric, and every dict of them (e.g.
    accessibility per level), as its mean over the runs with ``NAME_ci`` = its 95 %
    interval over seeds beside it (`seed_interval`, BCa bootstrap; the same shape:
    [low, high] per number); ``n_seeds``. The names in ``settings`` (see `settings_of`)
    keep their value, with no interval. Per-run lists, bookkeeping and the runs' own
    ``*_ci`` are left to the per-seed files."""
    combined: dict[str, Any] = {"n_seeds": len(metrics)}
    names = dict.fromkeys(k for m in metrics for k in m)
    for name in names:
        if name in BOOKKEEPING or name.endswith("_ci") or "_ci_" in name:
            continue
        if name in settings:
            combined[name] = metrics[0][name]
            continue
        found = _mean_and_interval([m[name] for m in metrics if name in m])
        if found is not None:
            combined[name], combined[f"{name}_ci"] = found
    return combined


def _combine_batch(finished: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`combine_metrics` of the runs, updated with the protocol's own pooled statistics
    (its ``combine(p, metrics)``, e.g. an AUC pooled over seeds), and the protocol's
    figures of the whole batch (its ``batch_figures(p, combined)``)."""
    metrics = [r.metrics for r in finished]
    protocol, p = get_protocol(finished[0].protocol), finished[0].parameters
    combined = combine_metrics(metrics, set(settings_of(metrics, p)))
    combined.update(protocol.combine(p, metrics))
    return combined, protocol.batch_figures(p, combined)


def save_batch(results: list[Any], directory: str | Path) -> dict[str, Any]:
    """Write many runs of one protocol as one directory, atomically, and return its summary.

    ``runs/seed-N/``: each finished run's ``metrics.json`` and ``params.toml`` (and, for the
    first finished run, its figures), and those of each run the guard stopped (its status
    and stop time); ``spikes.nwb``: the spikes and windows of every finished
    run (a ``seed`` column in both tables); ``runs.csv``: one row per run (seed, status,
    every scalar metric, error); ``summary.json``: per scalar metric the mean, standard
    deviation, n and 95 % interval over the finished runs (`seed_interval`), with the
    per-seed values, the settings among the metrics (`settings_of`: values, no interval),
    and the failed runs; ``metrics.json``: `combine_metrics` of the finished runs
    (means, with ``NAME_ci`` beside each) and the protocol's pooled statistics; the
    protocol's batch figures (intervals over seeds), if it draws any.
    """
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
    settings = settings_of([r.metrics for r in finished], finished[0].parameters
                           if finished else {})
    summary: dict[str, Any] = {
        "protocol": finished[0].protocol if finished else results[0].request.protocol,
        "runs": len(results), "finished": len(finished),
        "failed": [{"seed": r.request.seed, "status": r.status, "error": r.error}
                   for r in results if not r.ok],
        "settings": {name: value for name, value in settings.items() if name in names},
        "metrics": {}}
    for name in names:
        values = np.array([r.metrics[name] for r in finished if name in r.metrics],
                          dtype=float)
        values = values[np.isfinite(values)]
        if not len(values) or name in settings:
            continue
        summary["metrics"][name] = {
            "mean": float(values.mean()), "sd": float(values.std(ddof=1)) if len(values) > 1
            else 0.0, "n": len(values), "ci95": list(seed_interval(values)),
            "values": [float(v) for v in values]}
    with atomic_directory(Path(directory)) as tmp:
        for k, result in enumerate(finished):
            (tmp / "runs" / f"seed-{result.seed}").mkdir(parents=True)
            write_result(result, tmp / "runs" / f"seed-{result.seed}", spikes=False,
                         figures=k == 0)
        for failure in results:  # a stopped run: its status, stop time and parameters
            if not failure.ok and getattr(failure, "result", None) is not None:
                (tmp / "runs" / f"seed-{failure.request.seed}").mkdir(parents=True)
                write_result(failure.result, tmp / "runs" / f"seed-{failure.request.seed}",
                             spikes=False, figures=False)
        if finished:
            first = finished[0]
            write_nwb(tmp / "spikes.nwb", [(r.seed, r.spikes, r.schedule) for r in finished
                                           if r.spikes is not None],
                      description=f"neuro-kv {first.protocol} on {first.circuit}, "
                                  f"{len(finished)} runs",
                      metadata={"runs": [r.provenance() for r in finished],
                                "parameters": first.parameter_strings},
                      controls=first.controls,
                      resolution_s=time_step_s(first.parameters), protocol=first.protocol,
                      circuit=first.circuit)
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
