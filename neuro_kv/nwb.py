"""Spikes and trials of a run as an NWB file (pynwb)."""

from __future__ import annotations

import json
import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import neo

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pynwb import NWBHDF5IO, NWBFile

__all__ = ["write_nwb"]


def write_nwb(path: Path, segment: neo.Segment, windows: list[tuple[str, int, float, float]],
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
    nwbfile.add_unit_column("population", "population the neuron belongs to")
    nwbfile.add_unit_column("neuron", "index of the neuron within its population")
    for train in segment.spiketrains:
        nwbfile.add_unit(spike_times=train.rescale("s").magnitude,
                         population=train.annotations["population"],
                         neuron=int(train.annotations["neuron"]))
    nwbfile.add_trial_column("phase", "window kind: encode, retrieve, amnesia or stimulate")
    nwbfile.add_trial_column("item", "index of the stored item")
    for phase, item, start, stop in windows:
        nwbfile.add_trial(start_time=start, stop_time=stop, phase=phase, item=item)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBHDF5IO(str(path), "w") as io:
            io.write(nwbfile)
