"""Figures: a raster of all populations with phases shaded, and learned weight matrices."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import neo  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from analysis.spiketrains import population_trains  # noqa: E402

__all__ = ["raster_figure", "weights_figure", "dual_rail_difference"]

PHASE_COLOURS = {"encode": "tab:orange", "retrieve": "tab:blue", "stimulate": "tab:green"}


def raster_figure(segment: neo.Segment, populations: tuple[str, ...],
                  windows: list[tuple[str, float, float]], path: Path) -> None:
    """Spike raster, one equal-height band per population (bottom-up, neuron count in the
    label), windows (kind, start, stop in s) shaded."""
    fig, ax = plt.subplots(figsize=(12, 6))
    ticks = []
    for band, population in enumerate(populations):
        trains = population_trains(segment, population)
        times = [st.magnitude for st in trains]
        rows = [np.full(len(t), band + (k + 0.5) / len(trains)) for k, t in enumerate(times)]
        if times:
            ax.scatter(np.concatenate(times), np.concatenate(rows), s=0.5, c="k",
                       marker=".", linewidths=0, rasterized=True)
        ticks.append((band + 0.5, f"{population}\n({len(trains)})"))
        ax.axhline(band + 1, color="0.6", linewidth=0.5)
    for kind, start, stop in windows:
        ax.axvspan(start, stop, color=PHASE_COLOURS.get(kind, "0.8"), alpha=0.12, lw=0)
    shown = {kind for kind, _, _ in windows}
    handles = [Patch(color=colour, alpha=0.3, label=kind)
               for kind, colour in PHASE_COLOURS.items() if kind in shown]
    ax.set_yticks([t for t, _ in ticks], [name for _, name in ticks])
    ax.set_ylim(0, len(populations))
    ax.set_xlim(0, float(segment.spiketrains[0].t_stop.magnitude) if segment.spiketrains else 1)
    ax.set_xlabel("time (s)")
    ax.legend(handles=handles, loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def dual_rail_difference(matrix: np.ndarray, n_entries: int, copies: int,
                         axis: int) -> np.ndarray:
    """Mean weight of the +1 rail minus the -1 rail per entry, along ``axis`` of ``matrix``."""
    moved = np.moveaxis(matrix, axis, -1)
    rails = moved.reshape(*moved.shape[:-1], n_entries, 2, copies).mean(axis=-1)
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
