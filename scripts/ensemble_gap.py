"""Why spiking ``kv-ensemble`` recalls less than its rate reference in ``ensemble-recall``
(seeds 1-20, defaults, intact recall): two measurements for the gallery page.

1. The rate reference with k = 43 (the spiking ensembles' size) instead of 30.
2. The share of the index's answer that comes from the cued item's own stored ensemble: of
   the retrieval spikes in the spiking run, of the k winners in the rate reference.

    python scripts/ensemble_gap.py
"""

from __future__ import annotations

import numpy as np

import neuro_kv
from neuro_kv.preparation import RunRequest, plan_run
from neuro_kv.protocols.ensemble_recall import (
    ExcitabilityTwin,
    ensemble_memory,
    ensemble_sets,
    rate_reference,
)

SEEDS = range(1, 21)
INTACT = {"silenced_fractions": (0.0,)}


def main() -> None:
    runs = neuro_kv.run_many("ensemble-recall", SEEDS, workers=2, **INTACT)
    by_k: dict[int, list[float]] = {30: [], 43: []}
    spiking_share, rate_share = [], []
    for run in runs:
        p, n = run.parameters, run.parameters["n_index"]
        patterns = plan_run(RunRequest("ensemble-recall", run.seed, INTACT),
                            "cpp_standalone").patterns  # as the run drew them
        for k in by_k:
            varied = {**p, "active_fraction": k / n}
            by_k[k].append(rate_reference(varied, run.seed, patterns, run.schedule,
                                          np.random.default_rng(run.seed))
                           ["rate_recall_accuracy"])
        stored = ensemble_sets(run.spikes, run.schedule.windows("encode"), n,
                               p["plateau_spikes"])
        windows = run.schedule.windows("retrieve")
        counts = run.spikes.counts("index", [(a, b) for _, _, a, b in windows])[:, :n]
        for (_, phase, _, _), row in zip(windows, counts, strict=True):
            spiking_share.append(row[list(stored[phase.item])].sum() / max(row.sum(), 1))
        memory, excitability = ensemble_memory(p, run.seed), ExcitabilityTwin(p, run.seed,
                                                                              run.schedule)
        rate_stored = []
        for k, phase in enumerate(run.schedule.phases):
            level = excitability.enter(k, phase)
            if phase.kind == "encode":
                ensemble = memory.store(phase.cue, phase.teacher, level)
                excitability.recruit(ensemble)
                rate_stored.append(set(ensemble.tolist()))
            else:
                winners = set(memory.answering(phase.cue, level).tolist())
                rate_share.append(len(winners & rate_stored[phase.item]) / len(winners))
    for k, recall in by_k.items():
        print(f"rate reference, k = {k}: recall {np.mean(recall):.3f}")
    spread = 2 * np.std(spiking_share) / np.sqrt(len(spiking_share))
    print(f"share of the answer from the cued item's ensemble: spiking "
          f"{np.mean(spiking_share):.3f} (+/- {spread:.3f}, {len(spiking_share)} recalls), "
          f"rate {np.mean(rate_share):.3f}")


if __name__ == "__main__":
    main()
