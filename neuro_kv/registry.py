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


def _load(group: str, contracts: tuple[type, ...]) -> dict[str, type]:
    found: dict[str, type] = {}
    for entry in entry_points(group=group):
        cls = entry.load()
        instance = cls()
        if getattr(cls, "name", None) != entry.name:
            raise TypeError(f"entry point {entry.name!r} ({entry.value}) of group {group!r} "
                            f"names a class whose name is {getattr(cls, 'name', None)!r}")
        if not any(isinstance(instance, contract) for contract in contracts):
            raise TypeError(f"entry point {entry.name!r} ({entry.value}) of group {group!r} "
                            f"does not offer {' or '.join(c.__name__ for c in contracts)}")
        found[entry.name] = cls
    if not found:
        raise RuntimeError(f"no entry points in group {group!r}: is neuro-kv installed "
                           "(pip install -e .)?")
    return found


@functools.cache
def circuits() -> dict[str, type]:
    """Circuit name -> circuit class."""
    return _load(CIRCUIT_GROUP, (Circuit,))


@functools.cache
def protocols() -> dict[str, type]:
    """Protocol name -> protocol class."""
    return _load(PROTOCOL_GROUP, (RunProtocol, ManyRunProtocol))


def get_circuit(name: str) -> Any:
    """An instance of the named circuit; ParameterError if unknown."""
    known = circuits()
    if name not in known:
        raise ParameterError(f"circuit {name!r} is unknown; allowed: {', '.join(known)}")
    return known[name]()


def get_protocol(name: str) -> Any:
    """An instance of the named protocol; ParameterError if unknown."""
    known = protocols()
    if name not in known:
        raise ParameterError(f"protocol {name!r} is unknown; allowed: {', '.join(known)}")
    return known[name]()
