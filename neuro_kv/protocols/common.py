"""Pieces shared by the single-network protocols on the ``kv-index`` circuit: timing
parameters, schedule construction, cue manipulations, retrieval read-outs and statistics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from neuro_kv.analysis.decoding import decode_dual_rail, most_active, recall_accuracy, slot_share
from neuro_kv.analysis.plots import raster_figure
from neuro_kv.contracts import RunProtocol
from neuro_kv.parameters import ParameterError
from neuro_kv.protocols.paired_recall import PARAMETERS as PAIRED_PARAMETERS
from neuro_kv.protocols.paired_recall import hide_entries, n_slots, schedule_step
from neuro_kv.schedule import Phase, Schedule, members
from neuro_kv.spikes import SpikeRecord

__all__ = [
    "TIMING_PARAMETERS", "EnsembleProtocol", "KVIndexProtocol", "Readout", "check_at_most",
    "check_slots", "correlated_keys",
    "encode", "erase", "flip_entries", "hide_entries", "new_schedule", "read_out",
]

#: window, gap and dt, as in ``paired-recall`` (the defaults keep the 50 ms schedule step,
#: so every protocol shares the compiled kv-index code)
TIMING_PARAMETERS = [PAIRED_PARAMETERS[name] for name in ("window", "gap", "dt")]


class KVIndexProtocol(RunProtocol):
    """What the single-network protocols on ``kv-index`` share: the circuit, the healthy
    encoding rate of its slots, and their figures (``raster.png`` and ``NAME.png``, drawn by
    the subclass's ``figure`` from the run's metrics)."""

    name: str
    default_circuit = "kv-index"
    circuits: tuple[str, ...] | None = ("kv-index",)
    figure: Callable[[dict, Any], None]

    def figures(self, p: dict[str, Any], result: Any) -> dict[str, Any]:
        """Figure file name -> function(path) drawing it."""
        windows = [(phase.kind, start, stop) for _, phase, start, stop
                   in result.schedule.windows()]
        return {
            "raster.png": partial(raster_figure, result.spikes, result.populations, windows),
            f"{self.name}.png": partial(type(self).figure, result.metrics),
        }

    def batch_figures(self, p: dict[str, Any], combined: dict[str, Any]) -> dict[str, Any]:
        """The protocol's figure of a batch: means over seeds with their intervals."""
        return {f"{self.name}.png": partial(type(self).figure, combined)}


class EnsembleProtocol(KVIndexProtocol):
    """The single-network protocols on ``kv-ensemble``: its figures as `KVIndexProtocol`'s."""

    default_circuit = "kv-ensemble"
    circuits: tuple[str, ...] | None = ("kv-ensemble",)


def new_schedule(p: dict[str, Any]) -> Schedule:
    """An empty schedule for the circuit sizes and timing in ``p``."""
    return Schedule(window=p["window"], gap=p["gap"], step=schedule_step(p),
                    n_input=p["n_input"], n_value=p["n_value"])


def check_slots(p: dict[str, Any], needed: int, what: str) -> None:
    """Refuse a protocol that needs more slots than the circuit has (no overwriting)."""
    if needed > n_slots(p):
        raise ParameterError(f"parameter 'n_slots': value {n_slots(p)} is not allowed for "
                             f"{what}; expected at least {needed} (one slot per stored item)")


def check_at_most(p: dict[str, Any], name: str, bound: str) -> None:
    """Refuse ``p[name]`` above ``p[bound]`` (e.g. more amnesic items than items)."""
    if p[name] > p[bound]:
        raise ParameterError(f"parameter {name!r}: value {p[name]} is not allowed; expected "
                             f"at most {bound} = {p[bound]}")


def encode(item: int, key: np.ndarray, value: np.ndarray, slot: int,
           modulator: float = 1.0, **tags: Any) -> Phase:
    """One encoding window: key on the input, value taught, plateau on ``slot``."""
    return Phase("encode", item, cue=key, teacher=value, modulator=modulator,
                 controls={"plateau": members([slot])}, tags=tags)


def erase(p: dict[str, Any], **tags: Any) -> Phase:
    """A window that starts a fresh memory: the key synapses of every slot are set to 0 in
    one step (keys start at 0, so no slot wins until it is written again; a slot written
    again overwrites its old value). Blocks of one schedule use it to be independent."""
    return Phase("erase", -1, cue=np.zeros(p["n_input"]),
                 controls={"key_retention": members(range(n_slots(p)), 0.0)}, tags=tags)


def flip_entries(pattern: np.ndarray, fraction: float, rng: np.random.Generator
                 ) -> np.ndarray:
    """A copy of the +/-1 ``pattern`` with round(fraction * n) random entries flipped."""
    noisy = pattern.copy()
    n_flipped = int(round(fraction * pattern.size))
    noisy[rng.choice(pattern.size, n_flipped, replace=False)] *= -1
    return noisy


@dataclass(frozen=True)
class Readout:
    """Spike counts of the selected windows (in schedule order) and what they decode to.

    ``items``: the item of each window; ``index``: windows x slots; ``cortex``: windows x
    cortical neurons; ``estimates``: +/-1 value estimates (windows x entries); ``winners``:
    most active slot (-1: silent index); ``starts``: window onsets (s).
    """

    items: np.ndarray
    index: np.ndarray
    cortex: np.ndarray
    estimates: np.ndarray
    winners: np.ndarray
    starts: np.ndarray

    def accuracy(self, values: np.ndarray) -> np.ndarray:
        """Per-window recall accuracy against the stored ``values`` (one row per window)."""
        return recall_accuracy(self.estimates, values)

    def correct_fraction(self, slots: list[int] | np.ndarray) -> np.ndarray:
        """Share of index spikes in each window's stored slot."""
        return slot_share(self.index, [(int(s),) for s in slots])


def read_out(p: dict[str, Any], schedule: Schedule, spikes: SpikeRecord,
             rng: np.random.Generator, kind: str = "retrieve", **tags: Any) -> Readout:
    """Counts and decoded values of the windows of ``kind`` with ``tags``."""
    found = schedule.windows(kind, **tags)
    windows = [(start, stop) for _, _, start, stop in found]
    index = spikes.counts("index", windows)
    cortex = spikes.counts("cortex", windows)
    estimates = decode_dual_rail(cortex, p["n_value"], p["value_copies"], rng)
    return Readout(np.array([phase.item for _, phase, _, _ in found], dtype=int), index,
                   cortex, estimates, most_active(index, rng),
                   np.array([s for s, _ in windows]))


def correlated_keys(n: int, d: int, rho: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` +/-1 keys of dimension ``d`` around a random template: each entry is the
    template's with probability ``rho`` and a fresh random sign otherwise."""
    template = rng.choice([-1.0, 1.0], size=d)
    redraw = rng.random((n, d)) >= rho
    return np.where(redraw, rng.choice([-1.0, 1.0], size=(n, d)), template[None, :])
