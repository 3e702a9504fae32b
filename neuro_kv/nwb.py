"""Spikes and trials of a run as an NWB file (pynwb)."""

from __future__ import annotations

import json
import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from neuro_kv.spikes import SpikeRecord

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from hdmf.common import ElementIdentifiers, VectorData, VectorIndex
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.misc import Units

__all__ = ["write_nwb"]


def write_nwb(path: Path, spikes: SpikeRecord, windows: list[tuple[str, int, float, float]],
              description: str, metadata: dict[str, Any]) -> None:
    """One Units row per neuron (``population``, ``neuron`` columns, spike times in s) and
    one trial per window (``phase``, ``item``); ``metadata`` goes to ``notes`` as JSON."""
    nwbfile = NWBFile(
        session_description=description,
        identifier=str(uuid.uuid4()),
        session_start_time=datetime.now(UTC),
        notes=json.dumps(metadata, sort_keys=True),
        source_script="neuro-kv",
        source_script_file_name="neuro_kv",
    )
    trains, populations, neurons = [], [], []
    for population, (indices, times) in spikes.spikes.items():
        order = np.lexsort((times, indices))
        indices, times = np.asarray(indices)[order], np.asarray(times)[order]
        bounds = np.searchsorted(indices, np.arange(spikes.sizes[population] + 1))
        trains += [times[bounds[k]:bounds[k + 1]] for k in range(spikes.sizes[population])]
        populations += [population] * spikes.sizes[population]
        neurons.append(np.arange(spikes.sizes[population]))
    times = VectorData(name="spike_times", description="spike times (s)",
                       data=np.concatenate(trains) if trains else np.array([]))
    nwbfile.units = Units(
        name="units", description="one row per neuron",
        id=ElementIdentifiers(name="id", data=np.arange(len(trains))),
        columns=[times,
                 VectorIndex(name="spike_times_index", target=times,
                             data=np.cumsum([len(t) for t in trains]).astype(np.int64)),
                 VectorData(name="population", description="population the neuron belongs to",
                            data=populations),
                 VectorData(name="neuron", description="index of the neuron within its "
                            "population", data=np.concatenate(neurons) if neurons else [])])
    nwbfile.add_trial_column("phase", "window kind: encode, retrieve, amnesia or stimulate")
    nwbfile.add_trial_column("item", "index of the stored item")
    for phase, item, start, stop in windows:
        nwbfile.add_trial(start_time=start, stop_time=stop, phase=phase, item=item)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBHDF5IO(str(path), "w") as io:
            io.write(nwbfile)
