"""A grid of parameter settings x seeds through the engine, printing per setting how sharp the
kv-index read-out is (the winner's share of a retrieval window's index spikes; the spikes of
the winner and of all other slots from 20 ms after onset) and the protocol's own effects.
This is how the winner-take-all was chosen (README, "Read-out").

    python scripts/wta_grid.py '{"self_excitation": ["40*mV", "80*mV"]}' 8 \
        [PROTOCOL (default accessibility-precision)] [BASE_OVERRIDES_JSON]
"""

from __future__ import annotations

import itertools
import json
import sys
import warnings

import numpy as np

from neuro_kv.engine import RunRequest, run_requests


def sharpness(results: list) -> tuple[float, float, float]:
    """Mean winner share, late winner spikes and late spikes of the other slots."""
    share, late_winner, late_others = [], [], []
    for result in results:
        for _, _, start, stop in result.schedule.windows("retrieve"):
            whole = result.spikes.counts("index", [(start, stop)])[0]
            late = result.spikes.counts("index", [(start + 0.02, stop)])[0]
            winner = whole.argmax()
            share.append(whole[winner] / max(whole.sum(), 1))
            late_winner.append(late[winner])
            late_others.append(late.sum() - late[winner])
    return float(np.mean(share)), float(np.mean(late_winner)), float(np.mean(late_others))


def main(argv: list[str]) -> None:
    warnings.filterwarnings("ignore")
    grid = json.loads(argv[1])
    seeds = range(1, int(argv[2]) + 1)
    protocol = argv[3] if len(argv) > 3 else "accessibility-precision"
    base = json.loads(argv[4]) if len(argv) > 4 else {}
    combos = [dict(zip(grid, values, strict=True))
              for values in itertools.product(*grid.values())]
    results = run_requests([RunRequest(protocol, seed, {**base, **combo})
                            for combo in combos for seed in seeds], workers=2)
    for k, combo in enumerate(combos):
        runs = [r for r in results[k * len(seeds):(k + 1) * len(seeds)] if r.ok]
        if not runs:
            print(combo, "every run failed")
            continue
        share, winner, others = sharpness(runs)
        line = f"{combo} share {share:.2f} late winner {winner:.1f} others {others:.2f}"
        metrics = runs[0].metrics
        if "accessibility" in metrics:
            for name in ("accessibility", "precision_deg"):
                means = [np.nanmean([np.nan if r.metrics[name][level] is None
                                     else r.metrics[name][level] for r in runs])
                         for level in metrics[name]]
                line += f" {name} " + " ".join(f"{x:.2f}" for x in means)
        for name in ("recall_accuracy", "slot_hit_rate"):
            if name in metrics:
                line += f" {name} {np.mean([r.metrics[name] for r in runs]):.3f}"
        print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv)
