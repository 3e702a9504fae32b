"""Figures of the ensemble-index protocols, drawn from a run's ``metrics`` only; given a
batch's metrics they draw its intervals over seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from neuro_kv.analysis.forgetting_figures import CHANCE, _curve, _save  # noqa: E402

__all__ = ["barcodes_figure", "ensemble_capacity_figure", "ensemble_recall_figure",
           "key_differentiation_figure",
           "memory_linking_figure", "repulsion_figure", "separation_completion_figure"]


def _by_fraction(metrics: dict, name: str) -> tuple[list[float], list[float], list | None]:
    """Silenced fractions, values and (a batch's) intervals of ``metrics[name]``."""
    curve = metrics[name]
    keys = sorted(curve, key=float)
    found = metrics.get(f"{name}_ci")
    return ([float(k) for k in keys], [curve[k] for k in keys],
            None if found is None else [found[k] for k in keys])


def ensemble_recall_figure(metrics: dict, path: Path) -> None:
    """Recall and the fraction of items lost against the fraction of the index silenced
    after storage: spiking (with intervals over seeds for a batch) and, on kv-ensemble, the
    rate reference (dashed); the ensembles' size and overlap in the title."""
    fig, (recall, lost) = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, name, ylabel in ((recall, "accuracy_by_silenced", "recall accuracy (value bits)"),
                             (lost, "lost_by_silenced", "fraction of items lost")):
        x, y, interval = _by_fraction(metrics, name)
        _curve(ax, x, y, interval, label="spiking")
        if f"rate_{name}" in metrics:
            x, y, _ = _by_fraction(metrics, f"rate_{name}")
            ax.plot(x, y, "s--", alpha=0.8, label="rate reference")
        ax.set(xlabel="fraction of the index silenced after storage", ylabel=ylabel)
    recall.axhline(CHANCE, color="0.6", lw=0.8, ls=":")
    recall.set(ylim=(0.45, 1.02), title="graceful degradation: recall")
    lost.set(ylim=(-0.02, 1.02), title="items lost (accuracy below threshold)")
    recall.legend(fontsize=8, loc="lower left")
    fig.suptitle(f"ensemble size {metrics['ensemble_size']:.1f} neurons, overlap of two "
                 f"items' ensembles {metrics['mean_overlap']:.2f} (chance "
                 f"{metrics['chance_overlap']:.2f})", fontsize=10)
    _save(fig, path)


def memory_linking_figure(metrics: dict, path: Path) -> None:
    """Against the delay between two items: the overlap of their ensembles over chance, and
    B's intrusion into A's recall (B's share of the cortical spikes where their values
    differ, minus a never-stored value's share); spiking with intervals over seeds for a
    batch, the rate reference dashed."""
    fig, (overlap, intrusion) = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, name, ylabel, level in (
            (overlap, "overlap_ratio_by_delay", "ensemble overlap / chance", 1.0),
            (intrusion, "intrusion_by_delay", "B's intrusion into A's recall", 0)):
        x, y, interval = _by_fraction(metrics, name)
        _curve(ax, x, y, interval, label="spiking")
        if f"rate_{name}" in metrics:
            x, y, _ = _by_fraction(metrics, f"rate_{name}")
            ax.plot(x, y, "s--", alpha=0.8, label="rate reference")
        ax.axhline(level, color="0.6", lw=0.8, ls=":")
        ax.set(xscale="log", xlabel="delay between the two items (hours)", ylabel=ylabel)
        ax.legend(frameon=False)
    overlap.set(title="linking: shared index neurons")
    intrusion.set(title="linking: recalling A brings up B")
    _save(fig, path)


#: runs that `separation_completion_figure` draws beside the main one when ``metrics`` holds
#: their curves under these prefixes
MERGED_RUNS = (("no_keys_", "C4", "spiking, keys not read"),
               ("recurrence_", "C5", "spiking, CA3 recurrence, keys not read"))


def _similarity(ax, metrics: dict, name: str, title: str) -> None:
    """One population's similarity curve against input overlap: spiking (intervals over
    seeds for a batch), the rate reference with and without its keys, the input spikes'
    own similarity and the identity line."""
    x, y, interval = _by_fraction(metrics, f"{name}_similarity_by_overlap")
    _curve(ax, x, y, interval, color="C0",
           label="spiking (counts)" if name == "index" else "spiking")
    if f"{name}_ensemble_similarity_by_overlap" in metrics:
        x, y, interval = _by_fraction(metrics, f"{name}_ensemble_similarity_by_overlap")
        _curve(ax, x, y, interval, color="C1", label="spiking (ensembles)")
    # other runs merged in under a prefix (the gallery's figure)
    for prefix, colour, label in MERGED_RUNS:
        if f"{prefix}{name}_similarity_by_overlap" in metrics:
            x, y, interval = _by_fraction(metrics, f"{prefix}{name}_similarity_by_overlap")
            _curve(ax, x, y, interval, color=colour, label=label)
    for rate, style, color, label in (
            (f"rate_{name}", "s--", "C2", "rate reference"),
            (f"rate_no_keys_{name}", "^:", "C3", "rate, keys not read")):
        if f"{rate}_similarity_by_overlap" in metrics:
            rx, ry, _ = _by_fraction(metrics, f"{rate}_similarity_by_overlap")
            ax.plot(rx, ry, style, color=color, alpha=0.8, label=label)
    if "input_similarity_by_overlap" in metrics:
        ix, iy, _ = _by_fraction(metrics, "input_similarity_by_overlap")
        ax.plot(ix, iy, color="0.45", lw=1, label="input spikes")
    ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls=":", label="identity")
    ax.set(xlabel="cue's correlation with the stored key", ylabel="similarity to the answer "
           "to the key (r)", title=title, xlim=(-0.02, 1.02), ylim=(-0.1, 1.02))
    ax.legend(frameon=False, fontsize=8)


def separation_completion_figure(metrics: dict, path: Path) -> None:
    """Index and cortex similarity against the cue's overlap with a stored key (and, where
    ``metrics`` holds them under a prefix of `MERGED_RUNS`, other runs' curves)."""
    fig, (index, cortex) = plt.subplots(1, 2, figsize=(11, 4.4))
    _similarity(index, metrics, "index", "index (keys)")
    _similarity(cortex, metrics, "cortex", "cortex (values)")
    _save(fig, path)


def barcodes_figure(metrics: dict, path: Path) -> None:
    """Left: correlation against distance on the track for the input (place code), the
    index's answers at visits, and a cache key's reactivation (spiking with intervals over
    seeds for a batch, the rate reference dashed). Right: key correlation of caches at the
    same site, at neighbouring sites and far apart, beside the neighbours' input
    correlation."""
    fig, (curves, bars) = plt.subplots(1, 2, figsize=(11, 4.4),
                                       gridspec_kw={"width_ratios": [1.5, 1]})
    for name, color, label in (
            ("input_correlation_by_distance", "0.45", "input (place code)"),
            ("visit_correlation_by_distance", "C0", "index at visits"),
            ("reactivation_by_distance", "C1", "a cache's key reactivated at a visit"),
            ("rate_reactivation_by_distance", "C2", "rate reference: key reactivated")):
        if name not in metrics:
            continue
        x, y, interval = _by_fraction(metrics, name)
        keep = [i for i, d in enumerate(x) if d <= 20]
        x, y = [x[i] for i in keep], [y[i] for i in keep]
        interval = None if interval is None else [interval[i] for i in keep]
        if name.startswith("rate_"):
            curves.plot(x, y, "s--", color=color, alpha=0.8, label=label)
        else:
            _curve(curves, x, y, interval, color=color, label=label)
    curves.axhline(0, color="0.6", lw=0.8, ls=":")
    curves.set(xlabel="distance on the track (sites)", ylabel="correlation",
               title="place code and barcode reactivation")
    curves.legend(frameon=False, fontsize=8)
    names = ["same site", "neighbours", "far apart", "neighbours' input"]
    spiking = [metrics.get(k, float("nan")) for k in (
        "key_correlation_same_site", "key_correlation_neighbour", "key_correlation_distant",
        "input_correlation_neighbour")]
    rate = [metrics.get(k, float("nan")) for k in (
        "rate_key_correlation_same_site", "rate_key_correlation_neighbour",
        "rate_key_correlation_distant", "input_correlation_neighbour")]
    errors = None
    if "key_correlation_same_site_ci" in metrics:
        errors = np.array([[v - metrics[f"{k}_ci"][0], metrics[f"{k}_ci"][1] - v]
                           for v, k in zip(spiking, (
                               "key_correlation_same_site", "key_correlation_neighbour",
                               "key_correlation_distant", "input_correlation_neighbour"),
                               strict=True)]).T
    position = np.arange(len(names))
    bars.bar(position - 0.2, spiking, 0.4, yerr=errors, capsize=3, label="spiking")
    bars.bar(position + 0.2, rate, 0.4, alpha=0.7, label="rate reference")
    bars.axhline(0.2, color="0.6", lw=0.8, ls=":")
    bars.set_xticks(position, names, fontsize=9)
    bars.set(ylabel="correlation of two caches' keys", title="keys (barcodes)")
    bars.legend(frameon=False, fontsize=8)
    _save(fig, path)


#: line styles of ensemble-capacity's models
CAPACITY_STYLES = {"kv_ensemble": ("o-", "spiking kv-ensemble"),
                   "kv_index": ("^-", "spiking kv-index (slots)"),
                   "rate_ensemble": ("s--", "rate reference (ensembles)")}


def ensemble_capacity_figure(metrics: dict, path: Path) -> None:
    """Left: recall against load, one colour per index size, one style per model (t
    intervals over seeds on the spiking models). Right: C(criterion) against index size with
    its bootstrap interval."""
    fig, (curves, capacity) = plt.subplots(1, 2, figsize=(12, 4.6))
    sizes = sorted({size for table in metrics["recall"].values() for size in table}, key=int)
    for model, table in metrics["recall"].items():
        style, label = CAPACITY_STYLES.get(model, ("x-", model))
        for colour, size in enumerate(sizes):
            if size not in table:
                continue
            loads = sorted(table[size], key=int)
            y = [table[size][load]["recall"] for load in loads]
            interval = None if model.startswith("rate") else \
                [table[size][load]["recall_ci"] for load in loads]
            _curve(curves, [int(load) for load in loads], y, interval,
                   fmt=style, color=f"C{colour}", label=f"{label}, {int(size):,}")
        found = metrics["capacity"][model]
        xs = [int(size) for size in sizes if size in found]
        c = [found[size]["C"] for size in sizes if size in found]
        bounds = np.array([found[size]["C_ci"] for size in sizes if size in found], dtype=float)
        capacity.errorbar(xs, c, yerr=[np.array(c) - bounds[:, 0], bounds[:, 1] - np.array(c)],
                          fmt=style, capsize=3, label=label)
    curves.axhline(metrics["criterion"], color="0.6", lw=0.8, ls=":")
    curves.set(xscale="log", xlabel="items stored", ylabel="recall accuracy (value bits)",
               title="recall against load")
    curves.legend(frameon=False, fontsize=7, ncol=2)
    capacity.set(xscale="log", xlabel="index neurons (n_index = n_slots)",
                 ylabel=f"C({metrics['criterion']:g}): items", title="capacity against size")
    capacity.legend(frameon=False, fontsize=8)
    _save(fig, path)


def repulsion_figure(metrics: dict, path: Path) -> None:
    """Key similarity (left) and recall accuracy (right) of each kind of pair, probe by probe:
    before practice (round 0), after each practice round, then after each round without the
    demand to tell the different pairs apart (shaded); intervals over seeds for a batch, the
    rate reference's similarity dashed."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {"different": "C3", "same": "C0", "unrelated": "0.45"}
    for ax, prefix, label in ((left, "similarity", "key similarity (index answers, r)"),
                              (right, "accuracy", "recall accuracy")):
        for kind, color in styles.items():
            name = f"{prefix}_{kind}"
            if name not in metrics:
                continue
            x, y, interval = _by_fraction(metrics, name)
            _curve(ax, x, y, interval, color=color, label=f"{kind} pairs")
            rate = f"rate_{name}"
            if rate in metrics:
                x, y, _ = _by_fraction(metrics, rate)
                ax.plot(x, y, "--", color=color, alpha=0.7, label=f"{kind}, rate reference")
        ax.set(xlabel="round (0: before practice)", ylabel=label)
    reversal = metrics.get("reversal_start")
    if reversal is not None:
        for ax in (left, right):
            ax.axvspan(reversal - 0.5, ax.get_xlim()[1], color="0.92", zorder=0)
    right.axhline(CHANCE, color="0.6", lw=0.8, ls=":")
    left.legend(frameon=False, fontsize=7, ncol=2, loc="lower right",
                bbox_to_anchor=(1.0, 0.06))
    left.set_title("overlapping pairs with different values move apart?")
    right.set_title("telling the items apart")
    _save(fig, path)


def key_differentiation_figure(metrics: dict, path: Path) -> None:
    """Probe by probe, before practice (round 0) and after each round: the similarity of the
    index's answers to two items of one class and of different classes; their difference,
    the class separation (the rate reference dashed, the inputs' dotted); the smallest angle
    between class-mean answers (Fig. 2's measure); recall of the class feature. Intervals
    over seeds for a batch."""
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    for name, color, label in (("similarity_within_by_round", "C3", "one class"),
                               ("similarity_across_by_round", "0.45", "different classes")):
        if name in metrics:
            x, y, interval = _by_fraction(metrics, name)
            _curve(axes[0], x, y, interval, color=color, label=label)
    axes[0].set(ylabel="similarity of two items' answers (r)", title="keys within and across")
    axes[0].legend(frameon=False, fontsize=8)
    panels = (("separation_by_round", "class separation (r, within - across)"),
              ("class_angle_by_round", "angle between class-mean answers (deg)"),
              ("accuracy_by_round", "recall of the class feature"))
    for ax, (name, label) in zip(axes[1:], panels, strict=True):
        x, y, interval = _by_fraction(metrics, name)
        _curve(ax, x, y, interval, color="C3", label="spiking")
        if f"rate_{name}" in metrics:
            x, y, _ = _by_fraction(metrics, f"rate_{name}")
            ax.plot(x, y, "s--", color="C0", alpha=0.7, label="rate reference")
        ax.set(ylabel=label)
    for ax in axes:
        ax.set(xlabel="round (0: before practice)")
    if "input_separation" in metrics:
        axes[1].axhline(metrics["input_separation"], color="0.6", lw=0.8, ls=":",
                        label="the inputs' separation")
    axes[1].legend(frameon=False, fontsize=8)
    axes[3].axhline(CHANCE, color="0.6", lw=0.8, ls=":")
    axes[1].set_title("keys told apart by class?")
    axes[2].set_title("class-mean keys (0-90 deg on spike counts)")
    axes[3].set_title("values stay the class features?")
    _save(fig, path)
