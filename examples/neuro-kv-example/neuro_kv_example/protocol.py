"""``retest-recall``: store pairs once, then retrieve every item twice, each time from a new
partial cue (independently hidden entries), and measure how recall and the winning slot agree
between the two tests.

A protocol is data: it draws its patterns from the run's generator, builds a schedule of
phases (here with ``kv-index``'s ``plateau`` control, through `encode`), and analyses the
spikes. It subclasses `neuro_kv.contracts.RunProtocol` (the shared pieces of neuro-kv's own
kv-index protocols come from `neuro_kv.protocols.common`), so every optional hook has a
default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    KVIndexProtocol,
    check_slots,
    encode,
    hide_entries,
    new_schedule,
    read_out,
)
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["RetestRecall"]

PARAMETERS = ParameterSet([
    Parameter("n_items", 10, "key/value pairs stored", "int", low=1),
    Parameter("cue_hidden_fraction", 0.6, "fraction of key entries hidden in each cue",
              "float", low=0, high=1),
    *TIMING_PARAMETERS,
])


@dataclass(frozen=True)
class Pairs:
    """Keys, values and two independent partial cues per item (tests x items x entries)."""

    keys: np.ndarray
    values: np.ndarray
    cues: np.ndarray


def retest_figure(metrics: dict[str, Any], path: Any) -> None:
    """Recall accuracy in the first and second test (bars)."""
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar(["test 1", "test 2"], [metrics["accuracy_first"], metrics["accuracy_second"]])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("recall accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


class RetestRecall(KVIndexProtocol):
    """Store pairs, retrieve each twice from independent partial cues."""

    name = "retest-recall"
    circuits = ("kv-index", "kv-index-soft")
    parameters = PARAMETERS
    figure = staticmethod(retest_figure)
    scalar_metrics = ("accuracy_first", "accuracy_second", "winner_agreement",
                      "correct_slot_share")

    def check(self, p: dict[str, Any]) -> None:
        check_slots(p, p["n_items"], "retest-recall")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> Pairs:
        keys = rng.choice([-1.0, 1.0], size=(p["n_items"], p["n_input"]))
        values = rng.choice([-1.0, 1.0], size=(p["n_items"], p["n_value"]))
        cues = np.stack([hide_entries(keys, p["cue_hidden_fraction"], rng) for _ in range(2)])
        return Pairs(keys, values, cues)

    def schedule(self, p: dict[str, Any], pairs: Pairs) -> Schedule:
        schedule = new_schedule(p)
        for item, (key, value) in enumerate(zip(pairs.keys, pairs.values, strict=True)):
            schedule.add(encode(item, key, value, item))  # item k in slot k
        for test, cues in enumerate(pairs.cues):
            for item, cue in enumerate(cues):
                schedule.add(Phase("retrieve", item, cue=cue, tags={"test": test}))
        return schedule

    def analyse(self, p: dict[str, Any], pairs: Pairs, schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator,
                weights: Any = None) -> dict[str, Any]:
        tests = [read_out(p, schedule, spikes, rng, test=test) for test in range(2)]
        accuracy = [float(t.accuracy(pairs.values[t.items]).mean()) for t in tests]
        return {"accuracy_first": accuracy[0], "accuracy_second": accuracy[1],
                "winner_agreement": float(np.mean(tests[0].winners == tests[1].winners)),
                # share of the index's spikes in the item's own slot (item k is in slot k)
                "correct_slot_share": float(np.mean([t.correct_fraction(t.items).mean()
                                                     for t in tests])),
                "winners_first": tests[0].winners.tolist(),
                "winners_second": tests[1].winners.tolist()}
