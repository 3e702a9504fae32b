"""Pages generated for the documentation from the code and from result files.

- ``parameters-NAME.md``: the parameter table of each registered circuit and protocol (name,
  default, unit, meaning), from its `neuro_kv.parameters.ParameterSet`; a protocol's table
  notes the circuit defaults it changes.
- ``controls-NAME.md``: each circuit's schedule controls (`neuro_kv.schedule.Control`).
- ``numbers-NAME.md``: each protocol's measured numbers, from ``docs/results/NAME.json``
  (the ``metrics.json`` that ``neuro-kv run NAME`` wrote: means over seeds with their 95 %
  intervals ``NAME_ci``, or a protocol of many runs' own metrics).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from neuro_kv.cli import shown_default
from neuro_kv.contracts import ManyRunProtocol
from neuro_kv.registry import circuits, protocols
from neuro_kv.results import BOOKKEEPING

RESULTS = Path(__file__).parent / "results"
#: entries of a metrics file that describe how the runs were computed, not what they measured
NOT_MEASURED = BOOKKEEPING | {"batch", "device", "n_seeds", "wall_s", "spiking_runs",
                              "batches", "workers"}


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def parameter_table(parameters: Any, changed: dict[str, Any] | None = None) -> str:
    rows = ["| name | default | unit | meaning |", "|---|---|---|---|"]
    for p in parameters:
        rows.append(f"| `{p.name}` | `{_cell(shown_default(p))}` | {_cell(p.unit or '-')} | "
                    f"{_cell(p.doc)} |")
    text = "\n".join(rows) + "\n"
    if changed:
        text += ("\nCircuit defaults this protocol changes (`--set` still overrides them): "
                 + ", ".join(f"`{k}` = `{v}`" for k, v in changed.items()) + ".\n")
    return text


def controls_table(circuit: Any) -> str:
    if not circuit.controls:
        return (f"`{circuit.name}` declares no schedule controls: a window is its cue, teacher and "
                "neuromodulator level.\n")
    rows = ["| control | shape | timing | in a window that does not set it | in gaps | "
            "meaning |", "|---|---|---|---|---|---|"]
    for c in circuit.controls:
        shape = f"per member (`{c.per}`)" if c.per else "per replica"
        timing = "first step of the window" if c.one_step else "held"
        rows.append(f"| `{c.name}` | {shape} | {timing} | {c.in_window:g} | {c.gap:g} | "
                    f"{_cell(c.doc)} |")
    return "\n".join(rows) + "\n"


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float))
                                                          for v in value):
        return f"{value[0]:.4g} to {value[1]:.4g}"
    return _cell(json.dumps(value) if isinstance(value, (dict, list)) else value)


def numbers_table(name: str, scalar: tuple[str, ...], parameters: set[str]) -> str:
    """The measured metrics of ``docs/results/NAME.json`` (not its parameters, e.g.
    ``n_items``, which some protocols echo among their metrics)."""
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return f"No result file for `{name}` yet (`docs/results/{name}.json`).\n"
    metrics = json.loads(path.read_text())
    seeds = metrics.get("n_seeds")
    rows = ["| metric | mean over seeds | 95 % interval |" if seeds else "| metric | value | |",
            "|---|---|---|"]
    for key, value in metrics.items():
        if key.endswith("_ci") or key in NOT_MEASURED or key in parameters:
            continue
        if isinstance(value, dict):
            ci = metrics.get(f"{key}_ci", {})
            for sub, item in value.items():
                if isinstance(item, (int, float)):
                    rows.append(f"| `{key}` {_cell(sub)} | {_format(item)} | "
                                f"{_format(ci.get(sub, '')) if sub in ci else ''} |")
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ci = metrics.get(f"{key}_ci")
            mark = " (sweeps, tuning)" if key in scalar else ""
            rows.append(f"| `{key}`{mark} | {_format(value)} | "
                        f"{_format(ci) if ci is not None else ''} |")
    head = (f"Runs: seeds 1-{seeds} ({seeds} runs).\n\n" if seeds
            else "One run of a protocol of many runs, over its own seeds (`--seeds`, or "
            "`n_seeds` from `--seed`).\n\n")
    return head + "\n".join(rows) + "\n"


def generate(out: Path) -> None:
    """Write every generated page into ``out`` (only files whose text changed)."""
    out.mkdir(parents=True, exist_ok=True)
    pages: dict[str, str] = {}
    for name, cls in circuits().items():
        circuit = cls()
        pages[f"parameters-{name}.md"] = parameter_table(circuit.parameters)
        pages[f"controls-{name}.md"] = controls_table(circuit)
    for name, cls in protocols().items():
        protocol = cls()
        pages[f"parameters-{name}.md"] = parameter_table(protocol.parameters,
                                                         dict(protocol.circuit_defaults))
        scalar = () if isinstance(protocol, ManyRunProtocol) else protocol.scalar_metrics
        names = {p.name for p in protocol.parameters}
        pages[f"numbers-{name}.md"] = numbers_table(name, scalar, names)
    for file, text in pages.items():
        path = out / file
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
