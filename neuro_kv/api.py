"""The Python API: ``neuro_kv.run(protocol, seed=..., **parameters)`` for one run and
``neuro_kv.run_many(protocol, seeds=..., **parameters)`` for many (one batch of replicas per
worker, see `neuro_kv.engine`).

Data flows one way: parameters -> circuit -> protocol schedule run -> spikes and weights ->
analysis -> `RunResult` (saved to disk only when ``out`` is given).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from neuro_kv.analysis.plots import stopped_run_figures
from neuro_kv.contracts import ManyRunProtocol
from neuro_kv.engine import DEFAULT_DEVICE, RunFailure, run_requests
from neuro_kv.parameters import ParameterError
from neuro_kv.preparation import (
    PlannedRun,
    RunRequest,
    parameter_set,
    plan_run,
    prepare,
    read_parameter_file,
)
from neuro_kv.results import RunResult
from neuro_kv.storage import save_result

__all__ = ["run", "run_many", "run_composite", "plan_run", "prepare", "parameter_set",
           "read_parameter_file", "save_result", "DEFAULT_DEVICE"]


def run(
    protocol: str,
    *,
    seed: int = 1,
    device: str = DEFAULT_DEVICE,
    circuit: str | None = None,
    out: str | Path | None = None,
    progress: bool | Callable[[str], None] = False,
    guard: bool = True,
    **parameters: Any,
) -> RunResult:
    """Run ``protocol`` once and return its `RunResult`.

    ``parameters`` override defaults (quantities like ``20*ms`` or strings ``"20*ms"``);
    ``out`` also writes the result directory there. Raises `ParameterError` on bad input,
    before any simulation, and the run's own error if it fails (`neuro_kv.engine.RunStopped`
    if the guard stopped it; with ``out``, its directory then records the status, the
    time it stopped and its raster).
    """
    planned = plan_run(RunRequest(protocol, seed, parameters, circuit), device)
    if isinstance(planned.protocol, ManyRunProtocol):
        result = run_composite(planned, device, _echo(progress))
    else:
        (result,) = run_requests([planned], device=device, guard=guard,
                                 progress=_echo(progress))
        if isinstance(result, RunFailure):
            if out is not None and result.result is not None:
                result.result.figures = stopped_run_figures(result.result)
                save_result(result, out)
            raise result.exception if result.exception is not None else RuntimeError(
                result.error)
    if out is not None:
        save_result(result, out)
    return result


def run_many(
    protocol: str,
    seeds: Iterable[int] = (1,),
    *,
    device: str = DEFAULT_DEVICE,
    circuit: str | None = None,
    workers: int = 1,
    guard: bool = True,
    progress: bool | Callable[[str], None] = False,
    **parameters: Any,
) -> list[RunResult | RunFailure]:
    """Run ``protocol`` once per seed, as batches of replicas on ``workers`` processes;
    one `RunResult` (or `neuro_kv.engine.RunFailure`, ``.ok`` False) per seed, in order.
    A protocol of many runs (e.g. ``capacity``) runs once per seed, one after the other.
    Bad input common to every run raises `ParameterError` before any simulation."""
    seeds = list(seeds)
    if not seeds:
        raise ParameterError("seeds: none given; expected at least one seed")
    # refuse bad input before anything runs; each run is planned (and drawn) once
    planned = [plan_run(RunRequest(protocol, seed, parameters, circuit), device)
               for seed in seeds]
    if isinstance(planned[0].protocol, ManyRunProtocol):
        return [run_composite(run, device, _echo(progress)) for run in planned]
    return run_requests(planned, device=device, workers=workers, guard=guard,
                        progress=_echo(progress))


def run_composite(planned: PlannedRun, device: str,
                  progress: Callable[[str], None] | None) -> RunResult:
    """Run a protocol of many runs (its ``execute``), e.g. ``capacity``."""
    started = time.perf_counter()
    proto, values = planned.protocol, planned.values
    metrics = proto.execute(values, planned.seed, device, progress=progress)
    metrics.setdefault("wall_s", round(time.perf_counter() - started, 1))
    result = RunResult(
        protocol=proto.name, circuit="(several)", seed=planned.seed, device=device,
        parameters=values, parameter_strings=planned.parameters.to_strings(values),
        metrics=metrics, spikes=None, schedule=None, weights={}, populations=())
    result.figures = proto.figures(values, metrics)
    return result


def _echo(progress: bool | Callable[[str], None]) -> Callable[[str], None] | None:
    if callable(progress):
        return progress
    return (lambda line: print(line, flush=True)) if progress else None
