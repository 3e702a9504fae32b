"""Resolving a run once, before anything is simulated: `plan_run` turns a `RunRequest`
(protocol, seed, parameter overrides, circuit) into a `PlannedRun` that the engine, the
analysis and the writers receive. It checks the protocol, circuit, device, seed and every
parameter (one-line `ParameterError` naming the parameter, its value and what is allowed) and
what the run would cost: its model time, its time steps and its memory, each refused with the
estimate beyond what is allowed or what this machine has; and it draws the run's patterns and
schedule, once."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from brian2 import second

from neuro_kv.contracts import ManyRunProtocol, ProtocolBase
from neuro_kv.devices import DEVICES
from neuro_kv.parameters import ParameterError, ParameterSet
from neuro_kv.random_stream import MAX_SEED
from neuro_kv.registry import get_circuit, get_protocol
from neuro_kv.schedule import Schedule, check_controls, padded_rows
from neuro_kv.seeding import pattern_rng

__all__ = ["RunRequest", "PlannedRun", "plan_run", "prepare", "parameter_set",
           "read_parameter_file", "check_seed", "check_size", "check_cost", "available_memory",
           "MAX_MODEL_TIME_S", "MAX_TIME_STEPS", "MEMORY_SHARE"]

#: the longest model time one run may simulate (s)
MAX_MODEL_TIME_S = 3600.0
#: the most time steps one run may take
MAX_TIME_STEPS = 10**8
#: share of the available memory the batches running at once may use
MEMORY_SHARE = 0.5


def available_memory() -> int:
    """Bytes of memory available to new work (Linux ``MemAvailable``, else all of it)."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def parameter_set(protocol: Any, circuit: Any) -> ParameterSet:
    """The protocol's parameters followed by its circuit's (if it has one), with the
    circuit defaults the protocol changes (its optional ``circuit_defaults``, e.g.
    ``{"metaplasticity": "on"}``) in place of the circuit's own."""
    changed = protocol.circuit_defaults
    circuit_parameters = [dataclasses.replace(p, default=p.convert(changed[p.name]))
                          if p.name in changed else p
                          for p in (circuit.parameters if circuit else ())]
    return ParameterSet([*protocol.parameters, *circuit_parameters])


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


def check_seed(seed: Any) -> None:
    """Seeds are integers in [0, 2**31) (they are 32-bit model variables)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not (
            0 <= seed < MAX_SEED):
        raise ParameterError(f"seed {seed!r} is not allowed; expected an integer in "
                             f"[0, {MAX_SEED - 1}]")


@dataclass(frozen=True)
class RunRequest:
    """One run: ``protocol`` with ``seed`` and parameter ``overrides`` on ``circuit`` (None:
    the protocol's own)."""

    protocol: str
    seed: int = 1
    overrides: Mapping[str, Any] = field(default_factory=dict)
    circuit: str | None = None


@dataclass
class PlannedRun:
    """A request resolved once, every input checked: its protocol and circuit (None for a
    protocol of many runs), resolved parameter values and set, and its patterns and schedule
    (drawn once, from `neuro_kv.seeding.pattern_rng`; None for a protocol of many runs). The
    engine, the analysis and the writers all take it from here. ``number``: its place in the
    list of runs it was planned with."""

    request: RunRequest
    protocol: ProtocolBase
    circuit: Any
    values: dict[str, Any]
    parameters: ParameterSet
    patterns: Any = None
    schedule: Schedule | None = None
    number: int = 0

    @property
    def seed(self) -> int:
        return self.request.seed


def plan_run(request: RunRequest, device: str) -> PlannedRun:
    """Resolve and check one request (protocol, circuit, device, seed, every parameter, its
    cost); draw its patterns and schedule. `ParameterError` on bad input."""
    protocol = get_protocol(request.protocol)
    circuit = None
    if isinstance(protocol, ManyRunProtocol):  # it picks its own circuits
        if request.circuit is not None:
            raise ParameterError(f"circuit {request.circuit!r} is not allowed for protocol "
                                 f"{protocol.name!r}, which runs its own circuits")
    else:
        circuit = get_circuit(request.circuit or protocol.default_circuit)
        supported = protocol.circuits
        if supported is not None and circuit.name not in supported:
            raise ParameterError(f"circuit {circuit.name!r} is not allowed for protocol "
                                 f"{protocol.name!r}; expected {', '.join(supported)}")
    if device not in DEVICES:
        raise ParameterError(
            f"device {device!r} is not allowed; expected one of {', '.join(DEVICES)}")
    check_seed(request.seed)
    parameters = parameter_set(protocol, circuit)
    values = parameters.resolve(dict(request.overrides))
    protocol.check(values)
    planned = PlannedRun(request, protocol, circuit, values, parameters)
    if circuit is not None:
        overrides = dict(request.overrides)
        check_size(circuit, values, overrides)
        planned.patterns = protocol.draw_patterns(values, pattern_rng(request.seed))
        planned.schedule = protocol.schedule(values, planned.patterns)
        check_controls(planned.schedule, circuit.controls, circuit.name, values)
        check_cost(circuit, values, planned.schedule, overrides)
    return planned


def prepare(protocol_name: str, circuit_name: str | None, device: str, seed: int,
            overrides: dict[str, Any]) -> tuple[Any, Any, dict[str, Any], ParameterSet]:
    """(protocol, circuit or None, resolved parameter values, parameter set) of one run,
    every input checked (`plan_run`)."""
    planned = plan_run(RunRequest(protocol_name, seed, overrides, circuit_name), device)
    return planned.protocol, planned.circuit, planned.values, planned.parameters


def _set_here(overrides: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in overrides.items()) or "defaults"


def check_size(circuit: Any, values: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """Refuse a run whose network alone would not fit in `MEMORY_SHARE` of the available
    memory (before anything is drawn)."""
    need = circuit.per_replica_bytes(values, padded_rows(1))
    budget = MEMORY_SHARE * available_memory()
    if need > budget:
        raise _too_large(circuit, need, budget, _set_here(overrides))


def check_cost(circuit: Any, values: dict[str, Any], schedule: Schedule,
               overrides: Mapping[str, Any]) -> None:
    """Refuse a run whose schedule would simulate more than `MAX_MODEL_TIME_S` or
    `MAX_TIME_STEPS`, or whose network would not fit in `MEMORY_SHARE` of the available
    memory; the message gives the estimate and the parameters that were set."""
    set_here = _set_here(overrides)
    duration = float(schedule.duration / second)
    steps = duration / float(values["dt"] / second)
    if duration > MAX_MODEL_TIME_S:
        raise ParameterError(f"this run would simulate {duration:.4g} s of model time; at most "
                             f"{MAX_MODEL_TIME_S:g} s per run is allowed ({set_here})")
    if steps > MAX_TIME_STEPS:
        raise ParameterError(f"this run would take {steps:.3g} time steps (dt="
                             f"{values['dt']}); at most {MAX_TIME_STEPS:.0e} per run are "
                             f"allowed ({set_here})")
    need = circuit.per_replica_bytes(values, padded_rows(schedule.steps))
    budget = MEMORY_SHARE * available_memory()
    if need > budget:
        raise _too_large(circuit, need, budget, set_here)


def _too_large(circuit: Any, need: float, budget: float, set_here: str) -> ParameterError:
    return ParameterError(f"one run of {circuit.name} with these sizes needs about "
                          f"{need / 1e9:.3g} GB; this machine has {budget / 1e9:.3g} GB "
                          f"for it ({set_here})")
