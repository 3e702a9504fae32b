"""How the spiking Hopfield baseline's capacity approaches its rate reference as its population
code grows (issue 25, item 5): ``paired-recall`` on the ``hopfield`` circuit with
``value_copies`` memory neurons per rail and entry, at ``units`` memory units (half key, half
value), over loads and seeds, beside the rate Hopfield network on the very same patterns.
The circuit's defaults were tuned at 2 neurons per rail, and a neuron's recurrent field and
its rail competition sum over every neuron of the other entries and of the opposite rail, so
with c neurons per rail ``recurrent_gain`` and ``rail_inhibition`` are scaled by 2 / c (the
same field per entry at every c; without it 4 and 8 per rail saturate: 0.53-0.68 accuracy at
8 items, seeds 1-2). Writes accuracy by load (mean, BCa interval over seeds) and C(0.98) with
its bootstrap interval, per size and population code, as JSON, and prints the table:

    python scripts/hopfield_convergence.py --units 80 --copies 1,2,4,8 --seeds 1-20 \\
        --out docs/results/hopfield-convergence.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from neuro_kv.analysis.statistics import seed_interval
from neuro_kv.engine import run_requests
from neuro_kv.preparation import RunRequest, plan_run
from neuro_kv.protocols.capacity import capacity_interval, capacity_of
from neuro_kv.rate_models import HopfieldMemory
from neuro_kv.seeding import reference_rng

CRITERION = 0.98
#: loads by size: around the measured capacities (spiking 2-6, rate 3-16; capacity docs)
LOADS = {40: (1, 2, 3, 4, 5, 6), 80: (2, 3, 4, 5, 6, 8, 10, 12),
         160: (4, 6, 8, 10, 12, 16, 20, 24)}


def ints(text: str) -> list[int]:
    if "-" in text and "," not in text:
        first, last = (int(x) for x in text.split("-"))
        return list(range(first, last + 1))
    return [int(x) for x in text.split(",")]


#: the circuit's defaults (mV) and the population code they were tuned at
RECURRENT_GAIN_MV, RAIL_INHIBITION_MV, TUNED_COPIES = 0.96, 20.0, 2


def request(units: int, copies: int, load: int, seed: int) -> RunRequest:
    scale = TUNED_COPIES / copies
    return RunRequest("paired-recall", seed, {
        "n_items": load, "n_input": units // 2, "n_value": units // 2,
        "cue_hidden_fraction": 0.6, "value_copies": copies,
        "recurrent_gain": f"{RECURRENT_GAIN_MV * scale!r}*mV",
        "rail_inhibition": f"{RAIL_INHIBITION_MV * scale!r}*mV"}, "hopfield")


def rate_accuracy(units: int, load: int, seed: int) -> float:
    """The rate Hopfield network (`HopfieldMemory`) on the patterns the spiking run drew."""
    patterns = plan_run(request(units, 1, load, seed), "numpy").patterns
    memory = HopfieldMemory(patterns.keys, patterns.values)
    estimates = memory.recall(patterns.cues, reference_rng(seed))
    return float((estimates == patterns.values).mean())


def summary(by_load: dict[int, list[float]]) -> dict:
    means = {load: float(np.mean(v)) for load, v in by_load.items()}
    return {"accuracy": {str(k): round(v, 4) for k, v in means.items()},
            "accuracy_ci": {str(k): [round(x, 4) for x in seed_interval(np.array(v))]
                            for k, v in by_load.items()},
            "C": capacity_of(means, CRITERION),
            "C_ci": capacity_interval(by_load, CRITERION),
            "C_is_lower_bound": capacity_of(means, CRITERION) == max(by_load)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", default="80")
    parser.add_argument("--copies", default="1,2,4,8")
    parser.add_argument("--seeds", default="1-20")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    seeds = ints(args.seeds)
    result = json.loads(args.out.read_text()) if args.out.exists() else {}
    result.setdefault("criterion", CRITERION)
    result["seeds"] = seeds
    for units in ints(args.units):
        loads = LOADS[units]
        entry = result.setdefault(str(units), {})
        entry["rate"] = summary({load: [rate_accuracy(units, load, s) for s in seeds]
                                 for load in loads})
        for copies in ints(args.copies):
            started = time.perf_counter()
            grid = [(load, seed) for load in loads for seed in seeds]
            results = run_requests([request(units, copies, load, seed) for load, seed in grid],
                                   workers=args.workers)
            failed = [r for r in results if not r.ok]
            if failed:
                raise SystemExit(f"{len(failed)} runs failed; first: {failed[0].error}")
            by_load: dict[int, list[float]] = {load: [] for load in loads}
            for (load, _), run in zip(grid, results, strict=True):
                by_load[load].append(float(np.mean(run.metrics["per_item_accuracy"])))
            entry[f"spiking_copies_{copies}"] = {
                **summary(by_load), "memory_neurons": 2 * units * copies,
                "wall_s": round(time.perf_counter() - started, 1)}
            args.out.write_text(json.dumps(result, indent=2) + "\n")
            row = entry[f"spiking_copies_{copies}"]
            print(f"{units} units, {copies} per rail ({row['memory_neurons']} neurons): "
                  f"C = {row['C']} ({row['C_ci'][0]:g}-{row['C_ci'][1]:g}); rate C = "
                  f"{entry['rate']['C']} ({entry['rate']['C_ci'][0]:g}-"
                  f"{entry['rate']['C_ci'][1]:g}); {row['wall_s']} s", flush=True)


if __name__ == "__main__":
    main()
