"""Pieces shared by the retrieval-practice protocols on ``kv-ensemble`` (``repulsion``,
``key-differentiation``): their schedule's storing, practice and probe windows, probe
answers and recalled values per round, the comparator's mismatch as the spikes give it, the
key drive of the learned weights, and the rate reference's answers on the same schedule."""

from __future__ import annotations

from typing import Any

import numpy as np

from neuro_kv.analysis.decoding import decode_dual_rail
from neuro_kv.neurons import rail_counts, rail_layout
from neuro_kv.protocols.ensemble_recall import ExcitabilityTwin, ensemble_memory
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["add_practice_round", "add_probe_round", "add_storing", "by_round", "key_drives",
           "mismatch_by_round", "probe_answers", "probe_values", "rate_answers"]


def add_storing(schedule: Schedule, p: dict[str, Any], inputs: np.ndarray,
                values: np.ndarray, order: np.ndarray) -> None:
    """Store every item once, in ``order``, ``interval_hours`` apart."""
    for position, item in enumerate(order):
        controls = {"elapsed_hours": p["interval_hours"]} if position else {}
        schedule.add(Phase("encode", int(item), cue=inputs[item], teacher=values[item],
                           modulator=1.0, controls=controls))


def add_practice_round(schedule: Schedule, round_: int, inputs: np.ndarray,
                       values: np.ndarray, order: np.ndarray) -> None:
    """One round of retrieval practice: every item in ``order``, cued by its input, its
    value as the feedback (the ``practice`` control on)."""
    for item in order:
        schedule.add(Phase("practice", int(item), cue=inputs[item], teacher=values[item],
                           controls={"practice": 1.0}, tags={"round": round_}))


def add_probe_round(schedule: Schedule, p: dict[str, Any], round_: int,
                    inputs: np.ndarray) -> None:
    """Every item cued alone, in item order (no feedback, no plasticity); before the first
    round's first probe ``retention_hours`` pass."""
    for item in range(len(inputs)):
        controls = {"elapsed_hours": p["retention_hours"]} if round_ == 0 and item == 0 else {}
        schedule.add(Phase("retrieve", item, cue=inputs[item], controls=controls,
                           tags={"round": round_}))


def by_round(values: Any) -> dict[str, float]:
    """A per-round curve as the metrics hold it: round number (as text) -> value."""
    return {str(r): float(v) for r, v in enumerate(values)}


def probe_answers(p: dict[str, Any], schedule: Schedule, spikes: SpikeRecord,
                  n_rounds: int, n_items: int) -> np.ndarray:
    """The index's spike counts per probe (rounds x items x index neurons): the schedule's
    retrieve windows, every item once per round in item order."""
    windows = [(start, stop) for _, _, start, stop in schedule.windows("retrieve")]
    return spikes.counts("index", windows)[:, :p["n_index"]].reshape(n_rounds, n_items, -1)


def probe_values(p: dict[str, Any], schedule: Schedule, spikes: SpikeRecord,
                 n_rounds: int, n_items: int, rng: np.random.Generator) -> np.ndarray:
    """The value each probe recalls (rounds x items x value entries, +/-1): the cortex's
    dual-rail spike counts in the retrieve windows (ties guessed from ``rng``)."""
    windows = [(start, stop) for _, _, start, stop in schedule.windows("retrieve")]
    return decode_dual_rail(spikes.counts("cortex", windows), p["n_value"],
                            p["value_copies"], rng).reshape(n_rounds, n_items, -1)


def mismatch_by_round(p: dict[str, Any], schedule: Schedule, spikes: SpikeRecord,
                      chosen: np.ndarray) -> list[float]:
    """Per practice round: the mean over the practice windows of the items where ``chosen``
    (a boolean per item) is true of the share of value entries whose cortical spikes favour
    the rail the feedback contradicts (what the circuit's comparator reports at the
    window's end)."""
    found = schedule.windows("practice")
    counts = spikes.counts("cortex", [(start, stop) for _, _, start, stop in found])
    rails = rail_counts(counts, p["n_value"], p["value_copies"])  # windows x entries x 2
    entries = np.arange(p["n_value"])
    per_round: dict[int, list[float]] = {}
    for row, (_, phase, _, _) in enumerate(found):
        if not chosen[phase.item]:
            continue
        wrong_rail = (phase.teacher > 0).astype(int)  # + taught: the - rail contradicts
        wrong = rails[row, entries, wrong_rail] > rails[row, entries, 1 - wrong_rail]
        per_round.setdefault(phase.tags["round"], []).append(float(wrong.mean()))
    return [float(np.mean(per_round[r])) for r in sorted(per_round)]


def key_drives(p: dict[str, Any], inputs: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The key drive ``sum_i w_ij x_i`` each input (rows of +/-1 ``inputs``) gives each index
    neuron through the learned key weights ``keys`` (input neurons x index neurons), summed
    over the active rail of every entry and copy (items x index neurons)."""
    entry, rail = rail_layout(p["n_input"], p["input_copies"])
    active = rail[None, :] == (inputs[:, entry] <= 0)  # the rail of each sign, every copy
    return active.astype(float) @ keys[:, :p["n_index"]]


def rate_answers(p: dict[str, Any], seed: int, schedule: Schedule, n_rounds: int,
                 n_items: int, rng: np.random.Generator, credit: str = "shared"
                 ) -> np.ndarray:
    """The schedule on the rate reference (`EnsembleMemory` with the run's anatomy and
    excitability; practice by `EnsembleMemory.practise`, its rates the spiking rule's per
    spike times the input spikes of a window): the answer to every probe (rounds x items x
    index neurons, 1 for the k winners, else 0). ``credit``: the mismatch a moderately
    active neuron is depressed by (`EnsembleMemory.practise`; "shared" is the circuit's);
    the projection learns as the circuit's ``practice_projection`` says."""
    memory = ensemble_memory(p, seed)
    excitability = ExcitabilityTwin(p, seed, schedule)
    spikes_per_window = float(p["input_rate"] * p["window"])
    eta_plus = min(1.0, p["eta_key_plus"] * spikes_per_window)
    eta_minus = min(1.0, p["eta_key_minus"] * spikes_per_window)
    answers = np.zeros((n_rounds, n_items, p["n_index"]))
    for k, phase in enumerate(schedule.phases):
        level = excitability.enter(k, phase)
        if phase.kind == "encode":
            excitability.recruit(memory.store(phase.cue, phase.teacher, level))
        elif phase.kind == "practice":
            memory.practise(phase.cue, phase.teacher, level, eta_plus, eta_minus, rng,
                            credit, bool(p["practice_projection"]))
        else:
            answers[phase.tags["round"], phase.item, memory.answering(phase.cue, level)] = 1.0
    return answers
