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

from neuro_kv.engine import DEFAULT_DEVICE, RunFailure, RunRequest, run_requests
from neuro_kv.preparation import parameter_set, prepare, read_parameter_file
from neuro_kv.results import RunResult

__all__ = ["run", "run_many", "run_composite", "prepare", "parameter_set",
           "read_parameter_file", "DEFAULT_DEVICE"]


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
    if the guard stopped it; with ``out``, its directory then records the status and the
    time it stopped).
    """
    proto, _, values, pset = prepare(protocol, circuit, device, seed, parameters)
    if proto.default_circuit is None:
        result = run_composite(proto, values, pset, seed, device, _echo(progress))
    else:
        (result,) = run_requests([RunRequest(protocol, seed, parameters, circuit)],
                                 device=device, guard=guard, progress=_echo(progress))
        if isinstance(result, RunFailure):
            if out is not None:
                result.save(out)  # a stopped run: its status, stop time and raster
            raise result.exception if result.exception is not None else RuntimeError(
                result.error)
    if out is not None:
        result.save(out)
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
    Bad input common to every run raises `ParameterError` before any simulation."""
    seeds = list(seeds)
    if not seeds:
        from neuro_kv.parameters import ParameterError

        raise ParameterError("seeds: none given; expected at least one seed")
    for seed in seeds:  # refuse bad input before anything runs
        prepare(protocol, circuit, device, seed, parameters)
    requests = [RunRequest(protocol, seed, parameters, circuit) for seed in seeds]
    return run_requests(requests, device=device, workers=workers, guard=guard,
                        progress=_echo(progress))


def run_composite(proto: Any, values: dict[str, Any], pset: Any, seed: int, device: str,
                  progress: Callable[[str], None] | None) -> RunResult:
    """Run a protocol of many runs (``execute``), e.g. ``capacity``."""
    started = time.perf_counter()
    metrics = proto.execute(values, seed, device, progress=progress)
    metrics.setdefault("wall_s", round(time.perf_counter() - started, 1))
    result = RunResult(
        protocol=proto.name, circuit="(several)", seed=seed, device=device,
        parameters=values, parameter_strings=pset.to_strings(values), metrics=metrics,
        spikes=None, schedule=None, weights={}, populations=())
    result.figures = proto.figures(values, metrics)
    return result


def _echo(progress: bool | Callable[[str], None]) -> Callable[[str], None] | None:
    if callable(progress):
        return progress
    return (lambda line: print(line, flush=True)) if progress else None
