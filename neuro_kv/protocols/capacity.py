"""The ``capacity`` protocol: recall accuracy against load for the spiking key-value memory,
the spiking Hopfield baseline and the rate-level references, all on identical patterns.

For every load (``n_items``) and seed, ``paired-recall`` stores that many key-value pairs and
recalls each from its partial key; every model is scored by mean bitwise recall accuracy of
the values. Capacity C(criterion) is the largest load whose accuracy, and that of every smaller
load of the grid, is at least ``criterion``, with a bootstrap interval over seeds. A size
sweep repeats the key-value models for other numbers of slots at the same input dimension,
and the Hopfield models for other numbers of units (half key, half value).

Every spiking run (model x size x load x seed; slot policies that coincide share a run) is
one `neuro_kv.preparation.RunRequest` of ``paired-recall``; the engine runs them all as batches of
replicas on ``workers`` processes, one network per structure (circuit and size) and batch size.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from scipy import stats

from neuro_kv.analysis.plots import capacity_figure
from neuro_kv.analysis.statistics import seed_interval
from neuro_kv.contracts import ManyRunProtocol
from neuro_kv.engine import run_requests
from neuro_kv.parameters import Parameter, ParameterError, ParameterSet
from neuro_kv.preparation import RunRequest, plan_run
from neuro_kv.rate_models import HopfieldMemory, OuterProductMemory, SlotMemory, SoftmaxMemory
from neuro_kv.seeding import reference_rng

__all__ = ["Capacity", "capacity_of", "SPIKING_MODELS", "RATE_MODELS"]

P = Parameter

#: Spiking models: name -> (circuit, slot policy, slot probability; None = 4 / n_slots).
SPIKING_MODELS: dict[str, tuple[str, str, float | None]] = {
    "kv_sequential": ("kv-index", "sequential", 0.0),
    "kv_random_4_over_n": ("kv-index", "random", None),
    "kv_random_0.1": ("kv-index", "random", 0.1),
    "hopfield": ("hopfield", "sequential", 0.0),
}
#: Rate references, each on the patterns (and slot tags) of a spiking model.
RATE_MODELS: dict[str, str] = {
    "rate_kv_sequential": "kv_sequential",
    "rate_kv_random_4_over_n": "kv_random_4_over_n",
    "rate_kv_random_0.1": "kv_random_0.1",
    "rate_hopfield": "kv_sequential",
    "rate_softmax": "kv_sequential",
    "rate_outer_product": "kv_sequential",
}

PARAMETERS = ParameterSet([
    P("loads", (2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 36, 40, 60, 80), "numbers of stored pairs "
      "(n_items) at which every model is scored", "ints", low=1),
    P("n_seeds", 20, "seeds per load: the run's seed and the next n_seeds - 1", "int", low=1),
    P("seeds", (), "the seeds of every load (`--seeds A-B`); empty: the run's seed and the "
      "next n_seeds - 1", "ints", low=0, high=2**31 - 1, allow_empty=True),
    P("n_slots", 40, "index slots of the key-value circuit", "int", low=1),
    P("n_input", 40, "key dimension", "int", low=1),
    P("n_value", 40, "value dimension", "int", low=1),
    P("cue_hidden_fraction", 0.6, "fraction of key entries hidden in each cue", "float",
      low=0, high=1),
    P("size_sweep", (20, 40, 80), "n_slots values of the size sweep of the key-value models "
      "(empty: no sweep)", "ints", low=1, allow_empty=True),
    P("size_loads", (2, 3, 4, 6, 8, 12), "loads of the size sweep (with size_load_percent; "
      "small loads resolve the capacity of the random policies)", "ints", low=1, allow_empty=True),
    P("size_load_percent", (90, 100, 125), "more loads of the size sweep, in percent of "
      "n_slots", "ints", low=1, allow_empty=True),
    P("hopfield_units", (40, 80, 160), "memory units (n_input + n_value, half each) of the "
      "Hopfield models' size sweep (empty: no sweep)", "ints", low=2, allow_empty=True),
    P("hopfield_load_percent", (10, 15, 20), "more loads of the Hopfield size sweep (with "
      "size_loads), in percent of its units", "ints", low=1, allow_empty=True),
    P("criterion", 0.98, "accuracy that defines the capacity C", "float", low=0, high=1),
    P("recent_percent", 50, "the most recent items, scored apart from the older ones (loads "
      "above this count), in percent of n_slots", "int", low=1, high=100),
    P("softmax_beta", 1.0, "inverse temperature of rate_softmax", "float", low=0),
    P("models", tuple(SPIKING_MODELS), "spiking models to simulate (the rate references of "
      "the key-value models simulated, and the pattern-level ones, always run)", "names",
      choices=tuple(SPIKING_MODELS)),
    P("workers", 1, "worker processes (each runs batches of replicas)", "int", low=1),
])


@dataclass(frozen=True)
class Unit:
    """The loads of one circuit, size and seed, and the models scored on them. ``size``:
    index slots (``kv-index``) or memory units, n_input + n_value (``hopfield``)."""

    circuit: str
    size: int
    seed: int
    loads: tuple[int, ...]
    models: tuple[str, ...]


def slot_probability(model: str, n_slots: int) -> float:
    """The random tagging probability of a key-value model at ``n_slots``."""
    probability = SPIKING_MODELS[model][2]
    return 4.0 / n_slots if probability is None else probability


def spiking_requests(units: list[Unit], fixed: dict[str, Any]
                     ) -> tuple[list[RunRequest], list[tuple[str, int, int, int, int]]]:
    """The paired-recall runs of the units (slot policies that coincide share one run) and,
    per scored (model, size, load, seed), the number of its run."""
    requests: list[RunRequest] = []
    numbers: dict[tuple, int] = {}
    scored = []
    for unit in units:
        for load in unit.loads:
            for model in unit.models:
                _, policy, _ = SPIKING_MODELS[model]
                overrides = {**fixed, "n_items": load}
                if unit.circuit == "kv-index":
                    overrides.update(n_slots=unit.size, slot_policy=policy,
                                     slot_probability=slot_probability(model, unit.size))
                elif unit.size != fixed["n_input"] + fixed["n_value"]:
                    overrides.update(n_input=unit.size // 2, n_value=unit.size // 2)
                key = (unit.circuit, unit.seed, tuple(sorted(overrides.items())))
                if key not in numbers:
                    numbers[key] = len(requests)
                    requests.append(RunRequest("paired-recall", unit.seed, overrides,
                                               unit.circuit))
                scored.append((model, unit.size, load, unit.seed, numbers[key]))
    return requests, scored


def rate_records(p: dict[str, Any], size: int, load: int, seed: int,
                 models: list[str]) -> list[dict[str, Any]]:
    """The rate references on the patterns (and slot tags) the spiking runs used: at ``size``
    slots for the slot memories, at ``size`` units (half key, half value) for
    ``rate_hopfield`` in its size sweep, on the main grid's patterns otherwise."""
    records = []
    for model in models:
        source = RATE_MODELS[model]
        _, policy, _ = SPIKING_MODELS[source]
        n_slots = size if model.startswith("rate_kv") else p["n_slots"]
        overrides = {"n_items": load, "n_input": p["n_input"], "n_value": p["n_value"],
                     "n_slots": n_slots, "cue_hidden_fraction": p["cue_hidden_fraction"],
                     "slot_policy": policy,
                     "slot_probability": slot_probability(source, n_slots)}
        if model == "rate_hopfield" and size != main_size(model, p):
            overrides.update(n_input=size // 2, n_value=size // 2)
        planned = plan_run(RunRequest("paired-recall", seed, overrides, "kv-index"), "numpy")
        values, patterns, rng = planned.values, planned.patterns, reference_rng(seed)
        if model.startswith("rate_kv"):
            memory = SlotMemory(n_slots, policy, values["slot_probability"])
            memory.store(patterns.keys, patterns.values, rng, slots=patterns.tagged_slots)
        elif model == "rate_hopfield":
            memory = HopfieldMemory(patterns.keys, patterns.values)
        elif model == "rate_softmax":
            memory = SoftmaxMemory(patterns.keys, patterns.values, p["softmax_beta"])
        else:
            memory = OuterProductMemory(patterns.keys, patterns.values)
        estimates = memory.recall(patterns.cues, rng)
        per_item = (estimates == patterns.values).mean(axis=1)
        records.append({"model": model, "size": size, "load": load, "seed": seed,
                        "per_item": [float(a) for a in per_item]})
    return records


def main_size(model: str, p: dict[str, Any]) -> int:
    """The size of a model on the main grid: slots for the slot memories, memory units
    (n_input + n_value) for the others."""
    return p["n_slots"] if "kv" in model else p["n_input"] + p["n_value"]


def capacity_of(accuracy: dict[int, float], criterion: float) -> int:
    """Largest load L such that every load <= L of the grid reaches ``criterion``; 0 if the
    smallest does not."""
    capacity = 0
    for load in sorted(accuracy):
        if accuracy[load] < criterion:
            break
        capacity = load
    return capacity


def capacity_interval(by_seed: dict[int, list[float]], criterion: float,
                      seed: int = 0, level: float = 0.95) -> list[float]:
    """Bootstrap (percentile, `scipy.stats.bootstrap`) interval of the capacity: seeds
    resampled with replacement, each seed keeping its accuracy at every load."""
    loads = sorted(by_seed)
    table = np.array([by_seed[load] for load in loads])  # loads x seeds

    def capacity(chosen: np.ndarray) -> float:
        return float(capacity_of(dict(zip(loads, table[:, chosen].mean(axis=1), strict=True)),
                                 criterion))

    if table.shape[1] < 2:
        return [capacity(np.arange(table.shape[1]))] * 2
    interval = stats.bootstrap((np.arange(table.shape[1]),), capacity, vectorized=False,
                               confidence_level=level, n_resamples=2000, method="percentile",
                               rng=np.random.default_rng(seed)).confidence_interval
    return [float(interval.low), float(interval.high)]


def summarise(records: list[dict[str, Any]], p: dict[str, Any]) -> dict[str, Any]:
    """Accuracy per model and load (mean, bootstrap interval over seeds and per seed),
    capacities with bootstrap intervals over seeds (main grid and by size), recent vs old
    items."""
    table: dict[tuple[str, int], dict[int, list[float]]] = {}
    ages: dict[tuple[str, int], dict[int, list[tuple[float, float]]]] = {}
    for record in sorted(records, key=lambda r: r["seed"]):
        key = (record["model"], record["size"])
        per_item = np.asarray(record["per_item"])
        table.setdefault(key, {}).setdefault(record["load"], []).append(float(per_item.mean()))
        recent = max(1, round(p["n_slots"] * p["recent_percent"] / 100))
        if record["load"] > recent:
            ages.setdefault(key, {}).setdefault(record["load"], []).append(
                (float(per_item[-recent:].mean()), float(per_item[:-recent].mean())))

    def mean_by_load(runs: dict[int, list[float]]) -> dict[int, float]:
        return {load: round(float(np.mean(v)), 4) for load, v in sorted(runs.items())}

    metrics: dict[str, Any] = {"accuracy": {}, "accuracy_ci": {}, "accuracy_by_seed": {},
                               "capacity": {}, "capacity_ci": {}, "capacity_by_size": {},
                               "capacity_by_size_ci": {}, "by_age": {}}
    for (model, size), runs in sorted(table.items()):
        means = mean_by_load(runs)
        capacity = capacity_of(means, p["criterion"])
        interval = capacity_interval(runs, p["criterion"])
        if size == main_size(model, p):
            metrics["accuracy"][model] = means
            metrics["accuracy_ci"][model] = {
                load: [round(v, 4) for v in seed_interval(np.array(r))]
                for load, r in sorted(runs.items())}
            metrics["accuracy_by_seed"][model] = {load: [round(a, 4) for a in v]
                                                  for load, v in sorted(runs.items())}
            metrics["capacity"][model] = capacity
            metrics["capacity_ci"][model] = interval
        if "kv" in model or "hopfield" in model:  # models with a size sweep
            metrics["capacity_by_size"].setdefault(model, {})[size] = capacity
            metrics["capacity_by_size_ci"].setdefault(model, {})[size] = interval
        if size == main_size(model, p) and (model, size) in ages:
            metrics["by_age"][model] = {
                load: {"recent": round(float(np.mean([r for r, _ in v])), 4),
                       "older": round(float(np.mean([o for _, o in v])), 4)}
                for load, v in sorted(ages[(model, size)].items())}
    return metrics


#: the most spiking runs one capacity grid may ask for (the default grid: 2,340)
MAX_RUNS = 100_000


class Capacity(ManyRunProtocol):
    """Capacity of every model against load, and of the key-value models against size."""

    name = "capacity"
    parameters = PARAMETERS

    def check(self, p: dict[str, Any]) -> None:
        if not p["loads"]:
            raise ParameterError("parameter 'loads': value (empty) is not allowed; "
                                 "expected at least one integer")
        odd = [size for size in p["hopfield_units"] if size % 2]
        if odd:
            raise ParameterError(f"parameter 'hopfield_units': value {odd[0]} is not allowed; "
                                 "expected even numbers (half key, half value)")
        runs = sum(len(unit.loads) * len(unit.models) for unit in self.units(p, 1))
        if runs > MAX_RUNS:
            raise ParameterError(f"parameters 'n_seeds' (or 'seeds'), 'loads', 'size_sweep' "
                                 f"and 'models' ask for {runs:,} runs; at most {MAX_RUNS:,} "
                                 "are allowed")

    def units(self, p: dict[str, Any], seed: int) -> list[Unit]:
        """The units of work: the main grid (all models) and the size sweeps (key-value
        models by slots, Hopfield by units)."""
        seeds = self.seed_list(p, seed)
        kv = tuple(name for name, spec in SPIKING_MODELS.items() if spec[0] == "kv-index")
        units = []
        for n_slots in sorted({p["n_slots"], *p["size_sweep"]}):
            loads = set(p["loads"]) if n_slots == p["n_slots"] else set()
            if n_slots in p["size_sweep"]:
                loads |= set(p["size_loads"])
                loads |= {max(1, round(n_slots * q / 100)) for q in p["size_load_percent"]}
            models = tuple(m for m in kv if m in p["models"])
            if models:
                units += [Unit("kv-index", n_slots, s, tuple(sorted(loads)), models)
                          for s in seeds]
        if "hopfield" in p["models"]:
            for size, loads in self.hopfield_loads(p).items():
                units += [Unit("hopfield", size, s, loads, ("hopfield",)) for s in seeds]
        return units

    def hopfield_loads(self, p: dict[str, Any]) -> dict[int, tuple[int, ...]]:
        """Loads of the Hopfield models per size (units): the main grid's at n_input +
        n_value, the size sweep's at each of ``hopfield_units``."""
        main = main_size("hopfield", p)
        found: dict[int, set[int]] = {main: set(p["loads"])}
        for size in p["hopfield_units"]:
            found.setdefault(size, set()).update(
                p["size_loads"], {max(1, round(size * q / 100))
                                  for q in p["hopfield_load_percent"]})
        return {size: tuple(sorted(loads)) for size, loads in sorted(found.items())}

    def execute(self, p: dict[str, Any], seed: int, device: str,
                progress: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Run every spiking run (as batches, on ``workers`` processes) and the rate
        references; metrics."""
        started = time.perf_counter()
        fixed = {"n_input": p["n_input"], "n_value": p["n_value"],
                 "cue_hidden_fraction": p["cue_hidden_fraction"]}
        units = self.units(p, seed)
        requests, scored = spiking_requests(units, fixed)
        results = run_requests(requests, device=device, workers=p["workers"],
                               progress=progress)
        failed = [r for r in results if not r.ok]
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(results)} capacity runs failed; "
                               f"first: {failed[0].error}")
        records = [{"model": model, "size": size, "load": load, "seed": run_seed,
                    "per_item": results[number].metrics["per_item_accuracy"]}
                   for model, size, load, run_seed, number in scored]
        records += self.rate_references(p, units, seed)
        metrics = summarise(records, p)
        metrics.update(
            builds=sum(r.metrics["builds"] for r in results),
            batches=len({r.metrics["batch"]["id"] for r in results}),
            compiled_modules=sum(r.metrics["compiled_modules"] or 0 for r in results),
            spiking_runs=len(requests),
            simulate_s=round(sum(r.metrics["simulate_s"] for r in results), 1),
            wall_s=round(time.perf_counter() - started, 1),
            seeds=self.seed_list(p, seed), device=device,
            workers=p["workers"])
        metrics["runs"] = records
        return metrics

    def rate_references(self, p: dict[str, Any], units: list[Unit],
                        seed: int) -> list[dict[str, Any]]:
        """Rate models on the spiking runs' patterns: slot memories where their spiking
        key-value model ran, pattern-level models (Hopfield, softmax, outer product) on the
        main grid, and the rate Hopfield network at every size of the Hopfield sweep."""
        seeds = self.seed_list(p, seed)
        grids: dict[str, set[tuple[int, int, int]]] = {}
        for model, source in RATE_MODELS.items():
            if model.startswith("rate_kv"):
                grids[model] = ({(u.size, load, u.seed) for u in units
                                 if u.circuit == "kv-index" for load in u.loads}
                                if source in p["models"] else set())
            else:
                grids[model] = {(main_size(model, p), load, s) for load in p["loads"]
                                for s in seeds}
        grids["rate_hopfield"] |= {(size, load, s) for size, loads
                                   in self.hopfield_loads(p).items()
                                   for load in loads for s in seeds}
        rates = []
        for point in sorted(set().union(*grids.values())):
            models = [m for m in RATE_MODELS if point in grids[m]]
            rates += rate_records(p, *point, models)
        return rates

    def figures(self, p: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
        return {"capacity.png": partial(capacity_figure, metrics, p["n_slots"],
                                        p["criterion"])}
