"""Figures of the ensemble-index protocols, drawn from a run's ``metrics`` only; given a
batch's metrics they draw its intervals over seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from neuro_kv.analysis.forgetting_figures import CHANCE, _curve, _save  # noqa: E402

__all__ = ["ensemble_recall_figure", "memory_linking_figure", "separation_completion_figure"]


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
    # a run with key_gain = 0 merged in under "no_keys_" (the gallery's figure)
    if f"no_keys_{name}_similarity_by_overlap" in metrics:
        x, y, interval = _by_fraction(metrics, f"no_keys_{name}_similarity_by_overlap")
        _curve(ax, x, y, interval, color="C4", label="spiking, keys not read")
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
    ``metrics`` holds them under ``no_keys_``, a run's without reading the keys)."""
    fig, (index, cortex) = plt.subplots(1, 2, figsize=(11, 4.4))
    _similarity(index, metrics, "index", "index (keys)")
    _similarity(cortex, metrics, "cortex", "cortex (values)")
    _save(fig, path)
