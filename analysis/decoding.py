"""Decoding of retrieval windows: value estimates, recall accuracy and slot competition."""

from __future__ import annotations

import numpy as np

__all__ = [
    "decode_dual_rail",
    "recall_accuracy",
    "slot_competition",
]


def decode_dual_rail(
    counts: np.ndarray, n_entries: int, copies: int, rng: np.random.Generator
) -> np.ndarray:
    """+/-1 estimates (windows x entries) from dual-rail spike counts (windows x neurons).

    Entry j is +1 if its +1 rail fired more than its -1 rail, -1 if less; a tie (for example
    a silent cortex) is a guess drawn from ``rng``.
    """
    rails = counts.reshape(counts.shape[0], n_entries, 2, copies).sum(axis=3)
    difference = rails[:, :, 0] - rails[:, :, 1]
    guesses = rng.choice([-1.0, 1.0], size=difference.shape)
    return np.where(difference == 0, guesses, np.sign(difference))


def recall_accuracy(estimates: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Fraction of correct entries per retrieved item."""
    return (estimates == targets).mean(axis=1)


def slot_competition(
    index_counts: np.ndarray, correct_slots: list[tuple[int, ...]]
) -> dict[str, np.ndarray]:
    """Winner per query, hit (winner among the item's slots), share of index spikes in them.

    ``index_counts`` is windows x slots; an item with no slot (never written or overwritten)
    is a miss. A query with a silent index has winner -1.
    """
    winners = np.where(index_counts.sum(axis=1) > 0, index_counts.argmax(axis=1), -1)
    hits = np.array([w in slots for w, slots in zip(winners, correct_slots, strict=True)],
                    dtype=bool)
    totals = index_counts.sum(axis=1)
    in_correct = np.array([index_counts[k, list(slots)].sum() if slots else 0.0
                           for k, slots in enumerate(correct_slots)])
    fraction = np.divide(in_correct, totals, out=np.zeros_like(totals), where=totals > 0)
    return {"winners": winners, "hits": hits, "correct_fraction": fraction}
