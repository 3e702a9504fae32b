"""``engram-rescue``: silent engrams (Ryan et al. 2015; the paper's Fig. 3 analogue).

One schedule on the ``kv-index`` circuit:

1. encode ``n_items`` random +/-1 pairs, one slot each;
2. ``before``: recall every item from its partial cue;
3. ``amnesia``: the key synapses (input -> index) of the first ``n_amnesic`` items' slots are
   multiplied by ``key_retention`` (a protein-synthesis-inhibitor-like loss of the learned
   synaptic strength); value synapses are untouched and nothing is learned (modulator 0);
4. ``after``: recall every item again from the same cues;
5. ``stimulate``: no cue; each amnesic slot is driven directly (an optogenetic-like current)
   and the cortex is read;
6. gain curve: the amnesic items are recalled from their cues with a gain beta on the key
   pathway of every amnesic slot (beta = 1 is step 4), no new learning.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuro_kv.analysis.forgetting_figures import engram_rescue_figure
from neuro_kv.analysis.statistics import first_crossing
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    KVIndexProtocol,
    check_at_most,
    check_slots,
    encode,
    hide_entries,
    new_schedule,
    read_out,
)
from neuro_kv.protocols.paired_recall import Patterns, schedule_step
from neuro_kv.schedule import Phase, Schedule, members
from neuro_kv.spikes import SpikeRecord

__all__ = ["EngramRescue"]

P = Parameter

PARAMETERS = ParameterSet([
    P("n_items", 10, "key/value pairs stored", "int", low=1),
    P("n_amnesic", 5, "items made amnesic (the first ones stored)", "int", low=1),
    P("key_retention", 0.5, "factor on the amnesic slots' key synapses (1: no amnesia)",
      "float", low=0, high=1),
    P("gains", (1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0),
      "gains beta on the amnesic slots' key pathway (the paper's Fig. 3B: 1.0-1.9)",
      "floats", low=0),
    P("cue_hidden_fraction", 0.6, "fraction of key entries hidden in a retrieval cue",
      "float", low=0, high=1),
    *TIMING_PARAMETERS,
])


class EngramRescue(KVIndexProtocol):
    """Weaken some keys, show cue recall fails while direct stimulation and a key gain
    bring the intact values back."""

    name = "engram-rescue"
    parameters = PARAMETERS
    figure = staticmethod(engram_rescue_figure)
    scalar_metrics = ("cue_recall_before", "cue_recall_after", "control_recall_after",
                      "direct_stimulation_recall", "half_rescue_gain")

    def check(self, p: dict[str, Any]) -> None:
        schedule_step(p)
        check_slots(p, p["n_items"], "engram-rescue")
        check_at_most(p, "n_amnesic", "n_items")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> Patterns:
        keys = rng.choice([-1.0, 1.0], size=(p["n_items"], p["n_input"]))
        values = rng.choice([-1.0, 1.0], size=(p["n_items"], p["n_value"]))
        cues = hide_entries(keys, p["cue_hidden_fraction"], rng)
        return Patterns(keys, values, cues, [(item,) for item in range(p["n_items"])])

    def schedule(self, p: dict[str, Any], patterns: Patterns) -> Schedule:
        schedule = new_schedule(p)
        amnesic = tuple(range(p["n_amnesic"]))  # item k is stored in slot k
        blank = np.zeros(p["n_input"])
        for item, (key, value) in enumerate(zip(patterns.keys, patterns.values, strict=True)):
            schedule.add(encode(item, key, value, item))
        for item, cue in enumerate(patterns.cues):
            schedule.add(Phase("retrieve", item, cue=cue, tags={"block": "before"}))
        schedule.add(Phase("amnesia", -1, cue=blank,
                           controls={"key_retention": members(amnesic, p["key_retention"])}))
        for item, cue in enumerate(patterns.cues):
            schedule.add(Phase("retrieve", item, cue=cue, tags={"block": "after"}))
        for item in amnesic:
            schedule.add(Phase("stimulate", item, cue=blank,
                               controls={"stimulation": members([item])}))
        for gain in p["gains"]:
            if gain != 1.0:
                for item in amnesic:
                    schedule.add(Phase("retrieve", item, cue=patterns.cues[item],
                                       controls={"key_pathway_gain": members(amnesic, gain)},
                                       tags={"block": "gain", "gain": gain}))
        return schedule

    def analyse(self, p: dict[str, Any], patterns: Patterns, schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        n, n_amnesic = p["n_items"], p["n_amnesic"]
        values = patterns.values
        before = read_out(p, schedule, spikes, rng, block="before")
        after = read_out(p, schedule, spikes, rng, block="after")
        stimulated = read_out(p, schedule, spikes, rng, kind="stimulate")

        def amnesic(readout: Any) -> np.ndarray:
            return readout.items < n_amnesic

        def accuracy(readout: Any, rows: np.ndarray) -> float:
            hits = readout.accuracy(values[readout.items])[rows]
            return float(hits.mean()) if len(hits) else 1.0

        curve = {1.0: accuracy(after, amnesic(after))}
        for gain in p["gains"]:
            if gain != 1.0:
                gained = read_out(p, schedule, spikes, rng, block="gain", gain=gain)
                curve[gain] = accuracy(gained, amnesic(gained))
        metrics: dict[str, Any] = {
            "cue_recall_before": accuracy(before, amnesic(before)),
            "cue_recall_after": accuracy(after, amnesic(after)),
            "control_recall_before": accuracy(before, ~amnesic(before)),
            "control_recall_after": accuracy(after, ~amnesic(after)),
            "direct_stimulation_recall": accuracy(stimulated, amnesic(stimulated)),
            "gain_curve": {f"{gain:g}": value for gain, value in sorted(curve.items())},
            "half_rescue_gain": half_rescue_gain(curve, accuracy(before, amnesic(before))),
            "slot_hit_before": float(np.mean((before.winners == before.items)[
                amnesic(before)])),
            "slot_hit_after": float(np.mean((after.winners == after.items)[amnesic(after)])),
            "correct_slot_spike_fraction_after": float(after.correct_fraction(after.items)[
                amnesic(after)].mean()),
            "n_items": n,
            "n_amnesic": n_amnesic,
            "key_retention": p["key_retention"],
        }
        if weights is not None:
            metrics.update(weight_retention(p, weights, n_amnesic, n))
        return metrics


def half_rescue_gain(curve: dict[float, float], ceiling: float) -> float:
    """The gain beta at which cue recall of the amnesic items is half-way back from its
    floor (beta = 1) to its ceiling (recall before the amnesia); NaN if it never gets there
    (the paper's Fig. 3B, scaled from 9.1 % to 99.5 %: beta 1.20)."""
    gains = sorted(curve)
    floor = curve[gains[0]]
    if ceiling <= floor:
        return float("nan")
    return first_crossing(gains, [curve[g] for g in gains], floor + 0.5 * (ceiling - floor))


def weight_retention(p: dict[str, Any], weights: dict[str, np.ndarray], n_amnesic: int,
                     n_items: int) -> dict[str, float]:
    """Mean incoming key weight and outgoing value weight of the amnesic slots, relative to
    the intact (control) slots: the manipulation hits keys, not values."""
    if n_amnesic == n_items:
        return {}
    keys, values = weights["keys"], weights["values"]
    amnesic, control = slice(0, n_amnesic), slice(n_amnesic, n_items)
    return {
        "key_weight_ratio": float(keys[:, amnesic].sum(axis=0).mean()
                                  / keys[:, control].sum(axis=0).mean()),
        "value_weight_ratio": float(values[amnesic].sum(axis=1).mean()
                                    / values[control].sum(axis=1).mean()),
    }
