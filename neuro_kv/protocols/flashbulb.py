"""``flashbulb``: salient items stored with a 10x neuromodulator level stay when ordinary ones
are forgotten (Tyulmankov et al. 2021, Fig. 4b).

Streams as in ``continual-recall`` (for each delay R one stream of 2R + 15 steps, each step a
new item or, with probability 1/2, a query of the item from exactly R steps earlier; only
queried items are stored; slots tagged at random, each with probability 4 / n_slots, or
sequentially). In each stream a fraction ``salient_fraction`` (0.1) of the stored items (at
least one, at most half) are salient: stored with the neuromodulator at ``salience`` (10)
instead of 1. The circuit runs with ``metaplasticity`` on (`neuro_kv.plasticity.
key_metaplastic` and ``value_metaplastic``): a write whose effective rate (eta x modulator)
exceeds ``stability_threshold`` (1) makes its synapses stable, and later ordinary writes into
those slots change nothing. Each stream runs twice from a fresh memory (erasing a slot also
ends its stability): with its salient items, and as a control with every item ordinary (the
same patterns, tags and cues).

Metrics by delay R: ``salient_recall_by_delay`` and ``ordinary_recall_by_delay`` (the salient
and the ordinary items of the salient streams), ``ordinary_recall_without_salient`` (the same
ordinary items in the control streams) and ``salient_items_as_ordinary_by_delay`` (the salient
items in the control streams: the normal forgetting). On the same streams: the rate slot
memory with the same metaplasticity (`neuro_kv.rate_models.MetaplasticSlotMemory`, prefix
``rate_``) and a Hopfield network that forgets (`ForgettingHopfieldMemory`) given writes
``salience`` times larger for the salient items (prefix ``hopfield_``), and its trade-off
over ``hopfield_saliences`` (``hopfield_tradeoff`` {salience: {salient, ordinary}}, means over
the delays).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuro_kv.analysis.memory_task_figures import flashbulb_figure
from neuro_kv.parameters import Parameter, ParameterError, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    KVIndexProtocol,
    erase,
    new_schedule,
    read_out,
)
from neuro_kv.protocols.continual_recall import Stream, draw_stream, replay, slot_tag
from neuro_kv.protocols.paired_recall import n_slots, schedule_step
from neuro_kv.rate_models import ForgettingHopfieldMemory, MetaplasticSlotMemory
from neuro_kv.schedule import Phase, Schedule, members
from neuro_kv.spikes import SpikeRecord

__all__ = ["Flashbulb", "SalientStream", "CONDITIONS"]

P = Parameter

PARAMETERS = ParameterSet([
    P("delays", (5, 10, 20, 40, 80, 120), "query delays R in stream steps (one stream per "
      "delay)", "ints", low=1),
    P("policy", "random", "slot policy", "choice", choices=("random", "sequential")),
    P("slot_probability", 0.0, "random policy: probability that a slot is tagged at a step "
      "(0: 4 / n_slots)", "float", low=0, high=1),
    P("salient_fraction", 0.1, "fraction of a stream's stored items that are salient (at "
      "least one, at most half)", "float", low=0, high=0.5),
    P("salience", 10.0, "neuromodulator level of a salient item's write (ordinary: 1)",
      "float", low=0),
    P("cue_hidden_fraction", 0.6, "fraction of key entries hidden in a query", "float",
      low=0, high=1),
    P("hopfield_saliences", (1.0, 10.0, 50.0, 1000.0), "write strengths of the salient "
      "items given to the forgetting Hopfield baseline (its trade-off)", "floats", low=0),
    *TIMING_PARAMETERS,
])
#: each stream runs with its salient items and as a control with every item ordinary
CONDITIONS = ("salient", "control")


@dataclass(frozen=True)
class SalientStream:
    """A ``continual-recall`` stream and its salient steps (items)."""

    stream: Stream
    salient: frozenset[int]


class Flashbulb(KVIndexProtocol):
    """Recall of salient and ordinary items against delay, with metaplastic slots."""

    name = "flashbulb"
    parameters = PARAMETERS
    circuit_defaults = {"metaplasticity": "on"}
    figure = staticmethod(flashbulb_figure)
    scalar_metrics = ("salient_recall", "salient_items_as_ordinary", "ordinary_cost")

    def check(self, p: dict[str, Any]) -> None:
        schedule_step(p)
        if p.get("value_rule") == "stdp" and p.get("metaplasticity") == "on":
            raise ParameterError("parameter 'value_rule': value 'stdp' is not allowed with "
                                 "metaplasticity on; expected 'rate_hebbian' (the value "
                                 "synapses' metaplastic rule)")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator
                      ) -> list[SalientStream]:
        streams = []
        for delay in p["delays"]:
            stream = draw_stream(p["policy"], delay, p, rng)
            while stream.stored.sum() < 2:  # a salient and an ordinary item at least
                stream = draw_stream(p["policy"], delay, p, rng)
            stored = np.flatnonzero(stream.stored)
            count = min(max(1, round(p["salient_fraction"] * len(stored))),
                        len(stored) // 2)
            salient = rng.choice(stored, count, replace=False)
            streams.append(SalientStream(stream, frozenset(int(t) for t in salient)))
        return streams

    def schedule(self, p: dict[str, Any], streams: list[SalientStream]) -> Schedule:
        schedule = new_schedule(p)
        for s, salient_stream in enumerate(streams):
            stream = salient_stream.stream
            for condition in CONDITIONS:
                tags = {"stream": s, "condition": condition}
                schedule.add(erase(p, **tags))
                for t, kind in enumerate(stream.kinds):
                    if kind == "query":
                        schedule.add(Phase("retrieve", t - stream.delay, cue=stream.cues[t],
                                           tags=tags))
                    elif stream.stored[t]:
                        salient = condition == "salient" and t in salient_stream.salient
                        schedule.add(Phase(
                            "encode", t, cue=stream.keys[t], teacher=stream.values[t],
                            modulator=p["salience"] if salient else 1.0,
                            controls={"plateau": members(stream.tags[t])},
                            tags={**tags, "salient": salient}))
        return schedule

    def analyse(self, p: dict[str, Any], streams: list[SalientStream], schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        spiking: dict[str, dict[str, float]] = {}
        rate: dict[str, dict[str, float]] = {}
        hopfield: dict[str, dict[str, float]] = {}
        tradeoff: dict[str, dict[str, list[float]]] = {}
        for s, salient_stream in enumerate(streams):
            stream, delay = salient_stream.stream, str(salient_stream.stream.delay)
            for condition in CONDITIONS:
                readout = read_out(p, schedule, spikes, rng, stream=s, condition=condition)
                accuracy = readout.accuracy(stream.values[readout.items])
                split(spiking, condition, delay, readout.items, accuracy,
                      salient_stream.salient)
                items, accuracy = rate_stream(salient_stream, condition, p, rng)
                split(rate, condition, delay, items, accuracy, salient_stream.salient)
            for salience in {*p["hopfield_saliences"], p["salience"]}:
                items, accuracy = hopfield_stream(salient_stream, salience, p, rng)
                salient = np.isin(items, list(salient_stream.salient))
                if salience == p["salience"]:
                    by_kind = {"salient": accuracy[salient], "ordinary": accuracy[~salient]}
                    for kind, values in by_kind.items():
                        hopfield.setdefault(kind, {})[delay] = float(values.mean())
                if salience in p["hopfield_saliences"]:
                    entry = tradeoff.setdefault(f"{salience:g}", {"salient": [],
                                                                  "ordinary": []})
                    entry["salient"].append(float(accuracy[salient].mean()))
                    entry["ordinary"].append(float(accuracy[~salient].mean()))
        metrics: dict[str, Any] = {}
        for prefix, curves in (("", spiking), ("rate_", rate)):
            metrics.update({f"{prefix}{name}": curve for name, curve in named(curves).items()})
        metrics["hopfield_salient_recall_by_delay"] = hopfield["salient"]
        metrics["hopfield_ordinary_recall_by_delay"] = hopfield["ordinary"]
        metrics["hopfield_tradeoff"] = {
            salience: {kind: float(np.mean(values)) for kind, values in entry.items()}
            for salience, entry in tradeoff.items()}
        for prefix in ("", "rate_"):
            metrics.update(summary(metrics, prefix))
        return metrics


def split(curves: dict[str, dict[str, float]], condition: str, delay: str,
          items: np.ndarray, accuracy: np.ndarray, salient: frozenset[int]) -> None:
    """Mean accuracy of the salient and of the ordinary items of one stream run, into
    ``curves["<condition> salient"]`` and ``curves["<condition> ordinary"]``."""
    is_salient = np.isin(items, list(salient))
    for kind, chosen in (("salient", is_salient), ("ordinary", ~is_salient)):
        curves.setdefault(f"{condition} {kind}", {})[delay] = float(accuracy[chosen].mean())


def named(curves: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The curves under the protocol's metric names."""
    return {"salient_recall_by_delay": curves["salient salient"],
            "ordinary_recall_by_delay": curves["salient ordinary"],
            "ordinary_recall_without_salient": curves["control ordinary"],
            "salient_items_as_ordinary_by_delay": curves["control salient"]}


def summary(metrics: dict[str, Any], prefix: str) -> dict[str, float]:
    """Means over the delays: salient recall, the same items stored as ordinary ones, and
    the ordinary items' cost (recall without salient items minus with them)."""
    def mean(name: str) -> float:
        return float(np.mean(list(metrics[f"{prefix}{name}"].values())))

    return {f"{prefix}salient_recall": mean("salient_recall_by_delay"),
            f"{prefix}salient_items_as_ordinary": mean("salient_items_as_ordinary_by_delay"),
            f"{prefix}ordinary_cost": mean("ordinary_recall_without_salient")
            - mean("ordinary_recall_by_delay")}


def rate_stream(salient_stream: SalientStream, condition: str, p: dict[str, Any],
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The metaplastic rate slot memory through one stream run (the same tags and
    salience): the queried items and their accuracies."""
    stream, slots = salient_stream.stream, n_slots(p)
    memory = MetaplasticSlotMemory(slots)

    def write(t: int) -> None:
        salient = condition == "salient" and t in salient_stream.salient
        memory.write(stream.keys[t], stream.values[t], p["salience"] if salient else 1.0,
                     slot_tag(stream, t, slots))

    return replay(stream, memory, write, rng)


def hopfield_stream(salient_stream: SalientStream, salience: float, p: dict[str, Any],
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The forgetting Hopfield network through one stream, the salient items written
    ``salience`` times stronger: the queried items and their accuracies."""
    stream = salient_stream.stream
    memory = ForgettingHopfieldMemory(p["n_input"], p["n_value"])
    return replay(stream, memory, lambda t: memory.write(
        stream.keys[t], stream.values[t],
        salience if t in salient_stream.salient else 1.0), rng)
