"""``heteroassociation``: 40-dimensional keys to 20-dimensional values (Tyulmankov et al.
2021, Fig. 5a), against the autoassociative case and a bidirectional associative memory.

For every load (``n_items``) and seed, ``paired-recall`` stores that many pairs on
``kv-index`` and recalls each from its key with ``cue_hidden_fraction`` hidden, in two cases:
heteroassociative (random values of ``n_value`` entries) and autoassociative (each value is
its key, ``n_value = n_input``). On the very same patterns, cues and slot tags: the rate slot
memory (`neuro_kv.rate_models.SlotMemory`) and, for the heteroassociative case, a BAM
(`neuro_kv.rate_models.BidirectionalMemory`, Kosko 1988). Metrics per load, as means over
seeds with 95 % bootstrap intervals (``NAME_ci``): ``accuracy_by_load`` (hetero),
``autoassociative_accuracy_by_load``, ``bam_accuracy_by_load``, and the rate references
``rate_accuracy_by_load`` and ``rate_autoassociative_accuracy_by_load``.

A protocol of many runs (like ``capacity``): every spiking run is one
`neuro_kv.preparation.RunRequest`; the engine runs them as batches of replicas.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from neuro_kv.analysis.memory_task_figures import heteroassociation_figure
from neuro_kv.analysis.statistics import seed_interval
from neuro_kv.contracts import ManyRunProtocol
from neuro_kv.engine import run_requests
from neuro_kv.parameters import Parameter, ParameterError, ParameterSet
from neuro_kv.preparation import RunRequest, plan_run
from neuro_kv.protocols.capacity import MAX_RUNS
from neuro_kv.rate_models import BidirectionalMemory, SlotMemory
from neuro_kv.seeding import reference_rng

__all__ = ["Heteroassociation", "CASES"]

P = Parameter

PARAMETERS = ParameterSet([
    P("loads", (5, 10, 20, 30, 40, 60), "numbers of stored pairs (n_items)", "ints", low=1),
    P("n_seeds", 20, "seeds per load: the run's seed and the next n_seeds - 1", "int", low=1),
    P("seeds", (), "the seeds of every load (`--seeds A-B`); empty: the run's seed and the "
      "next n_seeds - 1", "ints", low=0, high=2**31 - 1, allow_empty=True),
    P("n_input", 40, "key dimension", "int", low=1),
    P("n_value", 20, "value dimension of the heteroassociative case", "int", low=1),
    P("n_slots", 40, "index slots", "int", low=1),
    P("cue_hidden_fraction", 0.6, "fraction of key entries hidden in each cue", "float",
      low=0, high=1),
    P("workers", 1, "processes running the batches", "int", low=1),
])

#: case -> how its values are made (``paired-recall``'s value_source)
CASES = {"hetero": "random", "auto": "key"}


class Heteroassociation(ManyRunProtocol):
    """Heteroassociative recall against load, beside the autoassociative case and a BAM."""

    name = "heteroassociation"
    parameters = PARAMETERS

    def check(self, p: dict[str, Any]) -> None:
        runs = len(CASES) * len(p["loads"]) * len(self.seed_list(p, 0))
        if runs > MAX_RUNS:
            raise ParameterError(f"parameters 'loads' and 'n_seeds' (or 'seeds') ask for "
                                 f"{runs:,} runs; at most {MAX_RUNS:,} are allowed")

    def overrides(self, p: dict[str, Any], case: str, load: int) -> dict[str, Any]:
        """The ``paired-recall`` parameters of one case and load."""
        n_value = p["n_value"] if case == "hetero" else p["n_input"]
        return {"n_items": load, "n_input": p["n_input"], "n_value": n_value,
                "n_slots": p["n_slots"], "cue_hidden_fraction": p["cue_hidden_fraction"],
                "value_source": CASES[case]}

    def execute(self, p: dict[str, Any], seed: int, device: str,
                progress: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Every spiking run (batches on ``workers`` processes), the rate references on the
        same patterns; means over seeds with their intervals."""
        started = time.perf_counter()
        seeds = self.seed_list(p, seed)
        grid = [(case, load, s) for case in CASES for load in p["loads"] for s in seeds]
        requests = [RunRequest("paired-recall", s, self.overrides(p, case, load), "kv-index")
                    for case, load, s in grid]
        results = run_requests(requests, device=device, workers=p["workers"],
                               progress=progress)
        failed = [r for r in results if not r.ok]
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(results)} heteroassociation runs "
                               f"failed; first: {failed[0].error}")
        scores: dict[str, dict[int, list[float]]] = {}

        def add(name: str, load: int, value: float) -> None:
            scores.setdefault(name, {}).setdefault(load, []).append(value)

        for (case, load, s), result in zip(grid, results, strict=True):
            prefix = "" if case == "hetero" else "autoassociative_"
            add(f"{prefix}accuracy_by_load", load, result.metrics["recall_accuracy"])
            for name, value in rate_references(self.overrides(p, case, load), s).items():
                if case == "hetero" or name == "rate":
                    add(f"{name}_{prefix}accuracy_by_load", load, value)
        metrics: dict[str, Any] = {}
        for name, by_load in scores.items():
            metrics[name] = {str(load): float(np.mean(v)) for load, v in by_load.items()}
            metrics[f"{name}_ci"] = {str(load): list(seed_interval(np.array(v)))
                                     for load, v in by_load.items()}
            metrics[f"{name}_per_seed"] = {str(load): v for load, v in by_load.items()}
        metrics["hetero_minus_auto_by_load"] = {
            load: metrics["accuracy_by_load"][load]
            - metrics["autoassociative_accuracy_by_load"][load]
            for load in metrics["accuracy_by_load"]}
        metrics.update(
            seeds=seeds, device=device, workers=p["workers"], spiking_runs=len(requests),
            builds=sum(r.metrics["builds"] for r in results),
            simulate_s=round(sum(r.metrics["simulate_s"] for r in results), 1),
            wall_s=round(time.perf_counter() - started, 1))
        return metrics

    def figures(self, p: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
        return {"heteroassociation.png": partial(heteroassociation_figure, metrics)}


def rate_references(overrides: dict[str, Any], seed: int) -> dict[str, float]:
    """Accuracy of the rate slot memory (``rate``) and the BAM (``bam``) on the patterns,
    cues and slot tags ``paired-recall`` drew for this run."""
    planned = plan_run(RunRequest("paired-recall", seed, overrides, "kv-index"), "numpy")
    values, patterns, rng = planned.values, planned.patterns, reference_rng(seed)
    slots = SlotMemory(values["n_slots"])
    slots.store(patterns.keys, patterns.values, rng, slots=patterns.tagged_slots)
    bam = BidirectionalMemory(patterns.keys, patterns.values)
    return {name: float((memory.recall(patterns.cues, rng) == patterns.values).mean())
            for name, memory in (("rate", slots), ("bam", bam))}
