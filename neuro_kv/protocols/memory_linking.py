"""``memory-linking``: two memories stored a delay apart share index neurons when the delay is
short, and recalling one then brings up the other's value (Cai et al. 2016, Nature 534:115;
Rashid et al. 2016, Neuron 90:1008).

For each delay in ``delays_hours``, ``pairs_per_delay`` blocks: item A is stored,
``delay`` hours pass (not simulated: the excitability drifts, and the rise of A's recruited
neurons decays with ``boost_hours``), item B is stored; then A and B are recalled from
their full keys. Blocks run
in a random order per seed, ``block_gap_hours`` apart (30 days by default: an earlier block's
rise has decayed). A block's link: the overlap of A's and B's ensembles against chance
(``|A| |B| / n_index``), and the intrusion of B into A's recall: on the entries where A's and
B's values differ, the share of the cortical spikes on B's rail, minus the same share for a
value never stored (so 0 means no trace of B). Run it with ``--set recruitment_boost=0*mV``
for the control without the excitability rise: the link should vanish. Beside it, the rate
reference (`neuro_kv.rate_models.EnsembleMemory`) on the same patterns, anatomy and
excitability.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from neuro_kv.analysis.decoding import decode_dual_rail
from neuro_kv.analysis.ensemble_figures import memory_linking_figure
from neuro_kv.neurons import rail_counts
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.protocols.common import TIMING_PARAMETERS, EnsembleProtocol, new_schedule
from neuro_kv.protocols.ensemble_recall import ExcitabilityTwin, ensemble_memory, ensemble_sets
from neuro_kv.rate_models import EnsembleMemory, top_k
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["MemoryLinking"]

#: pairs of random patterns behind `anatomical_overlap_ratio`, and their stream (apart from
#: the run's own patterns)
ANATOMY_PAIRS = 200
ANATOMY_STREAM = 0xA7A

P = Parameter

PARAMETERS = ParameterSet([
    P("delays_hours", (0.5, 5.0, 24.0, 168.0), "delays between the two items of a block "
      "(hours of episode time), one block each", "floats", low=0),
    P("pairs_per_delay", 3, "pairs of items stored at each delay (one block each)", "int",
      low=1),
    P("block_gap_hours", 720.0, "episode time between blocks (hours)", "float", low=0),
    *TIMING_PARAMETERS,
])


class MemoryLinking(EnsembleProtocol):
    """Pairs of items stored a delay apart: ensemble overlap and value intrusion by delay."""

    name = "memory-linking"
    figure = memory_linking_figure
    parameters = PARAMETERS
    scalar_metrics = ("overlap_ratio_shortest", "overlap_ratio_longest", "overlap_ratio_gain",
                      "intrusion_shortest", "intrusion_longest", "intrusion_gain",
                      "rate_overlap_ratio_shortest", "rate_overlap_ratio_longest",
                      "rate_overlap_ratio_gain", "rate_intrusion_gain",
                      "anatomical_overlap_ratio")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        n = len(p["delays_hours"]) * p["pairs_per_delay"]
        return {"keys": rng.choice([-1.0, 1.0], size=(n, 2, p["n_input"])),
                "values": rng.choice([-1.0, 1.0], size=(n, 2, p["n_value"])),
                "controls": rng.choice([-1.0, 1.0], size=(n, p["n_value"])),
                "order": rng.permutation(n)}

    def schedule(self, p: dict[str, Any], patterns: dict[str, Any]) -> Schedule:
        schedule = new_schedule(p)
        for position, block in enumerate(patterns["order"]):
            block = int(block)
            keys, values = patterns["keys"][block], patterns["values"][block]
            tags = {"block": block}
            first = {"elapsed_hours": p["block_gap_hours"]} if position else {}
            schedule.add(Phase("encode", 0, cue=keys[0], teacher=values[0], modulator=1.0,
                               controls=first, tags=tags))
            schedule.add(Phase("encode", 1, cue=keys[1], teacher=values[1], modulator=1.0,
                               controls={"elapsed_hours": delay_of(p, block)},
                               tags=tags))
            for item in (0, 1):
                schedule.add(Phase("retrieve", item, cue=keys[item], tags=tags))
        return schedule

    def analyse(self, p: dict[str, Any], patterns: dict[str, Any], schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        n, n_value, copies = p["n_index"], p["n_value"], p["value_copies"]
        overlap, ratio, intrusion, recall = (defaultdict(list) for _ in range(4))
        for block in range(len(patterns["order"])):
            a, b = ensemble_sets(spikes, schedule.windows("encode", block=block), n,
                                 p["plateau_spikes"])
            chance = len(a) * len(b) / n
            windows = [(start, stop) for _, _, start, stop
                       in schedule.windows("retrieve", block=block)]
            counts = spikes.counts("cortex", windows)
            estimates = decode_dual_rail(counts, n_value, copies, rng)
            values = patterns["values"][block]
            key = f"{delay_of(p, block):g}"
            overlap[key].append(len(a & b))
            ratio[key].append(len(a & b) / chance if chance > 0 else float("nan"))
            intrusion[key].append(
                rail_share(counts[0], values[0], values[1], n_value, copies)
                - rail_share(counts[0], values[0], patterns["controls"][block], n_value, copies))
            recall[key].append(float(np.mean(estimates == values)))
        ratio_by, intrusion_by = by_delay(ratio), by_delay(intrusion)
        metrics: dict[str, Any] = {
            "overlap_by_delay": by_delay(overlap), "overlap_ratio_by_delay": ratio_by,
            "intrusion_by_delay": intrusion_by, "recall_by_delay": by_delay(recall),
            **extremes(p, ratio_by, intrusion_by),
            "population_rate_hz": spikes.rates(),
        }
        if spikes.seed is not None:
            metrics.update(rate_reference(p, spikes.seed, patterns, schedule))
        return metrics



def delay_of(p: dict[str, Any], block: int) -> float:
    """The delay (hours) between the two items of ``block``."""
    return float(p["delays_hours"][block % len(p["delays_hours"])])


def by_delay(values: dict[str, list[float]]) -> dict[str, float]:
    """The mean over a run's pairs at each delay (NaN pairs, with an empty ensemble, left out)."""
    return {delay: float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
            for delay, v in values.items()}


def extremes(p: dict[str, Any], ratio: dict[str, float], intrusion: dict[str, float],
             prefix: str = "") -> dict[str, float]:
    """The overlap ratio and intrusion at the shortest and the longest delay, and their gain
    (shortest minus longest, paired within a run: the link the delay makes)."""
    shortest, longest = (f"{d:g}" for d in (min(p["delays_hours"]), max(p["delays_hours"])))
    return {f"{prefix}overlap_ratio_shortest": ratio[shortest],
            f"{prefix}overlap_ratio_longest": ratio[longest],
            f"{prefix}overlap_ratio_gain": ratio[shortest] - ratio[longest],
            f"{prefix}intrusion_shortest": intrusion[shortest],
            f"{prefix}intrusion_longest": intrusion[longest],
            f"{prefix}intrusion_gain": intrusion[shortest] - intrusion[longest]}


def rail_share(counts: np.ndarray, recalled: np.ndarray, other: np.ndarray, n_value: int,
               copies: int) -> float:
    """While ``recalled`` is recalled: on the entries where ``other`` differs from it, the
    share of the cortical spikes on ``other``'s rail."""
    rails = rail_counts(counts, n_value, copies)  # entries x (positive, negative)
    differ = recalled != other
    other_rail = (other < 0).astype(int)
    on_other = rails[np.arange(n_value), other_rail][differ].sum()
    total = rails[differ].sum()
    return float(on_other / total) if total > 0 else float("nan")


def vote_share(votes: np.ndarray, recalled: np.ndarray, other: np.ndarray) -> float:
    """The rate twin of `rail_share`: ``votes`` (winners x entries) are the stored values of
    the neurons that answered (0 where a neuron holds none)."""
    differ = recalled != other
    cast = votes[:, differ]
    total = np.abs(cast).sum()
    return float((cast == other[differ]).sum() / total) if total > 0 else float("nan")


def rate_reference(p: dict[str, Any], seed: int, patterns: dict[str, Any],
                   schedule: Schedule) -> dict[str, Any]:
    """The rate reference on the run's patterns, anatomy and excitability: per delay, the
    overlap of A's and B's ensembles against chance and B's intrusion into A's recall."""
    n = p["n_index"]
    memory = ensemble_memory(p, seed)
    excitability = ExcitabilityTwin(p, seed, schedule)
    stored: dict[tuple[int, int], np.ndarray] = {}
    ratio, intrusion = defaultdict(list), defaultdict(list)
    for k, phase in enumerate(schedule.phases):
        level = excitability.enter(k, phase)
        block = phase.tags["block"]
        if phase.kind == "encode":
            stored[block, phase.item] = ensemble = memory.store(phase.cue, phase.teacher,
                                                                level)
            excitability.recruit(ensemble)
            continue
        if phase.item != 0:
            continue
        ensemble = memory.answering(phase.cue, level)
        votes = memory.values[ensemble]
        values = patterns["values"][block]
        delay = f"{delay_of(p, block):g}"
        a, b = stored[block, 0], stored[block, 1]
        ratio[delay].append(np.intersect1d(a, b).size / (a.size * b.size / n))
        intrusion[delay].append(vote_share(votes, values[0], values[1])
                                - vote_share(votes, values[0], patterns["controls"][block]))
    ratio_by, intrusion_by = by_delay(ratio), by_delay(intrusion)
    return {"rate_overlap_ratio_by_delay": ratio_by, "rate_intrusion_by_delay": intrusion_by,
            **extremes(p, ratio_by, intrusion_by, prefix="rate_"),
            "anatomical_overlap_ratio": anatomical_overlap_ratio(memory, n, seed)}


def anatomical_overlap_ratio(memory: EnsembleMemory, n: int, seed: int,
                             n_pairs: int = ANATOMY_PAIRS) -> float:
    """The overlap against ``k^2/n`` of the rate model's ensembles for pairs of independent
    random patterns with no excitability at all: the projection alone pulls ensembles
    together (neurons with more or stronger connections have a wider drive and win more
    often), so this, not 1, is the overlap of two unlinked memories."""
    rng = np.random.default_rng([seed, ANATOMY_STREAM])
    patterns = rng.choice([-1.0, 1.0], size=(n_pairs, 2, memory.projection.shape[0]))
    flat = np.zeros(n)
    shared = [np.intersect1d(top_k(memory.drive(x, flat, reading=False), memory.k),
                             top_k(memory.drive(y, flat, reading=False), memory.k)).size
              for x, y in patterns]
    return float(np.mean(shared) / (memory.k ** 2 / n))
