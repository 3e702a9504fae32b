"""``separation-completion``: how the index and the cortex answer cues that resemble a stored
key to a graded degree (Lacy, Yassa et al. 2011, Learn. Mem. 18:15; Yassa & Stark 2011).

``n_items`` random +/-1 items are stored ``interval_hours`` apart, as in ``ensemble-recall``.
``retention_hours`` after the last, each item's key is presented as a cue once exactly (the
reference) and once at each input overlap ``r`` of ``input_overlaps``: a copy of the key
with ``round(n_input * (1 - r) / 2)`` entries flipped, so the cue's correlation with the key
is ``r``. For each population the similarity of its answer to a variant and to the key
itself is the Pearson correlation of the two windows' spike counts: per neuron in the index,
per entry of the graded value (+ rail minus - rail) in the cortex, and per neuron in the
input (the identity line as the Poisson input delivers it); for the index also of its
ensembles (``index_ensemble``: 1 for a neuron that fired at least ``plateau_spikes``, else 0),
which weighs every member alike.

Completion through the learned keys is on by default; ``--set key_gain=0*mV`` turns it off
(the index then answers through the fixed projection alone: pattern separation without
memory). The rate reference (`neuro_kv.rate_models.EnsembleMemory` on the same anatomy,
excitability and cues) gives the same curves both ways in one run, as the correlation of its
k-WTA winners (binary) and of its summed values.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from neuro_kv.analysis.ensemble_figures import separation_completion_figure
from neuro_kv.neurons import rail_counts
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    EnsembleProtocol,
    flip_entries,
    new_schedule,
)
from neuro_kv.protocols.ensemble_recall import ExcitabilityTwin, ensemble_memory
from neuro_kv.rate_models import EnsembleMemory
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["SeparationCompletion", "correlation"]

P = Parameter

PARAMETERS = ParameterSet([
    P("n_items", 10, "items stored", "int", low=1),
    P("input_overlaps", (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0), "correlations of the variant "
      "cues with their item's key (one retrieval window each per item)", "floats", low=0,
      high=1),
    P("interval_hours", 24.0, "episode time between two stored items (hours)", "float", low=0),
    P("retention_hours", 24.0, "episode time from the last item to the first cue (hours; a "
      "day, so the last item's recruitment boost has decayed and does not bias every answer)",
      "float", low=0),
    *TIMING_PARAMETERS,
])

#: the input overlaps whose similarities the summary reports: near 1, where completion
#: should lift the index above the identity line, and in the middle, where separation
#: should hold it below
HIGH, MID = 0.8, 0.4


class SeparationCompletion(EnsembleProtocol):
    """Cues of graded overlap with stored keys: index and cortex similarity against it."""

    name = "separation-completion"
    figure = separation_completion_figure
    parameters = PARAMETERS
    scalar_metrics = ("index_similarity_high", "index_similarity_mid",
                      "index_ensemble_similarity_high", "index_ensemble_similarity_mid",
                      "cortex_similarity_high", "cortex_similarity_mid",
                      "input_similarity_high", "input_similarity_mid",
                      "rate_index_similarity_high", "rate_index_similarity_mid",
                      "rate_no_keys_index_similarity_high",
                      "rate_no_keys_index_similarity_mid")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        keys = rng.choice([-1.0, 1.0], size=(p["n_items"], p["n_input"]))
        values = rng.choice([-1.0, 1.0], size=(p["n_items"], p["n_value"]))
        variants = np.array([[flip_entries(key, (1 - r) / 2, rng) for r in levels(p)]
                             for key in keys])
        return {"keys": keys, "values": values, "variants": variants}

    def schedule(self, p: dict[str, Any], patterns: dict[str, Any]) -> Schedule:
        schedule = new_schedule(p)
        for item, (key, value) in enumerate(zip(patterns["keys"], patterns["values"],
                                                strict=True)):
            controls = {"elapsed_hours": p["interval_hours"]} if item else {}
            schedule.add(Phase("encode", item, cue=key, teacher=value, modulator=1.0,
                               controls=controls))
        for item, key in enumerate(patterns["keys"]):
            controls = {} if item else {"elapsed_hours": p["retention_hours"]}
            schedule.add(Phase("retrieve", item, cue=key, controls=controls,
                               tags={"overlap": "reference"}))
            for r, cue in zip(levels(p), patterns["variants"][item], strict=True):
                schedule.add(Phase("retrieve", item, cue=cue, tags={"overlap": r}))
        return schedule

    def analyse(self, p: dict[str, Any], patterns: dict[str, Any], schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        answers = {name: window_counts(spikes, schedule, name, p) for name in
                   ("input", "index", "cortex")}
        # the ensemble: the neurons that fired at least plateau_spikes (as in ensemble_sets)
        answers["index_ensemble"] = (answers["index"] >= p["plateau_spikes"]).astype(float)
        metrics: dict[str, Any] = {}
        for name, counts in answers.items():
            metrics.update(similarity_curve(name, counts, levels(p)))
        metrics["population_rate_hz"] = spikes.rates()
        if spikes.seed is not None:
            metrics.update(rate_reference(p, spikes.seed, patterns, schedule))
        return metrics



def levels(p: dict[str, Any]) -> list[float]:
    return [float(r) for r in p["input_overlaps"]]


def window_counts(spikes: SpikeRecord, schedule: Schedule, name: str, p: dict[str, Any]
                  ) -> np.ndarray:
    """Per item (rows) and window (the reference, then each level): the population's
    answer, spike counts per neuron (input, index) or the graded value per entry (cortex)."""
    windows = [(start, stop) for _, _, start, stop in schedule.windows("retrieve")]
    counts = spikes.counts(name, windows)
    if name == "cortex":
        rails = rail_counts(counts, p["n_value"], p["value_copies"])
        counts = rails[..., 0] - rails[..., 1]
    elif name == "index":
        counts = counts[:, :p["n_index"]]
    return counts.reshape(p["n_items"], len(levels(p)) + 1, -1)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two answers (NaN where one does not vary: a silent window)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def similarity_curve(name: str, answers: np.ndarray, overlaps: list[float],
                     prefix: str = "") -> dict[str, Any]:
    """Mean over items of each level's similarity to the reference answer; the values at
    ``HIGH`` and ``MID`` (the levels nearest them) as scalars."""
    curve = {}
    for column, r in enumerate(overlaps):
        per_item = [correlation(item[column + 1], item[0]) for item in answers]
        curve[f"{r:g}"] = float(np.nanmean(per_item)) if np.isfinite(per_item).any() \
            else float("nan")
    nearest = {level: f"{min(overlaps, key=lambda r: abs(r - level)):g}"
               for level in (HIGH, MID)}
    return {f"{prefix}{name}_similarity_by_overlap": curve,
            f"{prefix}{name}_similarity_high": curve[nearest[HIGH]],
            f"{prefix}{name}_similarity_mid": curve[nearest[MID]]}


def rate_reference(p: dict[str, Any], seed: int, patterns: dict[str, Any],
                   schedule: Schedule) -> dict[str, Any]:
    """The rate reference's curves, with its learned keys read (``rate_``) and without
    (``rate_no_keys_``: the projection alone)."""
    n = p["n_index"]
    memory = ensemble_memory(p, seed)
    no_keys = None
    excitability = ExcitabilityTwin(p, seed, schedule)
    answers: dict[str, list[list[np.ndarray]]] = {"index": [], "cortex": [],
                                                  "no_keys_index": [], "no_keys_cortex": []}
    for k, phase in enumerate(schedule.phases):
        level = excitability.enter(k, phase)
        if phase.kind == "encode":
            excitability.recruit(memory.store(phase.cue, phase.teacher, level))
            continue
        if no_keys is None:  # after storing: shares the stored keys and values
            no_keys = copy.copy(memory)
            no_keys.key_scale = 0.0
        first = phase.tags["overlap"] == "reference"
        for prefix, model in (("", memory), ("no_keys_", no_keys)):
            winners = np.zeros(n)
            ensemble = model.answering(phase.cue, level)
            winners[ensemble] = 1
            value = summed_values(model, ensemble)
            for name, answer in ((f"{prefix}index", winners), (f"{prefix}cortex", value)):
                if first:
                    answers[name].append([])
                answers[name][-1].append(answer)
    metrics: dict[str, Any] = {}
    for name, rows in answers.items():
        metrics.update(similarity_curve(name, np.array(rows), levels(p), prefix="rate_"))
    return metrics


def summed_values(memory: EnsembleMemory, ensemble: np.ndarray) -> np.ndarray:
    """The graded value the winners vote for (the sum of their stored values)."""
    assert memory.values is not None
    return memory.values[ensemble].sum(axis=0)
