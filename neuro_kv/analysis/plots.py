"""Figures: a raster of all populations with phases shaded, and learned weight matrices."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from neuro_kv.neurons import rail_counts  # noqa: E402
from neuro_kv.results import BOOKKEEPING, RunResult  # noqa: E402
from neuro_kv.spikes import SpikeRecord  # noqa: E402

__all__ = ["raster_figure", "weights_figure", "dual_rail_difference"]

PHASE_COLOURS = {"encode": "tab:orange", "retrieve": "tab:blue", "stimulate": "tab:green"}


def stopped_run_figures(result: RunResult) -> dict[str, Any]:
    """The figures of a run the guard stopped: its raster up to the stop, windows shaded."""
    stop = result.metrics["stopped_at_s"]
    windows = [(phase.kind, start, end) for _, phase, start, end in result.schedule.windows()
               if start < stop]
    return {"raster.png": partial(raster_figure, result.spikes, result.populations, windows)}


def raster_figure(spikes: SpikeRecord, populations: tuple[str, ...],
                  windows: list[tuple[str, float, float]], path: Path) -> None:
    """Spike raster, one equal-height band per population (bottom-up, neuron count in the
    label), windows (kind, start, stop in s) shaded."""
    fig, ax = plt.subplots(figsize=(12, 6))
    ticks = []
    for band, population in enumerate(populations):
        neurons, times = spikes.population(population)
        size = max(spikes.sizes.get(population, 0), 1)
        if len(times):
            ax.scatter(times, band + (neurons + 0.5) / size, s=0.5, c="k", marker=".",
                       linewidths=0, rasterized=True)
        ticks.append((band + 0.5, f"{population}\n({spikes.sizes.get(population, 0)})"))
        ax.axhline(band + 1, color="0.6", linewidth=0.5)
    for kind, start, stop in windows:
        ax.axvspan(start, stop, color=PHASE_COLOURS.get(kind, "0.8"), alpha=0.12, lw=0)
    shown = {kind for kind, _, _ in windows}
    handles = [Patch(color=colour, alpha=0.3, label=kind)
               for kind, colour in PHASE_COLOURS.items() if kind in shown]
    ax.set_yticks([t for t, _ in ticks], [name for _, name in ticks])
    ax.set_ylim(0, len(populations))
    ax.set_xlim(0, spikes.t_stop or 1)
    ax.set_xlabel("time (s)")
    ax.legend(handles=handles, loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def dual_rail_difference(matrix: np.ndarray, n_entries: int, copies: int,
                         axis: int) -> np.ndarray:
    """Mean weight of the +1 rail minus the -1 rail per entry, along ``axis`` of ``matrix``."""
    moved = np.moveaxis(matrix, axis, -1)
    rails = rail_counts(moved, n_entries, copies) / copies  # mean over a rail's neurons
    return np.moveaxis(rails[..., 0] - rails[..., 1], -1, axis)


def weights_figure(panels: dict[str, np.ndarray], path: Path) -> None:
    """One heat map per named matrix (rows = slots), colour range [-1, 1]."""
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.5), squeeze=False)
    for ax, (title, matrix) in zip(axes[0], panels.items(), strict=False):
        image = ax.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto",
                          interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("index slot")
        ax.set_xlabel("pattern entry")
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


#: Line colour per model family in capacity figures (spiking solid, rate dashed).
MODEL_COLOURS = {"kv_sequential": "tab:blue", "kv_random_4_over_n": "tab:orange",
                 "kv_random_0.1": "tab:green", "hopfield": "tab:red",
                 "softmax": "tab:purple", "outer_product": "tab:gray"}


def by_load(table: dict) -> dict[int, object]:
    """A table keyed by load or size, with int keys (JSON turns them into strings)."""
    return {int(key): value for key, value in table.items()}


#: Tyulmankov et al. (2021): capacity per slot of their rate slot memories (sequential about
#: 1.0 N, random p = 0.1 about 0.16 N; p = 4/N grows linearly too) and of the Hopfield
#: network per unit (about 0.14, alpha_c = 0.138)
PAPER_SLOPES = {"kv_sequential": 1.0, "kv_random_0.1": 0.16, "hopfield": 0.14}


def capacity_figure(metrics: dict, n_slots: int, criterion: float, path: Path) -> None:
    """Accuracy against load (mean and 95 % interval over seeds, or the min-max band where no
    interval is given) for every model; capacity C
    against the number of slots for the key-value models and against the number of units for
    the Hopfield models, with bootstrap intervals over seeds, next to Tyulmankov et al.'s
    slopes."""
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(17, 5),
                                                 gridspec_kw={"width_ratios": [2, 1, 1]})
    for model, by_seed in metrics["accuracy_by_seed"].items():
        rate = model.startswith("rate_")
        family = model.removeprefix("rate_")
        by_seed = by_load(by_seed)
        loads = sorted(by_seed)
        runs = [np.asarray(by_seed[load]) for load in loads]
        mean = [r.mean() for r in runs]
        colour = MODEL_COLOURS.get(family, "black")
        left.plot(loads, mean, "--" if rate else "-", color=colour, marker="" if rate else "o",
                  markersize=3, label=f"{model} (C={metrics['capacity'][model]})")
        if model in metrics.get("accuracy_ci", {}):  # 95 % bootstrap interval over seeds
            bounds = by_load(metrics["accuracy_ci"][model])
            low, high = [bounds[load][0] for load in loads], [bounds[load][1] for load in loads]
        else:
            low, high = [r.min() for r in runs], [r.max() for r in runs]
        left.fill_between(loads, low, high, color=colour, alpha=0.08 if rate else 0.2,
                          linewidth=0)
    left.set_xscale("log")
    ticks = sorted({int(load) for by_seed in metrics["accuracy_by_seed"].values()
                    for load in by_seed})
    left.set_xticks(ticks, [str(t) for t in ticks], fontsize=7)
    left.minorticks_off()
    left.axhline(criterion, color="black", linewidth=0.8, linestyle=":")
    left.axvline(n_slots, color="black", linewidth=0.8, linestyle="-.")
    left.set_xlabel("stored pairs (load, log scale)")
    left.set_ylabel("bitwise value recall accuracy")
    left.set_title(f"recall vs load (n_slots = {n_slots}; dotted: criterion {criterion:g}; "
                   "bands: 95 % intervals over seeds)", fontsize=9)
    left.legend(fontsize=7, ncol=2, loc="lower left")
    left.set_ylim(0.4, 1.02)
    intervals = metrics.get("capacity_by_size_ci", {})
    for model, by_size in metrics["capacity_by_size"].items():
        ax = right if "hopfield" in model else middle
        by_size = by_load(by_size)
        sizes = sorted(by_size)
        values = np.array([by_size[size] for size in sizes], dtype=float)
        family = model.removeprefix("rate_")
        rate = model.startswith("rate_")
        style = dict(color=MODEL_COLOURS.get(family, "black"), label=model,
                     linestyle="--" if rate else "-", marker="" if rate else "o")
        if model in intervals:
            bounds = np.array([by_load(intervals[model])[size] for size in sizes])
            ax.errorbar(sizes, values, yerr=[values - bounds[:, 0], bounds[:, 1] - values],
                        capsize=3, **style)
        else:
            ax.plot(sizes, values, **style)
    for ax, models, unit in ((middle, ("kv_sequential", "kv_random_0.1"), "N"),
                             (right, ("hopfield",), "units")):
        sizes = [int(s) for m, v in metrics["capacity_by_size"].items()
                 if (("hopfield" in m) == (ax is right)) for s in v]
        if not sizes:
            continue
        top = max(sizes)
        for model in models:
            ax.plot([0, top], [0, PAPER_SLOPES[model] * top], color=MODEL_COLOURS[model],
                    linewidth=0.8, linestyle=":",
                    label=f"Tyulmankov et al.: {PAPER_SLOPES[model]:g} {unit} ({model})")
    middle.set_xlabel("index slots N (n_input fixed)")
    middle.set_ylabel(f"capacity C({criterion:g})")
    middle.set_title("key-value: capacity follows the slots", fontsize=9)
    right.set_xlabel("memory units (n_input + n_value)")
    right.set_ylabel(f"capacity C({criterion:g})")
    right.set_title("Hopfield: capacity against units", fontsize=9)
    for ax in (middle, right):
        ax.legend(fontsize=6)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


#: sweep-table columns that are identity or bookkeeping, not measured metrics
SWEEP_BOOKKEEPING = {"run_id", "protocol", "circuit", "device", "status", "error",
                     *BOOKKEEPING}


def sweep_figure(table, swept: list[str], positions: dict[str, dict[str, float]],
                 labels: dict[str, str], path: Path) -> None:
    """Each numeric metric (rows) against each swept parameter (columns) of a sweep table
    (pandas): one line per combination of the other swept parameters, mean over seeds with a
    min-max band. ``positions`` maps a numeric parameter's value strings to x positions;
    other parameters are drawn as categories in grid order; ``labels`` name the x axes."""
    done = table[table["status"] == "ok"]
    metrics = [c for c in table.columns
               if c not in SWEEP_BOOKKEEPING and c not in swept and done[c].notna().any()
               and np.issubdtype(done[c].dtype, np.number) and done[c].dtype != bool]
    rows, columns = max(len(metrics), 1), max(len(swept), 1)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.6 * rows),
                                squeeze=False)
    for col, name in enumerate(swept):
        order = list(dict.fromkeys(table[name]))
        x_of = positions.get(name) or {value: k for k, value in enumerate(order)}
        others = [other for other in swept if other != name]
        groups = done.groupby(others, sort=False) if others else [((), done)]
        for row, metric in enumerate(metrics):
            axis = axes[row][col]
            for label, group in groups:
                stats = group.groupby(name, sort=False)[metric].agg(["mean", "min", "max"])
                stats = stats.reindex([v for v in order if v in stats.index])
                x = [x_of[v] for v in stats.index]
                label = ", ".join(f"{o}={v}" for o, v in zip(
                    others, label if isinstance(label, tuple) else (label,), strict=True))
                line, = axis.plot(x, stats["mean"], marker="o", label=label or None)
                axis.fill_between(x, stats["min"], stats["max"], color=line.get_color(),
                                  alpha=0.2, linewidth=0)
            if name not in positions:
                axis.set_xticks(range(len(order)), order)
            axis.set_xlabel(labels.get(name, name) if row == len(metrics) - 1 else "")
            axis.set_ylabel(metric if col == 0 else "")
            if others and row == 0:
                axis.legend(fontsize=6)
    seeds = table["seed"].nunique()
    figure.suptitle(f"sweep: mean over {seeds} seed(s), band min-max", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
