"""Figures of the forgetting protocols (each draws from a run's ``metrics`` dict only, so a
stored ``metrics.json`` can be redrawn)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = [
    "accessibility_precision_figure", "engram_rescue_figure", "feeling_of_knowing_figure",
    "list_before_last_figure", "separability_robustness_figure",
]

CHANCE = 0.5  # bitwise accuracy of a random +/-1 read-out


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def engram_rescue_figure(metrics: dict, path: Path) -> None:
    """Amnesic items' recall before/after the manipulation and from direct stimulation
    (controls alongside), and their cue recall against the key-pathway gain beta."""
    fig, (bars, curve) = plt.subplots(1, 2, figsize=(10, 4))
    labels = ["cue,\nbefore", "cue,\nafter", "direct\nstimulation", "controls:\ncue, after"]
    heights = [metrics["cue_recall_before"], metrics["cue_recall_after"],
               metrics["direct_stimulation_recall"], metrics["control_recall_after"]]
    bars.bar(labels, heights, color=["tab:blue", "tab:red", "tab:green", "0.6"])
    bars.axhline(CHANCE, color="k", linestyle=":", label="chance")
    bars.set_ylim(0, 1.05)
    bars.set_ylabel("recall accuracy (fraction of value bits)")
    bars.set_title(f"amnesic items (key synapses x {metrics.get('key_retention', '?')})")
    bars.legend(loc="lower right", fontsize=8)
    gains = sorted(metrics["gain_curve"], key=float)
    curve.plot([float(g) for g in gains], [metrics["gain_curve"][g] for g in gains], "o-",
               color="tab:purple")
    curve.axhline(metrics["cue_recall_before"], color="tab:blue", linestyle="--",
                  label="before amnesia")
    curve.axhline(CHANCE, color="k", linestyle=":", label="chance")
    curve.set_ylim(0, 1.05)
    curve.set_xlabel("gain beta on the amnesic slots' key pathway")
    curve.set_ylabel("cue recall accuracy")
    curve.set_title("rescue without new learning")
    curve.legend(loc="lower right", fontsize=8)
    _save(fig, path)


def accessibility_precision_figure(metrics: dict, path: Path) -> None:
    """Accessibility (P(correct slot wins)) and precision (mean angular error given a correct
    win), with 95 % intervals, against the number of similar-key interferers per item."""
    levels = sorted(metrics["accessibility"], key=int)
    x = [int(level) for level in levels]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    access = np.array([metrics["accessibility"][k] for k in levels])
    access_ci = np.array([metrics["accessibility_ci"][k] for k in levels])
    left.errorbar(x, access, yerr=[access - access_ci[:, 0], access_ci[:, 1] - access],
                  fmt="o-", capsize=3)
    left.set_ylim(0, 1.05)
    left.set_xlabel("similar-key interferers per item")
    left.set_ylabel("accessibility: P(correct slot wins)")
    precision = np.array([metrics["precision_deg"][k] for k in levels], dtype=float)
    precision_ci = np.array([metrics["precision_ci_deg"][k] for k in levels], dtype=float)
    right.errorbar(x, precision, yerr=[precision - precision_ci[:, 0],
                                       precision_ci[:, 1] - precision], fmt="o-", capsize=3,
                   color="tab:orange")
    right.set_ylim(0, max(10.0, float(np.nanmax(precision_ci)) * 1.3))
    right.set_xlabel("similar-key interferers per item")
    right.set_ylabel("precision: mean |error| on correct wins (deg)")
    for ax in (left, right):
        ax.set_xticks(x)
    _save(fig, path)


def separability_robustness_figure(metrics: dict, path: Path) -> None:
    """Recall error and blend weight against cue noise, one line per read-out sharpness
    (ordered by value)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(metrics["error_grid"])))
    levels = sorted(metrics["error_grid"], key=float)
    for colour, strength in zip(colours, levels, strict=True):
        row = metrics["error_grid"][strength]
        noise = sorted(row, key=float)
        left.plot([float(n) for n in noise], [row[n] for n in noise], "o-", color=colour,
                  label=strength)
        blend = metrics["blend_grid"][strength]
        right.plot([float(n) for n in noise], [blend[n] for n in noise], "o-", color=colour,
                   label=strength)
    left.axhline(CHANCE, color="k", linestyle=":", label="chance")
    left.set_ylabel("recall error (fraction of wrong value bits)")
    right.set_ylabel("blend: index spikes outside the item's slot")
    for ax in (left, right):
        ax.set_xlabel("cue noise (fraction of flipped key entries)")
        ax.set_ylim(0, 1.0)
        ax.legend(title="sharpness", fontsize=8)
    _save(fig, path)


def feeling_of_knowing_figure(metrics: dict, path: Path) -> None:
    """Key-match signal of stored cues (recalled, not recalled) and never-stored cues; the
    latencies; the familiar-cue manipulation (signal and accuracy)."""
    fig, (hist, lat, fam) = plt.subplots(1, 3, figsize=(14, 4))
    signals = metrics["signals"]
    bins = np.linspace(min(min(v) for v in signals.values() if v),
                       max(max(v) for v in signals.values() if v), 20)
    for name, colour in (("recalled", "tab:green"), ("not_recalled", "tab:red"),
                         ("never_stored", "0.5")):
        hist.hist(signals[name], bins=bins, alpha=0.5, color=colour,
                  label=name.replace("_", " "))
    hist.set_xlabel("key-match signal (early key-weighted input spikes, peak slot)")
    hist.set_ylabel("cues")
    hist.set_title(f"FOK AUC on failed recalls = {metrics['fok_auc']:.2f}")
    hist.legend(fontsize=8)
    lat.bar(["key match\n(first index spike)", "value settles\n(cortex read-out)"],
            [metrics["key_latency_ms"], metrics["value_latency_ms"]],
            color=["tab:purple", "tab:blue"])
    lat.set_ylabel("median latency after cue onset (ms)")
    names = ["plain", "random_fill", "familiar"]
    x = np.arange(len(names))
    fam.bar(x - 0.2, [metrics["familiar"]["signal"][n] for n in names], 0.4,
            color="tab:purple", label="key-match signal (left axis)")
    fam.set_ylabel("mean key-match signal")
    twin = fam.twinx()
    twin.bar(x + 0.2, [metrics["familiar"]["accuracy"][n] for n in names], 0.4,
             color="tab:blue", label="recall accuracy (right axis)")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("recall accuracy")
    fam.set_xticks(x, ["partial cue", "+ random fill", "+ familiar fill"])
    fam.legend(loc="upper left", fontsize=8)
    twin.legend(loc="upper right", fontsize=8)
    _save(fig, path)


def list_before_last_figure(metrics: dict, path: Path) -> None:
    """Recall of list L-1, and the share of index spikes in its items' slots, against its own
    length and against the intervening list's length."""
    fig, (recall, share) = plt.subplots(1, 2, figsize=(10, 4))
    fixed = {"prev": metrics["fixed_last_length"], "last": metrics["fixed_prev_length"]}
    for which, label, colour in (("prev", "length of L-1 (L fixed)", "tab:blue"),
                                 ("last", "length of L (L-1 fixed)", "tab:orange")):
        by_length = metrics[f"recall_by_len_{which}"]
        lengths = sorted(by_length, key=int)
        x = [int(n) for n in lengths]
        recall.plot(x, [by_length[n] for n in lengths], "o-", color=colour, label=label)
        keys = [f"{n},{fixed[which]}" if which == "prev" else f"{fixed[which]},{n}"
                for n in lengths]
        share.plot(x, [metrics["correct_slot_share"][k] for k in keys], "o-", color=colour,
                   label=label)
    recall.axhline(CHANCE, color="k", linestyle=":", label="chance")
    recall.set_ylim(0.4, 1.02)
    recall.set_ylabel("recall accuracy of list L-1")
    share.set_ylim(0, 1.02)
    share.set_ylabel("index spikes in the recalled item's slot")
    for ax in (recall, share):
        ax.set_xlabel("list length (items)")
        ax.legend(fontsize=8)
    _save(fig, path)
