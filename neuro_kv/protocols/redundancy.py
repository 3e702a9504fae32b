"""``redundancy``: each item written into k index slots, recall after slots are lost, and
capacity against k (after Kleyko, Karunaratne, Rabaey, Sebastian & Rahimi 2022, "Generalized
key-value memory to flexibly adjust redundancy").

One schedule of blocks on ``kv-index``, each from a fresh memory (keys erased):

- *damage blocks*, one per k and damage: ``n_items`` items, item i tagged on k slots
  (``sequential`` groups: slots i*k .. i*k + k - 1; ``random``: k distinct random slots), then
  the memory is damaged in one step after storage, then every item is recalled from its key
  with ``cue_hidden_fraction`` hidden. Three kinds of damage, each at its levels:
  a fraction of the ``n_slots`` slots removed (``losses``: their key synapses set to 0, they
  never win again; ``accuracy_by_k_and_damage`` {k: {loss: accuracy}}); a fraction of all
  key and value synapses silenced (``synapse_losses``; ``accuracy_by_k_and_synapse_loss``);
  Gaussian noise added to every key and value weight (``weight_noises``, its standard
  deviation, weights kept in [0, 1]; ``accuracy_by_k_and_weight_noise``). The circuit runs
  with ``synapse_damage`` on, which draws the silenced synapses and the noise per synapse
  from the run's seed.
- *capacity blocks*, one per k and load: that many items on k slots each (sequential groups,
  wrapping round the slots), no damage. ``accuracy_by_k_and_load`` {k: {load: accuracy}}
  and ``capacity_by_k``: the largest load whose accuracy, and every smaller load's, is at
  least ``criterion``.

The rate slot memory on the same items, tags and lost slots gives the ``rate_`` metrics; its
silenced entries and weight noise (in units of each matrix's largest entry, as the spiking
weights' noise is in units of 1, their upper bound) are drawn from the run's ``rng`` at the
same levels, not the spiking network's draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuro_kv.analysis.memory_task_figures import redundancy_figure
from neuro_kv.parameters import Parameter, ParameterError, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    KVIndexProtocol,
    erase,
    new_schedule,
    read_out,
)
from neuro_kv.protocols.paired_recall import hide_entries, n_slots, schedule_step
from neuro_kv.rate_models import SlotMemory
from neuro_kv.schedule import Phase, Schedule, members
from neuro_kv.spikes import SpikeRecord

__all__ = ["Redundancy", "Block", "group_slots"]

P = Parameter

PARAMETERS = ParameterSet([
    P("ks", (1, 2, 4, 8), "slots each item is written into", "ints", low=1),
    P("losses", (0.0, 0.1, 0.25, 0.5), "fractions of the slots removed after storage",
      "floats", low=0, high=1),
    P("synapse_losses", (0.0, 0.1, 0.2, 0.3, 0.4, 0.5), "fractions of the key and value "
      "synapses silenced after storage", "floats", low=0, high=1),
    P("weight_noises", (0.0, 0.25, 0.5, 0.75, 1.0), "standard deviations of the Gaussian "
      "noise added to every key and value weight after storage", "floats", low=0, high=1),
    P("n_items", 5, "items per damage block (n_items x the largest k slots at most)", "int",
      low=1),
    P("groups", "sequential", "how an item's k slots are chosen", "choice",
      choices=("sequential", "random")),
    P("load_fractions", (0.5, 1.0, 1.5), "capacity blocks: loads in units of n_slots / k",
      "floats", low=0, low_exclusive=True, high=10),
    P("criterion", 0.98, "accuracy that defines capacity_by_k", "float", low=0, high=1),
    P("cue_hidden_fraction", 0.6, "fraction of key entries hidden in a recall cue", "float",
      low=0, high=1),
    *TIMING_PARAMETERS,
])


#: damage kinds: the block kind, its levels' parameter and its metric
DAMAGE_KINDS = {"slots": ("losses", "damage"), "synapses": ("synapse_losses", "synapse_loss"),
                "noise": ("weight_noises", "weight_noise")}


@dataclass(frozen=True)
class Block:
    """One block: its kind (``capacity`` or a damage kind of `DAMAGE_KINDS`), k, damage
    level, the items' keys, values, cues and slots, and the slots removed after storage."""

    kind: str
    k: int
    loss: float
    keys: np.ndarray
    values: np.ndarray
    cues: np.ndarray
    slots: list[tuple[int, ...]]
    removed: tuple[int, ...]


def group_slots(n_items: int, k: int, slots: int, groups: str, rng: np.random.Generator
                ) -> list[tuple[int, ...]]:
    """The k slots of each item: consecutive groups (wrapping round) or k random ones."""
    if groups == "sequential":
        return [tuple(int((i * k + j) % slots) for j in range(k)) for i in range(n_items)]
    return [tuple(int(s) for s in sorted(rng.choice(slots, k, replace=False)))
            for _ in range(n_items)]


class Redundancy(KVIndexProtocol):
    """Redundancy buys robustness to lost slots at the price of capacity."""

    name = "redundancy"
    parameters = PARAMETERS
    circuit_defaults = {"synapse_damage": "on"}
    figure = staticmethod(redundancy_figure)
    scalar_metrics = ("damage_cost_k1", "damage_cost_kmax", "synapse_loss_cost_k1",
                      "synapse_loss_cost_kmax", "weight_noise_cost_k1",
                      "weight_noise_cost_kmax")

    def check(self, p: dict[str, Any]) -> None:
        schedule_step(p)
        if max(p["ks"]) > n_slots(p):
            raise ParameterError(f"parameter 'ks': value {max(p['ks'])} is not allowed; "
                                 f"expected at most n_slots = {n_slots(p)}")
        if p["groups"] == "sequential" and p["n_items"] * max(p["ks"]) > n_slots(p):
            raise ParameterError(f"parameter 'n_items': value {p['n_items']} is not allowed "
                                 f"with k up to {max(p['ks'])}; expected at most n_slots / "
                                 f"k = {n_slots(p) // max(p['ks'])}")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> list[Block]:
        slots = n_slots(p)
        blocks = []

        def items(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            keys = rng.choice([-1.0, 1.0], size=(n, p["n_input"]))
            values = rng.choice([-1.0, 1.0], size=(n, p["n_value"]))
            return keys, values, hide_entries(keys, p["cue_hidden_fraction"], rng)

        for k in p["ks"]:
            for kind, (levels, _) in DAMAGE_KINDS.items():
                for level in p[levels]:
                    removed = tuple(int(s) for s in sorted(rng.choice(
                        slots, int(round(level * slots)), replace=False))) \
                        if kind == "slots" else ()
                    blocks.append(Block(kind, k, float(level), *items(p["n_items"]),
                                        group_slots(p["n_items"], k, slots, p["groups"],
                                                    rng), removed))
            for fraction in p["load_fractions"]:
                load = max(1, int(round(fraction * slots / k)))
                blocks.append(Block("capacity", k, 0.0, *items(load),
                                    group_slots(load, k, slots, "sequential", rng), ()))
        return blocks

    def schedule(self, p: dict[str, Any], blocks: list[Block]) -> Schedule:
        schedule = new_schedule(p)
        blank = np.zeros(p["n_input"])
        for b, block in enumerate(blocks):
            schedule.add(erase(p, block=b))
            for i, (key, value) in enumerate(zip(block.keys, block.values, strict=True)):
                schedule.add(Phase("encode", i, cue=key, teacher=value, modulator=1.0,
                                   controls={"plateau": members(block.slots[i])},
                                   tags={"block": b}))
            if block.removed:
                schedule.add(Phase("damage", -1, cue=blank,
                                   controls={"key_retention": members(block.removed, 0.0)},
                                   tags={"block": b}))
            elif block.kind in ("synapses", "noise") and block.loss > 0:
                level = "synapse_loss" if block.kind == "synapses" else "weight_noise"
                schedule.add(Phase("damage", -1, cue=blank, controls={level: block.loss},
                                   tags={"block": b}))
            for i, cue in enumerate(block.cues):
                schedule.add(Phase("retrieve", i, cue=cue, tags={"block": b}))
        return schedule

    def analyse(self, p: dict[str, Any], blocks: list[Block], schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        found: dict[str, dict[str, dict[str, float]]] = {}
        for b, block in enumerate(blocks):
            readout = read_out(p, schedule, spikes, rng, block=b)
            spiking = float(readout.accuracy(block.values[readout.items]).mean())
            rate = rate_block(block, n_slots(p), rng)
            x = str(len(block.keys)) if block.kind == "capacity" else f"{block.loss:g}"
            name = "by_k_and_load" if block.kind == "capacity" else \
                f"by_k_and_{DAMAGE_KINDS[block.kind][1]}"
            for prefix, value in (("", spiking), ("rate_", rate)):
                found.setdefault(f"{prefix}accuracy_{name}", {}).setdefault(
                    str(block.k), {})[x] = value
        metrics: dict[str, Any] = dict(found)
        for prefix in ("", "rate_"):
            metrics[f"{prefix}capacity_by_k"] = {
                k: capacity(by_load, p["criterion"])
                for k, by_load in found[f"{prefix}accuracy_by_k_and_load"].items()}
        for levels, metric in DAMAGE_KINDS.values():
            damage = found[f"accuracy_by_k_and_{metric}"]
            ks = sorted(damage, key=int)
            top = f"{max(p[levels]):g}"
            if "0" in damage[ks[0]] and top != "0":
                metrics[f"{metric}_cost_k1"] = damage[ks[0]]["0"] - damage[ks[0]][top]
                metrics[f"{metric}_cost_kmax"] = damage[ks[-1]]["0"] - damage[ks[-1]][top]
        return metrics


def capacity(by_load: dict[str, float], criterion: float) -> int:
    """The largest load whose accuracy, and that of every smaller load, reaches
    ``criterion`` (0 if the smallest does not)."""
    best = 0
    for load in sorted(by_load, key=int):
        if by_load[load] < criterion:
            break
        best = int(load)
    return best


def rate_block(block: Block, slots: int, rng: np.random.Generator) -> float:
    """The rate slot memory with the block's tags and damage: lost slots' keys and values
    set to 0, a fraction of the entries of K and V set to 0, or noise added to them."""
    memory = SlotMemory(slots)
    memory.store(block.keys, block.values, rng, slots=block.slots)
    memory.K[list(block.removed)] = 0.0
    memory.V[:, list(block.removed)] = 0.0
    if block.kind == "synapses":
        memory.K[rng.random(memory.K.shape) < block.loss] = 0.0
        memory.V[rng.random(memory.V.shape) < block.loss] = 0.0
    elif block.kind == "noise":  # in units of each matrix's largest entry, as the spiking
        # weights' noise is in units of their largest value, 1
        for name in ("K", "V"):
            matrix = getattr(memory, name)
            setattr(memory, name, matrix + block.loss * np.abs(matrix).max()
                    * rng.standard_normal(matrix.shape))
    return float((memory.recall(block.cues, rng) == block.values).mean())
