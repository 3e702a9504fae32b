"""``feeling-of-knowing``: the key match is sensed before, and without, the value.

One schedule on the ``kv-index`` circuit: store ``n_items`` random +/-1 pairs (for a random
``weak_value_fraction`` of them the teacher covers only ``weak_value_coverage`` of the value
entries: a partly stored content, the tip-of-the-tongue case where the key is found and the
content only in part); then present
(1) every stored key as a sparse partial cue, (2) ``n_novel`` never-stored keys, equally
sparse, (3) for ``n_familiar`` stored items, the same partial cue with its hidden entries
filled by the majority sign of all stored keys (a *familiar* cue: it overlaps many stored
keys), and (4) the same cue with those entries filled by random signs (a control with as
many active entries).

Key-match (FOK) signal of a cue: the peak over slots of the key-weighted input spike count in
the first ``fok_window`` after cue onset, ``max_j sum_i w_ij n_i`` (``w``: learned key
weights, ``n_i``: spikes of input neuron i), the drive each slot receives before the
index's inhibition normalises it. ``key_latency_ms``: median first index spike after onset;
``value_latency_ms``: median time after onset at which the cortical read-out settles (the
value decoded from the spikes so far agrees with the window's final read-out on at least
``settle_agreement`` of the entries from then on), over correctly recalled cues.
``fok_auc``: P(signal of a stored cue whose recall failed > signal of a never-stored cue).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from brian2 import ms, second

from neuro_kv.analysis.decoding import first_spike, key_match_signal, settling_time
from neuro_kv.analysis.forgetting_figures import feeling_of_knowing_figure
from neuro_kv.analysis.statistics import auc, pooled_auc
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
from neuro_kv.protocols.paired_recall import schedule_step
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["FeelingOfKnowing", "FokCues"]

P = Parameter

PARAMETERS = ParameterSet([
    P("n_items", 24, "key/value pairs stored", "int", low=2),
    P("n_novel", 24, "never-stored cues presented", "int", low=1),
    P("weak_value_fraction", 0.25, "fraction of items whose value is stored weakly",
      "float", low=0, high=1),
    P("weak_value_coverage", 0.5, "fraction of a weakly stored value's entries taught (the "
      "rest stay silent at encoding, so they are not stored)", "float", low=0, high=1),
    P("n_familiar", 8, "stored items also cued with a familiar and a random-filled cue",
      "int", low=0),
    P("cue_hidden_fraction", 0.7, "fraction of key entries hidden in a cue (sparse cues: "
      "some recalls fail)", "float", low=0, high=1),
    P("recalled_accuracy", 0.9, "a cue counts as recalled at this value accuracy or above",
      "float", low=0, high=1),
    P("fok_window", 20 * ms, "early part of the window summed into the key-match "
      "signal", "quantity", ms, low=0, low_exclusive=True),
    P("settle_agreement", 0.9, "fraction of entries on which the read-out so far must agree "
      "with the final read-out to count as settled", "float", low=0, high=1),
    *TIMING_PARAMETERS,
])


@dataclass(frozen=True)
class FokCues:
    """Stored ``keys``/``values`` (``weak``: items taught in part, ``taught``: items x
    entries, the entries taught at encoding); ``cues``
    (stored, partial), ``novel`` cues, and for the first n_familiar items the ``familiar``
    and ``random_fill`` cues."""

    keys: np.ndarray
    weak: np.ndarray
    taught: np.ndarray
    values: np.ndarray
    cues: np.ndarray
    novel: np.ndarray
    familiar: np.ndarray
    random_fill: np.ndarray


class FeelingOfKnowing(KVIndexProtocol):
    """Key-match signal: earlier than the value, predicts storage on failed recalls, and is
    inflated by a familiar cue that does not help recall."""

    name = "feeling-of-knowing"
    parameters = PARAMETERS
    figure = staticmethod(feeling_of_knowing_figure)
    scalar_metrics = ("key_latency_ms", "value_latency_ms", "fok_auc", "fok_auc_all",
                      "recall_accuracy")

    def check(self, p: dict[str, Any]) -> None:
        schedule_step(p)
        check_slots(p, p["n_items"], "feeling-of-knowing")
        check_at_most(p, "n_familiar", "n_items")
        check_at_most(p, "fok_window", "window")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> FokCues:
        n, d = p["n_items"], p["n_input"]
        keys = rng.choice([-1.0, 1.0], size=(n, d))
        values = rng.choice([-1.0, 1.0], size=(n, p["n_value"]))
        cues = hide_entries(keys, p["cue_hidden_fraction"], rng)
        novel = hide_entries(rng.choice([-1.0, 1.0], size=(p["n_novel"], d)),
                             p["cue_hidden_fraction"], rng)
        prototype = np.where(keys.sum(axis=0) >= 0, 1.0, -1.0)
        chosen = cues[:p["n_familiar"]]
        hidden = chosen == 0
        familiar = np.where(hidden, prototype, chosen)
        random_fill = np.where(hidden, rng.choice([-1.0, 1.0], size=chosen.shape), chosen)
        weak = np.zeros(n, dtype=bool)
        weak[rng.choice(n, int(round(p["weak_value_fraction"] * n)), replace=False)] = True
        taught = np.ones(values.shape, dtype=bool)
        n_untaught = int(round((1 - p["weak_value_coverage"]) * p["n_value"]))
        for item in np.flatnonzero(weak):
            taught[item, rng.choice(p["n_value"], n_untaught, replace=False)] = False
        return FokCues(keys, weak, taught, values, cues, novel, familiar, random_fill)

    def schedule(self, p: dict[str, Any], cues: FokCues) -> Schedule:
        schedule = new_schedule(p)
        for item, (key, value) in enumerate(zip(cues.keys, cues.values, strict=True)):
            schedule.add(encode(item, key, value * cues.taught[item], item))
        n = p["n_items"]
        for item, cue in enumerate(cues.cues):
            schedule.add(Phase("retrieve", item, cue=cue, tags={"cue": "stored"}))
        for k, cue in enumerate(cues.novel):
            schedule.add(Phase("retrieve", n + k, cue=cue, tags={"cue": "novel"}))
        for name, block in (("familiar", cues.familiar), ("random_fill", cues.random_fill)):
            for item, cue in enumerate(block):
                schedule.add(Phase("retrieve", item, cue=cue, tags={"cue": name}))
        return schedule

    def combine(self, p: dict[str, Any], metrics: list[dict[str, Any]]) -> dict[str, Any]:
        """Over seeds: ``fok_auc_pooled``, the AUC of every run's failed recalls against
        every run's never-stored cues, with ``fok_auc_pooled_ci``, a bootstrap interval over
        runs; ``key_before_value_seeds``, the runs whose key latency precedes their value
        latency; the pooled ``signals`` (for the batch figure)."""
        failed = [m["signals"]["not_recalled"] for m in metrics]
        never = [m["signals"]["never_stored"] for m in metrics]
        value, interval = pooled_auc(failed, never, seed=0)
        return {
            "fok_auc_pooled": value, "fok_auc_pooled_ci": list(interval),
            "n_failed_pooled": int(sum(len(f) for f in failed)),
            "key_before_value_seeds": int(sum(m["key_latency_ms"] < m["value_latency_ms"]
                                              for m in metrics)),
            "signals": {name: [s for m in metrics for s in m["signals"][name]]
                        for name in ("recalled", "not_recalled", "never_stored")},
        }

    def analyse(self, p: dict[str, Any], cues: FokCues, schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        if weights is None or "keys" not in weights:
            raise ValueError("feeling-of-knowing needs the learned key weights")
        n_familiar = p["n_familiar"]
        window = float(p["window"] / second)
        readouts = {name: read_out(p, schedule, spikes, rng, cue=name)
                    for name in ("stored", "novel", "familiar", "random_fill")}
        inputs = spikes.population("input")
        signals = {name: key_match_signal(inputs, weights["keys"], readout.starts,
                                          float(p["fok_window"] / second))
                   for name, readout in readouts.items()}
        stored = readouts["stored"]
        accuracy = stored.accuracy(cues.values[stored.items])
        recalled = accuracy >= p["recalled_accuracy"]
        index_spikes = spikes.population("index")
        cortex_spikes = spikes.population("cortex")
        key_latency = [first_spike(index_spikes[1], start, start + window)
                       for start in stored.starts]
        value_latency = [
            settling_time(cortex_spikes[1], cortex_spikes[0], start, start + window,
                          p["n_value"], p["value_copies"], p["settle_agreement"])
            for start in stored.starts[recalled]]
        failed, never = signals["stored"][~recalled], signals["novel"]

        def block(name: str, rows: slice = slice(None)) -> dict[str, float]:
            readout, signal = readouts[name], signals[name][rows]
            items = readout.items[rows]
            accuracy = readout.accuracy(cues.values[readout.items])[rows]
            return {"signal": float(signal.mean()) if len(signal) else float("nan"),
                    "accuracy": float(accuracy.mean()) if len(items) else float("nan")}

        plain, fam, rnd = (block("stored", slice(0, n_familiar)), block("familiar"),
                           block("random_fill"))
        return {
            "key_latency_ms": 1e3 * float(np.nanmedian(key_latency)),
            "value_latency_ms": 1e3 * float(np.nanmedian(value_latency))
            if value_latency else float("nan"),
            "fok_auc": auc(failed, never),
            "fok_auc_all": auc(signals["stored"], never),
            "n_failed": int((~recalled).sum()),
            "n_failed_weak": int((~recalled & cues.weak).sum()),
            "recall_accuracy": float(accuracy.mean()),
            "familiar": {
                "signal": {"plain": plain["signal"], "familiar": fam["signal"],
                           "random_fill": rnd["signal"]},
                "accuracy": {"plain": plain["accuracy"], "familiar": fam["accuracy"],
                             "random_fill": rnd["accuracy"]},
            },
            "signals": {"recalled": [float(s) for s in signals["stored"][recalled]],
                        "not_recalled": [float(s) for s in failed],
                        "never_stored": [float(s) for s in never]},
            "per_item_accuracy": [float(a) for a in accuracy],
            "n_items": p["n_items"],
        }
