"""``repulsion``: retrieval practice pushes apart the keys of overlapping memories that must be
told apart, and the paper's prediction that this reverses once the demand is removed
(Chanales, Oza, Favila & Kuhl 2017, Curr Biol 27:2307; Favila, Chanales & Kuhl 2016, Nat
Commun 7:11066; the prediction: Gershman, Fiete & Irie 2025).

Pairs of items of three kinds, ``n_pairs`` of each: **different** (the second item's input is
the first's with ``pair_flip_fraction`` of its entries flipped, so the inputs correlate
``1 - 2 * pair_flip_fraction``, and the two values are independent), **same** (inputs
overlapping alike, one value shared) and **unrelated** (independent inputs and values). Every
item is stored once (``interval_hours`` apart, keys allocated by ``kv-ensemble`` itself);
``retention_hours`` later come ``practice_rounds`` rounds of retrieval practice: every item
once, in a random order, cued by its input while the teacher gives its value as feedback
(the ``practice`` control on; the circuit's `key_nonmonotonic` rule and mismatch signal,
``retrieval_practice`` 1). Then the demand is removed: the second item of each *different*
pair is stored again (one storing window) with its partner's value (with
``reversal_storing`` 0 it is not), and ``reversal_rounds`` rounds of practice follow with
that shared value as feedback.

**Probes.** Before practice and after every round each item is cued alone (no feedback, no
plasticity). A pair's **key similarity** is the Pearson correlation of the index's answers
(spike counts per index neuron) to its two cues; the **key-weight similarity** (at the run's
end) is the correlation of the key drive ``sum_i w_ij x_i`` the two inputs give each index
neuron. **Discrimination** is the recall accuracy of a probe (decoded value against the
item's current value).

**Reported.** Per kind and round: similarity and accuracy. Repulsion: different pairs minus
unrelated pairs after the last practice round (with its change from before practice); the same
for same-value pairs; the reversal: the share of the practice's change in the different
pairs' similarity undone after as many rounds without the demand.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from neuro_kv.analysis.decoding import recall_accuracy
from neuro_kv.analysis.ensemble_figures import repulsion_figure
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    EnsembleProtocol,
    flip_entries,
    new_schedule,
)
from neuro_kv.protocols.practice import (
    add_practice_round,
    add_probe_round,
    add_storing,
    by_round,
    key_drives,
    mismatch_by_round,
    probe_answers,
    probe_values,
    rate_answers,
)
from neuro_kv.protocols.separation_completion import correlation
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["Repulsion", "KINDS"]

P = Parameter

PARAMETERS = ParameterSet([
    P("n_pairs", 4, "pairs of each kind (different, same, unrelated)", "int", low=1),
    P("pair_flip_fraction", 0.2, "share of the first item's input entries flipped to make the "
      "second's in an overlapping pair (input correlation 1 - 2 x this)", "float", low=0,
      high=0.5),
    P("practice_rounds", 6, "rounds of retrieval practice with feedback (every item once "
      "per round)", "int", low=1),
    P("reversal_rounds", 6, "rounds after the demand is removed (the different pairs' "
      "second items take their partners' values)", "int", low=0),
    P("reversal_storing", 1, "1: when the demand is removed the different pairs' second items "
      "are stored again with their partners' values (one storing window each); 0: not, "
      "only the practice feedback changes", "int", low=0, high=1),
    P("interval_hours", 24.0, "episode time between two stored items (hours)", "float", low=0),
    P("retention_hours", 24.0, "episode time from the last stored item to the first probe "
      "(hours)", "float", low=0),
    *TIMING_PARAMETERS,
])

#: the kinds of pair, in the order their items are numbered
KINDS = ("different", "same", "unrelated")


class Repulsion(EnsembleProtocol):
    """Overlapping pairs practised with feedback: their keys' similarity round by round."""

    name = "repulsion"
    figure = repulsion_figure
    parameters = PARAMETERS
    circuit_defaults = {"retrieval_practice": 1}
    scalar_metrics = ("repulsion", "repulsion_before", "same_minus_unrelated",
                      "change_different", "change_same", "change_unrelated",
                      "reversal_change", "accuracy_different_end",
                      "key_weight_repulsion_end", "input_correlation_overlapping",
                      "rate_repulsion", "rate_change_different", "rate_change_same",
                      "rate_change_unrelated")

    def combine(self, p: dict[str, Any], metrics: list[dict[str, Any]]) -> dict[str, Any]:
        """Over seeds: ``reversal_recovered``, the share of the different pairs' practice
        change undone without the demand (ratio of the means over seeds, with a bootstrap
        interval over runs); ``repulsion_accuracy_spearman``, the rank correlation over every
        run's different pairs of how far a pair's keys moved apart in practice and how well
        it was told apart after it (with its p value)."""
        change = np.array([m["change_different"] for m in metrics])
        back = np.array([m["reversal_change"] for m in metrics])
        out: dict[str, Any] = {}
        if np.isfinite(back).all() and abs(change.mean()) > 0:
            ratio = -back.mean() / change.mean()
            interval = stats.bootstrap(
                (change, back), lambda c, b: -np.mean(b) / np.mean(c), paired=True,
                vectorized=False, n_resamples=2000, method="percentile",
                rng=np.random.default_rng(0)).confidence_interval
            out.update({"reversal_recovered": float(ratio),
                        "reversal_recovered_ci": [float(interval.low), float(interval.high)]})
        drops = [d for m in metrics for d in m["pair_similarity_drop"]]
        accuracies = [a for m in metrics for a in m["pair_accuracy_end"]]
        if len(drops) > 2:
            rho, p_value = stats.spearmanr(drops, accuracies)
            out.update({"repulsion_accuracy_spearman": float(rho),
                        "repulsion_accuracy_p": float(p_value)})
        return out

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        n, d, v = p["n_pairs"], p["n_input"], p["n_value"]
        first = rng.choice([-1.0, 1.0], size=(3 * n, d))
        second = np.array([flip_entries(key, p["pair_flip_fraction"], rng) for key in first])
        second[2 * n:] = rng.choice([-1.0, 1.0], size=(n, d))  # unrelated: independent inputs
        first_values = rng.choice([-1.0, 1.0], size=(3 * n, v))
        second_values = rng.choice([-1.0, 1.0], size=(3 * n, v))
        second_values[n:2 * n] = first_values[n:2 * n]  # same: one value shared
        # items: pair k's two members are items 2k and 2k + 1; pairs in KINDS order
        inputs = np.stack([first, second], axis=1).reshape(6 * n, d)
        values = np.stack([first_values, second_values], axis=1).reshape(6 * n, v)
        reversed_values = values.copy()
        reversed_values[1:2 * n:2] = values[0:2 * n:2][:n]  # different pairs now share
        rounds = p["practice_rounds"] + p["reversal_rounds"]
        return {"inputs": inputs, "values": values, "reversed_values": reversed_values,
                "kinds": np.repeat(np.arange(3), n),
                "store_order": rng.permutation(6 * n),
                "practice_orders": np.array([rng.permutation(6 * n) for _ in range(rounds)])}

    def schedule(self, p: dict[str, Any], patterns: dict[str, Any]) -> Schedule:
        schedule = new_schedule(p)
        inputs = patterns["inputs"]
        add_storing(schedule, p, inputs, patterns["values"], patterns["store_order"])
        for round_ in range(p["practice_rounds"] + p["reversal_rounds"] + 1):
            if round_ == p["practice_rounds"] + 1 and p["reversal_storing"]:  # shared value
                for item in range(1, 2 * p["n_pairs"], 2):
                    schedule.add(Phase("encode", item, cue=inputs[item],
                                       teacher=patterns["reversed_values"][item],
                                       modulator=1.0, tags={"reversal": True}))
            if round_:
                values = patterns["values" if round_ <= p["practice_rounds"]
                                  else "reversed_values"]
                add_practice_round(schedule, round_, inputs, values,
                                   patterns["practice_orders"][round_ - 1])
            add_probe_round(schedule, p, round_, inputs)
        return schedule

    def analyse(self, p: dict[str, Any], patterns: dict[str, Any], schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        n_rounds = p["practice_rounds"] + p["reversal_rounds"] + 1
        n_items = len(patterns["inputs"])
        index = probe_answers(p, schedule, spikes, n_rounds, n_items)
        estimates = probe_values(p, schedule, spikes, n_rounds, n_items, rng)
        pair_similarity = np.array([[correlation(index[r, 2 * k], index[r, 2 * k + 1])
                                     for k in range(n_items // 2)] for r in range(n_rounds)])
        accuracy = np.array([recall_accuracy(
            estimates[r], patterns["values" if r <= p["practice_rounds"]
                                   else "reversed_values"]) for r in range(n_rounds)])
        kinds = patterns["kinds"]
        metrics: dict[str, Any] = {}
        for number, kind in enumerate(KINDS):
            chosen = kinds == number
            items = np.repeat(chosen, 2)
            metrics[f"similarity_{kind}"] = by_round(np.nanmean(pair_similarity[:, chosen],
                                                                axis=1))
            metrics[f"accuracy_{kind}"] = by_round(accuracy[:, items].mean(axis=1))
            metrics[f"mismatch_{kind}"] = {
                str(r + 1): m for r, m in enumerate(mismatch_by_round(p, schedule, spikes, items))}
        last = p["practice_rounds"]
        similarity = {kind: np.array(list(metrics[f"similarity_{kind}"].values()))
                      for kind in KINDS}
        metrics.update({
            "repulsion": float(similarity["different"][last] - similarity["unrelated"][last]),
            "repulsion_before": float(similarity["different"][0] - similarity["unrelated"][0]),
            "same_minus_unrelated": float(similarity["same"][last]
                                          - similarity["unrelated"][last]),
            **{f"change_{kind}": float(similarity[kind][last] - similarity[kind][0])
               for kind in KINDS},
            "reversal_change": float(similarity["different"][-1] - similarity["different"][last])
            if p["reversal_rounds"] else float("nan"),
            "accuracy_different_end": float(metrics["accuracy_different"][str(last)]),
            # per different pair: how much its keys moved apart, how well it is told apart
            "pair_similarity_drop": [float(x) for x in pair_similarity[0, kinds == 0]
                                     - pair_similarity[last, kinds == 0]],
            "pair_accuracy_end": [float(accuracy[last, 2 * k:2 * k + 2].mean())
                                  for k in np.flatnonzero(kinds == 0)],
            "input_correlation_overlapping": float(np.mean(
                [correlation(patterns["inputs"][2 * k], patterns["inputs"][2 * k + 1])
                 for k in np.flatnonzero(kinds < 2)])),
            "reversal_start": p["practice_rounds"] + 1,
            "population_rate_hz": spikes.rates(),
        })
        if weights is not None and "keys" in weights:
            metrics.update(key_weight_similarity(p, patterns, weights["keys"]))
        if spikes.seed is not None:
            metrics.update(rate_reference(p, spikes.seed, patterns, schedule, rng))
        return metrics


def key_weight_similarity(p: dict[str, Any], patterns: dict[str, Any], keys: np.ndarray
                          ) -> dict[str, float]:
    """At the run's end: per kind, the mean correlation over pairs of the key drive the two
    inputs give each index neuron (``sum_i w_ij x_i`` over the active input neurons)."""
    drives = key_drives(p, patterns["inputs"], keys)
    out = {}
    for number, kind in enumerate(KINDS):
        pairs = np.flatnonzero(patterns["kinds"] == number)
        out[f"key_weight_similarity_{kind}_end"] = float(np.nanmean(
            [correlation(drives[2 * k], drives[2 * k + 1]) for k in pairs]))
    out["key_weight_repulsion_end"] = (out["key_weight_similarity_different_end"]
                                       - out["key_weight_similarity_unrelated_end"])
    return out


def rate_reference(p: dict[str, Any], seed: int, patterns: dict[str, Any],
                   schedule: Schedule, rng: np.random.Generator) -> dict[str, Any]:
    """The same schedule on the rate reference (`EnsembleMemory` with the run's anatomy and
    excitability; practice by `EnsembleMemory.practise`, its rates the spiking rule's per
    spike times the input spikes of a window): per kind and round the similarity of a pair's
    answers (the k winners, 1 or 0 per index neuron), and the summaries of `analyse`."""
    n_rounds = p["practice_rounds"] + p["reversal_rounds"] + 1
    answers = rate_answers(p, seed, schedule, n_rounds, len(patterns["inputs"]), rng,
                           p["practice_credit"])
    kinds = patterns["kinds"]
    out: dict[str, Any] = {}
    similarity = {}
    for number, kind in enumerate(KINDS):
        pairs = np.flatnonzero(kinds == number)
        per_round = [float(np.nanmean([correlation(answers[r, 2 * q], answers[r, 2 * q + 1])
                                       for q in pairs])) for r in range(n_rounds)]
        similarity[kind] = per_round
        out[f"rate_similarity_{kind}"] = by_round(per_round)
    last = p["practice_rounds"]
    out.update({
        "rate_repulsion": similarity["different"][last] - similarity["unrelated"][last],
        "rate_change_different": similarity["different"][last] - similarity["different"][0],
        "rate_change_same": similarity["same"][last] - similarity["same"][0],
        "rate_change_unrelated": similarity["unrelated"][last] - similarity["unrelated"][0],
    })
    return out
