"""``sequence-recall``: a chain of items, each value the key of the next, recalled from its
first key alone (Tyulmankov et al. 2021, Fig. 5b).

For each chain length L, one block: the key synapses of every slot are erased (a fresh
memory), then L items are stored, item t (t = 0 .. L-1) with key x_t and value x_{t+1}
(L + 1 random +/-1 patterns of ``n_input`` entries) in slot ``t mod n_slots`` (sequential:
past N items the oldest slots are overwritten). Recall takes L windows: the first presents
x_0 (``cue_hidden_fraction`` of it hidden) with the re-entry pathway off; each later window
presents nothing but the cortical value of the window before, through the cortex -> input
re-entry pathway that the schedule switches on (``Phase.reentry``; the input holds the sign of
each entry's cortical rails at the window's onset). Nothing but the schedule runs between
windows, so a chain runs inside one compiled network (cpp_standalone too).

Per chain: ``chain_accuracy_by_length[L]`` (mean fraction of correct value bits over the L
recalled values, window t scored against x_{t+1}) and ``chain_error_free_by_length[L]`` (1 if
every recalled value has every bit right). On the same patterns: the rate slot memory of
`neuro_kv.rate_models` with the same slot tags, its output fed back as the next cue
(``rate_...``), and a bidirectional associative memory (``bam_...``, Kosko 1988) storing the
same pairs, recalled the same way (x_{t+1} = sign(x_t W)).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuro_kv.analysis.memory_task_figures import sequence_recall_figure
from neuro_kv.parameters import Parameter, ParameterError, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    KVIndexProtocol,
    encode,
    erase,
    hide_entries,
    new_schedule,
    read_out,
)
from neuro_kv.protocols.paired_recall import n_slots, schedule_step
from neuro_kv.rate_models import BidirectionalMemory, SlotMemory
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["SequenceRecall", "Chains", "recall_chain"]

P = Parameter

PARAMETERS = ParameterSet([
    P("lengths", (5, 10, 20, 30, 40, 50, 60), "chain lengths L in items (one chain per "
      "length)", "ints", low=1),
    P("cue_hidden_fraction", 0.0, "fraction of the first key's entries hidden in the first "
      "window's cue", "float", low=0, high=1),
    P("reentry_gain", 1.0, "gain of the cortex -> input re-entry pathway in the windows "
      "after the first (0: a control without re-entry, the chain stops after one item)",
      "float", low=0, high=1),
    *TIMING_PARAMETERS,
])


@dataclass(frozen=True)
class Chains:
    """Per chain: its L + 1 patterns (item t has key ``patterns[t]`` and value
    ``patterns[t + 1]``) and the cue of its first window."""

    patterns: list[np.ndarray]
    first_cues: list[np.ndarray]

    def length(self, c: int) -> int:
        return len(self.patterns[c]) - 1


class SequenceRecall(KVIndexProtocol):
    """Chained recall from the first key, against the chain's length."""

    name = "sequence-recall"
    parameters = PARAMETERS
    figure = staticmethod(sequence_recall_figure)
    scalar_metrics = ("accuracy_within_n", "accuracy_beyond_n", "bam_accuracy_within_n")

    def check(self, p: dict[str, Any]) -> None:
        schedule_step(p)
        if p["n_value"] != p["n_input"]:
            raise ParameterError(f"parameter 'n_value': value {p['n_value']} is not allowed "
                                 f"for sequence-recall; expected n_input = {p['n_input']} "
                                 "(the value of one item is the key of the next)")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> Chains:
        patterns = [rng.choice([-1.0, 1.0], size=(length + 1, p["n_input"]))
                    for length in p["lengths"]]
        cues = [hide_entries(chain[:1], p["cue_hidden_fraction"], rng)[0]
                for chain in patterns]
        return Chains(patterns, cues)

    def schedule(self, p: dict[str, Any], chains: Chains) -> Schedule:
        schedule = new_schedule(p)
        silent = np.zeros(p["n_input"])
        for c, chain in enumerate(chains.patterns):
            schedule.add(erase(p, chain=c))
            for t in range(chains.length(c)):
                schedule.add(encode(t, chain[t], chain[t + 1], t % n_slots(p), chain=c))
            schedule.add(Phase("retrieve", 0, cue=chains.first_cues[c],
                               tags={"chain": c, "cue": "first key"}))
            for t in range(1, chains.length(c)):
                schedule.add(Phase("retrieve", t, cue=silent,
                                   controls={"reentry": p["reentry_gain"]},
                                   tags={"chain": c, "cue": "re-entry"}))
        return schedule

    def analyse(self, p: dict[str, Any], chains: Chains, schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        spiking: list[np.ndarray] = []
        rate: list[np.ndarray] = []
        bam: list[np.ndarray] = []
        for c, chain in enumerate(chains.patterns):
            readout = read_out(p, schedule, spikes, rng, chain=c)
            spiking.append(readout.accuracy(chain[readout.items + 1]))
            memory = SlotMemory(n_slots(p))
            memory.store(chain[:-1], chain[1:], rng,
                         slots=[(t % n_slots(p),) for t in range(chains.length(c))])
            rate.append(recall_chain(memory, chains.first_cues[c], chain, rng))
            bam.append(recall_chain(BidirectionalMemory(chain[:-1], chain[1:]),
                                    chains.first_cues[c], chain, rng))
        metrics: dict[str, Any] = {"n_slots": n_slots(p)}
        for prefix, per_step in (("", spiking), ("rate_", rate), ("bam_", bam)):
            metrics[f"{prefix}chain_accuracy_by_length"] = {
                str(len(steps)): float(np.mean(steps)) for steps in per_step}
            metrics[f"{prefix}chain_error_free_by_length"] = {
                str(len(steps)): float(np.all(steps == 1.0)) for steps in per_step}
        n = n_slots(p)
        for prefix in ("", "bam_"):
            by_length = metrics[f"{prefix}chain_accuracy_by_length"]
            within = [v for length, v in by_length.items() if int(length) <= n]
            beyond = [v for length, v in by_length.items() if int(length) > n]
            if within:
                metrics[f"{prefix}accuracy_within_n"] = float(np.mean(within))
            if beyond:
                metrics[f"{prefix}accuracy_beyond_n"] = float(np.mean(beyond))
        return metrics


def recall_chain(memory: Any, first_cue: np.ndarray, chain: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """A rate memory's chained recall: each recalled value (+/-1) is the next cue. Returns
    the fraction of correct bits of each of the ``len(chain) - 1`` steps."""
    cue, correct = first_cue, []
    for t in range(1, len(chain)):
        cue = memory.recall(cue[None, :], rng)[0]
        correct.append(float((cue == chain[t]).mean()))
    return np.array(correct)
