"""Decoding of retrieval windows: value estimates (dual-rail bits, ring angles), recall accuracy,
slot competition, the key-match signal and read-out latencies."""

from __future__ import annotations

import numpy as np

from neuro_kv.neurons import rail_counts, rail_layout

__all__ = [
    "angular_error_deg",
    "decode_dual_rail",
    "first_spike",
    "binned_means",
    "fit_softmax_beta",
    "key_match_signal",
    "most_active",
    "population_vector_deg",
    "recall_accuracy",
    "settling_time",
    "slot_competition",
    "slot_share",
]


def decode_dual_rail(
    counts: np.ndarray, n_entries: int, copies: int, rng: np.random.Generator
) -> np.ndarray:
    """+/-1 estimates (windows x entries) from dual-rail spike counts (windows x neurons).

    Entry j is +1 if its +1 rail fired more than its -1 rail, -1 if less; a tie (for example
    a silent cortex) is a guess drawn from ``rng``.
    """
    rails = rail_counts(counts, n_entries, copies)
    difference = rails[..., 0] - rails[..., 1]
    guesses = rng.choice([-1.0, 1.0], size=difference.shape)
    return np.where(difference == 0, guesses, np.sign(difference))


def recall_accuracy(estimates: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Fraction of correct entries per retrieved item."""
    return (estimates == targets).mean(axis=1)


def slot_share(index_counts: np.ndarray, correct_slots: list[tuple[int, ...]]) -> np.ndarray:
    """Share of each window's index spikes (windows x slots) in its item's slots (0 for a
    silent index or an item with no slot)."""
    totals = index_counts.sum(axis=1)
    in_correct = np.array([index_counts[k, list(slots)].sum() if slots else 0.0
                           for k, slots in enumerate(correct_slots)])
    return np.divide(in_correct, totals, out=np.zeros_like(totals), where=totals > 0)


def slot_competition(
    index_counts: np.ndarray, correct_slots: list[tuple[int, ...]], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Winner per query (`most_active`), hit (winner among the item's slots), share of index
    spikes in them (`slot_share`).

    ``index_counts`` is windows x slots; an item with no slot (never written or overwritten)
    is a miss. A query with a silent index has winner -1.
    """
    winners = most_active(index_counts, rng)
    hits = np.array([w in slots for w, slots in zip(winners, correct_slots, strict=True)],
                    dtype=bool)
    return {"winners": winners, "hits": hits,
            "correct_fraction": slot_share(index_counts, correct_slots)}


def most_active(counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The most active slot per window (windows x slots), a tie broken at random (a few
    spikes per slot make ties common; argmax would favour low slot numbers); -1 if silent."""
    winners = np.full(len(counts), -1)
    for k, row in enumerate(counts):
        if row.max() > 0:
            winners[k] = rng.choice(np.flatnonzero(row == row.max()))
    return winners


def population_vector_deg(counts: np.ndarray) -> np.ndarray:
    """Population-vector angle (degrees in [0, 360)) of ring counts (windows x entries);
    NaN for a silent ring."""
    preferred = np.arange(counts.shape[1]) * 2 * np.pi / counts.shape[1]
    x, y = counts @ np.cos(preferred), counts @ np.sin(preferred)
    angle = np.rad2deg(np.arctan2(y, x)) % 360
    return np.where(counts.sum(axis=1) > 0, angle, np.nan)


def angular_error_deg(estimate: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The absolute angular difference ``|estimate - target|``, wrapped to [0, 180] degrees."""
    return np.abs((np.asarray(estimate) - np.asarray(target) + 180) % 360 - 180)


def key_match_signal(input_spikes: tuple[np.ndarray, np.ndarray], key_weights: np.ndarray,
                     starts: np.ndarray, duration: float) -> np.ndarray:
    """Peak over slots of ``sum_i w_ij n_i`` in [start, start + duration) for each window.

    ``input_spikes``: (neuron indices, times in s); ``key_weights``: input x slots.
    """
    indices, times = input_spikes
    signals = np.empty(len(starts))
    for k, start in enumerate(starts):
        inside = (times >= start) & (times < start + duration)
        counts = np.bincount(indices[inside], minlength=key_weights.shape[0])
        signals[k] = float((counts @ key_weights).max())
    return signals


def settling_time(times: np.ndarray, neurons: np.ndarray, start: float, stop: float,
                  n_entries: int, copies: int, agreement: float, step: float = 1e-3
                  ) -> float:
    """Seconds after ``start`` from which the dual-rail read-out of the cortical spikes so
    far agrees with the window's final read-out on >= ``agreement`` of the entries (NaN if
    the cortex is silent). A silent entry counts as disagreeing."""
    inside = (times >= start) & (times < stop)
    times, neurons = times[inside] - start, neurons[inside]
    if len(times) == 0:
        return float("nan")
    entries, rails = rail_layout(n_entries, copies)
    rail = 1.0 - 2.0 * rails[neurons]
    entry = entries[neurons]
    final = np.sign(np.bincount(entry, rail, minlength=n_entries))
    grid = np.arange(step, stop - start + step / 2, step)
    settled = float("nan")
    for t in grid[::-1]:  # walk back while the read-out still agrees
        so_far = np.sign(np.bincount(entry[times < t], rail[times < t], minlength=n_entries))
        if np.mean((so_far == final) & (final != 0)) < agreement:
            break
        settled = t
    return settled


def first_spike(times: np.ndarray, start: float, stop: float) -> float:
    """Seconds from ``start`` to the first of ``times`` in [start, stop); NaN if none."""
    inside = times[(times >= start) & (times < stop)]
    return float(inside.min() - start) if len(inside) else float("nan")


def fit_softmax_beta(matches: np.ndarray, shares: np.ndarray) -> float:
    """The inverse temperature beta whose softmax(beta * match) best explains the measured
    slot shares (windows x slots; cross-entropy, windows with a silent index left out)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    spoken = shares.sum(axis=1) > 0
    matches, shares = matches[spoken], shares[spoken]
    if not len(shares):
        return float("nan")

    def loss(log_beta: float) -> float:
        return float(-(shares * log_softmax(np.exp(log_beta) * matches, axis=1)).sum())

    return float(np.exp(minimize_scalar(loss, bounds=(-5, 8), method="bounded").x))


def binned_means(x: np.ndarray, values: np.ndarray, edges: np.ndarray) -> dict[str, float]:
    """Mean of ``values`` in each bin of ``x`` (bins between ``edges``; the outer bins are
    open), keyed by the bin centre to one decimal; empty bins left out."""
    which = np.digitize(np.ravel(x), edges[1:-1])
    centres = (edges[:-1] + edges[1:]) / 2
    values = np.ravel(values)
    return {f"{centres[b]:.1f}": float(values[which == b].mean()) for b in np.unique(which)}
