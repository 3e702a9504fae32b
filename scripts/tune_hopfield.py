"""Grid search of the ``hopfield`` baseline's retrieval parameters (how its defaults were set).

Every grid point x load x seed is one run of ``paired-recall`` handed to the engine: the
retrieval gains are per-replica model variables, so the whole grid runs as batches of replicas
of one build per structure. The objective is the mean recall accuracy at a few loads and seeds,
printed next to the rate-level Hopfield network on the same patterns.

    python scripts/tune_hopfield.py --grid recurrent_gain=0.64,0.96,1.36 \\
        --grid retrieval_bias=14,15 --loads 3,5,8 --seeds 1,2 --set tau_recurrent=30*ms

Grid values are in the parameter's unit (``neuro-kv params paired-recall --circuit
hopfield``); ``--set`` fixes structural parameters (one build per distinct ``--set``).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from neuro_kv.engine import RunRequest, run_requests
from neuro_kv.preparation import prepare
from neuro_kv.rate_models import HopfieldMemory
from neuro_kv.seeding import pattern_rng, reference_rng


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--loads", default="3,5,8")
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    loads = [int(v) for v in args.loads.split(",")]
    seeds = [int(v) for v in args.seeds.split(",")]
    fixed = dict(item.split("=", 1) for item in args.set)
    grid = {name: values.split(",") for name, values in
            (item.split("=", 1) for item in args.grid)}
    declared = prepare("paired-recall", "hopfield", "cpp_standalone", 1, fixed)[3]
    units = {name: declared[name].unit for name in grid}

    print("rate Hopfield:", scores(lambda load, seed: rate_accuracy(fixed, load, seed),
                                   loads, seeds))
    points = [{name: f"{value}*{units[name]}" if units[name] is not None else value
               for name, value in zip(grid, combination, strict=True)}
              for combination in itertools.product(*grid.values())]
    requests = [RunRequest("paired-recall", seed, {**fixed, **gains, "n_items": load},
                           "hopfield")
                for gains in points for load in loads for seed in seeds]
    results = iter(run_requests(requests, workers=args.workers))
    for gains in points:
        accuracy = {(load, seed): next(results).metrics["recall_accuracy"]
                    for load in loads for seed in seeds}
        print(gains, scores(lambda load, seed, a=accuracy: a[(load, seed)], loads, seeds),
              flush=True)


def scores(accuracy, loads: list[int], seeds: list[int]) -> str:
    means = [np.mean([accuracy(load, seed) for seed in seeds]) for load in loads]
    return " ".join(f"{load}:{mean:.3f}" for load, mean in zip(loads, means, strict=True)) + (
        f"  mean {np.mean(means):.3f}")


def rate_accuracy(fixed: dict[str, str], load: int, seed: int) -> float:
    proto, _, values, _ = prepare("paired-recall", "hopfield", "cpp_standalone", seed,
                                  {**fixed, "n_items": load})
    patterns = proto.draw_patterns(values, pattern_rng(seed))
    memory = HopfieldMemory(patterns.keys, patterns.values)
    estimates = memory.recall(patterns.cues, reference_rng(seed))
    return float((estimates == patterns.values).mean())


if __name__ == "__main__":
    main()
