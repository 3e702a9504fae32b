"""Command line: ``neuro-kv run | params | list``. Bad input exits with status 2."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from neuro_kv.parameters import ParameterError, format_value

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from neuro_kv.api import DEFAULT_DEVICE
    from neuro_kv.runner import DEVICES

    parser = argparse.ArgumentParser(prog="neuro-kv", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a protocol and write its result directory")
    run.add_argument("protocol")
    run.add_argument("--circuit", help="circuit name (default: the protocol's own)")
    run.add_argument("--params", metavar="FILE.toml", help="parameter file")
    run.add_argument("--set", metavar="NAME=VALUE", action="append", default=[],
                     help="set one parameter, e.g. --set n_items=40 --set window=150*ms")
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--device", choices=DEVICES, default=DEFAULT_DEVICE)
    run.add_argument("--out", metavar="DIR", help="result directory "
                     "(default: results/PROTOCOL-seedN)")
    run.add_argument("--quiet", action="store_true", help="no progress report")

    params = commands.add_parser("params", help="list a protocol's parameters")
    params.add_argument("protocol")
    params.add_argument("--circuit")

    commands.add_parser("list", help="list circuits and protocols")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from neuro_kv.api import read_parameter_file

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
    from neuro_kv.api import run

    out = args.out or f"results/{args.protocol}-seed{args.seed}"
    result = run(args.protocol, seed=args.seed, device=args.device, circuit=args.circuit,
                 out=out, progress=not args.quiet, **_overrides(args))
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


def _params(args: argparse.Namespace) -> int:
    from neuro_kv.api import parameter_set
    from neuro_kv.registry import get_circuit, get_protocol

    protocol = get_protocol(args.protocol)
    circuit = (get_circuit(args.circuit or protocol.default_circuit)
               if protocol.default_circuit or args.circuit else None)
    rows = [(p.name, shown_default(p), str(p.unit or "-"), p.doc)
            for p in parameter_set(protocol, circuit)]
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    print(f"{'name':<{widths[0]}}  {'default':<{widths[1]}}  {'unit':<{widths[2]}}  meaning")
    for row in rows:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    return 0


def shown_default(parameter: Any) -> str:
    """A parameter's default as it is written on the command line."""
    if parameter.kind in ("ints", "names"):
        return ",".join(str(v) for v in parameter.default) or "(empty)"
    return str(format_value(parameter.default, parameter.unit))


def _list(_: argparse.Namespace) -> int:
    from neuro_kv.registry import circuits, protocols

    print("circuits:")
    for name, cls in circuits().items():
        print(f"  {name}: {(cls.__doc__ or '').strip().splitlines()[0]}")
    print("protocols:")
    for name, cls in protocols().items():
        print(f"  {name}: {(cls.__doc__ or '').strip().splitlines()[0]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return {"run": _run, "params": _params, "list": _list}[args.command](args)
    except ParameterError as error:
        print(f"neuro-kv: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
