"""Spike trains as Neo objects, window spike counts and firing statistics with Elephant."""

from __future__ import annotations

import warnings

import neo
import numpy as np
import quantities as pq

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from elephant.conversion import BinnedSpikeTrain
    from elephant.statistics import mean_firing_rate

__all__ = ["to_segment", "population_trains", "population_spikes", "window_counts",
           "population_rates"]


def to_segment(
    spikes: dict[str, tuple[np.ndarray, np.ndarray]],
    sizes: dict[str, int],
    t_stop: float,
    name: str = "run",
) -> neo.Segment:
    """A Neo Segment with one SpikeTrain per neuron (seconds), annotated with
    ``population`` and ``neuron`` (index within the population)."""
    segment = neo.Segment(name=name)
    for population, (indices, times) in spikes.items():
        order = np.argsort(indices, kind="stable")
        indices, times = indices[order], times[order]
        bounds = np.searchsorted(indices, np.arange(sizes[population] + 1))
        for neuron in range(sizes[population]):
            train_times = np.sort(times[bounds[neuron]:bounds[neuron + 1]])
            train = neo.SpikeTrain(train_times * pq.s, t_start=0 * pq.s, t_stop=t_stop * pq.s,
                                   name=f"{population}[{neuron}]")
            train.annotate(population=population, neuron=neuron)
            segment.spiketrains.append(train)
    return segment


def population_trains(segment: neo.Segment, population: str) -> list[neo.SpikeTrain]:
    """The spike trains of one population, in neuron order."""
    return [st for st in segment.spiketrains if st.annotations["population"] == population]


def population_spikes(segment: neo.Segment, population: str) -> tuple[np.ndarray, np.ndarray]:
    """(neuron indices, spike times in s) of one population, time-ordered."""
    trains = population_trains(segment, population)
    times = [np.asarray(st.times.rescale("s").magnitude) for st in trains]
    neurons = np.concatenate([np.full(len(t), k) for k, t in enumerate(times)]
                             ) if trains else np.array([], dtype=int)
    flat = np.concatenate(times) if trains else np.array([])
    order = np.argsort(flat, kind="stable")
    return neurons[order].astype(int), flat[order]


def window_counts(
    trains: list[neo.SpikeTrain], step: float, windows: list[tuple[float, float]]
) -> np.ndarray:
    """Spike counts (windows x neurons) in each [start, stop) window, in seconds.

    Windows must lie on the ``step`` grid; counts come from Elephant's BinnedSpikeTrain.
    """
    t_stop = float(trains[0].t_stop.rescale(pq.s).magnitude)
    n_bins = int(round(t_stop / step))
    binned = BinnedSpikeTrain(trains, bin_size=step * pq.s, t_start=0 * pq.s,
                              t_stop=n_bins * step * pq.s, tolerance=1e-6)
    matrix = binned.to_array()
    counts = np.empty((len(windows), len(trains)))
    for k, (start, stop) in enumerate(windows):
        counts[k] = matrix[:, int(round(start / step)):int(round(stop / step))].sum(axis=1)
    return counts


def population_rates(segment: neo.Segment) -> dict[str, float]:
    """Mean firing rate (Hz) of each population over the whole run (Elephant)."""
    rates: dict[str, list[float]] = {}
    for train in segment.spiketrains:
        # plain arrays in seconds: Elephant skips the per-train unit bookkeeping (and
        # refuses empty arrays, whose rate is 0)
        rate = mean_firing_rate(train.times.rescale(pq.s).magnitude,
                                t_start=float(train.t_start.rescale(pq.s)),
                                t_stop=float(train.t_stop.rescale(pq.s))) if len(train) else 0.0
        rates.setdefault(train.annotations["population"], []).append(float(rate))
    return {population: float(np.mean(values)) for population, values in rates.items()}


def window_rate(times: np.ndarray, n_neurons: int, windows: list[tuple[float, float]]) -> float:
    """Mean firing rate (Hz) per neuron inside ``windows`` ((start, stop) in s) of one
    population's spikes at ``times`` (s); 0 for no window or no neuron."""
    span = sum(stop - start for start, stop in windows)
    if span <= 0 or n_neurons <= 0:
        return 0.0
    times = np.asarray(times, dtype=float)
    count = sum(int(np.count_nonzero((times >= start) & (times < stop)))
                for start, stop in windows)
    return count / (n_neurons * span)
