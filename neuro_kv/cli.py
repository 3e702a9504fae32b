"""Command line: ``neuro-kv run | sweep | tune | view | params | list``. Bad input exits with
status 2 (before anything is simulated); a failed run exits with status 1."""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from neuro_kv.analysis.batch import save_batch
from neuro_kv.api import run, run_many
from neuro_kv.contracts import ManyRunProtocol
from neuro_kv.devices import DEVICES
from neuro_kv.engine import DEFAULT_DEVICE, RunStopped
from neuro_kv.parameters import ParameterError, format_value
from neuro_kv.preparation import parameter_set, read_parameter_file
from neuro_kv.processes import Stopped, exit_on_signals
from neuro_kv.registry import circuits, get_circuit, get_protocol, protocols
from neuro_kv.sweeps import parse_grid, parse_seeds, sweep
from neuro_kv.tuning import parse_space, tune

__all__ = ["main", "DEFAULT_SEEDS"]

#: the seeds a plain ``neuro-kv run PROTOCOL`` runs (each claim needs an interval over seeds)
DEFAULT_SEEDS = "1-20"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``neuro-kv: error: ...``), exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ParameterError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:

    parser = _Parser(prog="neuro-kv", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a protocol and write its result directory")
    _base_arguments(run, DEVICES, DEFAULT_DEVICE)
    seeds = run.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, default=None,
                       help="one run with this seed: a result directory")
    seeds.add_argument("--seeds", metavar="SEEDS", help="many runs, e.g. 1-32 or 1,3,7: one "
                       "batch directory with every run and a summary over seeds (default "
                       f"{DEFAULT_SEEDS}; a protocol of many runs, like capacity, runs once "
                       "over these seeds, by default seed 1 and the next n_seeds - 1)")
    run.add_argument("--workers", type=int, default=1,
                     help="processes running batches of replicas (default 1)")
    run.add_argument("--no-guard", action="store_true",
                     help="run to the end even if the storing population goes silent or "
                     "runs away while storing (by default such a run stops early)")
    run.add_argument("--out", metavar="DIR", help="result directory "
                     "(default: results/PROTOCOL-seedN or results/PROTOCOL-seedsA-B)")

    sweep = commands.add_parser(
        "sweep", help="run a grid of parameters x seeds on Dask workers (resumable)")
    _base_arguments(sweep, DEVICES, DEFAULT_DEVICE)
    sweep.add_argument("--grid", metavar="NAME=V1,V2,...", action="append", required=True,
                       help="a swept parameter and its values (repeat for a product)")
    sweep.add_argument("--seeds", default="1", help="e.g. 1-5 or 1,3,7 (default 1)")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=1,
                       help="worker processes of a local Dask cluster (default 1)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    sweep.add_argument("--out", metavar="DIR", help="sweep directory "
                       "(default: results/sweep-PROTOCOL)")

    tune = commands.add_parser("tune", help="tune parameters with an Optuna study")
    _base_arguments(tune, DEVICES, DEFAULT_DEVICE)
    tune.add_argument("--objective", metavar="METRIC", required=True,
                      help="the scalar metric to optimise, e.g. recall_accuracy")
    tune.add_argument("--direction", choices=("maximize", "minimize"), default="maximize")
    tune.add_argument("--space", metavar="NAME=LOW..HIGH[:log]", action="append",
                      required=True, help="a tuned parameter and its range (repeat)")
    tune.add_argument("--trials", type=int, required=True,
                      help="trials to run (shared among --workers)")
    tune.add_argument("--seeds", default="1",
                      help="seeds each trial runs; the objective is their mean (default 1)")
    tune.add_argument("--storage", metavar="URL", help="Optuna storage, e.g. "
                      "postgresql://user:pw@host/db (default: sqlite file in --out)")
    tune.add_argument("--study", metavar="NAME", help="study name (default: PROTOCOL)")
    tune.add_argument("--workers", type=int, default=1,
                      help="processes running the trials' batches (default 1)")
    tune.add_argument("--batch", type=int, default=None,
                      help="trials asked from Optuna at once (default: 8 per worker)")
    tune.add_argument("--sampler-seed", type=int, default=None,
                      help="seed of the TPE sampler (default: none)")
    tune.add_argument("--prune-below", type=float, default=None, metavar="HZ",
                      help="prune a trial whose storing population fires below HZ during "
                      "encoding (default: the protocol's)")
    tune.add_argument("--prune-above", type=float, default=None, metavar="HZ",
                      help="prune a trial whose storing population fires above HZ during "
                      "encoding (default: the protocol's)")
    tune.add_argument("--out", metavar="DIR", help="study directory "
                      "(default: results/tune-PROTOCOL)")

    params = commands.add_parser("params", help="list a protocol's parameters")
    params.add_argument("protocol")
    params.add_argument("--circuit")

    view = commands.add_parser("view", help="write DIR/report.html: an interactive report of "
                               "a result, batch, sweep or tuning directory (works offline)")
    view.add_argument("directory", metavar="DIR")
    view.add_argument("--serve", action="store_true",
                      help="also serve it on localhost and print the address (Ctrl-C stops)")
    view.add_argument("--port", type=int, default=0,
                      help="port for --serve (default: a free one)")

    commands.add_parser("list", help="list circuits and protocols")
    return parser


def _base_arguments(parser: argparse.ArgumentParser, devices: tuple[str, ...],
                    default_device: str) -> None:
    """Arguments shared by run, sweep and tune: the protocol and its fixed parameters."""
    parser.add_argument("protocol")
    parser.add_argument("--circuit", help="circuit name (default: the protocol's own)")
    parser.add_argument("--params", metavar="FILE.toml", help="parameter file")
    parser.add_argument("--set", metavar="NAME=VALUE", action="append", default=[],
                        help="set one parameter, e.g. --set n_items=40 --set window=150*ms")
    parser.add_argument("--device", choices=devices, default=default_device)
    parser.add_argument("--quiet", action="store_true", help="no progress report")


def _overrides(args: argparse.Namespace) -> dict[str, Any]:

    overrides: dict[str, Any] = {}
    if args.params:
        overrides.update(read_parameter_file(args.params))
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"--set {item!r} is not allowed; expected NAME=VALUE")
        overrides[name.strip()] = value.strip()
    return overrides


def _run(args: argparse.Namespace) -> int:

    once = _runs_once(args.protocol)
    if once and args.seeds is not None:  # one run over these seeds (its parameter seeds)
        seeds = parse_seeds(args.seeds)
        if "seeds" in _overrides(args):
            raise ParameterError(f"parameter 'seeds' and --seeds {args.seeds!r} are not "
                                 "allowed together; expected one of them")
        args.set = [*args.set, "seeds=" + ",".join(map(str, seeds))]
        args.seed, args.out = seeds[0], (
            args.out or f"results/{args.protocol}-seeds{args.seeds.replace(',', '_')}")
        args.seeds = None
    if args.seed is None and args.seeds is None:
        if once:
            args.seed = 1
        else:
            args.seeds = DEFAULT_SEEDS
    if args.seeds is not None:
        return _run_many(args)
    out = args.out or f"results/{args.protocol}-seed{args.seed}"
    try:
        result = run(args.protocol, seed=args.seed, device=args.device, circuit=args.circuit,
                     out=out, progress=not args.quiet, guard=not args.no_guard,
                     **_overrides(args))
    except RunStopped as error:  # its directory records the status and the stop time
        print(f"neuro-kv: run stopped by the guard: {error}\n  result directory: {out}",
              file=sys.stderr)
        return 1
    m = result.metrics
    print(f"{result.protocol} on {result.circuit}, seed {result.seed}, device {result.device}")
    for key, value in m.items():
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            shown = f"{value:.4g}" if isinstance(value, float) else value
            print(f"  {key}: {shown}")
    if "capacity" in m:
        print("  capacity C: " + ", ".join(f"{k} {v}" for k, v in m["capacity"].items()))
    print(f"  result directory: {out}")
    return 0


def _runs_once(protocol: str) -> bool:
    """Whether ``protocol`` is one run by default: a protocol of many runs (``capacity``)
    draws its own seeds. ParameterError for an unknown name."""

    return isinstance(get_protocol(protocol), ManyRunProtocol)


def _run_many(args: argparse.Namespace) -> int:

    seeds = parse_seeds(args.seeds)
    out = args.out or f"results/{args.protocol}-seeds{args.seeds.replace(',', '_')}"
    results = run_many(args.protocol, seeds, device=args.device, circuit=args.circuit,
                       workers=args.workers, guard=not args.no_guard,
                       progress=not args.quiet, **_overrides(args))
    summary = save_batch(results, out)
    failed = [r for r in results if not r.ok]
    print(f"{args.protocol}: {len(results)} runs (seeds {args.seeds}), {len(failed)} failed, "
          f"device {args.device}")
    if summary.get("settings"):
        print("  settings: " + ", ".join(f"{name} = {value}"
                                         for name, value in summary["settings"].items()))
    for name, stats in summary["metrics"].items():
        low, high = stats["ci95"]
        if low == high == stats["mean"]:
            print(f"  {name}: {stats['mean']:.4g} (at every one of {stats['n']} seeds)")
        else:
            print(f"  {name}: {stats['mean']:.4g} (95 % CI {low:.4g} to {high:.4g}, "
                  f"n = {stats['n']})")
    for failure in failed:
        print(f"  seed {failure.request.seed} {failure.status}: {failure.error}")
    print(f"  batch directory: {out}")
    return 1 if failed else 0


def _sweep(args: argparse.Namespace) -> int:

    out = args.out or f"results/sweep-{args.protocol}"
    table = sweep(args.protocol, parse_grid(args.grid), parse_seeds(args.seeds), out=out,
                  circuit=args.circuit, device=args.device, workers=args.workers,
                  scheduler=args.scheduler, base=_overrides(args),
                  echo=None if args.quiet else print)
    a = table.attrs
    print(f"sweep {args.protocol}: {len(table)} runs (ran {a['ran']}, skipped {a['skipped']} "
          f"finished, failed {a['failed']}) in {a['wall_s']:.1f} s")
    print(f"  table: {out}/sweep.csv  figure: {out}/sweep.png  runs: {out}/runs/")
    return 1 if a["failed"] else 0


def _tune(args: argparse.Namespace) -> int:

    out = args.out or f"results/tune-{args.protocol}"
    study = tune(args.protocol, args.objective, parse_space(args.space), args.trials, out=out,
                 direction=args.direction, seeds=parse_seeds(args.seeds),
                 storage=args.storage, study_name=args.study, workers=args.workers,
                 batch=args.batch,
                 circuit=args.circuit, device=args.device, base=_overrides(args),
                 sampler_seed=args.sampler_seed, prune_below=args.prune_below,
                 prune_above=args.prune_above, echo=None if args.quiet else print)
    states = Counter(trial.state.name.lower() for trial in study.trials)
    print(f"study {study.study_name}: {len(study.trials)} trials in storage ("
          + ", ".join(f"{n} {state}" for state, n in sorted(states.items())) + ")")
    try:
        best = study.best_trial
    except ValueError:
        print("  no completed trial")
        return 1
    shown = ", ".join(f"{k}={v}" for k, v in best.user_attrs.get("parameters", {}).items())
    print(f"  best {args.objective}: {best.value:.4g} (trial {best.number}: {shown})")
    print(f"  best parameters: {out}/best.toml  (neuro-kv run {args.protocol} "
          f"--params {out}/best.toml --seeds {args.seeds}: the trial's own seeds)")
    return 0


def _params(args: argparse.Namespace) -> int:

    protocol = get_protocol(args.protocol)
    circuit = (None if isinstance(protocol, ManyRunProtocol)
               else get_circuit(args.circuit or protocol.default_circuit))
    rows = [(p.name, shown_default(p), str(p.unit or "-"), p.doc)
            for p in parameter_set(protocol, circuit)]
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    print(f"{'name':<{widths[0]}}  {'default':<{widths[1]}}  {'unit':<{widths[2]}}  meaning")
    for row in rows:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    return 0


def shown_default(parameter: Any) -> str:
    """A parameter's default as it is written on the command line."""
    if parameter.kind in ("ints", "floats", "names"):
        return ",".join(str(v) for v in parameter.default) or "(empty)"
    return str(format_value(parameter.default, parameter.unit))


def _view(args: argparse.Namespace) -> int:
    # imported here, not at the top: it costs 3.7 s more than the other commands import
    # (bokeh, pynwb readers; measured 5.2 s against 1.5 s), and only `view` needs it
    from neuro_kv.report import directory_kind, write_report

    directory = Path(args.directory)
    if not directory.is_dir():
        raise ParameterError(f"DIR {args.directory!r} is not allowed; expected an existing "
                             "result directory")
    try:
        directory_kind(directory)
    except ValueError as error:
        raise ParameterError(f"DIR: {error}") from None
    if not 0 <= args.port <= 65535:
        raise ParameterError(f"--port {args.port} is not allowed; expected 0-65535")
    path = write_report(directory)
    print(f"report: {path}")
    if args.serve:
        serve(directory, args.port)
    return 0


def serve(directory: Any, port: int) -> None:
    """Serve ``directory`` on localhost until interrupted; prints the report's address."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(directory))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving http://127.0.0.1:{server.server_address[1]}/report.html "
              "(Ctrl-C stops)", flush=True)
        try:
            server.serve_forever()
        except (KeyboardInterrupt, Stopped):  # Ctrl-C is how serving ends
            pass


def _list(_: argparse.Namespace) -> int:

    print("circuits:")
    for name, cls in circuits().items():
        print(f"  {name}: {(cls.__doc__ or '').strip().splitlines()[0]}")
    print("protocols:")
    for name, cls in protocols().items():
        print(f"  {name}: {(cls.__doc__ or '').strip().splitlines()[0]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""

    try:
        args = _parser().parse_args(argv)
    except ParameterError as error:
        print(f"neuro-kv: error: {error}", file=sys.stderr)
        return 2
    commands = {"run": _run, "sweep": _sweep, "tune": _tune, "params": _params, "list": _list,
                "view": _view}
    try:
        with exit_on_signals():  # a stopped run removes what it half wrote, and its workers
            return commands[args.command](args)
    except ParameterError as error:
        print(f"neuro-kv: error: {error}", file=sys.stderr)
        return 2
    except Stopped as stop:
        print(f"neuro-kv: stopped by {stop.signal_name}; unfinished results were not "
              "written", file=sys.stderr)
        return stop.code



if __name__ == "__main__":
    sys.exit(main())
