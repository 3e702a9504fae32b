"""``paired-recall``: store random +/-1 key/value pairs, then recall each from a partial key.

Encoding (one window per item): the key on the input, the value clamped on the cortex by the
teacher, the neuromodulator at ``encoding_modulator``, a plateau on the chosen slot(s).
Retrieval (one window per item, in storage order): the key with ``cue_hidden_fraction`` of
its entries hidden, neuromodulator 0, no teacher, no plateau.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from brian2 import ms

from neuro_kv.analysis.decoding import decode_dual_rail, recall_accuracy, slot_competition
from neuro_kv.analysis.plots import dual_rail_difference, raster_figure, weights_figure
from neuro_kv.contracts import RunProtocol
from neuro_kv.neurons import rail_counts
from neuro_kv.parameters import Parameter, ParameterError, ParameterSet
from neuro_kv.schedule import Phase, Schedule, members
from neuro_kv.spikes import SpikeRecord

__all__ = ["PairedRecall", "Patterns", "assign_slots"]

P = Parameter


@dataclass(frozen=True)
class Patterns:
    """The stored items: keys (items x n_input), values (items x n_value), retrieval cues,
    and the slots tagged for each item at encoding."""

    keys: np.ndarray
    values: np.ndarray
    cues: np.ndarray
    tagged_slots: list[tuple[int, ...]]

    def current_slots(self, n_slots: int) -> list[tuple[int, ...]]:
        """For each item, the slots whose latest write was that item."""
        owner = np.full(n_slots, -1)
        for item, slots in enumerate(self.tagged_slots):
            owner[list(slots)] = item
        return [tuple(int(s) for s in np.flatnonzero(owner == item))
                for item in range(len(self.tagged_slots))]


def assign_slots(n_items: int, n_slots: int, policy: str, probability: float,
                 rng: np.random.Generator) -> list[tuple[int, ...]]:
    """Slots tagged at each encoding: ``sequential`` (least recently used, ``item mod n``) or
    ``random`` (each slot independently with ``probability``; zero or several are possible)."""
    if policy == "sequential":
        return [(item % n_slots,) for item in range(n_items)]
    return [tuple(int(s) for s in np.flatnonzero(rng.random(n_slots) < probability))
            for _ in range(n_items)]


def hide_entries(patterns: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Copies of ``patterns`` with round(fraction * n) random entries of each row set to 0."""
    cues = patterns.copy()
    n_hidden = int(round(fraction * patterns.shape[1]))
    for row in cues:
        row[rng.choice(patterns.shape[1], n_hidden, replace=False)] = 0
    return cues


PARAMETERS = ParameterSet([
    P("n_items", 20, "key/value pairs stored and recalled", "int", low=1),
    P("cue_hidden_fraction", 0.6, "fraction of key entries hidden in a retrieval cue", "float",
      low=0, high=1),
    P("slot_policy", "sequential", "how a slot is chosen for each item", "choice",
      choices=("sequential", "random")),
    P("slot_probability", 0.1, "random policy: probability that a slot is tagged", "float",
      low=0, high=1),
    P("encoding_modulator", 1.0, "neuromodulator level during encoding (0: nothing stored)",
      "float", low=0),
    P("value_source", "random", "values: random patterns, or each item's key itself "
      "(autoassociative; needs n_value = n_input)", "choice", choices=("random", "key")),
    P("window", 100 * ms, "duration of each encoding or retrieval window", "quantity", ms,
      low=0, low_exclusive=True),
    P("gap", 50 * ms, "silence after each window", "quantity", ms, low=0),
    P("dt", 0.1 * ms, "simulation time step", "quantity", ms, low=0, low_exclusive=True),
])


class PairedRecall(RunProtocol):
    """Encode ``n_items`` pairs, then retrieve each with a partial key."""

    name = "paired-recall"
    default_circuit = "kv-index"
    circuits = None  # kv-index or hopfield
    parameters = PARAMETERS
    #: metrics a sweep tabulates and a study may optimise (slot metrics: kv-index only)
    scalar_metrics = ("recall_accuracy", "slot_hit_rate", "correct_slot_spike_fraction")

    def check(self, p: dict[str, Any]) -> None:
        """Cross-parameter checks, before any simulation."""
        schedule_step(p)
        if p["value_source"] == "key" and p["n_value"] != p["n_input"]:
            raise ParameterError(f"parameter 'value_source': value 'key' is not allowed with "
                                 f"n_value = {p['n_value']}; expected n_value = n_input = "
                                 f"{p['n_input']}")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> Patterns:
        n_items = p["n_items"]
        keys = rng.choice([-1.0, 1.0], size=(n_items, p["n_input"]))
        values = rng.choice([-1.0, 1.0], size=(n_items, p["n_value"]))
        if p["value_source"] == "key":  # drawn all the same: the other draws do not move
            values = keys.copy()
        slots = assign_slots(n_items, n_slots(p), p["slot_policy"], p["slot_probability"], rng)
        cues = hide_entries(keys, p["cue_hidden_fraction"], rng)
        return Patterns(keys, values, cues, slots)

    def schedule(self, p: dict[str, Any], patterns: Patterns) -> Schedule:
        schedule = Schedule(window=p["window"], gap=p["gap"], step=schedule_step(p),
                            n_input=p["n_input"], n_value=p["n_value"])
        slots = "n_slots" in p  # a circuit with slots (kv-index) tags the storing slot
        for item, (key, value) in enumerate(zip(patterns.keys, patterns.values, strict=False)):
            controls = {"plateau": members(patterns.tagged_slots[item])} if slots else {}
            schedule.add(Phase("encode", item, cue=key, teacher=value,
                               modulator=p["encoding_modulator"], controls=controls))
        for item, cue in enumerate(patterns.cues):
            schedule.add(Phase("retrieve", item, cue=cue))
        return schedule

    def analyse(self, p: dict[str, Any], patterns: Patterns, schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        windows = [(start, stop) for _, _, start, stop in schedule.windows("retrieve")]
        cortex = spikes.counts("cortex", windows)
        estimates = decode_dual_rail(cortex, p["n_value"], p["value_copies"], rng)
        per_item = recall_accuracy(estimates, patterns.values)
        metrics: dict[str, Any] = {
            "recall_accuracy": float(per_item.mean()),
            "n_items": p["n_items"],
            "per_item_accuracy": [float(a) for a in per_item],
            "population_rate_hz": spikes.rates(),
        }
        if "index" in spikes.sizes:  # a circuit with slots (kv-index)
            index = spikes.counts("index", windows)
            competition = slot_competition(index, patterns.current_slots(n_slots(p)), rng)
            metrics.update(
                slot_hit_rate=float(competition["hits"].mean()),
                correct_slot_spike_fraction=float(competition["correct_fraction"].mean()),
                winning_slots=[int(w) for w in competition["winners"]],
            )
        return metrics


    def figures(self, p: dict[str, Any], result: Any) -> dict[str, Any]:
        """Figure file name -> function(path) drawing it."""
        windows = [(phase.kind, start, stop) for _, phase, start, stop
                   in result.schedule.windows()]
        if "keys" in result.weights:
            keys = dual_rail_difference(result.weights["keys"], p["n_input"],
                                        p["input_copies"], axis=0).T
            scale = max(float(np.abs(keys).max()), 1e-12)
            panels = {
                "learned keys (input -> index, +1 rail - -1 rail, normalised)": keys / scale,
                "learned values (index -> cortex, +1 rail - -1 rail)": dual_rail_difference(
                    result.weights["values"], p["n_value"], p["value_copies"], axis=1),
            }
        else:
            n_entries, copies = p["n_input"] + p["n_value"], p["value_copies"]
            # rows: the mean weight from each entry's +1 rail (entries x memory neurons)
            plus_rows = rail_counts(result.weights["recurrent"].T, n_entries,
                                    copies)[..., 0].T / copies
            matrix = dual_rail_difference(plus_rows, n_entries, p["value_copies"], axis=1)
            scale = max(float(np.abs(matrix).max()), 1e-12)
            panels = {"recurrent weights from +1 rails (+1 rail - -1 rail target, "
                      "normalised): the Hopfield matrix": matrix / scale}
        return {
            "raster.png": partial(raster_figure, result.spikes, result.populations, windows),
            "weights.png": partial(weights_figure, panels),
        }


def n_slots(p: dict[str, Any]) -> int:
    """Slot count of the circuit (1 for a circuit without slots, e.g. ``hopfield``)."""
    return int(p.get("n_slots", 1))


def schedule_step(p: dict[str, Any]) -> Any:
    """The coarsest grid (a multiple of dt) on which windows and gaps both lie."""
    window, gap = (float(p[name] / p["dt"]) for name in ("window", "gap"))
    for name, steps in (("window", window), ("gap", gap)):
        if abs(steps - round(steps)) > 1e-6:
            raise ParameterError(
                f"parameter {name!r}: value {p[name]} is not allowed; "
                f"expected a multiple of dt = {p['dt']}")
    return math.gcd(int(round(window)), int(round(gap))) * p["dt"]
