"""Named circuits and protocols (imported lazily, so ``circuits``/``protocols`` may import
``neuro_kv`` freely)."""

from __future__ import annotations

from typing import Any

from neuro_kv.parameters import ParameterError

__all__ = ["circuits", "protocols", "get_circuit", "get_protocol"]


def circuits() -> dict[str, Any]:
    """Circuit name -> circuit class."""
    from circuits.hopfield import HopfieldCircuit
    from circuits.kv_index import KVIndexCircuit

    return {KVIndexCircuit.name: KVIndexCircuit, HopfieldCircuit.name: HopfieldCircuit}


def protocols() -> dict[str, Any]:
    """Protocol name -> protocol class."""
    from protocols.accessibility_precision import AccessibilityPrecision
    from protocols.capacity import Capacity
    from protocols.engram_rescue import EngramRescue
    from protocols.feeling_of_knowing import FeelingOfKnowing
    from protocols.list_before_last import ListBeforeLast
    from protocols.paired_recall import PairedRecall
    from protocols.separability_robustness import SeparabilityRobustness

    return {cls.name: cls for cls in (
        PairedRecall, Capacity, EngramRescue, AccessibilityPrecision,
        SeparabilityRobustness, FeelingOfKnowing, ListBeforeLast)}


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
