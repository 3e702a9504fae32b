"""Parameter sweeps: the Cartesian product of a grid and seeds, run on Dask workers.

The runs still to do are grouped into batches by `neuro_kv.engine.plan_batches` (runs of one
structure share one network of replicas, whatever else they vary); each batch is one Dask
task, and each worker process keeps the networks it built. Every run writes the standard
result directory under ``OUT/runs/RUN_ID``, where ``RUN_ID`` is a
hash of protocol, circuit, device, seed, every effective parameter and the package version. A
finished run is a complete result directory (written under a temporary name, then renamed), so
running the same sweep again skips it; a run killed midway leaves only a hidden partial
directory, which the next sweep removes and redoes. A failing run is recorded in
``RUN_ID.failed.json`` with its error and retried by the next sweep; it does not stop this one.
The table ``sweep.csv`` (parameters, seed, status, every scalar metric, wall time, builds,
compiled modules, error) is rebuilt from the run directories after each finished run, and
``sweep.png`` draws each metric against each swept parameter (mean and spread over seeds).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import pandas as pd

from neuro_kv.analysis.plots import sweep_figure
from neuro_kv.api import run
from neuro_kv.contracts import ManyRunProtocol
from neuro_kv.devices import quiet_brian
from neuro_kv.engine import DEFAULT_DEVICE, Batch, RunFailure, plan_batches, run_batch
from neuro_kv.parameters import ParameterError
from neuro_kv.preparation import PlannedRun, RunRequest, plan_run, prepare
from neuro_kv.processes import kill_descendants
from neuro_kv.registry import get_protocol
from neuro_kv.storage import atomic_file, save_result, write_atomic
from neuro_kv.version import __version__

__all__ = ["sweep", "plan", "parse_grid", "parse_seeds", "RunSpec", "execute_batch",
           "execute_run", "run_table"]

#: table columns before the swept parameters, and the cost columns at its end
ID_COLUMNS = ("run_id", "protocol", "circuit", "device", "seed")
COST_COLUMNS = ("wall_s", "builds", "compiled_modules")


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: what to run and its identity."""

    protocol: str
    circuit: str | None  # as asked (None: the protocol's own)
    circuit_name: str  # the circuit that runs ("" for a protocol of many runs)
    device: str
    seed: int
    overrides: dict[str, Any]
    swept: tuple[tuple[str, str], ...]
    run_id: str
    #: the run resolved once (patterns and schedule drawn), for the batches; not part of
    #: its identity
    planned: PlannedRun | None = field(default=None, compare=False, repr=False)

    @property
    def request(self) -> RunRequest:
        return RunRequest(self.protocol, self.seed, self.overrides, self.circuit)


def parse_grid(items: list[str]) -> dict[str, list[str]]:
    """``["NAME=V1,V2", ...]`` -> {NAME: [V1, V2]}; ParameterError on malformed input."""
    grid: dict[str, list[str]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        parts = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not name:
            raise ParameterError(f"--grid {item!r} is not allowed; expected NAME=V1,V2,...")
        if not parts:
            raise ParameterError(f"--grid {item!r}: no values given for parameter {name!r}")
        if name in grid:
            raise ParameterError(f"--grid {item!r}: parameter {name!r} is swept twice")
        grid[name] = parts
    return grid


def parse_seeds(text: str) -> list[int]:
    """``"1-5"``, ``"1,3,7"`` or ``"2"`` -> sorted distinct seeds (integers >= 0)."""
    seeds: set[int] = set()
    try:
        for part in (p.strip() for p in str(text).split(",")):
            first, sep, last = part.partition("-")
            low, high = int(first), int(last if sep else first)
            if low < 0 or high < low:
                raise ValueError
            seeds.update(range(low, high + 1))
    except ValueError:
        raise ParameterError(f"--seeds {text!r} is not allowed; expected seeds >= 0 as "
                             "FIRST-LAST or a comma-separated list, e.g. 1-5 or 1,3,7") from None
    return sorted(seeds)


def run_hash(protocol: str, circuit: str | None, device: str, seed: int,
             parameters: dict[str, Any]) -> str:
    """Identity of a run: protocol, circuit, device, seed, parameters, package version."""
    document = {"protocol": protocol, "circuit": circuit, "device": device, "seed": seed,
                "parameters": parameters, "version": __version__}
    text = json.dumps(document, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def plan(protocol: str, grid: dict[str, list[str]], seeds: list[int], *,
         circuit: str | None = None, device: str = DEFAULT_DEVICE,
         base: dict[str, Any] | None = None) -> list[RunSpec]:
    """Every run of the sweep, each checked (parameter names, values) before any runs."""
    if not seeds:
        raise ParameterError("seeds: none given; expected at least one seed")
    base = dict(base or {})
    specs = []
    for combination in product(*grid.values()):
        swept = tuple(zip(grid, combination, strict=True))
        overrides = {**base, **dict(swept)}
        for seed in seeds:
            planned = plan_run(RunRequest(protocol, seed, overrides, circuit), device)
            strings = planned.parameters.to_strings(planned.values)
            circuit_name = planned.circuit.name if planned.circuit else ""
            specs.append(RunSpec(protocol, circuit, circuit_name, device, seed, overrides,
                                 swept, run_hash(protocol, circuit_name, device, seed,
                                                 strings), planned))
    return specs


def execute_batch(batch: Batch, run_ids: list[str], runs_dir: str) -> list[str]:
    """Run one batch in this (worker) process and store each run's result or failure;
    the status of each run."""

    quiet_brian()
    runs = Path(runs_dir)
    started = time.perf_counter()
    outcomes = dict(run_batch(batch))
    share = (time.perf_counter() - started) / len(batch.runs)
    statuses = []
    for planned, run_id in zip(batch.runs, run_ids, strict=True):
        outcome = outcomes[planned.number]
        statuses.append(store(outcome, runs, run_id, share))
    return statuses


def execute_run(spec: RunSpec, runs_dir: str) -> str:
    """Run one spec alone in this process (a protocol of many runs, or a retry) and store
    its result or failure; its status."""

    quiet_brian()
    started = time.perf_counter()
    try:
        outcome = run(spec.protocol, seed=spec.seed, device=spec.device,
                      circuit=spec.circuit, **spec.overrides)
    except Exception as error:  # a failing run is recorded, the sweep goes on
        status = "invalid" if isinstance(error, ParameterError) else "failed"
        outcome = RunFailure.of(spec.request, status, error)
    return store(outcome, Path(runs_dir), spec.run_id, time.perf_counter() - started)


def store(outcome: Any, runs: Path, run_id: str, wall_s: float) -> str:
    """Save a result directory (removing an old failure record) or record a failure."""
    if not outcome.ok:
        record_failure(runs, run_id, outcome.error, outcome.traceback, wall_s,
                       outcome.status)
        return outcome.status
    outcome.metrics["wall_s"] = round(wall_s, 3)
    try:
        save_result(outcome, runs / run_id)
    except Exception as error:
        record_failure(runs, run_id, f"{type(error).__name__}: {error}".splitlines()[0],
                       "".join(traceback.format_exception(error)), wall_s)
        return "failed"
    (runs / f"{run_id}.failed.json").unlink(missing_ok=True)
    return "ok"


def record_failure(runs: Path, run_id: str, error: str, trace: str, wall_s: float,
                   status: str = "failed") -> None:
    """Write ``RUN_ID.failed.json`` (status, error line, traceback, wall time) atomically."""
    document = {"status": status, "error": error, "traceback": trace,
                "wall_s": round(wall_s, 3)}
    write_atomic(runs / f"{run_id}.failed.json", json.dumps(document, indent=2).encode())


def run_row(spec: RunSpec, runs: Path) -> dict[str, Any]:
    """One table row read from disk: finished (``ok``), ``failed`` or ``missing``."""
    row: dict[str, Any] = {"run_id": spec.run_id, "protocol": spec.protocol,
                           "circuit": spec.circuit_name, "device": spec.device,
                           "seed": spec.seed, **dict(spec.swept)}
    metrics_file = runs / spec.run_id / "metrics.json"
    failed_file = runs / f"{spec.run_id}.failed.json"
    if metrics_file.exists():
        metrics = json.loads(metrics_file.read_text())
        row.update(status="ok", error="")
        row.update({k: v for k, v in metrics.items()  # the swept values stay as given
                    if isinstance(v, (int, float, str, bool)) and k not in row})
    elif failed_file.exists():
        failure = json.loads(failed_file.read_text())
        row.update(status=failure.get("status", "failed"), error=failure["error"],
                   wall_s=failure["wall_s"])
    else:
        row.update(status="missing", error="")
    return row


def run_table(specs: list[RunSpec], runs: Path) -> pd.DataFrame:
    """The sweep table in plan order: ids, swept parameters, status, metrics, cost, error."""
    rows = [run_row(spec, runs) for spec in specs]
    swept = [name for name, _ in specs[0].swept] if specs else []
    known = {*ID_COLUMNS, *swept, "status", "error", *COST_COLUMNS}
    metrics = sorted({key for row in rows for key in row} - known)
    columns = [*ID_COLUMNS, *swept, "status", *metrics, *COST_COLUMNS, "error"]
    return pd.DataFrame(rows).reindex(columns=columns)


def is_finished(spec: RunSpec, runs: Path) -> bool:
    return (runs / spec.run_id / "metrics.json").exists()


@contextmanager
def sweep_lock(out: Path) -> Iterator[None]:
    """Hold ``OUT/.sweep.lock`` (released by the OS if the client dies)."""
    with open(out / ".sweep.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ParameterError(f"--out {str(out)!r} is used by a running sweep; "
                                 "wait for it or choose another directory") from None
        yield


def remove_partials(runs: Path) -> int:
    """Remove hidden partial files and directories left by killed runs; their number."""
    partials = [path for path in runs.glob(".*.partial-*")]
    for path in partials:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return len(partials)


def check_workers(workers: Any) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ParameterError(f"--workers {workers!r} is not allowed; expected an integer >= 1")


@contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    """A Dask client: a new LocalCluster of ``workers`` processes, or ``scheduler``'s."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError, ValueError) as error:
            raise ParameterError(f"--scheduler {scheduler!r} is unreachable: "
                                 f"{str(error).splitlines()[0]}") from None
        try:
            yield client
        finally:
            client.close()
        return
    check_workers(workers)
    # the scheduler's HTTP server (health checks) moves to a free port when another sweep
    # holds Dask's default one, which is no news to the user
    warnings.filterwarnings("ignore", message=r"Port \d+ is already in use",
                            category=UserWarning)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR,
                      preload=[__name__]) as cluster, Client(cluster) as client:
        try:
            yield client
        except BaseException:  # stopped: the workers go at once, with all they started,
            # and the connections they drop are no news to the user
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
            for nanny in list(cluster.workers.values()):  # instead of finishing their tasks
                nanny.close_gracefully()  # (a nanny closing gracefully does not restart it)
            kill_descendants()
            raise


def dask_setup(worker: Any) -> None:
    """Dask preload of the local cluster's workers (`dask_client`): a worker leaves the
    terminal's process group, so Ctrl-C reaches the sweep alone, which then closes the
    cluster (a worker that got it too would print a traceback); it logs only errors, as the
    cluster does (a stopped sweep closes connections a worker would report)."""
    os.setpgrp()
    logging.getLogger("distributed").setLevel(logging.ERROR)


def sweep(
    protocol: str,
    grid: dict[str, list[str]],
    seeds: list[int] | str = (1,),
    *,
    out: str | Path,
    circuit: str | None = None,
    device: str = DEFAULT_DEVICE,
    workers: int = 1,
    scheduler: str | None = None,
    base: dict[str, Any] | None = None,
    echo: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Run ``protocol`` for every combination of ``grid`` ({name: [value strings]}) and seed.

    Finished runs in ``out`` are skipped; the table is returned (``attrs``: ``skipped``,
    ``ran``, ``failed``, ``wall_s``) and written to ``out/sweep.csv`` with ``out/sweep.png``.
    Raises `ParameterError` on bad input or an unreachable scheduler, before any run starts.
    """
    started = time.perf_counter()
    echo = echo or (lambda _: None)
    seeds = parse_seeds(seeds) if isinstance(seeds, str) else list(seeds)
    for name, values in grid.items():
        if not values:
            raise ParameterError(f"grid: no values given for parameter {name!r}")
    specs = plan(protocol, grid, seeds, circuit=circuit, device=device, base=base)
    out = Path(out)
    runs = out / "runs"
    check_workers(workers)
    # a local cluster only when there is something to run (a remote one is always checked)
    needed = scheduler is not None or not all(is_finished(spec, runs) for spec in specs)
    try:
        with dask_client(workers, scheduler) if needed else nullcontext() as client:
            runs.mkdir(parents=True, exist_ok=True)
            with sweep_lock(out):
                skipped, todo = run_pending(client, specs, runs, out, echo)
    except BaseException:  # e.g. stopped: finished runs stay, half-written ones go
        if runs.is_dir():
            remove_partials(runs)
        raise
    table = run_table(specs, runs)
    write_table(table, out)
    write_figure(table, [name for name, _ in specs[0].swept], protocol, circuit, device, out)
    table.attrs.update(skipped=skipped, ran=len(todo),
                       failed=int((~table["status"].isin(["ok", "missing"])).sum()),
                       wall_s=round(time.perf_counter() - started, 3))
    return table


def run_pending(client: Any, specs: list[RunSpec], runs: Path, out: Path,
                echo: Callable[[str], None]) -> tuple[int, list[RunSpec]]:
    """Run the specs not finished yet on ``client``; (number skipped, specs run)."""
    from distributed import as_completed

    removed = remove_partials(runs)
    todo = [spec for spec in specs if not is_finished(spec, runs)]
    skipped = len(specs) - len(todo)
    echo(f"sweep {specs[0].protocol}: {len(specs)} runs, {skipped} already finished "
         f"(skipped), {removed} partial results removed")
    if not todo:
        return skipped, todo

    workers = max(1, len(client.scheduler_info().get("workers", {})))
    tasks: dict[Any, list[RunSpec]] = {}
    if isinstance(get_protocol(specs[0].protocol), ManyRunProtocol):  # one task each
        tasks = {client.submit(execute_run, spec, str(runs), pure=False,
                               key=f"neuro-kv-{spec.run_id}-{time.time_ns()}"): [spec]
                 for spec in todo}
    else:
        batches, failures = plan_batches([spec.planned or spec.request for spec in todo],
                                         todo[0].device, workers=workers)
        for number, failure in failures:
            record_failure(runs, todo[number].run_id, failure.error, failure.traceback, 0.0,
                           failure.status)
        for k, batch in enumerate(batches):
            members = [todo[run.number] for run in batch.runs]
            tasks[client.submit(execute_batch, batch, [spec.run_id for spec in members],
                                str(runs), pure=False,
                                key=f"neuro-kv-batch-{k}-{time.time_ns()}")] = members
    done = 0
    for future in as_completed(tasks):
        members = tasks[future]
        try:
            statuses = future.result()
        except Exception as error:  # the worker process died (e.g. out of memory)
            line = f"{type(error).__name__}: {error}".splitlines()[0]
            for spec in members:
                record_failure(runs, spec.run_id, line,
                               "".join(traceback.format_exception(error)), 0.0)
            statuses = ["failed"] * len(members)
        write_table(run_table(specs, runs), out)
        for spec, status in zip(members, statuses, strict=True):
            done += 1
            swept = " ".join(f"{k}={v}" for k, v in spec.swept)
            echo(f"[{done}/{len(todo)}] {status} seed={spec.seed} {swept} ({spec.run_id})")
    return skipped, todo


def write_table(table: pd.DataFrame, out: Path) -> None:
    write_atomic(out / "sweep.csv", table.to_csv(index=False).encode())


def write_figure(table: pd.DataFrame, swept: list[str], protocol: str, circuit: str | None,
                 device: str, out: Path) -> None:
    """``sweep.png``: each scalar metric against each swept parameter (numeric x where the
    parameter is numeric, in its declared unit)."""

    _, _, _, pset = prepare(protocol, circuit, device, 1, {})
    positions: dict[str, dict[str, float]] = {}
    labels: dict[str, str] = {}
    for name in swept:
        parameter = pset[name]
        labels[name] = f"{name} ({parameter.unit})" if parameter.kind == "quantity" else name
        if parameter.kind in ("quantity", "float", "int"):
            positions[name] = {v: float(parameter.convert(v) / (parameter.unit or 1))
                               for v in table[name].unique()}
    with atomic_file(out / "sweep.png") as tmp:
        sweep_figure(table, swept, positions, labels, tmp)
