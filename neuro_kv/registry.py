"""Circuits and protocols, found through entry points.

A package offers a circuit or protocol by naming its class in its ``pyproject.toml``::

    [project.entry-points."neuro_kv.circuits"]
    my-circuit = "my_package.circuit:MyCircuit"

    [project.entry-points."neuro_kv.protocols"]
    my-protocol = "my_package.protocol:MyProtocol"

The entry point's name must be the class's ``name``; the class must satisfy
`neuro_kv.contracts.Circuit` or `RunProtocol`/`ManyRunProtocol`. neuro-kv's own circuits and
protocols are registered the same way, so the core imports none of them.
"""

from __future__ import annotations

import functools
from importlib.metadata import entry_points
from typing import Any

from neuro_kv.contracts import Circuit, ManyRunProtocol, RunProtocol
from neuro_kv.parameters import ParameterError

__all__ = ["circuits", "protocols", "get_circuit", "get_protocol"]

CIRCUIT_GROUP = "neuro_kv.circuits"
PROTOCOL_GROUP = "neuro_kv.protocols"


@functools.cache
def _entries(group: str) -> dict[str, Any]:
    found = {entry.name: entry for entry in entry_points(group=group)}
    if not found:
        raise RuntimeError(f"no entry points in group {group!r}: is neuro-kv installed "
                           "(pip install -e .)?")
    return found


@functools.cache
def _load(group: str, name: str) -> type:
    """The class an entry point names, checked against its contract (imported on first
    use only: a run imports its own circuit and protocol, not every one)."""
    entry = _entries(group)[name]
    cls = entry.load()
    contracts = (Circuit,) if group == CIRCUIT_GROUP else (RunProtocol, ManyRunProtocol)
    if getattr(cls, "name", None) != entry.name:
        raise TypeError(f"entry point {entry.name!r} ({entry.value}) of group {group!r} "
                        f"names a class whose name is {getattr(cls, 'name', None)!r}")
    if not any(isinstance(cls(), contract) for contract in contracts):
        raise TypeError(f"entry point {entry.name!r} ({entry.value}) of group {group!r} "
                        f"does not offer {' or '.join(c.__name__ for c in contracts)}")
    return cls


def circuits() -> dict[str, type]:
    """Circuit name -> circuit class (every registered circuit imported)."""
    return {name: _load(CIRCUIT_GROUP, name) for name in _entries(CIRCUIT_GROUP)}


def protocols() -> dict[str, type]:
    """Protocol name -> protocol class (every registered protocol imported)."""
    return {name: _load(PROTOCOL_GROUP, name) for name in _entries(PROTOCOL_GROUP)}


def get_circuit(name: str) -> Any:
    """An instance of the named circuit; ParameterError if unknown."""
    known = _entries(CIRCUIT_GROUP)
    if name not in known:
        raise ParameterError(f"circuit {name!r} is unknown; allowed: {', '.join(known)}")
    return _load(CIRCUIT_GROUP, name)()


def get_protocol(name: str) -> Any:
    """An instance of the named protocol; ParameterError if unknown."""
    known = _entries(PROTOCOL_GROUP)
    if name not in known:
        raise ParameterError(f"protocol {name!r} is unknown; allowed: {', '.join(known)}")
    return _load(PROTOCOL_GROUP, name)()
