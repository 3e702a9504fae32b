"""Check that two batch directories of the same command hold the same spikes and metrics.

Usage: python .ci/same_spikes.py REFERENCE OTHER. Exits 1 naming the first difference.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from neuro_kv.devices import quiet_brian
from neuro_kv.nwb import read_nwb


def science(metrics: dict) -> dict:
    """The measured metrics, without the batch's timings."""
    return {name: value for name, value in metrics.items() if not name.startswith("batch")}


def main(reference: Path, other: Path) -> int:
    quiet_brian()
    runs = {run.seed: run for run in read_nwb(reference / "spikes.nwb")}
    others = {run.seed: run for run in read_nwb(other / "spikes.nwb")}
    if runs.keys() != others.keys():
        print(f"seeds differ: {sorted(runs)} against {sorted(others)}")
        return 1
    spikes = 0
    for seed, run in runs.items():
        if run.spikes.sizes != others[seed].spikes.sizes:
            print(f"seed {seed}: populations {run.spikes.sizes} against "
                  f"{others[seed].spikes.sizes}")
            return 1
        for population in run.spikes.sizes:
            index, times = run.spikes.population(population)
            other_index, other_times = others[seed].spikes.population(population)
            if not (np.array_equal(index, other_index) and np.array_equal(times, other_times)):
                print(f"seed {seed}, population {population}: {len(times)} spikes against "
                      f"{len(other_times)}, not the same")
                return 1
            spikes += len(times)
    metrics = [science(json.loads((directory / "metrics.json").read_text()))
               for directory in (reference, other)]
    if metrics[0] != metrics[1]:
        print(f"the batch metrics differ: {metrics[0]} against {metrics[1]}")
        return 1
    print(f"seeds {sorted(runs)}: the same {spikes} spikes and the same metrics as "
          f"{reference.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
