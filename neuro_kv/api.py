"""The Python API: ``neuro_kv.run(protocol, seed=..., **parameters)``.

Data flows one way: parameters -> circuit -> protocol schedule run -> spikes and weights ->
analysis -> `RunResult` (saved to disk only when ``out`` is given).
"""

from __future__ import annotations

import time
import tomllib
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from brian2 import second

from neuro_kv.parameters import ParameterError, ParameterSet
from neuro_kv.registry import get_circuit, get_protocol
from neuro_kv.results import RunResult
from neuro_kv.runner import DEVICES, simulate

__all__ = ["run", "make_result", "parameter_set", "read_parameter_file", "DEFAULT_DEVICE"]

DEFAULT_DEVICE = "cython"


def parameter_set(protocol: Any, circuit: Any) -> ParameterSet:
    """The protocol's parameters followed by its circuit's (if it has one)."""
    return ParameterSet([*protocol.parameters, *(circuit.parameters if circuit else ())])


def read_parameter_file(path: str | Path) -> dict[str, Any]:
    """Parameters from a TOML file: a flat table, or the ``[parameters]`` table of a
    result's ``params.toml`` (so a stored run can be repeated)."""
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ParameterError(f"parameter file {str(path)!r} cannot be read: {error}") from None
    table = document.get("parameters", document)
    if not isinstance(table, dict):
        raise ParameterError(f"parameter file {str(path)!r}: [parameters] must be a table")
    return table


def prepare(protocol_name: str, circuit_name: str | None, device: str, seed: int,
            overrides: dict[str, Any]) -> tuple[Any, Any, dict[str, Any], ParameterSet]:
    """Check everything the user gave before any simulation starts."""
    protocol = get_protocol(protocol_name)
    if protocol.default_circuit is None:  # a protocol of many runs (it picks its circuits)
        if circuit_name is not None:
            raise ParameterError(f"circuit {circuit_name!r} is not allowed for protocol "
                                 f"{protocol_name!r}, which runs its own circuits")
        circuit = None
    else:
        circuit = get_circuit(circuit_name or protocol.default_circuit)
        supported = getattr(protocol, "circuits", None)
        if supported is not None and circuit.name not in supported:
            raise ParameterError(f"circuit {circuit.name!r} is not allowed for protocol "
                                 f"{protocol_name!r}; expected {', '.join(supported)}")
    if device not in DEVICES:
        raise ParameterError(
            f"device {device!r} is not allowed; expected one of {', '.join(DEVICES)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed {seed!r} is not allowed; expected an integer >= 0")
    parameters = parameter_set(protocol, circuit)
    values = parameters.resolve(overrides)
    if hasattr(protocol, "check"):
        protocol.check(values)
    return protocol, circuit, values, parameters


def run(
    protocol: str,
    *,
    seed: int = 1,
    device: str = DEFAULT_DEVICE,
    circuit: str | None = None,
    out: str | Path | None = None,
    progress: bool = False,
    **parameters: Any,
) -> RunResult:
    """Run ``protocol`` once and return its `RunResult`.

    ``parameters`` override defaults (quantities like ``20*ms`` or strings ``"20*ms"``);
    ``out`` also writes the result directory there. Raises `ParameterError` on bad input,
    before any simulation.
    """
    started = time.perf_counter()
    proto, circ, values, pset = prepare(protocol, circuit, device, seed, parameters)
    if circ is None:
        result = run_composite(proto, values, pset, seed, device, progress)
        if out is not None:
            result.save(out)
        return result
    patterns = proto.draw_patterns(values, np.random.default_rng(seed))
    schedule = proto.schedule(values, patterns)
    output = simulate(partial(circ.build, values, schedule), schedule.duration, seed=seed,
                      device_name=device, dt=values["dt"], progress=progress)
    result = make_result(proto, circ, values, pset, patterns, schedule, output, seed, device,
                         started)
    if out is not None:
        result.save(out)
    return result


def run_composite(proto: Any, values: dict[str, Any], pset: ParameterSet, seed: int,
                  device: str, progress: bool) -> RunResult:
    """Run a protocol of many runs (``execute``), e.g. ``capacity``."""
    metrics = proto.execute(values, seed, device, progress=progress)
    result = RunResult(
        protocol=proto.name, circuit="(several)", seed=seed, device=device,
        parameters=values, parameter_strings=pset.to_strings(values), metrics=metrics,
        segment=None, schedule=None, weights={}, populations=(),
    )
    result.figures = proto.figures(values, metrics)
    return result


def make_result(proto: Any, circ: Any, values: dict[str, Any], pset: ParameterSet,
                patterns: Any, schedule: Any, output: Any, seed: int, device: str,
                started: float) -> RunResult:
    """Analyse one simulation's output into a `RunResult` (no disk access)."""
    from analysis.spiketrains import to_segment

    segment = to_segment(output.spikes, output.sizes, float(schedule.duration / second),
                         name=f"{proto.name} seed {seed}")
    metrics = proto.analyse(values, patterns, schedule, segment,
                            np.random.default_rng([seed, 1]), weights=output.weights)
    metrics.update(seed=seed, device=device, build_s=round(output.build_s, 3),
                   simulate_s=round(output.run_s, 3),
                   compile_s=None if output.compile_s is None else round(output.compile_s, 3),
                   elapsed_s=round(time.perf_counter() - started, 3))
    result = RunResult(
        protocol=proto.name, circuit=circ.name, seed=seed, device=device,
        parameters=values, parameter_strings=pset.to_strings(values), metrics=metrics,
        segment=segment, schedule=schedule, weights=output.weights,
        populations=circ.populations,
    )
    result.figures = proto.figures(values, result)
    return result
