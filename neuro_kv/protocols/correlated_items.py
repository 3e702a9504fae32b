"""``correlated-items``: recall of items whose keys are correlated (Tyulmankov et al. 2021,
Fig. 4c).

For each correlation ``rho`` and each load L, one block: the key synapses of every slot are
erased (a fresh memory: ``key_retention`` 0 on all slots at the block's first window), L
items are stored in slots 0..L-1 (one each, sequential), and every item is recalled from its
key with ``cue_hidden_fraction`` of the entries hidden. The keys of a block are drawn around
a template of its own: each entry is redrawn at random (+/-1) with probability 1 - rho and
kept otherwise, so two keys agree on a fraction (1 + rho**2) / 2 of their entries
(correlation rho**2 between keys, rho with the template). Values are random.

Per block: ``accuracy_by_rho[rho][L]`` (mean fraction of correct value bits) and
``spurious_recall_by_rho[rho][L]`` (fraction of recalls whose winning slot holds another item
of the block: a similar item was recalled instead). The rate-level references
(``rate_...``) are the slot memory of `neuro_kv.rate_models` on the very same keys, values,
cues and slot tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuro_kv.analysis.memory_task_figures import correlated_items_figure
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    KVIndexProtocol,
    check_slots,
    correlated_keys,
    encode,
    erase,
    hide_entries,
    new_schedule,
    read_out,
)
from neuro_kv.protocols.paired_recall import n_slots, schedule_step
from neuro_kv.rate_models import SlotMemory
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["CorrelatedItems", "CorrelatedBlocks"]

P = Parameter

PARAMETERS = ParameterSet([
    P("rhos", (0.0, 0.3, 0.6, 0.9), "key correlations with the block's template (each entry "
      "kept with probability rho, redrawn otherwise)", "floats", low=0, high=1),
    P("loads", (5, 10, 20, 40), "items stored per block (one block per rho and load)", "ints",
      low=1),
    P("cue_hidden_fraction", 0.6, "fraction of key entries hidden in a retrieval cue", "float",
      low=0, high=1),
    *TIMING_PARAMETERS,
])


@dataclass(frozen=True)
class CorrelatedBlocks:
    """Per block: its rho and load, keys (load x n_input), values and cues."""

    rhos: list[float]
    loads: list[int]
    keys: list[np.ndarray]
    values: list[np.ndarray]
    cues: list[np.ndarray]


class CorrelatedItems(KVIndexProtocol):
    """Correlated keys: accuracy against load per correlation, and spurious recalls."""

    name = "correlated-items"
    parameters = PARAMETERS
    figure = staticmethod(correlated_items_figure)
    scalar_metrics = ("cost_at_0.6", "cost_at_0.9", "spurious_at_0.9")

    def check(self, p: dict[str, Any]) -> None:
        schedule_step(p)
        check_slots(p, max(p["loads"]), "correlated-items (one slot per item of a block)")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> CorrelatedBlocks:
        rhos, loads, keys, values, cues = [], [], [], [], []
        for rho in p["rhos"]:
            for load in p["loads"]:
                block_keys = correlated_keys(load, p["n_input"], rho, rng)
                rhos.append(float(rho))
                loads.append(int(load))
                keys.append(block_keys)
                values.append(rng.choice([-1.0, 1.0], size=(load, p["n_value"])))
                cues.append(hide_entries(block_keys, p["cue_hidden_fraction"], rng))
        return CorrelatedBlocks(rhos, loads, keys, values, cues)

    def schedule(self, p: dict[str, Any], blocks: CorrelatedBlocks) -> Schedule:
        schedule = new_schedule(p)
        for b in range(len(blocks.loads)):
            schedule.add(erase(p, block=b))
            for item, (key, value) in enumerate(zip(blocks.keys[b], blocks.values[b],
                                                    strict=True)):
                schedule.add(encode(item, key, value, item, block=b))
            for item, cue in enumerate(blocks.cues[b]):
                schedule.add(Phase("retrieve", item, cue=cue, tags={"block": b}))
        return schedule

    def analyse(self, p: dict[str, Any], blocks: CorrelatedBlocks, schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        accuracy: dict[str, dict[str, float]] = {}
        spurious: dict[str, dict[str, float]] = {}
        rate_accuracy: dict[str, dict[str, float]] = {}
        rate_spurious: dict[str, dict[str, float]] = {}
        for b, (rho, load) in enumerate(zip(blocks.rhos, blocks.loads, strict=True)):
            readout = read_out(p, schedule, spikes, rng, block=b)
            values = blocks.values[b][readout.items]
            key, row = f"{rho:g}", str(load)
            accuracy.setdefault(key, {})[row] = float(readout.accuracy(values).mean())
            other = (readout.winners >= 0) & (readout.winners < load) & (
                readout.winners != readout.items)
            spurious.setdefault(key, {})[row] = float(other.mean())
            rate = rate_block(blocks.keys[b], blocks.values[b], blocks.cues[b], n_slots(p),
                              rng)
            rate_accuracy.setdefault(key, {})[row] = rate[0]
            rate_spurious.setdefault(key, {})[row] = rate[1]
        metrics: dict[str, Any] = {
            "accuracy_by_rho": accuracy, "spurious_recall_by_rho": spurious,
            "rate_accuracy_by_rho": rate_accuracy,
            "rate_spurious_recall_by_rho": rate_spurious,
            "cost_by_rho": costs(accuracy), "rate_cost_by_rho": costs(rate_accuracy)}
        for rho in ("0.6", "0.9"):
            if rho in metrics["cost_by_rho"]:
                metrics[f"cost_at_{rho}"] = metrics["cost_by_rho"][rho]
        if "0.9" in spurious:
            metrics["spurious_at_0.9"] = float(np.mean(list(spurious["0.9"].values())))
        return metrics


def rate_block(keys: np.ndarray, values: np.ndarray, cues: np.ndarray, slots: int,
               rng: np.random.Generator) -> tuple[float, float]:
    """The rate slot memory on one block (item k in slot k): mean value accuracy and the
    fraction of recalls whose most weighted slot holds another item."""
    memory = SlotMemory(slots)
    memory.store(keys, values, rng, slots=[(k,) for k in range(len(keys))])
    recalled = memory.recall(cues, rng)
    scores = cues @ memory.K.T
    winners = np.argmax(scores, axis=1)
    return (float((recalled == values).mean()),
            float(np.mean((winners != np.arange(len(keys))) & (winners < len(keys)))))


def costs(accuracy: dict[str, dict[str, float]]) -> dict[str, float]:
    """Per rho: the accuracy lost against rho = 0, averaged over the loads."""
    if "0" not in accuracy:
        return {}
    base = accuracy["0"]
    return {rho: float(np.mean([base[load] - by_load[load] for load in by_load
                                if load in base]))
            for rho, by_load in accuracy.items() if rho != "0"}
