"""A sweep of ``paired-recall`` on 1 and on 2 Dask workers, measured in the same invocation
(2 x 3 grid x 3 seeds by default), with the tables compared.

    python benchmarks/bench_sweep.py [--grid key_gain=4*mV,5*mV --grid n_items=5,10,20]
                                     [--seeds 1-3] [--out DIR]

Both sweeps start from an empty directory; the build cache is warmed first, so neither
pays for compiling. Prints wall times, their ratio and whether the result columns agree.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import neuro_kv
from neuro_kv.devices import quiet_brian
from neuro_kv.sweeps import parse_grid, parse_seeds, sweep

TIMING = ["build_s", "simulate_s", "compile_s", "elapsed_s", "wall_s", "builds",
          "compiled_modules"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grid", action="append", default=None)
    parser.add_argument("--seeds", default="1-3")
    parser.add_argument("--out", default=None, help="keep the sweeps here (default: temp)")
    args = parser.parse_args()
    grid = parse_grid(args.grid or ["key_gain=4*mV,5*mV", "n_items=5,10,20"])
    seeds = parse_seeds(args.seeds)
    quiet_brian()
    neuro_kv.run("paired-recall", seed=seeds[0], n_items=2)  # warm the build cache
    root = Path(args.out or tempfile.mkdtemp(prefix="bench_sweep_"))
    tables = {}
    for workers in (1, 2):
        out = root / f"workers{workers}"
        shutil.rmtree(out, ignore_errors=True)
        tables[workers] = sweep("paired-recall", grid, seeds, out=out, workers=workers)
        a = tables[workers].attrs
        print(f"{workers} worker(s): {len(tables[workers])} runs in {a['wall_s']:.1f} s "
              f"(failed {a['failed']}, builds {int(tables[workers]['builds'].sum())}, "
              f"compiled modules {int(tables[workers]['compiled_modules'].sum())})")
    one, two = tables[1], tables[2]
    same = one.drop(columns=TIMING, errors="ignore").equals(
        two.drop(columns=TIMING, errors="ignore"))
    print(f"speed-up 2 workers vs 1: {one.attrs['wall_s'] / two.attrs['wall_s']:.2f}; "
          f"identical result columns: {same}; mean recall_accuracy "
          f"{one['recall_accuracy'].mean():.4f}")
    if args.out is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
