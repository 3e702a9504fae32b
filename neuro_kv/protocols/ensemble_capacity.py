"""``ensemble-capacity``: recall against load and index size, ensembles against slots.

For every index size of ``sizes``, load (``n_items``) of ``loads`` and seed, one run of
``ensemble-recall`` (intact recall only, cues with ``cue_hidden_fraction`` hidden, items
``interval_hours`` apart) on ``kv-ensemble`` with ``n_index`` = size and on ``kv-index`` with
``n_slots`` = size, so both have as many index neurons; beside them the rate reference of
each ``kv-ensemble`` run (`neuro_kv.rate_models.EnsembleMemory`). Reported per model, size and
load: mean recall with a bootstrap interval over seeds; on ``kv-ensemble`` the ensembles' size and
overlap against chance; per model and size the capacity C(``criterion``), the largest load
whose recall, and that of every smaller load of the grid, reaches the criterion, with a
bootstrap interval over seeds (as in ``capacity``).

``kv-index`` runs go without the runaway guard: its healthy encoding rate is a population
mean calibrated for 40 slots, and with thousands of slots (one firing per item) it would stop
them as silent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from neuro_kv.analysis.ensemble_figures import ensemble_capacity_figure
from neuro_kv.analysis.statistics import seed_interval
from neuro_kv.contracts import ManyRunProtocol
from neuro_kv.engine import WorkerPool, run_requests
from neuro_kv.parameters import Parameter, ParameterError, ParameterSet
from neuro_kv.preparation import RunRequest
from neuro_kv.protocols.capacity import capacity_interval, capacity_of

__all__ = ["EnsembleCapacity", "MODELS"]

P = Parameter

#: spiking models: name -> (circuit, the parameter that sets its index size)
MODELS = {"kv_ensemble": ("kv-ensemble", "n_index"), "kv_index": ("kv-index", "n_slots")}
#: the rate reference, read from the kv-ensemble runs
RATE_MODEL = "rate_ensemble"

PARAMETERS = ParameterSet([
    P("sizes", (1000, 2000), "index sizes: n_index of kv-ensemble and n_slots of kv-index",
      "ints", low=1),
    P("loads", (2, 3, 4, 6, 8, 10, 15, 20), "numbers of stored items at which every model "
      "is scored", "ints", low=1),
    P("n_seeds", 20, "seeds per load: the run's seed and the next n_seeds - 1", "int", low=1),
    P("seeds", (), "the seeds of every load (`--seeds A-B`); empty: the run's seed and the "
      "next n_seeds - 1", "ints", low=0, high=2**31 - 1, allow_empty=True),
    P("models", tuple(MODELS), "spiking models to simulate (the rate reference comes with "
      "kv_ensemble)", "names", choices=tuple(MODELS)),
    P("cue_hidden_fraction", 0.5, "fraction of key entries hidden in a retrieval cue",
      "float", low=0, high=1),
    P("interval_hours", 24.0, "episode time between two stored items (hours)", "float",
      low=0),
    P("criterion", 0.98, "recall that defines the capacity C", "float", low=0, high=1),
    P("workers", 1, "worker processes (each runs batches of replicas)", "int", low=1),
])

#: the most spiking runs one grid may ask for
MAX_RUNS = 20_000


class EnsembleCapacity(ManyRunProtocol):
    """Recall against load at each index size: kv-ensemble, kv-index, the rate reference."""

    name = "ensemble-capacity"
    parameters = PARAMETERS

    def check(self, p: dict[str, Any]) -> None:
        for name in ("sizes", "loads", "models"):
            if not p[name]:
                raise ParameterError(f"parameter {name!r}: value (empty) is not allowed; "
                                     "expected at least one value")
        runs = (len(p["sizes"]) * len(p["loads"]) * len(self.seed_list(p, 0))
                * len(p["models"]))
        if runs > MAX_RUNS:
            raise ParameterError(f"parameters 'sizes', 'loads', 'n_seeds' (or 'seeds') and "
                                 f"'models' ask for {runs:,} runs; at most {MAX_RUNS:,} "
                                 "are allowed")

    def execute(self, p: dict[str, Any], seed: int, device: str,
                progress: Callable[[str], None] | None = None) -> dict[str, Any]:
        started = time.perf_counter()
        seeds = self.seed_list(p, seed)
        fixed = {"cue_hidden_fraction": p["cue_hidden_fraction"],
                 "interval_hours": p["interval_hours"], "silenced_fractions": (0.0,)}
        records: list[dict[str, Any]] = []
        costs = []
        # one size and load at a time, keeping only the metrics: a run's spikes and weights
        # grow with the index (a 2,000-slot kv-index run holds about 20 MB)
        with WorkerPool(p["workers"]) as pool:
            for model in p["models"]:
                circuit, size_name = MODELS[model]
                for size in p["sizes"]:
                    for load in p["loads"]:
                        requests = [RunRequest("ensemble-recall", s,
                                               {**fixed, "n_items": load, size_name: size},
                                               circuit) for s in seeds]
                        results = run_requests(requests, device=device, workers=p["workers"],
                                               guard=model != "kv_index", progress=progress,
                                               pool=pool)
                        failed = [r for r in results if not r.ok]
                        if failed:
                            raise RuntimeError(f"{len(failed)} of {len(results)} {model} runs "
                                               f"failed; first: {failed[0].error}")
                        costs += [r.metrics["simulate_s"] for r in results]
                        for s, result in zip(seeds, results, strict=True):
                            records += records_of(model, size, load, s, result.metrics)
        metrics = summarise(records, p)
        metrics.update(
            spiking_runs=len(costs), simulate_s=round(sum(costs), 1),
            wall_s=round(time.perf_counter() - started, 1), seeds=seeds, device=device,
            workers=p["workers"], runs=records)
        return metrics

    def figures(self, p: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
        return {"ensemble-capacity.png": partial(ensemble_capacity_figure, metrics)}


def records_of(model: str, size: int, load: int, seed: int, m: dict[str, Any]
               ) -> list[dict[str, Any]]:
    """The rows one run gives: its own, and its rate reference's (on kv-ensemble)."""
    rows = [{"model": model, "size": size, "load": load, "seed": seed,
             "recall": m["recall_accuracy"], "ensemble_size": m["ensemble_size"],
             "overlap_ratio": m["overlap_ratio"]}]
    if "rate_recall_accuracy" in m:
        rows.append({"model": RATE_MODEL, "size": size, "load": load, "seed": seed,
                     "recall": m["rate_recall_accuracy"],
                     "ensemble_size": m["rate_ensemble_size"],
                     "overlap_ratio": m["rate_overlap_ratio"]})
    return rows


def summarise(records: list[dict[str, Any]], p: dict[str, Any]) -> dict[str, Any]:
    """Per model, size and load: mean recall, its bootstrap interval over seeds, ensemble
    size and overlap ratio; per model and size: C(criterion) with its bootstrap interval
    over seeds."""
    recall: dict[str, dict[str, dict[str, Any]]] = {}
    capacity: dict[str, dict[str, Any]] = {}
    for model in sorted({r["model"] for r in records}):
        recall[model], capacity[model] = {}, {}
        for size in p["sizes"]:
            by_load = {}
            table: dict[str, dict[str, Any]] = {}
            for load in p["loads"]:
                rows = [r for r in records if r["model"] == model and r["size"] == size
                        and r["load"] == load]
                values = np.array([r["recall"] for r in rows])
                by_load[load] = [float(v) for v in values]
                low, high = seed_interval(values)
                table[str(load)] = {
                    "recall": float(values.mean()), "recall_ci": [low, high],
                    "ensemble_size": float(np.mean([r["ensemble_size"] for r in rows])),
                    "overlap_ratio": float(np.nanmean([r["overlap_ratio"] for r in rows]))
                    if load > 1 else float("nan")}
            recall[model][str(size)] = table
            means = {load: float(np.mean(v)) for load, v in by_load.items()}
            capacity[model][str(size)] = {
                "C": capacity_of(means, p["criterion"]),
                "C_ci": capacity_interval(by_load, p["criterion"]),
                "C_is_lower_bound": capacity_of(means, p["criterion"]) == max(p["loads"])}
    return {"recall": recall, "capacity": capacity, "criterion": p["criterion"]}
