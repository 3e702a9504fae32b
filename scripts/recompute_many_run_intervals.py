"""Recompute the intervals of the many-run protocols' documentation numbers from the per-seed
values those files store, with the current statistics and without simulating again:

- ``capacity``: ``accuracy_ci`` (BCa bootstrap of the mean over seeds) and ``capacity_ci``
  from ``accuracy_by_seed`` (the main grid); ``capacity_by_size_ci`` keeps its stored
  bootstrap interval (the size sweep's per-seed values are not stored);
- ``heteroassociation``: every ``NAME_ci`` from ``NAME_per_seed``;
- ``ensemble-capacity``: the whole summary from the stored ``runs`` (the protocol's
  ``summarise``).

Each mean is checked to be unchanged, so only the intervals change.

    python scripts/recompute_many_run_intervals.py docs/results
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from neuro_kv.analysis.statistics import seed_interval
from neuro_kv.protocols import ensemble_capacity
from neuro_kv.protocols.capacity import capacity_interval, capacity_of
from neuro_kv.storage import strict_json


def same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-4)  # per-seed values are stored to 4 places


def capacity(m: dict[str, Any]) -> None:
    criterion = 0.98
    for model, by_load in m["accuracy_by_seed"].items():
        runs = {int(load): values for load, values in by_load.items()}
        for load, values in runs.items():
            assert same(np.mean(values), m["accuracy"][model][str(load)]), (model, load)
            m["accuracy_ci"][model][str(load)] = [round(v, 4) for v in seed_interval(
                np.array(values))]
        means = {load: float(np.mean(v)) for load, v in runs.items()}
        assert capacity_of(means, criterion) == m["capacity"][model], model
        m["capacity_ci"][model] = capacity_interval(runs, criterion)


def heteroassociation(m: dict[str, Any]) -> None:
    for name in [n[:-len("_per_seed")] for n in m if n.endswith("_per_seed")]:
        for load, values in m[f"{name}_per_seed"].items():
            assert same(np.mean(values), m[name][load]), (name, load)
            m[f"{name}_ci"][load] = list(seed_interval(np.array(values)))


def ensemble(m: dict[str, Any]) -> None:
    runs = m["runs"]
    p = {"sizes": sorted({r["size"] for r in runs}), "loads": sorted({r["load"] for r in runs}),
         "criterion": m["criterion"]}
    summary = ensemble_capacity.summarise(runs, p)
    for model, sizes in summary["recall"].items():
        for size, loads in sizes.items():
            for load, row in loads.items():
                assert same(row["recall"], m["recall"][model][size][load]["recall"])
    for model, sizes in summary["capacity"].items():
        for size, row in sizes.items():
            assert row["C"] == m["capacity"][model][size]["C"], (model, size)
    m.update(summary)


RECOMPUTE = {"capacity.json": capacity, "heteroassociation.json": heteroassociation,
             "ensemble-capacity.json": ensemble}


def main(directory: Path) -> None:
    for name, recompute in RECOMPUTE.items():
        path = directory / name
        metrics = json.loads(path.read_text())
        recompute(metrics)
        path.write_text(json.dumps(strict_json(metrics), indent=2) + "\n")
        print(f"{path}: intervals recomputed")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
