"""Checking a run's inputs before anything is simulated: protocol, circuit, device, seed and
every parameter (one-line `ParameterError` naming the parameter, its value and what is
allowed)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from neuro_kv.devices import DEVICES
from neuro_kv.parameters import ParameterError, ParameterSet
from neuro_kv.random_stream import MAX_SEED
from neuro_kv.registry import get_circuit, get_protocol

__all__ = ["prepare", "parameter_set", "read_parameter_file", "check_seed"]


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
    return protocol, circuit, values, parameters
