"""Many runs of ``paired-recall`` (loads x seeds): fresh `neuro_kv.run` per run against one
`CompiledProtocol` network reused for all, on cython, measured in the same invocation.

    python benchmarks/bench_reuse.py [--loads 5,10,20] [--seeds 1,2]
"""

from __future__ import annotations

import argparse
import time

import neuro_kv
from neuro_kv.reuse import CompiledProtocol
from neuro_kv.runner import quiet_brian


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loads", default="5,10,20")
    parser.add_argument("--seeds", default="1,2")
    args = parser.parse_args()
    loads = [int(x) for x in args.loads.split(",")]
    seeds = [int(x) for x in args.seeds.split(",")]
    quiet_brian()
    neuro_kv.run("paired-recall", seed=seeds[0], n_items=loads[0])  # warm the Cython cache

    start = time.perf_counter()
    fresh = [neuro_kv.run("paired-recall", seed=s, n_items=n).metrics["recall_accuracy"]
             for n in loads for s in seeds]
    fresh_s = time.perf_counter() - start

    start = time.perf_counter()
    compiled = CompiledProtocol("paired-recall", max_items=max(loads))
    reused = [compiled.run(seed=s, n_items=n).metrics["recall_accuracy"]
              for n in loads for s in seeds]
    reused_s = time.perf_counter() - start

    print(f"{len(fresh)} runs, loads {loads}, seeds {seeds} (cython)")
    print(f"fresh neuro_kv.run per run   {fresh_s:7.2f} s   ratio 1.00")
    print(f"one CompiledProtocol network {reused_s:7.2f} s   ratio {reused_s / fresh_s:4.2f}"
          f"   (builds: {compiled.builds}, build {compiled.build_s:.2f} s)")
    print(f"same accuracies: {fresh == reused}")


if __name__ == "__main__":
    main()
