"""Metrics of every registered protocol at seeds 1-4, as JSON: a refactoring must leave them
identical. Usage: ``python scripts/metrics_snapshot.py OUT.json`` (about 10 minutes on
2 cores), then compare two snapshots with ``python scripts/metrics_snapshot.py --compare A B``.

Run-cost entries (wall and simulate times, build counts, batch ids, and capacity's count of
batches, which depends on which networks the build cache already holds) are left out: they
measure the machine, not the model.
"""

from __future__ import annotations

import json
import math
import sys

import numpy as np

#: metric names that measure the machine or the batch, not the model
COST_KEYS = {"simulate_s", "build_s", "builds", "compiled_modules", "batch", "elapsed_s",
             "wall_s", "device", "batch_id", "batches"}
SEEDS = [1, 2, 3, 4]


def plain(value):
    """JSON-ready copy of a metric value, cost entries dropped at every depth."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if k not in COST_KEYS}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


def snapshot() -> dict:
    import neuro_kv
    from neuro_kv.registry import protocols

    out = {}
    for name, cls in sorted(protocols().items()):
        print(name, flush=True)
        if "n_seeds" in {p.name for p in cls().parameters}:  # draws its own seeds
            result = neuro_kv.run(name, seed=1, n_seeds=len(SEEDS))
            out[name] = plain(result.metrics)
        else:
            results = neuro_kv.run_many(name, seeds=SEEDS, workers=2)
            out[name] = [plain(r.metrics) if r.ok else {"failed": r.error} for r in results]
    return out


def compare(a: dict, b: dict) -> int:
    differences = 0
    for name in sorted(set(a) | set(b)):
        same = json.dumps(a.get(name), sort_keys=True) == json.dumps(b.get(name), sort_keys=True)
        print(f"{name}: {'identical' if same else 'DIFFERENT'}")
        differences += not same
    return differences


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        with open(sys.argv[2]) as first, open(sys.argv[3]) as second:
            sys.exit(1 if compare(json.load(first), json.load(second)) else 0)
    data = snapshot()
    with open(sys.argv[1], "w") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
