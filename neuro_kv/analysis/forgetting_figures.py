"""Figures of the forgetting protocols (each draws from a run's ``metrics`` dict only, so a
stored ``metrics.json`` can be redrawn). Given a batch's metrics (means over seeds with
``NAME_ci`` beside them, `neuro_kv.results.combine_metrics`) they draw those intervals."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = [
    "accessibility_precision_figure", "engram_rescue_figure", "feeling_of_knowing_figure",
    "list_before_last_figure", "separability_robustness_figure", "PAPER_GAIN_CURVE",
    "scaled_to_range",
]

CHANCE = 0.5  # bitwise accuracy of a random +/-1 read-out

#: Gershman, Fiete & Irie (2025), Fig. 3B: task-1 accuracy (%) of their rate key-value
#: network against the gain beta on the amnesic memories' keys
PAPER_GAIN_CURVE = {1.0: 9.1, 1.1: 28.7, 1.2: 55.5, 1.3: 77.7, 1.4: 89.2, 1.5: 94.5,
                    1.6: 97.3, 1.7: 98.5, 1.8: 99.1, 1.9: 99.5}


def _curve(ax: plt.Axes, x: list[float], values: list[float], interval: list | None,
           fmt: str = "o-", **style) -> None:
    """A line with markers (``fmt``); with error bars where ``interval`` ([low, high] per
    point) is given."""
    y = np.array(values, dtype=float)
    if interval is None:
        ax.plot(x, y, fmt, **style)
        return
    bounds = np.array(interval, dtype=float)
    ax.errorbar(x, y, yerr=[y - bounds[:, 0], bounds[:, 1] - y], fmt=fmt, capsize=3,
                **style)


def _intervals(metrics: dict, name: str, keys: list[str]) -> list | None:
    """``metrics[name + "_ci"]`` at ``keys`` (a batch's intervals over seeds), or None."""
    found = metrics.get(f"{name}_ci")
    return None if found is None else [found[k] for k in keys]


def scaled_to_range(values: np.ndarray, floor: float, ceiling: float) -> np.ndarray:
    """``values`` mapped so that ``floor`` -> 0 and ``ceiling`` -> 1."""
    return (np.asarray(values, float) - floor) / (ceiling - floor)


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def engram_rescue_figure(metrics: dict, path: Path) -> None:
    """Amnesic items' recall before/after the manipulation and from direct stimulation
    (controls alongside); their cue recall against the key-pathway gain beta; and that curve
    scaled from its floor (beta = 1) to its ceiling (recall before the amnesia) beside the
    paper's Fig. 3B scaled the same way (9.1 % to 99.5 %)."""
    fig, (bars, curve, scaled) = plt.subplots(1, 3, figsize=(15, 4))
    names = ["cue_recall_before", "cue_recall_after", "direct_stimulation_recall",
             "control_recall_after"]
    labels = ["cue,\nbefore", "cue,\nafter", "direct\nstimulation", "controls:\ncue, after"]
    heights = np.array([metrics[n] for n in names])
    errors = None
    if all(f"{n}_ci" in metrics for n in names):
        bounds = np.array([metrics[f"{n}_ci"] for n in names])
        errors = [heights - bounds[:, 0], bounds[:, 1] - heights]
    bars.bar(labels, heights, yerr=errors, capsize=4,
             color=["tab:blue", "tab:red", "tab:green", "0.6"])
    bars.axhline(CHANCE, color="k", linestyle=":", label="chance")
    bars.set_ylim(0, 1.05)
    bars.set_ylabel("recall accuracy (fraction of value bits)")
    bars.set_title(f"amnesic items (key synapses x {metrics.get('key_retention', '?')})")
    bars.legend(loc="lower right", fontsize=8)
    gains = sorted(metrics["gain_curve"], key=float)
    beta = [float(g) for g in gains]
    accuracy = [metrics["gain_curve"][g] for g in gains]
    _curve(curve, beta, accuracy, _intervals(metrics, "gain_curve", gains),
           color="tab:purple", label="spiking kv-index")
    curve.axhline(metrics["cue_recall_before"], color="tab:blue", linestyle="--",
                  label="before amnesia")
    curve.axhline(CHANCE, color="k", linestyle=":", label="chance")
    curve.set_ylim(0, 1.05)
    curve.set_xlabel("gain beta on the amnesic slots' key pathway")
    curve.set_ylabel("cue recall accuracy")
    curve.set_title("rescue without new learning")
    curve.legend(loc="lower right", fontsize=8)
    floor, ceiling = accuracy[0], metrics["cue_recall_before"]
    if ceiling > floor:
        scaled.plot(beta, scaled_to_range(accuracy, floor, ceiling), "o-",
                    color="tab:purple", label="spiking kv-index (floor: beta = 1)")
    paper = sorted(PAPER_GAIN_CURVE)
    scaled.plot(paper, scaled_to_range([PAPER_GAIN_CURVE[b] for b in paper], 9.1, 99.5),
                "s--", color="0.3", label="Gershman, Fiete & Irie 2025, Fig. 3B")
    scaled.set_ylim(-0.1, 1.1)
    scaled.set_xlabel("gain beta")
    scaled.set_ylabel("recall, floor (0) to ceiling (1)")
    scaled.set_title("against the paper's gain curve")
    scaled.legend(loc="lower right", fontsize=8)
    _save(fig, path)


def accessibility_precision_figure(metrics: dict, path: Path) -> None:
    """Accessibility (P(correct slot wins)) and precision (mean angular error given a correct
    win), with 95 % intervals (over trials for one run, over seeds for a batch), against the
    number of similar-key interferers per item."""
    levels = sorted(metrics["accessibility"], key=int)
    x = [int(level) for level in levels]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    _curve(left, x, [metrics["accessibility"][k] for k in levels],
           _intervals(metrics, "accessibility", levels))
    left.set_ylim(0, 1.05)
    left.set_xlabel("similar-key interferers per item")
    left.set_ylabel("accessibility: P(correct slot wins)")
    # one run: bootstrap intervals over its trials; a batch: bootstrap intervals over seeds
    precision_ci = (_intervals(metrics, "precision_deg", levels)
                    or [metrics["precision_ci_deg"][k] for k in levels])
    _curve(right, x, [metrics["precision_deg"][k] for k in levels], precision_ci,
           color="tab:orange")
    right.set_ylim(0, max(10.0, float(np.nanmax(np.array(precision_ci, float))) * 1.3))
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
        x = [float(n) for n in noise]
        for ax, grid in ((left, "error_grid"), (right, "blend_grid")):
            interval = metrics.get(f"{grid}_ci", {}).get(strength)
            _curve(ax, x, [metrics[grid][strength][n] for n in noise],
                   None if interval is None else [interval[n] for n in noise],
                   color=colour, label=strength)
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
    if "fok_auc_pooled" in metrics:  # a batch: every seed's cues, one pooled AUC
        low, high = metrics["fok_auc_pooled_ci"]
        hist.set_title(f"FOK AUC on failed recalls, pooled = {metrics['fok_auc_pooled']:.2f}"
                       f" ({low:.2f}-{high:.2f})")
    else:
        hist.set_title(f"FOK AUC on failed recalls = {metrics['fok_auc']:.2f}")
    hist.legend(fontsize=8)
    latency = np.array([metrics["key_latency_ms"], metrics["value_latency_ms"]])
    errors = None
    if "key_latency_ms_ci" in metrics and "value_latency_ms_ci" in metrics:
        bounds = np.array([metrics["key_latency_ms_ci"], metrics["value_latency_ms_ci"]])
        errors = [latency - bounds[:, 0], bounds[:, 1] - latency]
    lat.bar(["key match\n(first index spike)", "value settles\n(cortex read-out)"],
            latency, yerr=errors, capsize=4, color=["tab:purple", "tab:blue"])
    lat.set_ylabel("median latency after cue onset (ms)")
    names = ["plain", "random_fill", "familiar"]
    x = np.arange(len(names))
    fam.bar(x - 0.2, [metrics["familiar"]["signal"][n] for n in names], 0.4,
            color="tab:purple", label="key-match signal (left axis)")
    fam.set_ylabel("mean key-match signal")
    twin = fam.twinx()
    twin.bar(x + 0.2, [metrics["familiar"]["accuracy"][n] for n in names], 0.4,
             color="tab:blue", label="recall accuracy (right axis)")
    fam.set_ylim(0, 1.4 * max(metrics["familiar"]["signal"][n] for n in names))
    twin.set_ylim(0, 1.4)  # room for the legends above the bars
    twin.set_ylabel("recall accuracy")
    fam.set_xticks(x, ["partial cue", "+ random fill", "+ familiar fill"])
    fam.legend(loc="upper left", fontsize=8)
    twin.legend(loc="upper right", fontsize=8)
    _save(fig, path)


def list_before_last_figure(metrics: dict, path: Path) -> None:
    """Recall of list L-1, and the share of index spikes in its items' slots, against its own
    length and against the intervening list's length."""
    fig, (recall, share) = plt.subplots(1, 2, figsize=(10, 4))
    fixed = {"prev": int(metrics["fixed_last_length"]),
             "last": int(metrics["fixed_prev_length"])}
    for which, label, colour in (("prev", "length of L-1 (L fixed)", "tab:blue"),
                                 ("last", "length of L (L-1 fixed)", "tab:orange")):
        by_length = metrics[f"recall_by_len_{which}"]
        lengths = sorted(by_length, key=int)
        x = [int(n) for n in lengths]
        _curve(recall, x, [by_length[n] for n in lengths],
               _intervals(metrics, f"recall_by_len_{which}", lengths), color=colour,
               label=label)
        keys = [f"{n},{fixed[which]}" if which == "prev" else f"{fixed[which]},{n}"
                for n in lengths]
        _curve(share, x, [metrics["correct_slot_share"][k] for k in keys],
               _intervals(metrics, "correct_slot_share", keys), color=colour, label=label)
    recall.axhline(CHANCE, color="k", linestyle=":", label="chance")
    recall.set_ylim(0.4, 1.02)
    recall.set_ylabel("recall accuracy of list L-1")
    share.set_ylim(0, 1.02)
    share.set_ylabel("index spikes in the recalled item's slot")
    for ax in (recall, share):
        ax.set_xlabel("list length (items)")
        ax.legend(fontsize=8)
    _save(fig, path)
