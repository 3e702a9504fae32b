"""Figures of the ensemble-index protocols, drawn from a run's ``metrics`` only; given a
batch's metrics they draw its intervals over seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from neuro_kv.analysis.forgetting_figures import CHANCE, _curve, _save  # noqa: E402

__all__ = ["ensemble_recall_figure", "memory_linking_figure"]


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
