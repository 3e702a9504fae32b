"""``key-differentiation``: the paper's Fig. 2 in spikes. Items of a few classes whose inputs
overlap as much across classes as within them, each storing its class's feature vector as its
value; retrieval practice with the value as feedback should shape the keys so the classes can
be told apart (keys for discriminability) while the values stay the class features (values
for fidelity; Gershman, Fiete & Irie 2025, Simulation A).

``n_classes`` classes of ``items_per_class`` items. Every item's input is one shared root
pattern with ``item_flip_fraction`` of its entries flipped (its own draw), so any two inputs
correlate about ``(1 - 2 x item_flip_fraction)^2``, whatever their classes: the input gives
the classes no separation. Each class has a random +/-1 feature vector, the value of all its
items. Every item is stored once (``interval_hours`` apart, keys allocated by ``kv-ensemble``
itself); ``retention_hours`` later come ``practice_rounds`` rounds of retrieval practice:
every item once, in a random order, cued by its input while the teacher gives its class
feature as feedback (the ``practice`` control on; ``retrieval_practice`` 1).

**Probes.** Before practice and after every round each item is cued alone (no feedback, no
plasticity). Two items' **key similarity** is the Pearson correlation of the index's answers
(spike counts per index neuron) to their cues. The **class separation** of a probe round is
the mean similarity of two items of one class (within) minus that of two items of different
classes (across);
the same quantity on the inputs is what the input gives (about 0 by construction). The
**class angle** is Fig. 2's measure: the angle between the class-mean answers (the smallest
over pairs of classes); on spike counts, which are never negative, it lies in 0-90 degrees.
**Value fidelity** is the recall accuracy of a probe (decoded value against the class
feature).

**Reported.** Per round: class separation, class angle, recall, the comparator's mismatch.
The separation gained in practice (after the last round minus before practice), the
separation of the key weights' drive at the run's end, and the same schedule on the rate
reference (`EnsembleMemory.practise`, with the circuit's ``practice_credit``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuro_kv.analysis.decoding import recall_accuracy
from neuro_kv.analysis.ensemble_figures import key_differentiation_figure
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
from neuro_kv.schedule import Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["KeyDifferentiation", "class_angle", "class_separation", "class_similarities"]

P = Parameter

PARAMETERS = ParameterSet([
    P("n_classes", 2, "classes (each with its own feature vector as the value)", "int",
      low=2),
    P("items_per_class", 6, "items of each class", "int", low=2),
    P("item_flip_fraction", 0.2, "share of the shared root input's entries flipped to make "
      "each item's input (two inputs correlate about (1 - 2 x this)^2, in and across "
      "classes alike)", "float", low=0, high=0.5),
    P("practice_rounds", 6, "rounds of retrieval practice with feedback (every item once "
      "per round)", "int", low=1),
    P("interval_hours", 24.0, "episode time between two stored items (hours)", "float", low=0),
    P("retention_hours", 24.0, "episode time from the last stored item to the first probe "
      "(hours)", "float", low=0),
    *TIMING_PARAMETERS,
])


class KeyDifferentiation(EnsembleProtocol):
    """Items of overlapping inputs in classes, practised with their class feature as feedback:
    how far their keys separate by class, round by round."""

    name = "key-differentiation"
    figure = key_differentiation_figure
    parameters = PARAMETERS
    #: retrieval practice with each neuron's own credit, by depression alone (the
    #: configuration of `repulsion`'s page, where re-encoding made every key alike)
    circuit_defaults = {"retrieval_practice": 1, "practice_credit": "own",
                        "eta_key_plus": 0.0, "eta_key_minus": 0.2}
    scalar_metrics = ("separation", "separation_before", "separation_change",
                      "similarity_within_change", "similarity_across_change",
                      "input_separation", "class_angle_before", "class_angle_end",
                      "accuracy_before", "accuracy_end", "key_weight_separation_end",
                      "rate_separation", "rate_separation_before", "rate_separation_change",
                      "rate_class_angle_before", "rate_class_angle_end")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        n_items = p["n_classes"] * p["items_per_class"]
        root = rng.choice([-1.0, 1.0], size=p["n_input"])
        inputs = np.array([flip_entries(root, p["item_flip_fraction"], rng)
                           for _ in range(n_items)])
        features = rng.choice([-1.0, 1.0], size=(p["n_classes"], p["n_value"]))
        classes = np.repeat(np.arange(p["n_classes"]), p["items_per_class"])
        return {"inputs": inputs, "classes": classes, "features": features,
                "values": features[classes], "store_order": rng.permutation(n_items),
                "practice_orders": np.array([rng.permutation(n_items)
                                             for _ in range(p["practice_rounds"])])}

    def schedule(self, p: dict[str, Any], patterns: dict[str, Any]) -> Schedule:
        schedule = new_schedule(p)
        inputs, values = patterns["inputs"], patterns["values"]
        add_storing(schedule, p, inputs, values, patterns["store_order"])
        for round_ in range(p["practice_rounds"] + 1):
            if round_:
                add_practice_round(schedule, round_, inputs, values,
                                   patterns["practice_orders"][round_ - 1])
            add_probe_round(schedule, p, round_, inputs)
        return schedule

    def analyse(self, p: dict[str, Any], patterns: dict[str, Any], schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        n_rounds, n_items = p["practice_rounds"] + 1, len(patterns["inputs"])
        classes = patterns["classes"]
        index = probe_answers(p, schedule, spikes, n_rounds, n_items)
        estimates = probe_values(p, schedule, spikes, n_rounds, n_items, rng)
        within, across = np.array([class_similarities(index[r], classes)
                                   for r in range(n_rounds)]).T
        separation = list(within - across)
        angle = [class_angle(index[r], classes) for r in range(n_rounds)]
        accuracy = [float(recall_accuracy(estimates[r], patterns["values"]).mean())
                    for r in range(n_rounds)]
        everything = np.ones(n_items, dtype=bool)
        metrics: dict[str, Any] = {
            "separation_by_round": by_round(separation),
            "similarity_within_by_round": by_round(within),
            "similarity_across_by_round": by_round(across),
            "similarity_within_change": float(within[-1] - within[0]),
            "similarity_across_change": float(across[-1] - across[0]),
            "class_angle_by_round": by_round(angle),
            "accuracy_by_round": by_round(accuracy),
            "mismatch_by_round": {str(r + 1): m for r, m in enumerate(
                mismatch_by_round(p, schedule, spikes, everything))},
            "separation": float(separation[-1]), "separation_before": float(separation[0]),
            "separation_change": float(separation[-1] - separation[0]),
            "input_separation": class_separation(patterns["inputs"], classes),
            "class_angle_before": angle[0], "class_angle_end": angle[-1],
            "accuracy_before": accuracy[0], "accuracy_end": accuracy[-1],
            "population_rate_hz": spikes.rates(),
        }
        if weights is not None and "keys" in weights:
            drives = key_drives(p, patterns["inputs"], weights["keys"])
            metrics["key_weight_separation_end"] = class_separation(drives, classes)
        if spikes.seed is not None:
            answers = rate_answers(p, spikes.seed, schedule, n_rounds, n_items, rng,
                                   p["practice_credit"])
            rate = [class_separation(answers[r], classes) for r in range(n_rounds)]
            rate_angle = [class_angle(answers[r], classes) for r in range(n_rounds)]
            metrics.update({
                "rate_separation_by_round": by_round(rate),
                "rate_separation": rate[-1], "rate_separation_before": rate[0],
                "rate_separation_change": rate[-1] - rate[0],
                "rate_class_angle_before": rate_angle[0], "rate_class_angle_end": rate_angle[-1],
            })
        return metrics


def class_similarities(answers: np.ndarray, classes: np.ndarray) -> tuple[float, float]:
    """Mean Pearson correlation of two rows of ``answers`` (items x features) of one class,
    and of two rows of different classes (NaN rows, e.g. silent answers, skipped)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        similarity = np.corrcoef(np.asarray(answers, dtype=float))
    upper = np.triu(np.ones_like(similarity, dtype=bool), k=1)
    same = classes[:, None] == classes[None, :]
    return float(np.nanmean(similarity[upper & same])), float(np.nanmean(similarity[upper & ~same]))


def class_separation(answers: np.ndarray, classes: np.ndarray) -> float:
    """`class_similarities`: within a class minus across classes."""
    within, across = class_similarities(answers, classes)
    return within - across


def class_angle(answers: np.ndarray, classes: np.ndarray) -> float:
    """The smallest angle (degrees) between two classes' mean rows of ``answers``."""
    means = np.array([answers[classes == c].mean(axis=0) for c in np.unique(classes)])
    norms = np.linalg.norm(means, axis=1)
    angles = [np.degrees(np.arccos(np.clip(means[a] @ means[b] / (norms[a] * norms[b]),
                                           -1.0, 1.0)))
              for a in range(len(means)) for b in range(a + 1, len(means))
              if norms[a] > 0 and norms[b] > 0]
    return float(min(angles)) if angles else float("nan")
