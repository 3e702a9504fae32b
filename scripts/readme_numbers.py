"""The README's measured numbers, printed as Markdown from result directories' ``metrics.json``
(so they are regenerated, not typed): a batch directory of a protocol (means over seeds with
``NAME_ci``) or the result directory of a protocol of many runs (``capacity``,
``heteroassociation``).

    python scripts/readme_numbers.py results/engram-rescue-seeds1-20 results/capacity-seed1
"""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path
from typing import Any


def interval(m: dict[str, Any], name: str, digits: int = 3) -> str:
    """``mean (low-high)`` of a metric and its ``_ci``."""
    value, (low, high) = m[name], m[f"{name}_ci"]
    return f"{value:.{digits}f} ({low:.{digits}f} to {high:.{digits}f})"


def by_key(m: dict[str, Any], name: str, digits: int = 3) -> str:
    """A dict metric as ``key: mean (low-high)`` in key order."""
    keys = sorted(m[name], key=lambda k: [float(part) for part in k.split(",")])
    ci = m.get(f"{name}_ci", {})
    return " / ".join(f"{k}: {m[name][k]:.{digits}f}" + (
        f" ({ci[k][0]:.{digits}f}-{ci[k][1]:.{digits}f})" if k in ci else "") for k in keys)


def metric_lines(m: dict[str, Any], rows: list[tuple[str, int]]) -> list[str]:
    """``- NAME: mean (interval)`` per (metric, digits); a dict metric key by key."""
    return [f"- {name}: " + (by_key(m, name, digits) if isinstance(m[name], dict)
                             else interval(m, name, digits)) for name, digits in rows]


def engram_rescue(m: dict[str, Any]) -> list[str]:
    return metric_lines(m, [("cue_recall_before", 3), ("cue_recall_after", 3),
                            ("direct_stimulation_recall", 3), ("control_recall_after", 3),
                            ("gain_curve", 3), ("half_rescue_gain", 2)]) + [
        "- (the paper's half-rescue gain, Fig. 3B: 1.20)",
        f"- key / value weight ratio: {m['key_weight_ratio']:.2f} / "
        f"{m['value_weight_ratio']:.2f}"]


def accessibility_precision(m: dict[str, Any]) -> list[str]:
    return metric_lines(m, [("accessibility", 2), ("precision_deg", 1),
                            ("accessibility_drop", 2), ("precision_change_deg", 1),
                            ("precision_slope_deg", 2), ("accessibility_slope", 3)])


def separability_robustness(m: dict[str, Any]) -> list[str]:
    lines = ["| sharpness | error at each noise level (interval over seeds) | blend, clean |",
             "|---|---|---|"]
    for s in sorted(m["error_grid"], key=float):
        clean = min(m["blend_grid"][s], key=float)
        row = {"error": m["error_grid"][s], "error_ci": m["error_grid_ci"][s]}
        lines.append(f"| {s} | {by_key(row, 'error')} | {m['blend_grid'][s][clean]:.3f} |")
    return lines + metric_lines(m, [(name, 3) for name in (
        "clean_error_soft", "clean_error_hard", "noisy_error_soft", "noisy_error_hard",
        "noisy_soft_minus_hard")])


def feeling_of_knowing(m: dict[str, Any]) -> list[str]:
    low, high = m["fok_auc_pooled_ci"]
    return [f"- fok_auc_pooled: {m['fok_auc_pooled']:.3f} (bootstrap over runs {low:.3f} to "
            f"{high:.3f}; {m['n_failed_pooled']} failed recalls)",
            f"- key latency before value latency in {m['key_before_value_seeds']} of "
            f"{m['n_seeds']} seeds"] + metric_lines(
        m, [("fok_auc", 3), ("fok_auc_all", 3), ("key_latency_ms", 1), ("value_latency_ms", 1),
            ("recall_accuracy", 3), ("n_failed", 1), ("n_failed_weak", 1)])


def list_before_last(m: dict[str, Any]) -> list[str]:
    return metric_lines(m, [("recall_by_len_prev", 3), ("recall_by_len_last", 3),
                            ("prev_length_slope", 4), ("last_length_slope", 4),
                            ("prev_length_effect", 3), ("last_length_effect", 3),
                            ("correct_slot_share", 2)])


def paired_recall(m: dict[str, Any]) -> list[str]:
    return metric_lines(m, [(name, 3) for name in
                            ("recall_accuracy", "slot_hit_rate", "correct_slot_spike_fraction")])


def capacity(m: dict[str, Any]) -> list[str]:
    loads = [5, 10, 20, 40, 80]
    lines = [f"| model | C({0.98:g}) (95 % bootstrap interval over seeds) | accuracy at "
             + " / ".join(map(str, loads)) + " pairs |", "|---|---|---|"]
    for model, by_load in m["accuracy"].items():
        low, high = m["capacity_ci"][model]
        shown = " / ".join(f"{by_load[str(n)]:.3f}" if str(n) in by_load else "-"
                           for n in loads)
        lines.append(f"| `{model}` | {m['capacity'][model]} ({low:g}-{high:g}) | {shown} |")
    lines += ["", "| model | capacity by size (interval) |", "|---|---|"]
    for model, by_size in m["capacity_by_size"].items():
        ci = m["capacity_by_size_ci"][model]
        lines.append(f"| `{model}` | " + " / ".join(
            f"{size}: {c} ({ci[size][0]:g}-{ci[size][1]:g})"
            for size, c in sorted(by_size.items(), key=lambda kv: int(kv[0]))) + " |")
    lines.append(f"\n{m['spiking_runs']} spiking runs, seeds {m['seeds'][0]}-{m['seeds'][-1]}, "
                 f"{m['builds']} builds, {m['batches']} batches, {m['wall_s']} s wall")
    return lines


def nested(m: dict[str, Any], name: str, digits: int = 3) -> list[str]:
    """A dict of dicts (e.g. {rho: {load: accuracy}}) as one line per outer key."""
    lines = []
    for outer in sorted(m[name], key=float):
        row = {"row": m[name][outer], "row_ci": m.get(f"{name}_ci", {}).get(outer, {})}
        lines.append(f"- {name} {outer}: {by_key(row, 'row', digits)}")
    return lines


def correlated_items(m: dict[str, Any]) -> list[str]:
    return [line for name in ("accuracy_by_rho", "rate_accuracy_by_rho",
                              "spurious_recall_by_rho", "rate_spurious_recall_by_rho")
            for line in nested(m, name)] + metric_lines(m, [("cost_by_rho", 3),
                                                            ("rate_cost_by_rho", 3)])


def continual_recall(m: dict[str, Any]) -> list[str]:
    lines = []
    for name in ("accuracy_by_delay", "rate_accuracy_by_delay"):
        for policy, curve in m[name].items():
            row = {"row": curve, "row_ci": m.get(f"{name}_ci", {}).get(policy, {})}
            lines.append(f"- {name} {policy}: {by_key(row, 'row')}")
    return lines + metric_lines(m, [("hopfield_accuracy_by_delay", 3)] + [
        (f"{policy}_{part}", 3) for policy in ("sequential", "random")
        for part in ("within_n", "beyond_n") if f"{policy}_{part}" in m])


def redundancy(m: dict[str, Any]) -> list[str]:
    kinds = ("damage", "synapse_loss", "weight_noise")
    return [line for name in (*(f"{prefix}accuracy_by_k_and_{kind}" for kind in kinds
                                for prefix in ("", "rate_")), "accuracy_by_k_and_load")
            if name in m for line in nested(m, name)] + metric_lines(m, [
                ("capacity_by_k", 1), ("rate_capacity_by_k", 1)] + [
                (f"{kind}_cost_{k}", 3) for kind in kinds for k in ("k1", "kmax")
                if f"{kind}_cost_{k}" in m])


def heteroassociation(m: dict[str, Any]) -> list[str]:
    """A protocol of many runs: per-load means with their ``_ci`` over its own seeds."""
    return metric_lines(m, [(name, 3) for name in (
        "accuracy_by_load", "autoassociative_accuracy_by_load", "bam_accuracy_by_load",
        "rate_accuracy_by_load", "rate_autoassociative_accuracy_by_load")])


def sequence_recall(m: dict[str, Any]) -> list[str]:
    return metric_lines(m, [(f"{prefix}{name}", digits) for prefix in ("", "rate_", "bam_")
                            for name, digits in (("chain_accuracy_by_length", 3),
                                                 ("chain_error_free_by_length", 2))])


def flashbulb(m: dict[str, Any]) -> list[str]:
    return metric_lines(m, [(f"{prefix}{name}", 3) for prefix in ("", "rate_") for name in (
        "salient_recall_by_delay", "salient_items_as_ordinary_by_delay",
        "ordinary_recall_by_delay", "ordinary_recall_without_salient", "salient_recall",
        "salient_items_as_ordinary", "ordinary_cost")] + [
        ("hopfield_salient_recall_by_delay", 3), ("hopfield_ordinary_recall_by_delay", 3)]) + [
        f"- hopfield_tradeoff x{s}: salient {v['salient']:.3f}, ordinary {v['ordinary']:.3f}"
        for s, v in sorted(m["hopfield_tradeoff"].items(), key=lambda kv: float(kv[0]))]


REPORTS = {"engram-rescue": engram_rescue, "accessibility-precision": accessibility_precision,
           "separability-robustness": separability_robustness,
           "feeling-of-knowing": feeling_of_knowing, "list-before-last": list_before_last,
           "paired-recall": paired_recall, "capacity": capacity,
           "correlated-items": correlated_items, "continual-recall": continual_recall,
           "redundancy": redundancy, "heteroassociation": heteroassociation,
           "sequence-recall": sequence_recall, "flashbulb": flashbulb}


def protocol_of(directory: Path) -> str:
    summary = directory / "summary.json"
    if summary.exists():
        return json.loads(summary.read_text())["protocol"]
    return tomllib.loads((directory / "params.toml").read_text())["run"]["protocol"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directories", nargs="+", type=Path)
    for directory in parser.parse_args().directories:
        metrics = json.loads((directory / "metrics.json").read_text())
        name = protocol_of(directory)
        seeds = f", {metrics['n_seeds']} seeds" if "n_seeds" in metrics else ""
        print(f"### {name} ({directory}{seeds})")
        print("\n".join(REPORTS[name](metrics)))
        print()


if __name__ == "__main__":
    main()
