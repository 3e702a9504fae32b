"""``barcodes``: caches stored at sites of a track, after Chettih et al. (2024, Cell 187:1922).

In chickadee hippocampus each cache is stored with a *barcode*: a sparse pattern of
activity, uncorrelated between caches even at neighbouring sites and different for two
caches at one site, reactivated when the bird returns to that cache, beside a place code
whose correlation falls smoothly with distance. Here the key that ``kv-ensemble`` allocates
to a cache (its ensemble) plays the barcode, and the place code is the input.

**Place code.** ``n_sites`` sites on a circular track; each input entry is the sign of a
smooth random field over the track (a Gaussian process with squared-exponential correlation
of length ``place_width_sites``), so the input correlation of two sites falls smoothly with
their distance (``(2/pi) arcsin(exp(-d^2 / (2 width^2)))``).

**Caches.** At ``n_anchors`` sites spread evenly round the track (random offset) three
caches: one at the anchor, one at the next site, and a second at the anchor (the same site,
another time); each cache has its own random +/-1 value (its content). The caches are stored
in a random order, ``interval_hours`` apart (one caching episode each). ``retention_hours``
after the last, the track is visited: every site once, its place input as the cue.

**Measured.** Keys: the correlation of two caches' ensembles (1 for a neuron that tagged
itself for the cache, else 0) for caches at the same site, at neighbouring sites and at
distant ones, beside their input correlation; the keys' sparseness. Visits: the correlation
of the index's answers (spike counts) at two sites against their distance (the place code
of the index), and the reactivation of a cache's key (the correlation of its ensemble with
the index's answer at a visit) against the distance of the visit from the cache, for its own
key and for caches elsewhere. The rate reference (`neuro_kv.rate_models.EnsembleMemory` on
the same anatomy, excitability and cues) gives the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuro_kv.analysis.ensemble_figures import barcodes_figure
from neuro_kv.parameters import Parameter, ParameterError, ParameterSet
from neuro_kv.protocols.common import TIMING_PARAMETERS, EnsembleProtocol, new_schedule
from neuro_kv.protocols.ensemble_recall import ExcitabilityTwin, ensemble_memory
from neuro_kv.protocols.separation_completion import correlation
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["Barcodes", "place_code", "ring_distance"]

P = Parameter

PARAMETERS = ParameterSet([
    P("n_sites", 100, "sites on the circular track", "int", low=4),
    P("place_width_sites", 4.0, "correlation length of the place code (sites)", "float",
      low=0, low_exclusive=True),
    P("n_anchors", 6, "sites with caches (each: a cache there, one at the next site, a second "
      "one there)", "int", low=1),
    P("interval_hours", 24.0, "episode time between two caches (hours)", "float", low=0),
    P("retention_hours", 24.0, "episode time from the last cache to the visits (hours)",
      "float", low=0),
    P("far_sites", 10, "caches at least this far apart (sites) count as distant", "int",
      low=1),
    P("reactivation_sites", 8, "visits up to this distance from a cache (sites) enter its "
      "reactivation curve", "int", low=0),
    *TIMING_PARAMETERS,
])

#: the three caches made around each anchor: (site offset from the anchor, kind)
CACHES = ((0, "first"), (1, "neighbour"), (0, "again"))


class Barcodes(EnsembleProtocol):
    """Caches on a track with a place code: key correlation against distance, reactivation."""

    name = "barcodes"
    figure = barcodes_figure
    parameters = PARAMETERS
    scalar_metrics = ("key_correlation_same_site", "key_correlation_neighbour",
                      "key_correlation_distant", "input_correlation_neighbour",
                      "key_sparseness", "reactivation_own", "reactivation_other",
                      "rate_key_correlation_same_site", "rate_key_correlation_neighbour",
                      "rate_reactivation_own", "rate_reactivation_other")

    def check(self, p: dict[str, Any]) -> None:
        if 2 * p["n_anchors"] > p["n_sites"]:
            raise ParameterError(f"parameter 'n_anchors': value {p['n_anchors']} is not "
                                 f"allowed; expected at most n_sites / 2 = {p['n_sites'] // 2} "
                                 "(an anchor and its neighbour site each)")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        n = p["n_sites"]
        place = place_code(n, p["n_input"], p["place_width_sites"], rng)
        offset = int(rng.integers(n))
        anchors = (offset + np.arange(p["n_anchors"]) * n // p["n_anchors"]) % n
        sites = np.array([(a + shift) % n for a in anchors for shift, _ in CACHES])
        kinds = [kind for _ in anchors for _, kind in CACHES]
        return {"place": place, "sites": sites, "kinds": kinds,
                "anchor_of": np.repeat(np.arange(p["n_anchors"]), len(CACHES)),
                "values": rng.choice([-1.0, 1.0], size=(sites.size, p["n_value"])),
                "order": rng.permutation(sites.size)}

    def schedule(self, p: dict[str, Any], patterns: dict[str, Any]) -> Schedule:
        schedule = new_schedule(p)
        for position, cache in enumerate(patterns["order"]):
            cache = int(cache)
            controls = {"elapsed_hours": p["interval_hours"]} if position else {}
            schedule.add(Phase("encode", cache, cue=patterns["place"][patterns["sites"][cache]],
                               teacher=patterns["values"][cache], modulator=1.0,
                               controls=controls))
        for site in range(p["n_sites"]):
            controls = {} if site else {"elapsed_hours": p["retention_hours"]}
            schedule.add(Phase("retrieve", site, cue=patterns["place"][site],
                               controls=controls, tags={"visit": site}))
        return schedule

    def analyse(self, p: dict[str, Any], patterns: dict[str, Any], schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        n = p["n_index"]
        encode = [(start, stop) for _, _, start, stop in schedule.windows("encode")]
        stored = spikes.counts("index", encode)[:, :n] >= p["plateau_spikes"]
        keys = np.zeros((len(patterns["sites"]), n))
        keys[patterns["order"]] = stored  # rows in cache order
        visits = spikes.counts("index", [(start, stop) for _, _, start, stop
                                         in schedule.windows("retrieve")])[:, :n]
        metrics = barcode_metrics(p, patterns, keys, visits.astype(float))
        metrics["population_rate_hz"] = spikes.rates()
        if spikes.seed is not None:
            metrics.update(rate_reference(p, spikes.seed, patterns, schedule))
        return metrics



def place_code(n_sites: int, n_entries: int, width: float, rng: np.random.Generator
               ) -> np.ndarray:
    """A +/-1 place code (sites x entries) on a circular track: each entry is the sign of a
    Gaussian process over the sites with correlation ``exp(-d^2 / (2 width^2))``."""
    d = ring_distance(np.arange(n_sites)[:, None], np.arange(n_sites)[None, :], n_sites)
    covariance = np.exp(-d.astype(float) ** 2 / (2 * width ** 2))
    # eigen-decomposition: the periodic kernel is positive semi-definite up to rounding
    eigenvalues, vectors = np.linalg.eigh(covariance)
    root = vectors * np.sqrt(np.clip(eigenvalues, 0, None))
    field = root @ rng.standard_normal((n_sites, n_entries))
    return np.where(field >= 0, 1.0, -1.0)


def ring_distance(a: Any, b: Any, n: int) -> Any:
    """Distance (sites) between sites ``a`` and ``b`` on a ring of ``n``."""
    d = np.abs(np.asarray(a) - np.asarray(b)) % n
    return np.minimum(d, n - d)


def by_distance(pairs: list[tuple[int, float]], largest: int) -> dict[str, float]:
    """Mean of ``(distance, value)`` pairs at each distance up to ``largest``."""
    curve = {}
    for d in range(largest + 1):
        found = [v for distance, v in pairs if distance == d and np.isfinite(v)]
        if found:
            curve[str(d)] = float(np.mean(found))
    return curve


def barcode_metrics(p: dict[str, Any], patterns: dict[str, Any], keys: np.ndarray,
                    visits: np.ndarray, prefix: str = "") -> dict[str, Any]:
    """Key correlations by kind of pair, the keys' sparseness, the place code of the visits
    and each cache's reactivation by the distance of the visit."""
    n_sites, sites, kinds = p["n_sites"], patterns["sites"], patterns["kinds"]
    anchor_of, place = patterns["anchor_of"], patterns["place"]
    first = {int(a): c for c, (a, kind) in enumerate(zip(anchor_of, kinds, strict=True))
             if kind == "first"}
    same = [correlation(keys[c], keys[first[int(a)]])
            for c, (a, kind) in enumerate(zip(anchor_of, kinds, strict=True)) if kind == "again"]
    neighbour = [correlation(keys[c], keys[first[int(a)]])
                 for c, (a, kind) in enumerate(zip(anchor_of, kinds, strict=True))
                 if kind == "neighbour"]
    input_neighbour = [correlation(place[sites[c]], place[sites[first[int(a)]]])
                       for c, (a, kind) in enumerate(zip(anchor_of, kinds, strict=True))
                       if kind == "neighbour"]
    distance = ring_distance(sites[:, None], sites[None, :], n_sites)
    distant = [correlation(keys[a], keys[b]) for a in range(len(sites))
               for b in range(a + 1, len(sites)) if distance[a, b] >= p["far_sites"]]
    largest = n_sites // 2
    site_pairs = [(a, b) for a in range(n_sites) for b in range(a + 1, n_sites)]
    input_curve = by_distance([(int(ring_distance(a, b, n_sites)),
                                correlation(place[a], place[b])) for a, b in site_pairs],
                              largest)
    reach = p["reactivation_sites"]
    own, other, own_pairs = [], [], []
    for c, site in enumerate(sites):
        for shift in range(-reach, reach + 1):
            visit = (site + shift) % n_sites
            own_pairs.append((abs(shift), correlation(visits[visit], keys[c])))
        own.append(correlation(visits[site], keys[c]))
        other.extend(correlation(visits[site], keys[o]) for o in range(len(sites))
                     if distance[c, o] >= p["far_sites"])
    metrics: dict[str, Any] = {
        "key_correlation_same_site": float(np.nanmean(same)),
        "key_correlation_neighbour": float(np.nanmean(neighbour)),
        "key_correlation_distant": float(np.nanmean(distant)) if distant else float("nan"),
        "input_correlation_neighbour": float(np.mean(input_neighbour)),
        "key_sparseness": float(keys.sum(axis=1).mean() / keys.shape[1]),
        "reactivation_own": float(np.nanmean(own)),
        "reactivation_other": float(np.nanmean(other)) if other else float("nan"),
        "reactivation_by_distance": by_distance(own_pairs, reach),
        "input_correlation_by_distance": input_curve,
    }
    if not prefix:
        metrics["visit_correlation_by_distance"] = by_distance(
            [(int(ring_distance(a, b, n_sites)), correlation(visits[a], visits[b]))
             for a, b in site_pairs], largest)
    return {f"{prefix}{name}": value for name, value in metrics.items()
            if not (prefix and name.startswith("input_"))}


def rate_reference(p: dict[str, Any], seed: int, patterns: dict[str, Any],
                   schedule: Schedule) -> dict[str, Any]:
    """The rate reference's keys (its k-WTA winners while caching) and visits (its winners
    at each site), measured as the spiking ones are."""
    n = p["n_index"]
    memory = ensemble_memory(p, seed)
    excitability = ExcitabilityTwin(p, seed, schedule)
    keys = np.zeros((len(patterns["sites"]), n))
    visits = np.zeros((p["n_sites"], n))
    for k, phase in enumerate(schedule.phases):
        level = excitability.enter(k, phase)
        if phase.kind == "encode":
            ensemble = memory.store(phase.cue, phase.teacher, level)
            excitability.recruit(ensemble)
            keys[phase.item, ensemble] = 1
        else:
            visits[phase.item, memory.answering(phase.cue, level)] = 1
    return barcode_metrics(p, patterns, keys, visits, prefix="rate_")
