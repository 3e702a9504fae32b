"""The spikes of one run: per population, neuron indices and times (s), with the read-outs
analyses need and Neo objects on demand.

Analyses count spikes in windows thousands of times per batch, so the counts are computed
from the index and time arrays with numpy (``counts``); they equal Elephant's
``BinnedSpikeTrain`` counts (tested). ``segment`` builds the Neo view (one ``SpikeTrain`` per
neuron, annotated with ``population`` and ``neuron``) for users, Elephant and NWB.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["SpikeRecord"]


@dataclass
class SpikeRecord:
    """``spikes[population] = (neuron indices, times in s)``, ``sizes[population]`` neurons,
    recorded from 0 to ``t_stop`` seconds; ``seed``: the run's seed (a rate reference redraws
    the circuit's counter-based draws from it, `neuro_kv.anatomy`), None if unknown."""

    spikes: dict[str, tuple[np.ndarray, np.ndarray]]
    sizes: dict[str, int]
    t_stop: float
    seed: int | None = None

    def population(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(neuron indices, times in s) of one population, time-ordered (empty if it is not
        recorded)."""
        if name not in self.spikes:
            return np.array([], dtype=int), np.array([])
        indices, times = self.spikes[name]
        order = np.argsort(times, kind="stable")
        return np.asarray(indices)[order].astype(int), np.asarray(times)[order]

    def counts(self, name: str, windows: Sequence[tuple[float, float]]) -> np.ndarray:
        """Spike counts (windows x neurons) of one population in each [start, stop) window
        (seconds)."""
        size = self.sizes.get(name, 0)
        counts = np.zeros((len(windows), size))
        if name not in self.spikes or not len(windows):
            return counts
        indices, times = self.population(name)
        bounds = np.asarray(windows, dtype=float) - 1e-12  # spike times lie on the dt grid
        first = np.searchsorted(times, bounds[:, 0], side="left")
        last = np.searchsorted(times, bounds[:, 1], side="left")
        for k, (a, b) in enumerate(zip(first, last, strict=True)):
            counts[k] = np.bincount(indices[a:b], minlength=size)[:size]
        return counts

    def rates(self) -> dict[str, float]:
        """Mean firing rate (Hz) of each population over the whole run."""
        return {name: (len(self.spikes[name][1]) / (self.sizes[name] * self.t_stop)
                       if self.sizes[name] and self.t_stop > 0 else 0.0)
                for name in self.spikes}

    def window_rate(self, name: str, windows: Sequence[tuple[float, float]]) -> float:
        """Mean rate (Hz) per neuron of one population inside ``windows``; 0 without any."""
        span = sum(stop - start for start, stop in windows)
        if span <= 0 or not self.sizes.get(name):
            return 0.0
        return float(self.counts(name, windows).sum()) / (self.sizes[name] * span)

    def segment(self, name: str = "run") -> Any:
        """A Neo Segment with one SpikeTrain per neuron (seconds), annotated with
        ``population`` and ``neuron`` (index within the population)."""
        import neo
        import quantities as pq

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            segment = neo.Segment(name=name)
        for population, (indices, times) in self.spikes.items():
            order = np.lexsort((times, indices))
            indices, times = np.asarray(indices)[order], np.asarray(times)[order]
            bounds = np.searchsorted(indices, np.arange(self.sizes[population] + 1))
            for neuron in range(self.sizes[population]):
                train = neo.SpikeTrain(times[bounds[neuron]:bounds[neuron + 1]] * pq.s,
                                       t_start=0 * pq.s, t_stop=self.t_stop * pq.s,
                                       name=f"{population}[{neuron}]")
                train.annotate(population=population, neuron=neuron)
                segment.spiketrains.append(train)
        return segment
