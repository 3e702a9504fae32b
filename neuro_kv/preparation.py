"""Checking a run's inputs before anything is simulated: protocol, circuit, device, seed,
every parameter (one-line `ParameterError` naming the parameter, its value and what is
allowed) and what the run would cost: its model time, its time steps and its memory, each
refused with the estimate beyond what is allowed or what this machine has."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
from brian2 import second

from neuro_kv.devices import DEVICES
from neuro_kv.parameters import ParameterError, ParameterSet
from neuro_kv.random_stream import MAX_SEED
from neuro_kv.registry import get_circuit, get_protocol
from neuro_kv.schedule import padded_rows

__all__ = ["prepare", "parameter_set", "read_parameter_file", "check_seed", "check_cost",
           "available_memory", "MAX_MODEL_TIME_S", "MAX_TIME_STEPS", "MEMORY_SHARE"]

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
    changed = getattr(protocol, "circuit_defaults", {})
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


def prepare(protocol_name: str, circuit_name: str | None, device: str, seed: int,
            overrides: dict[str, Any]) -> tuple[Any, Any, dict[str, Any], ParameterSet]:
    """(protocol, circuit or None, resolved parameter values, parameter set) of one run,
    every input checked."""
    protocol = get_protocol(protocol_name)
    if protocol.default_circuit is None:  # a protocol of many runs (it picks its circuits)
        if circuit_name is not None:
            raise ParameterError(f"circuit {circuit_name!r} is not allowed for protocol "
                                 f"{protocol_name!r}, which runs its own circuits")
        circuit = None
    else:
        circuit = get_circuit(circuit_name or protocol.default_circuit)
        supported = protocol.circuits
        if supported is not None and circuit.name not in supported:
            raise ParameterError(f"circuit {circuit.name!r} is not allowed for protocol "
                                 f"{protocol_name!r}; expected {', '.join(supported)}")
    if device not in DEVICES:
        raise ParameterError(
            f"device {device!r} is not allowed; expected one of {', '.join(DEVICES)}")
    check_seed(seed)
    parameters = parameter_set(protocol, circuit)
    values = parameters.resolve(overrides)
    protocol.check(values)
    if circuit is not None:
        check_cost(protocol, circuit, values, seed, overrides)
    return protocol, circuit, values, parameters


def check_cost(protocol: Any, circuit: Any, values: dict[str, Any], seed: int,
               overrides: dict[str, Any]) -> None:
    """Refuse a run whose schedule would simulate more than `MAX_MODEL_TIME_S` or
    `MAX_TIME_STEPS`, or whose network would not fit in `MEMORY_SHARE` of the available
    memory; the message gives the estimate and the parameters that were set."""
    set_here = ", ".join(f"{name}={value}" for name, value in overrides.items()) or "defaults"
    need = circuit.per_replica_bytes(values, padded_rows(1))
    budget = MEMORY_SHARE * available_memory()
    if need > budget:  # before drawing anything: the sizes alone are too large
        raise _too_large(circuit, need, budget, set_here)
    schedule = protocol.schedule(values, protocol.draw_patterns(
        values, np.random.default_rng(seed)))
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
    if need > budget:
        raise _too_large(circuit, need, budget, set_here)


def _too_large(circuit: Any, need: float, budget: float, set_here: str) -> ParameterError:
    return ParameterError(f"one run of {circuit.name} with these sizes needs about "
                          f"{need / 1e9:.3g} GB; this machine has {budget / 1e9:.3g} GB "
                          f"for it ({set_here})")
