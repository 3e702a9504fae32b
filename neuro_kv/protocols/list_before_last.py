"""``list-before-last``: recall of an older list depends on its own length, not on the
length of the list that came after it (Shiffrin 1970).

A key is a content part and a list-context part (the last ``n_context`` entries, shared by
every item of a list; each list has its own random context). One schedule on the
``kv-index`` circuit runs one block per condition (length of list L-1, length of list L):
store list L-1, store list L, then recall every item of L-1 from its content with
``content_hidden_fraction`` of the content entries hidden and the context of L-1 shown in
full (the test reinstates the older list's context). Slots are used in order and reused
from block to block (least recently used); a block never overwrites its own lists.

``recall_by_len_prev[n]``: mean value accuracy of L-1 when L-1 has n items (L at
``fixed_last_length``); ``recall_by_len_last[n]``: the same when L has n items (L-1 at
``fixed_prev_length``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuro_kv.analysis.forgetting_figures import list_before_last_figure
from neuro_kv.analysis.statistics import slope
from neuro_kv.parameters import Parameter, ParameterError, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    KVIndexProtocol,
    check_slots,
    encode,
    new_schedule,
    read_out,
)
from neuro_kv.protocols.paired_recall import n_slots, schedule_step
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["ListBeforeLast", "ListBlocks"]

P = Parameter

PARAMETERS = ParameterSet([
    P("prev_lengths", (2, 6, 12), "lengths of list L-1 (with L at fixed_last_length)", "ints",
      low=1),
    P("last_lengths", (2, 6, 12), "lengths of list L (with L-1 at fixed_prev_length)", "ints",
      low=1),
    P("fixed_prev_length", 8, "length of L-1 while the length of L varies", "int", low=1),
    P("fixed_last_length", 8, "length of L while the length of L-1 varies", "int", low=1),
    P("n_context", 10, "key entries that code the list context (the rest code content)",
      "int", low=1),
    P("content_hidden_fraction", 0.8, "fraction of content entries hidden in a test cue",
      "float", low=0, high=1),
    P("repeats", 2, "blocks per condition (fresh lists each)", "int", low=1),
    *TIMING_PARAMETERS,
])


@dataclass(frozen=True)
class ListBlocks:
    """Per block: the condition (length of L-1, length of L), the keys and values of both
    lists (L-1 first), the test cues of L-1 and the block's first slot (its items take the
    slots from there on)."""

    conditions: list[tuple[int, int]]
    keys: list[np.ndarray]
    values: list[np.ndarray]
    cues: list[np.ndarray]
    first_slots: list[int]


def first_slots(blocks: list[tuple[int, int]], n_slots: int) -> list[int]:
    """Where each block starts writing: slots in order, back to slot 0 (the least recently
    used) when the block's two lists would run past the last slot."""
    starts, slot = [], 0
    for prev, last in blocks:
        if slot + prev + last > n_slots:
            slot = 0
        starts.append(slot)
        slot += prev + last
    return starts


def conditions(p: dict[str, Any]) -> list[tuple[int, int]]:
    """(length of L-1, length of L) of every condition, each once, in a fixed order."""
    wanted = [(n, p["fixed_last_length"]) for n in p["prev_lengths"]]
    wanted += [(p["fixed_prev_length"], n) for n in p["last_lengths"]]
    return list(dict.fromkeys(wanted))


class ListBeforeLast(KVIndexProtocol):
    """Interference within the list being recalled, not displacement by the newer list."""

    name = "list-before-last"
    parameters = PARAMETERS
    figure = staticmethod(list_before_last_figure)
    scalar_metrics = ("prev_length_effect", "last_length_effect", "prev_length_slope",
                      "last_length_slope")

    def check(self, p: dict[str, Any]) -> None:
        schedule_step(p)
        longest = max(a + b for a, b in conditions(p))
        check_slots(p, longest, "list-before-last (both lists of a block)")
        if p["n_context"] >= p["n_input"]:
            raise ParameterError(f"parameter 'n_context': value {p['n_context']} is not "
                                 f"allowed; expected less than n_input = {p['n_input']}")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> ListBlocks:
        n_content = p["n_input"] - p["n_context"]
        n_hidden = int(round(p["content_hidden_fraction"] * n_content))
        blocks = [c for c in conditions(p) for _ in range(p["repeats"])]
        keys, values, cues = [], [], []
        for prev, last in blocks:
            contexts = rng.choice([-1.0, 1.0], size=(2, p["n_context"]))
            content = rng.choice([-1.0, 1.0], size=(prev + last, n_content))
            context = np.repeat(contexts, [prev, last], axis=0)
            block_keys = np.concatenate([content, context], axis=1)
            keys.append(block_keys)
            values.append(rng.choice([-1.0, 1.0], size=(prev + last, p["n_value"])))
            block_cues = block_keys[:prev].copy()
            for cue in block_cues:
                cue[rng.choice(n_content, n_hidden, replace=False)] = 0
            cues.append(block_cues)
        return ListBlocks(blocks, keys, values, cues, first_slots(blocks, n_slots(p)))

    def schedule(self, p: dict[str, Any], lists: ListBlocks) -> Schedule:
        schedule = new_schedule(p)
        for b, first in enumerate(lists.first_slots):
            for k, (key, value) in enumerate(zip(lists.keys[b], lists.values[b],
                                                 strict=True)):
                schedule.add(encode(k, key, value, first + k, block=b))
            for k, cue in enumerate(lists.cues[b]):
                schedule.add(Phase("retrieve", k, cue=cue, tags={"block": b}))
        return schedule

    def analyse(self, p: dict[str, Any], lists: ListBlocks, schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        by_condition: dict[tuple[int, int], list[float]] = {}
        share: dict[tuple[int, int], list[float]] = {}
        for b, condition in enumerate(lists.conditions):
            readout = read_out(p, schedule, spikes, rng, block=b)
            accuracy = readout.accuracy(lists.values[b][readout.items])
            by_condition.setdefault(condition, []).extend(accuracy.tolist())
            share.setdefault(condition, []).extend(
                readout.correct_fraction(lists.first_slots[b] + readout.items).tolist())
        fixed_last, fixed_prev = p["fixed_last_length"], p["fixed_prev_length"]
        by_prev = {str(n): float(np.mean(by_condition[(n, fixed_last)]))
                   for n in p["prev_lengths"]}
        by_last = {str(n): float(np.mean(by_condition[(fixed_prev, n)]))
                   for n in p["last_lengths"]}
        prev_keys, last_keys = (sorted(d, key=int) for d in (by_prev, by_last))
        return {
            "recall_by_len_prev": by_prev,
            "recall_by_len_last": by_last,
            "prev_length_effect": by_prev[prev_keys[0]] - by_prev[prev_keys[-1]],
            "last_length_effect": by_last[last_keys[0]] - by_last[last_keys[-1]],
            "prev_length_slope": slope(p["prev_lengths"], [by_prev[str(n)]
                                                           for n in p["prev_lengths"]]),
            "last_length_slope": slope(p["last_lengths"], [by_last[str(n)]
                                                           for n in p["last_lengths"]]),
            "correct_slot_share": {f"{a},{b}": float(np.mean(v)) for (a, b), v
                                   in share.items()},
            "items_per_condition": {f"{a},{b}": len(v) for (a, b), v in by_condition.items()},
            "fixed_prev_length": fixed_prev,
            "fixed_last_length": fixed_last,
        }
