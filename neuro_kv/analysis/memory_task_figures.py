"""Figures of the memory-task protocols (Tyulmankov et al. 2021, Figs. 4-5), drawn from a
run's ``metrics`` only; given a batch's metrics they draw its intervals over seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from neuro_kv.analysis.forgetting_figures import CHANCE, _curve, _save  # noqa: E402

__all__ = ["continual_recall_figure", "correlated_items_figure", "heteroassociation_figure",
           "flashbulb_figure", "redundancy_figure", "sequence_recall_figure"]


def _line(ax: plt.Axes, curve: dict, interval: dict | None = None, style: str = "o-",
          **kwargs) -> None:
    """``curve`` {number as text: value} in numeric order: with markers and (a batch's)
    error bars for ``style`` "o-", a plain line in ``style`` otherwise."""
    keys = sorted(curve, key=float)
    x, y = [float(k) for k in keys], [curve[k] for k in keys]
    if style == "o-":
        _curve(ax, x, y, None if interval is None else [interval[k] for k in keys], **kwargs)
    else:
        ax.plot(x, y, style, **kwargs)


def _by_load(metrics: dict, name: str, rho: str) -> tuple[list[int], list[float], list | None]:
    """Loads, values and (a batch's) intervals of ``metrics[name][rho]``."""
    curve = metrics[name][rho]
    loads = sorted(curve, key=int)
    found = metrics.get(f"{name}_ci", {}).get(rho)
    return ([int(x) for x in loads], [curve[x] for x in loads],
            None if found is None else [found[x] for x in loads])


def correlated_items_figure(metrics: dict, path: Path) -> None:
    """Accuracy and spurious recalls against load, one colour per correlation rho: spiking
    (solid, with intervals over seeds for a batch) and the rate slot memory (dashed)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    rhos = sorted(metrics["accuracy_by_rho"], key=float)
    colours = plt.cm.viridis([k / max(len(rhos) - 1, 1) for k in range(len(rhos))])
    for rho, colour in zip(rhos, colours, strict=True):
        for ax, name in ((left, "accuracy_by_rho"), (right, "spurious_recall_by_rho")):
            loads, values, interval = _by_load(metrics, name, rho)
            _curve(ax, loads, values, interval, color=colour, label=f"rho = {rho} (spiking)")
            loads, values, _ = _by_load(metrics, f"rate_{name}", rho)
            ax.plot(loads, values, "--", color=colour, alpha=0.8,
                    label=f"rho = {rho} (rate slot memory)")
    left.axhline(CHANCE, color="0.6", lw=0.8, ls=":")
    left.set(xlabel="items stored (load)", ylabel="recall accuracy (value bits)",
             title="accuracy against load", ylim=(0.45, 1.02))
    right.set(xlabel="items stored (load)", ylabel="fraction of recalls",
              title="spurious recalls (another item's slot won)", ylim=(-0.02, 1.0))
    left.legend(fontsize=7, loc="lower left")
    _save(fig, path)


def heteroassociation_figure(metrics: dict, path: Path) -> None:
    """Recall accuracy against load: spiking heteroassociative and autoassociative (with
    intervals over seeds), their rate slot memories (dashed) and the BAM (dotted)."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    lines = (("accuracy_by_load", "spiking, 40 -> 20 (hetero)", "tab:blue", "o-"),
             ("autoassociative_accuracy_by_load", "spiking, 40 -> 40 (auto)", "tab:orange",
              "o-"),
             ("rate_accuracy_by_load", "rate slot memory, hetero", "tab:blue", "--"),
             ("rate_autoassociative_accuracy_by_load", "rate slot memory, auto", "tab:orange",
              "--"),
             ("bam_accuracy_by_load", "BAM (Kosko 1988), hetero", "tab:red", ":"))
    for name, label, colour, style in lines:
        _line(ax, metrics[name], metrics.get(f"{name}_ci"), style, color=colour, label=label)
    ax.axhline(CHANCE, color="0.6", lw=0.8, ls=":")
    ax.set(xlabel="pairs stored (load)", ylabel="recall accuracy (value bits)",
           title="heteroassociation (Tyulmankov et al. 2021, Fig. 5a)", ylim=(0.45, 1.02))
    ax.legend(fontsize=7, loc="lower left")
    _save(fig, path)


def continual_recall_figure(metrics: dict, path: Path) -> None:
    """Accuracy against the query delay R: each slot policy in spikes (with intervals over
    seeds for a batch) and at rate level (dashed), and the forgetting Hopfield baseline."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    colours = {"sequential": "tab:blue", "random": "tab:green"}
    for policy, curve in metrics["accuracy_by_delay"].items():
        _line(ax, curve, metrics.get("accuracy_by_delay_ci", {}).get(policy),
              color=colours.get(policy), label=f"{policy} slots (spiking)")
        _line(ax, metrics["rate_accuracy_by_delay"][policy], style="--",
              color=colours.get(policy), label=f"{policy} slots (rate slot memory)")
    _line(ax, metrics["hopfield_accuracy_by_delay"], style=":", color="tab:red",
          label="Hopfield with bounded weights (rate)")
    ax.axhline(CHANCE, color="0.6", lw=0.8, ls=":")
    ax.set(xlabel="delay R (stream steps)", ylabel="recall accuracy (value bits)",
           title="continual recall (Tyulmankov et al. 2021, Fig. 4a)", ylim=(0.45, 1.02))
    ax.legend(fontsize=7, loc="lower left")
    _save(fig, path)


def redundancy_figure(metrics: dict, path: Path) -> None:
    """Recall against each kind of damage after storage (slots removed, synapses silenced,
    weight noise), one colour per k (spiking with intervals over seeds for a batch, rate
    dashed); capacity against k beside n_slots / k."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.4))
    panels = (("damage", "fraction of slots removed after storage", "slots lost"),
              ("synapse_loss", "fraction of key and value synapses silenced",
               "synapses silenced"),
              ("weight_noise", "weight noise (standard deviation; weights in [0, 1])",
               "weight noise"))
    for ax, (name, xlabel, title) in zip(axes.flat, panels, strict=False):
        curves = metrics.get(f"accuracy_by_k_and_{name}")
        if curves is None:
            ax.set_visible(False)
            continue
        ks = sorted(curves, key=int)
        colours = plt.cm.plasma([k / max(len(ks), 1) for k in range(len(ks))])
        for k, colour in zip(ks, colours, strict=True):
            _line(ax, curves[k], metrics.get(f"accuracy_by_k_and_{name}_ci", {}).get(k),
                  color=colour, label=f"k = {k} (spiking)")
            _line(ax, metrics[f"rate_accuracy_by_k_and_{name}"][k], style="--",
                  color=colour, label=f"k = {k} (rate slot memory)")
        ax.axhline(CHANCE, color="0.6", lw=0.8, ls=":")
        ax.set(xlabel=xlabel, ylim=(0.45, 1.02), ylabel="recall accuracy (value bits)",
               title=f"robustness: recall after {title}")
    axes[0, 0].legend(fontsize=7, loc="lower left")
    right = axes[1, 1]
    for name, style, label in (("capacity_by_k", "o-", "spiking"),
                               ("rate_capacity_by_k", "s--", "rate slot memory")):
        _line(right, metrics[name], style=style, label=label)
    ks = sorted(metrics["capacity_by_k"], key=int)
    right.set(xscale="log", xlabel="slots per item k", ylabel="capacity (items)",
              title="price: capacity against k")
    right.set_xticks([int(k) for k in ks], ks)
    right.xaxis.set_minor_formatter(plt.NullFormatter())
    right.legend(fontsize=8)
    _save(fig, path)


def sequence_recall_figure(metrics: dict, path: Path) -> None:
    """Chained recall against the chain's length: mean bit accuracy over the chain (left) and
    the fraction of chains recalled without an error (right), in spikes (with intervals over
    seeds for a batch), for the rate slot memory (dashed) and the BAM (dotted)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    lines = (("", "spiking, sequential slots", "tab:blue", "o-"),
             ("rate_", "rate slot memory", "tab:blue", "--"),
             ("bam_", "BAM (Kosko 1988)", "tab:red", ":"))
    for ax, name in ((left, "chain_accuracy_by_length"), (right, "chain_error_free_by_length")):
        for prefix, label, colour, style in lines:
            _line(ax, metrics[prefix + name], metrics.get(f"{prefix}{name}_ci"), style,
                  color=colour, label=label)
        if "n_slots" in metrics:
            ax.axvline(metrics["n_slots"], color="0.6", lw=0.8, ls="--",
                       label=f"N = {metrics['n_slots']:g} slots")
    left.axhline(CHANCE, color="0.6", lw=0.8, ls=":")
    left.set(xlabel="chain length (items)", ylabel="recall accuracy (value bits, mean over "
             "the chain)", title="sequence recall (Tyulmankov et al. 2021, Fig. 5b)",
             ylim=(0.45, 1.02))
    right.set(xlabel="chain length (items)", ylabel="fraction of chains",
              title="chains recalled without an error", ylim=(-0.02, 1.02))
    left.legend(fontsize=7, loc="lower left")
    _save(fig, path)


def flashbulb_figure(metrics: dict, path: Path) -> None:
    """Left: recall against delay of the salient items, of the same items stored as ordinary
    ones, and of the ordinary items with and without salient ones (spiking with intervals
    over seeds for a batch; the metaplastic rate slot memory dashed). Right: salient against
    ordinary recall (means over the delays) for the forgetting Hopfield network at each
    write strength, beside the key-value memory."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    lines = (("salient_recall_by_delay", "salient items (x10 modulator)", "tab:red"),
             ("salient_items_as_ordinary_by_delay", "the same items stored as ordinary",
              "tab:gray"),
             ("ordinary_recall_by_delay", "ordinary items, with salient ones", "tab:blue"),
             ("ordinary_recall_without_salient", "ordinary items, without", "tab:cyan"))
    for name, label, colour in lines:
        _line(left, metrics[name], metrics.get(f"{name}_ci"), color=colour,
              label=f"{label} (spiking)")
        _line(left, metrics[f"rate_{name}"], style="--", color=colour)
    left.plot([], [], "k--", label="rate slot memory (same streams)")
    left.axhline(CHANCE, color="0.6", lw=0.8, ls=":")
    left.set(xlabel="delay R (stream steps)", ylabel="recall accuracy (value bits)",
             title="flashbulb memories (Tyulmankov et al. 2021, Fig. 4b)", ylim=(0.45, 1.02))
    left.legend(fontsize=7, loc="lower left")
    tradeoff = metrics["hopfield_tradeoff"]
    saliences = sorted(tradeoff, key=float)
    right.plot([tradeoff[s]["ordinary"] for s in saliences],
               [tradeoff[s]["salient"] for s in saliences], "s:", color="tab:purple",
               label="forgetting Hopfield, salient writes x" + " / ".join(saliences))
    labels: dict[tuple[float, float], list[str]] = {}  # saturated writes share a point
    for s in saliences:
        point = (round(tradeoff[s]["ordinary"], 2), round(tradeoff[s]["salient"], 2))
        labels.setdefault(point, []).append(f"x{s}")
    for point, names in labels.items():
        right.annotate(", ".join(names), point, fontsize=7, xytext=(4, 4),
                       textcoords="offset points")
    right.plot(*(float(np.mean(list(metrics[name].values()))) for name in (
        "ordinary_recall_by_delay", "salient_recall_by_delay")), "o", color="tab:red",
        label="key-value memory, metaplastic (spiking)")
    right.plot(*(float(np.mean(list(metrics[name].values()))) for name in (
        "ordinary_recall_without_salient", "salient_items_as_ordinary_by_delay")), "o",
        color="tab:gray", label="key-value memory, all items ordinary (spiking)")
    right.set(xlabel="ordinary items: recall (mean over delays)",
              ylabel="salient items: recall (mean over delays)",
              title="salient against ordinary recall", xlim=(0.45, 1.02), ylim=(0.45, 1.02))
    right.legend(fontsize=7, loc="lower left")
    _save(fig, path)
