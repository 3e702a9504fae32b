"""``ensemble-recall``: store items in an index that allocates its own ensembles, recall them
from partial cues, then silence a growing fraction of the index and recall again.

Encoding (one window per item, ``interval_hours`` apart in episode time): the key on the
input, the value taught, the neuromodulator on; on ``kv-ensemble`` nothing names an index
neuron (the circuit tags its own), on ``kv-index`` the schedule tags slot ``item mod
n_slots``. Retrieval (``retention_hours`` after the last item): every item from a cue with
``cue_hidden_fraction`` of its entries hidden, once per silenced fraction (a lesion of the
index from then on: on ``kv-ensemble`` its ``silenced_fraction`` control, on ``kv-index`` the
slots clamped by a strong negative stimulation; the fractions are nested, each lesion
silencing the neurons of the smaller ones and more).

The prediction (graceful degradation): an ensemble loses a little of every memory, a slot
loses whole memories. Beside it, the rate reference (`neuro_kv.rate_models.EnsembleMemory`)
on the same patterns, anatomy, excitability and episode times.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from brian2 import second

from neuro_kv.analysis.ensemble_figures import ensemble_recall_figure
from neuro_kv.anatomy import (
    drift_step,
    entry_wiring,
    initial_excitability,
    pair_number,
    projection_weights,
    recurrent_wiring,
    silenced,
)
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.protocols.common import TIMING_PARAMETERS, EnsembleProtocol, new_schedule, read_out
from neuro_kv.protocols.paired_recall import hide_entries
from neuro_kv.rate_models import EnsembleMemory
from neuro_kv.schedule import Phase, Schedule, members
from neuro_kv.spikes import SpikeRecord

__all__ = ["EnsembleRecall", "ExcitabilityTwin", "ensemble_memory", "ensemble_sets",
           "overlap_statistics"]

P = Parameter

PARAMETERS = ParameterSet([
    P("n_items", 10, "items stored and recalled", "int", low=1),
    P("cue_hidden_fraction", 0.5, "fraction of key entries hidden in a retrieval cue",
      "float", low=0, high=1),
    P("interval_hours", 24.0, "episode time between two stored items (hours, not "
      "simulated: the excitability drifts over it)", "float", low=0),
    P("retention_hours", 1.0, "episode time from the last item to the first recall (hours)",
      "float", low=0),
    P("silenced_fractions", (0.0, 0.1, 0.3, 0.5), "fractions of the index silenced after "
      "storage, one retrieval block each (the first is the intact recall, usually 0)",
      "floats", low=0, high=0.99),
    P("lost_below", 0.7, "an item whose recall accuracy is below this is lost (chance: 0.5)",
      "float", low=0.5, high=1),
    *TIMING_PARAMETERS,
])

#: period of the index's inhibition cycles at retrieval (measured at the defaults: about
#: 14 ms), the rate reference's stand-in for a winner's firing rate
INHIBITION_CYCLE = 14e-3 * second

#: stimulation level that clamps a kv-index slot (x its stimulation_drive, 40 mV: -400 mV)
SLOT_SILENCING_LEVEL = -10.0


def fractions(p: dict[str, Any]) -> list[float]:
    """The silenced fractions, one retrieval block each."""
    return [float(f) for f in p["silenced_fractions"]]


def ensemble_circuit(p: dict[str, Any]) -> bool:
    """True on a circuit that allocates its own ensembles (``kv-ensemble``)."""
    return "n_index" in p


def index_size(p: dict[str, Any]) -> int:
    return int(p["n_index"] if ensemble_circuit(p) else p["n_slots"])


class EnsembleRecall(EnsembleProtocol):
    """Store ``n_items``, recall them from partial cues under growing lesions of the index."""

    name = "ensemble-recall"
    figure = ensemble_recall_figure
    circuits = ("kv-ensemble", "kv-index")
    parameters = PARAMETERS
    scalar_metrics = ("recall_accuracy", "lost_fraction", "ensemble_size", "overlap_ratio",
                      "reinstatement", "rate_recall_accuracy")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        keys = rng.choice([-1.0, 1.0], size=(p["n_items"], p["n_input"]))
        values = rng.choice([-1.0, 1.0], size=(p["n_items"], p["n_value"]))
        cues = hide_entries(keys, p["cue_hidden_fraction"], rng)
        # kv-index: the order in which slots are silenced (nested lesions)
        slot_order = rng.permutation(index_size(p))
        return {"keys": keys, "values": values, "cues": cues, "slot_order": slot_order}

    def schedule(self, p: dict[str, Any], patterns: dict[str, Any]) -> Schedule:
        schedule = new_schedule(p)
        ensembles = ensemble_circuit(p)
        for item, (key, value) in enumerate(zip(patterns["keys"], patterns["values"],
                                                strict=True)):
            if ensembles:
                controls = {"elapsed_hours": p["interval_hours"]} if item else {}
            else:
                controls = {"plateau": members([item % p["n_slots"]])}
            schedule.add(Phase("encode", item, cue=key, teacher=value, modulator=1.0,
                               controls=controls))
        first = True
        for fraction in fractions(p):
            for item, cue in enumerate(patterns["cues"]):
                controls: dict[str, Any] = {}
                if ensembles:
                    controls["silenced_fraction"] = fraction
                    if first:
                        controls["elapsed_hours"] = p["retention_hours"]
                elif fraction > 0:
                    lost = patterns["slot_order"][:int(round(fraction * p["n_slots"]))]
                    controls["stimulation"] = members(lost, SLOT_SILENCING_LEVEL)
                first = False
                schedule.add(Phase("retrieve", item, cue=cue, controls=controls,
                                   tags={"silenced": fraction}))
        return schedule

    def analyse(self, p: dict[str, Any], patterns: dict[str, Any], schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        n, threshold = index_size(p), int(p.get("plateau_spikes", 2))
        stored = ensemble_sets(spikes, schedule.windows("encode"), n, threshold)
        accuracy_by, lost_by = {}, {}
        for fraction in fractions(p):
            readout = read_out(p, schedule, spikes, rng, silenced=fraction)
            per_item = readout.accuracy(patterns["values"][readout.items])
            accuracy_by[f"{fraction:g}"] = float(per_item.mean())
            lost_by[f"{fraction:g}"] = float((per_item < p["lost_below"]).mean())
        intact = fractions(p)[0]
        readout = read_out(p, schedule, spikes, rng, silenced=intact)
        per_item = readout.accuracy(patterns["values"][readout.items])
        recalled = ensemble_sets(spikes, schedule.windows("retrieve", silenced=intact), n,
                                 threshold)
        metrics: dict[str, Any] = {
            "recall_accuracy": float(per_item.mean()),
            "lost_fraction": float((per_item < p["lost_below"]).mean()),
            "per_item_accuracy": [float(a) for a in per_item],
            "accuracy_by_silenced": accuracy_by,
            "lost_by_silenced": lost_by,
            "reinstatement": float(np.mean([len(r & s) / max(len(s), 1)
                                            for r, s in zip(recalled, stored, strict=True)])),
            **overlap_statistics(stored, n),
            "population_rate_hz": spikes.rates(),
        }
        if ensemble_circuit(p) and spikes.seed is not None:
            metrics.update(rate_reference(p, spikes.seed, patterns, schedule, rng))
        return metrics



def ensemble_sets(spikes: SpikeRecord, windows: list, n: int, threshold: int
                  ) -> list[set[int]]:
    """Per window, the index neurons that fired at least ``threshold`` spikes in it (in a
    storing window of ``kv-ensemble``: exactly the neurons that tagged themselves)."""
    counts = spikes.counts("index", [(start, stop) for _, _, start, stop in windows])
    return [set(np.flatnonzero(row >= threshold).tolist()) for row in counts[:, :n]]


def overlap_statistics(ensembles: list[set[int]], n: int) -> dict[str, float]:
    """Mean ensemble size, mean overlap of two items' ensembles, and that overlap against
    chance (two random sets of those sizes share ``|A| |B| / n`` neurons on average)."""
    sizes = np.array([len(e) for e in ensembles], dtype=float)
    pairs = [(a, b) for a in range(len(ensembles)) for b in range(a + 1, len(ensembles))]
    overlap = np.mean([len(ensembles[a] & ensembles[b]) for a, b in pairs]) if pairs else 0.0
    chance = np.mean([sizes[a] * sizes[b] / n for a, b in pairs]) if pairs else 0.0
    return {"ensemble_size": float(sizes.mean()), "ensemble_fraction": float(sizes.mean() / n),
            "mean_overlap": float(overlap), "chance_overlap": float(chance),
            "overlap_ratio": float(overlap / chance) if chance > 0 else float("nan")}


def ensemble_memory(p: dict[str, Any], seed: int) -> EnsembleMemory:
    """The rate reference of a ``kv-ensemble`` run: its wiring and projection weights (the
    run's seed), its k, and drives scaled as the circuit's input rates make them."""
    n = p["n_index"]
    entry, target = entry_wiring(p["n_input"], n, p["projection_probability"], p["wiring_seed"])
    projection = np.zeros((p["n_input"], n))
    projection[entry, target] = projection_weights(seed, pair_number(entry, target, n))
    spikes_per_entry = p["input_copies"] * float(p["input_rate"] * p["tau_exc"])
    rate_tau = float(p["eta_key"] * p["input_rate"] * p["tau_key_decay"])
    recurrent = None
    if p.get("recurrent_probability", 0) > 0:
        recurrent = np.zeros((n, n), dtype=bool)
        recurrent[recurrent_wiring(n, p["recurrent_probability"], p["wiring_seed"])] = True
    return EnsembleMemory(
        projection, k=max(1, int(round(p["active_fraction"] * n))),
        projection_scale=float(p["projection_gain"]) * spikes_per_entry,
        key_scale=float(p["key_gain"]) * rate_tau / (1 + rate_tau) * spikes_per_entry,
        recurrent=recurrent,
        # a winner fires about once per inhibition cycle; an EPSC lasts tau_exc
        recurrent_scale=float(p.get("recurrent_gain", 0) * p["tau_exc"] / INHIBITION_CYCLE))


class ExcitabilityTwin:
    """The numpy twin of a ``kv-ensemble`` run's excitability (V): the drift from the run's
    seed, stepped over each phase's ``elapsed_hours``, plus the recruitment boost."""

    def __init__(self, p: dict[str, Any], seed: int, schedule: Schedule):
        self.p, self.seed, self.sd = p, seed, float(p["excitability_sd"])
        self.drift = initial_excitability(seed, p["n_index"], self.sd)
        self.boost = np.zeros(p["n_index"])
        self.steps_per_period = int(round(float((schedule.window + schedule.gap) / p["dt"])))

    def enter(self, k: int, phase: Phase) -> np.ndarray:
        """The excitability during phase number ``k`` (after its elapsed hours)."""
        elapsed = float(phase.controls.get("elapsed_hours", 0.0))
        self.drift = drift_step(self.drift, elapsed, self.p["drift_hours"], self.sd, self.seed,
                                k * self.steps_per_period)
        self.boost = self.boost * np.exp(-elapsed / self.p["boost_hours"])
        return float(self.p["background_drive"]) + self.drift + self.boost

    def recruit(self, ensemble: np.ndarray) -> None:
        self.boost[ensemble] = float(self.p["recruitment_boost"])


def rate_reference(p: dict[str, Any], seed: int, patterns: dict[str, Any],
                   schedule: Schedule, rng: np.random.Generator) -> dict[str, Any]:
    """The rate reference on the run's patterns, anatomy, excitability and episode times:
    recall under each lesion, its ensembles' size and overlap."""
    n = p["n_index"]
    memory = ensemble_memory(p, seed)
    excitability = ExcitabilityTwin(p, seed, schedule)
    stored, accuracy_by, lost_by = [], {}, {}
    reads: dict[float, list[float]] = {}
    for k, phase in enumerate(schedule.phases):
        level = excitability.enter(k, phase)
        if phase.kind == "encode":
            ensemble = memory.store(phase.cue, phase.teacher, level)
            excitability.recruit(ensemble)
            stored.append(set(ensemble.tolist()))
            continue
        fraction = phase.tags["silenced"]
        value, _ = memory.read(phase.cue, level, rng, silenced(seed, n, fraction))
        reads.setdefault(fraction, []).append(
            float(np.mean(value == patterns["values"][phase.item])))
    for fraction, accuracies in reads.items():
        accuracy_by[f"{fraction:g}"] = float(np.mean(accuracies))
        lost_by[f"{fraction:g}"] = float((np.array(accuracies) < p["lost_below"]).mean())
    overlap = overlap_statistics(stored, n)
    first = f"{fractions(p)[0]:g}"
    return {"rate_recall_accuracy": accuracy_by[first], "rate_lost_fraction": lost_by[first],
            "rate_accuracy_by_silenced": accuracy_by, "rate_lost_by_silenced": lost_by,
            "rate_ensemble_size": overlap["ensemble_size"],
            "rate_overlap_ratio": overlap["overlap_ratio"]}
