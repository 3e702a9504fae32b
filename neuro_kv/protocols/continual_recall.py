"""``continual-recall``: a stream of new items and queries at a fixed delay (Tyulmankov et al.
2021, Fig. 4a).

For each slot policy (sequential, random) and delay R, one stream of T = 2R + 15 steps: step
t is a query of the item presented exactly R steps earlier with probability 1/2 if that step
was a new item, and a new item otherwise. Only the items that will be queried are stored
(neuromodulator on); the local factor of step t tags slot ``t mod n_slots`` (sequential: the
pointer advances at every step, stored or not) or each slot with probability
``slot_probability`` (random; 4 / n_slots by default). Each stream starts from a fresh memory
(the key synapses of every slot erased, as in ``correlated-items``). A query presents the
item's key with ``cue_hidden_fraction`` hidden. Steps whose item is neither stored nor
queried take no window: with the neuromodulator off they would change no synapse.

``accuracy_by_delay[policy][R]``: mean value accuracy of the queries at delay R. On the same
streams (patterns, tags, order): the rate slot memory (``rate_accuracy_by_delay``) and a
Hopfield network that forgets (bounded weights, `neuro_kv.rate_models.
ForgettingHopfieldMemory`; ``hopfield_accuracy_by_delay``, on the sequential streams).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuro_kv.analysis.memory_task_figures import continual_recall_figure
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    KVIndexProtocol,
    erase,
    new_schedule,
    read_out,
)
from neuro_kv.protocols.paired_recall import hide_entries, n_slots, schedule_step
from neuro_kv.rate_models import ForgettingHopfieldMemory, SlotMemory
from neuro_kv.schedule import Phase, Schedule, members
from neuro_kv.spikes import SpikeRecord

__all__ = ["ContinualRecall", "Stream", "draw_stream", "replay", "slot_tag", "POLICIES"]

P = Parameter

PARAMETERS = ParameterSet([
    P("delays", (1, 10, 20, 30, 38, 42, 50, 60, 70, 78, 82, 90, 100, 110, 118),
      "query delays R in stream steps (one stream per delay and policy)", "ints", low=1),
    P("policies", ("sequential", "random"), "slot policies run", "names",
      choices=("sequential", "random")),
    P("slot_probability", 0.0, "random policy: probability that a slot is tagged at a step "
      "(0: 4 / n_slots, Tyulmankov et al.'s choice)", "float", low=0, high=1),
    P("cue_hidden_fraction", 0.6, "fraction of key entries hidden in a query", "float",
      low=0, high=1),
    *TIMING_PARAMETERS,
])
POLICIES = ("sequential", "random")


@dataclass(frozen=True)
class Stream:
    """One stream: its policy and delay; per step the kind (``new``/``query``), whether a
    new item is stored, its key, value and tagged slots; the queries' cues."""

    policy: str
    delay: int
    kinds: list[str]
    stored: np.ndarray
    keys: np.ndarray
    values: np.ndarray
    tags: list[tuple[int, ...]]
    cues: dict[int, np.ndarray]


def draw_stream(policy: str, delay: int, p: dict[str, Any], rng: np.random.Generator
                ) -> Stream:
    """A stream of 2 * delay + 15 steps (see the module's description)."""
    steps, slots = 2 * delay + 15, n_slots(p)
    probability = p["slot_probability"] or min(1.0, 4.0 / slots)
    kinds: list[str] = []
    for t in range(steps):
        earlier = t - delay
        query = earlier >= 0 and kinds[earlier] == "new" and rng.random() < 0.5
        kinds.append("query" if query else "new")
    stored = np.zeros(steps, bool)
    for t, kind in enumerate(kinds):
        if kind == "query":
            stored[t - delay] = True
    keys = rng.choice([-1.0, 1.0], size=(steps, p["n_input"]))
    values = rng.choice([-1.0, 1.0], size=(steps, p["n_value"]))
    if policy == "sequential":
        tags = [(t % slots,) for t in range(steps)]
    else:
        tags = [tuple(int(s) for s in np.flatnonzero(rng.random(slots) < probability))
                for _ in range(steps)]
    cues = {t: hide_entries(keys[t - delay][None, :], p["cue_hidden_fraction"], rng)[0]
            for t, kind in enumerate(kinds) if kind == "query"}
    return Stream(policy, delay, kinds, stored, keys, values, tags, cues)


class ContinualRecall(KVIndexProtocol):
    """Accuracy against the delay of a query in a continual stream."""

    name = "continual-recall"
    parameters = PARAMETERS
    figure = staticmethod(continual_recall_figure)
    scalar_metrics = ("sequential_within_n", "sequential_beyond_n", "random_within_n",
                      "random_beyond_n")

    def check(self, p: dict[str, Any]) -> None:
        schedule_step(p)

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> list[Stream]:
        return [draw_stream(policy, delay, p, rng) for policy in p["policies"]
                for delay in p["delays"]]

    def schedule(self, p: dict[str, Any], streams: list[Stream]) -> Schedule:
        schedule = new_schedule(p)
        for s, stream in enumerate(streams):
            schedule.add(erase(p, stream=s))
            for t, kind in enumerate(stream.kinds):
                if kind == "query":
                    schedule.add(Phase("retrieve", t - stream.delay, cue=stream.cues[t],
                                       tags={"stream": s}))
                elif stream.stored[t]:
                    schedule.add(Phase("encode", t, cue=stream.keys[t],
                                       teacher=stream.values[t], modulator=1.0,
                                       controls={"plateau": members(stream.tags[t])},
                                       tags={"stream": s}))
        return schedule

    def analyse(self, p: dict[str, Any], streams: list[Stream], schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        accuracy: dict[str, dict[str, float]] = {}
        rate: dict[str, dict[str, float]] = {}
        hopfield: dict[str, float] = {}
        queries: dict[str, int] = {}
        for s, stream in enumerate(streams):
            readout = read_out(p, schedule, spikes, rng, stream=s)
            delay = str(stream.delay)
            accuracy.setdefault(stream.policy, {})[delay] = float(
                readout.accuracy(stream.values[readout.items]).mean())
            rate.setdefault(stream.policy, {})[delay] = rate_stream(stream, n_slots(p), rng)
            if stream.policy == p["policies"][0]:
                hopfield[delay] = hopfield_stream(stream, p, rng)
                queries[delay] = len(readout.items)
        metrics: dict[str, Any] = {"accuracy_by_delay": accuracy,
                                   "rate_accuracy_by_delay": rate,
                                   "hopfield_accuracy_by_delay": hopfield,
                                   "hopfield_policy": p["policies"][0],
                                   "queries_by_delay": queries}
        n = n_slots(p)
        for policy, by_delay in accuracy.items():
            within = [v for d, v in by_delay.items() if int(d) < n]
            beyond = [v for d, v in by_delay.items() if n < int(d) < 2 * n]
            if within:
                metrics[f"{policy}_within_n"] = float(np.mean(within))
            if beyond:
                metrics[f"{policy}_beyond_n"] = float(np.mean(beyond))
        return metrics


def replay(stream: Stream, memory: Any, write: Callable[[int], None],
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A rate memory through a stream: ``write(t)`` at each stored step, ``memory.recall``
    of the cue at each query (a query always follows its item's write). Returns the queried
    items and the accuracy of each recall."""
    items, accuracy = [], []
    for t, kind in enumerate(stream.kinds):
        if kind == "query":
            item = t - stream.delay
            recalled = memory.recall(stream.cues[t][None, :], rng)[0]
            items.append(item)
            accuracy.append(float((recalled == stream.values[item]).mean()))
        elif stream.stored[t]:
            write(t)
    return np.array(items, dtype=int), np.array(accuracy)


def slot_tag(stream: Stream, t: int, slots: int) -> np.ndarray:
    """Step ``t``'s local factor as a 0/1 vector over the slots."""
    tag = np.zeros(slots)
    tag[list(stream.tags[t])] = 1.0
    return tag


def rate_stream(stream: Stream, slots: int, rng: np.random.Generator) -> float:
    """The rate slot memory through the stream (the same tags), scored at its queries."""
    memory = SlotMemory(slots)
    return float(np.mean(replay(stream, memory, lambda t: memory.write(
        stream.keys[t], stream.values[t], 1.0, slot_tag(stream, t, slots)), rng)[1]))


def hopfield_stream(stream: Stream, p: dict[str, Any], rng: np.random.Generator) -> float:
    """The forgetting Hopfield network through the stream, scored at its queries."""
    memory = ForgettingHopfieldMemory(p["n_input"], p["n_value"])
    return float(np.mean(replay(stream, memory, lambda t: memory.write(
        stream.keys[t], stream.values[t]), rng)[1]))
