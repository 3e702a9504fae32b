"""The engine: many runs in few compiled networks.

`run_requests` takes a list of runs (`RunRequest`: protocol, seed, parameters, circuit),
checks each, and groups those that can share one network into **batches**: runs of the same
circuit with the same structure (its ``structural_parameters``: sizes, rule choices, time
constants; the time step; the schedule step and the padded schedule length). A batch of n
runs is simulated as n replicas of the circuit in one Brian2 network (K, the replica count,
is n rounded up to a power of two, so few distinct networks are ever built; spare replicas
stay silent), for the longest schedule of the batch. Each replica has its own schedule,
parameter values and seed, and a run's spikes depend on nothing else (counter-based random
streams), so a run gives the same spikes alone or in any batch.

Batches run in this process (``workers=1``) or in ``workers`` spawned processes; each process
keeps the networks it built (`neuro_kv.devices`), so the next batch of the same structure
builds nothing. Results come back in request order, one per run: a `neuro_kv.results.RunResult`
or a `RunFailure`. A run that fails its checks, whose analysis fails, or whose storing
population goes silent or runs away while storing (outside its circuit's healthy range; the
guard halts it inside the compiled run, see `neuro_kv.guard`; ``guard=False`` turns this off)
fails alone; a batch whose simulation fails is retried run by run. A batch is split so
that it fits the machine's memory; a run too large for it alone is refused with the estimate.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from brian2 import second

from neuro_kv.devices import (
    DEVICES,
    RuntimeNetwork,
    StandaloneNetwork,
    quiet_brian,
    standalone_build_exists,
)
from neuro_kv.guard import GuardState, guard_inputs, guard_limits, guard_states, run_limits
from neuro_kv.parameters import ParameterError, format_value
from neuro_kv.preparation import (
    MEMORY_SHARE,
    PlannedRun,
    RunRequest,
    available_memory,
    plan_run,
)
from neuro_kv.processes import die_with_parent, stop_workers
from neuro_kv.results import RunResult
from neuro_kv.schedule import padded_rows
from neuro_kv.seeding import analysis_rng
from neuro_kv.spikes import SpikeRecord

__all__ = ["RunRequest", "RunFailure", "Batch", "WorkerPool", "run_requests", "run_together",
           "plan_batches",
           "plan_group", "DEFAULT_DEVICE", "MAX_REPLICAS", "NETWORKS_KEPT",
           "available_memory"]

#: the device runs use unless told otherwise (fastest in our measurements, see README)
DEFAULT_DEVICE = "cpp_standalone"
#: the most replicas one network holds, by device (beyond it the cost per replica stops
#: falling; measured in benchmarks/bench_replicas.py, see README)
MAX_REPLICAS = {"cpp_standalone": 16, "cython": 64, "numpy": 64}
#: built networks one process keeps (least recently used dropped first)
NETWORKS_KEPT = 4


@dataclass
class RunFailure:
    """A run that did not give a result: ``status`` (``invalid``, ``failed``, ``silent``,
    ``runaway``), a one-line ``error`` and the traceback."""

    request: RunRequest
    status: str
    error: str
    traceback: str = ""
    exception: BaseException | None = None
    #: for a run the guard stopped: what it recorded until then (metrics give the status
    #: and the time it stopped); None for other failures
    result: RunResult | None = None
    ok = False

    @classmethod
    def of(cls, request: RunRequest | PlannedRun, status: str, error: BaseException
           ) -> RunFailure:
        if isinstance(request, PlannedRun):
            request = request.request
        line = f"{type(error).__name__}: {error}".splitlines()[0]
        if isinstance(error, (ParameterError, RunStopped)):
            line = str(error).splitlines()[0]
        return cls(request, status, line, "".join(traceback.format_exception(error)), error)


@dataclass
class Batch:
    """Runs that share one network: ``circuit``, its ``structure`` (structural parameter
    values), time step ``dt``, schedule ``step`` and ``rows``, built with ``replicas``."""

    device: str
    circuit: str
    structure: dict[str, Any]
    structure_strings: dict[str, str]
    dt: Any
    step: Any
    rows: int
    replicas: int
    runs: list[PlannedRun]

    @property
    def key(self) -> tuple:
        return (self.device, self.circuit, tuple(sorted(self.structure_strings.items())),
                float(self.dt / second), float(self.step / second), self.rows, self.replicas)


def plan_batches(requests: Sequence[RunRequest | PlannedRun], device: str = DEFAULT_DEVICE, *,
                 workers: int = 1, max_replicas: int | None = None
                 ) -> tuple[list[Batch], list[tuple[int, RunFailure]]]:
    """Check every request (`neuro_kv.preparation.plan_run`; a run already planned is
    taken as it is) and group the good ones into batches (largest first); the failures of
    the checks, by request number."""
    if device not in DEVICES:
        raise ParameterError(f"device {device!r} is not allowed; expected one of "
                             f"{', '.join(DEVICES)}")
    max_replicas = MAX_REPLICAS[device] if max_replicas is None else max_replicas
    groups: dict[tuple, list[PlannedRun]] = {}
    shapes: dict[tuple, tuple[Any, dict[str, Any], dict[str, str]]] = {}
    failures: list[tuple[int, RunFailure]] = []
    for number, request in enumerate(requests):
        try:
            planned = (request if isinstance(request, PlannedRun)
                       else plan_run(request, device))
            if planned.circuit is None:
                raise ParameterError(f"protocol {planned.protocol.name!r} runs its own runs; "
                                     "it cannot be one run of a batch")
        except Exception as error:  # reported for this run alone
            failures.append((number, RunFailure.of(request, "invalid", error)))
            continue
        planned = dataclasses.replace(planned, number=number)
        circuit, values, schedule = planned.circuit, planned.values, planned.schedule
        structure = {name: values[name] for name in circuit.structural_parameters}
        strings = {name: str(format_value(values[name], planned.parameters[name].unit))
                   for name in circuit.structural_parameters}
        key = (circuit.name, tuple(sorted(strings.items())), float(values["dt"] / second),
               float(schedule.step / second), padded_rows(schedule.steps))
        groups.setdefault(key, []).append(planned)
        shapes[key] = (circuit, structure, strings)
    batches = []
    for key, runs in groups.items():
        circuit, structure, strings = shapes[key]
        rows = key[4]
        largest = replicas_that_fit(circuit, structure, rows, workers, max_replicas)
        if largest == 0:
            need = circuit.per_replica_bytes(structure, rows)
            error = ParameterError(
                f"one run of {circuit.name} with these sizes needs about {need / 1e9:.1f} GB; "
                f"this machine has {available_memory() / 1e9:.1f} GB available")
            failures += [(run.number, RunFailure.of(run.request, "invalid", error))
                         for run in runs]
            continue
        runs.sort(key=lambda run: -run.schedule.steps)  # similar lengths share a batch
        durations = [float(run.schedule.duration / second) for run in runs]
        built = ([k for k in REPLICA_COUNTS
                  if standalone_build_exists(circuit, strings, k, rows, runs[0].schedule.step,
                                             runs[0].values["dt"])]
                 if device == "cpp_standalone" else REPLICA_COUNTS)
        for first, last, replicas in plan_group(durations, circuit.replica_cost_s, device,
                                                largest, workers, built):
            chunk = runs[first:last]
            batches.append(Batch(device, circuit.name, structure, strings,
                                 chunk[0].values["dt"], chunk[0].schedule.step, rows,
                                 replicas, chunk))
    batches.sort(key=lambda b: -b.replicas * float(b.runs[0].schedule.duration / second))
    return batches, failures


#: the replica counts networks are built with (powers of four: few distinct builds)
REPLICA_COUNTS = (1, 4, 16, 64)
#: per device: (seconds per batch, seconds per model second of a batch whatever its size,
#: factor on a circuit's per-replica cost, seconds to compile a new build) -- measured on our
#: 2-core machine (README); they only steer how runs are grouped, never what a run gives
BATCH_COSTS = {"cpp_standalone": (0.3, 0.0, 1.0, 10.0), "cython": (0.5, 1.0, 7.0, 100.0),
               "numpy": (0.5, 5.0, 40.0, 0.0)}


def plan_group(durations: Sequence[float], replica_cost: float, device: str, largest: int,
               workers: int, built: Iterable[int] = ()) -> list[tuple[int, int, int]]:
    """Batches (first, last, replicas) of the runs of one structure, ``durations`` sorted
    longest first.

    A batch of runs ``first..last-1`` is built with K replicas, the smallest of
    `REPLICA_COUNTS` that holds them (at most ``largest``), and costs ``overhead + T*(per_step
    + K*replica_cost*factor)`` (T: its longest run), plus a compile for each replica count
    not in ``built``. The cheapest split into contiguous batches is found by dynamic
    programming (dropping replica counts whose compile does not pay); then the costliest
    batch is split into batches of the next smaller count while that finishes the work sooner
    on ``workers`` processes.
    """
    overhead, per_step, factor, compile_s = BATCH_COSTS[device]
    built = set(built)

    def solve(counts: list[int]) -> tuple[float, list[tuple[int, int]]]:
        def cost(first: int, last: int) -> float:
            replicas = next(k for k in counts if k >= last - first)
            return overhead + durations[first] * (per_step + replicas * replica_cost * factor)

        n, top = len(durations), max(counts)
        best, cut = [0.0] + [math.inf] * n, [0] * (n + 1)
        for last in range(1, n + 1):
            for first in range(max(0, last - top), last):
                total = best[first] + cost(first, last)
                if total < best[last]:
                    best[last], cut[last] = total, first
        spans, last = [], n
        while last > 0:
            spans.append((cut[last], last))
            last = cut[last]
        used = {next(k for k in counts if k >= b - a) for a, b in spans}
        return best[n] + compile_s * len(used - built), spans[::-1]

    counts = [k for k in REPLICA_COUNTS if k <= max(1, largest)]
    total, spans = solve(counts)
    improved = True
    while improved and len(counts) > 1:  # drop a replica count while that is cheaper
        improved = False
        for k in sorted(set(counts) - built, reverse=True):
            fewer = [c for c in counts if c != k]
            candidate = solve(fewer)
            if candidate[0] < total:
                counts, (total, spans), improved = fewer, candidate, True
                break

    def replicas(span: tuple[int, int]) -> int:
        return next(k for k in counts if k >= span[1] - span[0])

    def cost(span: tuple[int, int]) -> float:
        return overhead + durations[span[0]] * (per_step + replicas(span) * replica_cost
                                                * factor)

    def makespan(spans: list[tuple[int, int]]) -> float:  # longest-first onto the workers
        loads = [0.0] * max(workers, 1)
        for span_cost in sorted((cost(span) for span in spans), reverse=True):
            loads[loads.index(min(loads))] += span_cost
        return max(loads)

    while workers > 1:  # split the costliest batch while that finishes the work sooner
        k = max(range(len(spans)), key=lambda index: cost(spans[index]))
        first, last = spans[k]
        smaller = [c for c in counts if c < replicas(spans[k])]
        if not smaller:
            break
        size = max(smaller)
        parts = [(a, min(a + size, last)) for a in range(first, last, size)]
        split = spans[:k] + parts + spans[k + 1:]
        if makespan(split) >= makespan(spans):
            break
        spans = split
    return [(a, b, replicas((a, b))) for a, b in spans]


def replicas_that_fit(circuit: Any, structure: dict[str, Any], rows: int, workers: int,
                      max_replicas: int) -> int:
    """The most replicas (one of `REPLICA_COUNTS`, at most ``max_replicas``) whose batches,
    one per worker, fit in `MEMORY_SHARE` of the available memory; 0 if not even one does."""
    budget = MEMORY_SHARE * available_memory() / max(workers, 1)
    fitting = int(budget // circuit.per_replica_bytes(structure, rows))
    counts = [k for k in REPLICA_COUNTS if k <= min(fitting, max(1, max_replicas))]
    return max(counts) if counts else 0


#: networks built in this process, by batch key (least recently used first)
_networks: OrderedDict[tuple, Any] = OrderedDict()
#: numbers the batches this process runs (with its pid, a batch's id in the metrics)
_batch_numbers = itertools.count(1)


def network_for(batch: Batch) -> tuple[Any, bool]:
    """The process's network for ``batch`` (built if needed); whether it was built now."""
    network = _networks.pop(batch.key, None)
    built = network is None
    if built:
        circuit = batch.runs[0].circuit
        if batch.device == "cpp_standalone":
            network = StandaloneNetwork(circuit, batch.structure, batch.structure_strings,
                                        batch.replicas, batch.rows, batch.step, batch.dt)
        else:
            network = RuntimeNetwork(batch.device, circuit, batch.structure, batch.replicas,
                                     batch.rows, batch.step, batch.dt)
    _networks[batch.key] = network
    while len(_networks) > NETWORKS_KEPT:
        _networks.popitem(last=False)
    return network, built


def run_batch(batch: Batch, guard: bool = True) -> list[tuple[int, Any]]:
    """Simulate and analyse one batch in this process: (request number, result or failure)
    for each of its runs. With ``guard``, a run whose storing population leaves its
    circuit's healthy range while storing is halted at the next checkpoint
    (`neuro_kv.guard`), and the network stops as soon as no run of the batch is left."""
    quiet_brian()
    started = time.perf_counter()
    limits = [guard_limits(run_limits(run.circuit, run.values, run.schedule), guard)
              for run in batch.runs]
    try:
        network, built = network_for(batch)
        inputs = network.built.inputs([(run.values, run.schedule, run.seed)
                                       for run in batch.runs])
        durations = [float(run.schedule.duration / second) for run in batch.runs]
        inputs.variables.update(guard_inputs(network.built, list(zip(durations, limits,
                                                                     strict=True))))
        simulated = time.perf_counter()
        outputs = network.run(inputs, durations)
        simulate_s = time.perf_counter() - simulated
        states = guard_states(network.built, len(batch.runs))
    except Exception as error:
        if len(batch.runs) > 1:  # find the run that breaks it; the others keep their results
            return [outcome for run in batch.runs
                    for outcome in run_batch(_single(batch, run), guard)]
        return [(batch.runs[0].number, RunFailure.of(batch.runs[0].request, "failed", error))]
    cost = {"id": f"{os.getpid()}-{next(_batch_numbers)}", "replicas": batch.replicas,
            "runs": len(batch.runs),
            "simulate_s": round(simulate_s, 3),
            "build_s": round(network.build_s if built else 0.0, 3),
            "builds": int(built),
            "compiled": (network.compiled or 0) if built else 0}
    outcomes = []
    for position, (run, (spikes, weights), state, run_limit) in enumerate(zip(
            batch.runs, outputs, states, limits, strict=True)):
        try:
            if state.status != "ok":
                outcomes.append((run.number, halted_run(batch, run, spikes, state, run_limit,
                                                        network.built.sizes)))
                continue
            result = make_result(batch, run, spikes, weights, network.built.sizes, cost,
                                 first=position == 0, started=started)
            outcomes.append((run.number, result))
        except Exception as error:
            outcomes.append((run.number, RunFailure.of(run.request, "failed", error)))
    return outcomes


def _single(batch: Batch, run: PlannedRun) -> Batch:
    return Batch(batch.device, batch.circuit, batch.structure, batch.structure_strings,
                 batch.dt, batch.step, batch.rows, 1, [run])


class RunStopped(RuntimeError):
    """The guard stopped a run: its storing population went silent or ran away."""


def halted_run(batch: Batch, run: PlannedRun, spikes: dict, state: GuardState,
               limits: tuple[float, float], sizes: dict[str, int]) -> RunFailure:
    """A `RunFailure` for a run the guard stopped, with what it recorded until then (a
    ``result`` whose metrics say the status and the stop time)."""
    protocol, circuit = run.protocol, run.circuit
    duration = float(run.schedule.duration / second)
    where = "below" if state.status == "silent" else "above"
    error = RunStopped(
        f"{state.status}: the {circuit.storing_population} population fired at "
        f"{state.storing_rate_hz:.3g} Hz while storing, {where} the circuit's healthy range "
        f"{limits[0]:.3g}-{limits[1]:.3g} Hz for this run; stopped at {state.halted_at_s:.2f} s of "
        f"{duration:.2f} s (guard=False / --no-guard keeps such runs)")
    failure = RunFailure.of(run.request, state.status, error)
    kept = {name: (neurons[times <= state.halted_at_s], times[times <= state.halted_at_s])
            for name, (neurons, times) in spikes.items()}
    record = SpikeRecord(kept, dict(sizes), state.halted_at_s)
    metrics = {"status": state.status, "error": failure.error,
               "stopped_at_s": state.halted_at_s, "duration_s": duration,
               "storing_rate_hz": round(state.storing_rate_hz, 4),
               "storing_rate_limits_hz": list(limits), "seed": run.seed,
               "device": batch.device}
    failure.result = RunResult(
        protocol=protocol.name, circuit=circuit.name, seed=run.seed,
        device=batch.device, parameters=run.values,
        parameter_strings=run.parameters.to_strings(run.values), metrics=metrics,
        spikes=record, schedule=run.schedule, weights={}, populations=circuit.populations,
        controls=circuit.controls)
    return failure


def make_result(batch: Batch, run: PlannedRun, spikes: dict, weights: dict,
                sizes: dict[str, int], cost: dict[str, Any], *, first: bool,
                started: float) -> RunResult:
    """Analyse one replica's output into a `RunResult` (no disk access)."""
    protocol, circuit = run.protocol, run.circuit
    record = SpikeRecord(spikes, dict(sizes), float(run.schedule.duration / second), run.seed)
    metrics = protocol.analyse(run.values, run.patterns, run.schedule, record,
                               analysis_rng(run.seed), weights)
    encoding = [(start, stop) for _, _, start, stop in run.schedule.windows("encode")]
    share = 1.0 / cost["runs"]
    metrics.update(
        seed=run.seed, device=batch.device,
        encoding_rate_hz=round(record.window_rate(circuit.storing_population, encoding), 4),
        encoding_rate_limit_hz=circuit.encoding_rate_limits_hz[1],
        simulate_s=round(cost["simulate_s"] * share, 4),
        build_s=round(cost["build_s"] * share, 4),
        builds=cost["builds"] if first else 0,
        compiled_modules=cost["compiled"] if first else 0,
        batch=dict(cost),
        elapsed_s=round(time.perf_counter() - started, 3))
    result = RunResult(
        protocol=protocol.name, circuit=circuit.name, seed=run.seed,
        device=batch.device, parameters=run.values,
        parameter_strings=run.parameters.to_strings(run.values), metrics=metrics,
        spikes=record, schedule=run.schedule, weights=weights,
        populations=circuit.populations, controls=circuit.controls)
    result.figures = protocol.figures(run.values, result)
    return result


def process_context() -> Any:
    """How worker processes start: forked where that is safe (Linux, no other Python thread
    in this process: workers then start in milliseconds instead of importing everything
    again), spawned otherwise (e.g. inside a Dask worker or a notebook kernel)."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return get_context("fork")
    return get_context("spawn")


def run_together(requests: Sequence[RunRequest], *, replicas: int | None = None,
                 device: str = DEFAULT_DEVICE, guard: bool = True) -> list[Any]:
    """Run ``requests`` as one batch of ``replicas`` replicas (default: the smallest of
    `REPLICA_COUNTS` that holds them) in this process; they must share one structure.
    Results (or failures) in request order. For control over batching, e.g. in tests."""
    batches, failures = plan_batches(requests, device, max_replicas=REPLICA_COUNTS[-1])
    if failures:
        raise failures[0][1].exception or RuntimeError(failures[0][1].error)
    runs = sorted((run for batch in batches for run in batch.runs), key=lambda r: r.number)
    if len({batch.key[:-1] for batch in batches}) != 1:
        raise ParameterError("run_together: the runs do not share one structure")
    replicas = replicas or next(k for k in REPLICA_COUNTS if k >= len(runs))
    if replicas < len(runs):
        raise ParameterError(f"replicas {replicas} is not allowed for {len(runs)} runs; "
                             "expected at least as many replicas as runs")
    first = batches[0]
    batch = Batch(first.device, first.circuit, first.structure, first.structure_strings,
                  first.dt, first.step, first.rows, replicas, runs)
    return [outcome for _, outcome in sorted(run_batch(batch, guard))]


class WorkerPool:
    """Worker processes kept across several `run_requests` calls (e.g. the rounds of a
    tuning study), so their built networks serve every round; a context manager. Left by an
    exception (e.g. `neuro_kv.processes.Stopped`), it kills its workers instead of waiting
    for their batches."""

    def __init__(self, workers: int):
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=process_context(),
                                                 initializer=die_with_parent)
        return self._executor

    def close(self, kill: bool = False) -> None:
        """Shut the workers down once their batches are done, or with ``kill`` at once (their
        compiled binaries die with them; pending batches are dropped)."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if kill:
            # Python 3.14 has executor.kill_workers(); before it, the pool's private table
            stop_workers((getattr(executor, "_processes", None) or {}).values())
            executor.shutdown(wait=True, cancel_futures=True)
        else:
            executor.shutdown()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type | None, *exc: Any) -> None:
        self.close(kill=kind is not None)


def run_requests(requests: Sequence[RunRequest], *, device: str = DEFAULT_DEVICE,
                 workers: int = 1, max_replicas: int | None = None, guard: bool = True,
                 progress: Callable[[str], None] | None = None,
                 pool: WorkerPool | None = None) -> list[Any]:
    """Run every request; one `RunResult` or `RunFailure` per request, in request order.
    ``pool`` keeps the worker processes for later calls (default: new ones, closed after)."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ParameterError(f"workers {workers!r} is not allowed; expected an integer >= 1")
    if max_replicas is not None and (isinstance(max_replicas, bool) or not isinstance(
            max_replicas, int) or max_replicas < 1):
        raise ParameterError(f"max_replicas {max_replicas!r} is not allowed; expected an "
                             "integer >= 1")
    batches, failures = plan_batches(requests, device, workers=workers,
                                     max_replicas=max_replicas)
    outcomes: dict[int, Any] = dict(failures)
    started = time.perf_counter()
    done = 0

    def report(batch: Batch, results: list[tuple[int, Any]]) -> None:
        nonlocal done
        done += len(results)
        outcomes.update(results)
        if progress is not None:
            failed = sum(1 for _, r in results if not r.ok)
            progress(f"[{done}/{len(requests)}] batch of {len(batch.runs)} {batch.circuit} "
                     f"runs (K={batch.replicas}) done{f', {failed} failed' if failed else ''},"
                     f" {time.perf_counter() - started:.1f} s")

    if workers == 1 or (len(batches) <= 1 and pool is None):
        for batch in batches:
            report(batch, run_batch(batch, guard))
        return [outcomes[number] for number in range(len(requests))]
    own = pool is None
    pool = WorkerPool(min(workers, len(batches))) if own else pool
    try:
        futures = {pool.executor().submit(run_batch, batch, guard): batch for batch in batches}
        for future in as_completed(futures):
            batch = futures[future]
            try:
                results = future.result()
            except Exception as error:  # the worker process died (e.g. out of memory)
                results = [(run.number, RunFailure.of(run.request, "failed", error))
                           for run in batch.runs]
            report(batch, results)
    except BaseException:  # stopped (or failed): kill the workers, even a caller's pool
        pool.close(kill=True)
        raise
    if own:
        pool.close()
    return [outcomes[number] for number in range(len(requests))]
