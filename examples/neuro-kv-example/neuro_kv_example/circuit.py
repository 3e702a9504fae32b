"""``kv-index-soft``: the ``kv-index`` circuit without its latch, so its read-out is soft.

A circuit variant needs no new code when it changes only defaults: it subclasses the circuit,
takes its name, and declares its parameters (here ``self_excitation`` 0 mV: no slot latches,
so several slots whose keys match the cue share the read-out, a softmax-like blend instead of
one winner). Its equations, schedule controls and replica plumbing are ``kv-index``'s.
"""

from __future__ import annotations

import dataclasses

from brian2 import mV

from neuro_kv.circuits.kv_index import PARAMETERS, KVIndexCircuit
from neuro_kv.parameters import ParameterSet

__all__ = ["SoftKVIndexCircuit"]

#: the defaults this variant changes
SOFT_DEFAULTS = {"self_excitation": 0 * mV}


class SoftKVIndexCircuit(KVIndexCircuit):
    """``kv-index`` with no slot latch (self_excitation 0 mV): a soft read-out."""

    name = "kv-index-soft"
    parameters = ParameterSet([
        dataclasses.replace(p, default=SOFT_DEFAULTS[p.name]) if p.name in SOFT_DEFAULTS
        else p for p in PARAMETERS])
