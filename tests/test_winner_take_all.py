"""The kv-index read-out is a sharp, tunable spiking winner-take-all: from 20 ms after cue
onset one slot (its latch) holds the index's spikes and the others are silent; the latch is
released in the gap; at sharpness 0 (no latch, no recurrent inhibition) similar slots share
the spikes; with each window's onset resetting the slots (``onset_reset`` = 1) the race starts
within 20 ms of cue onset (at the default 0, the previous window's inhibition delays the first
spike to 28 ms).
Measured on the real circuit, seeds 1-4 in one batch (README, "Read-out")."""

from __future__ import annotations

import numpy as np

import neuro_kv
from neuro_kv.analysis.decoding import first_spike
from neuro_kv.engine import RunRequest, run_requests


def _late_share(result, start_after: float) -> tuple[np.ndarray, np.ndarray]:
    """Per retrieval window: the winner's share of the index spikes from ``start_after`` s
    after onset, and index spikes in the gap that follows."""
    shares, gap_spikes = [], []
    gap = float(result.parameters["gap"])
    for _, _, start, stop in result.schedule.windows("retrieve"):
        whole = result.spikes.counts("index", [(start, stop)])[0]
        late = result.spikes.counts("index", [(start + start_after, stop)])[0]
        shares.append(late[whole.argmax()] / max(late.sum(), 1))
        gap_spikes.append(result.spikes.counts("index", [(stop + 0.02, stop + gap)])[0].sum())
    return np.array(shares), np.array(gap_spikes)


def test_one_slot_holds_the_index_from_20_ms_and_the_latch_is_released_in_the_gap():
    runs = neuro_kv.run_many("paired-recall", seeds=range(1, 5), n_items=20)
    shares, gaps = zip(*(_late_share(r, 0.02) for r in runs), strict=True)
    shares, gaps = np.concatenate(shares), np.concatenate(gaps)
    assert np.mean(shares) >= 0.97, np.mean(shares)  # measured 0.997
    assert np.quantile(shares, 0.1) >= 0.9
    assert np.mean(gaps) <= 0.5  # no slot keeps firing into the next window


def test_the_race_starts_within_20_ms_when_each_window_starts_afresh():
    """Median first index spike after cue onset, seeds 1-4, 20 items, with the onset reset
    and without it (the default; one batch; measured 12.4 and 28.0 ms)."""
    requests = [RunRequest("paired-recall", seed, {"n_items": 20, "onset_reset": reset})
                for reset in (1.0, 0.0) for seed in range(1, 5)]
    results = run_requests(requests)
    latency = {}
    for reset in (1.0, 0.0):
        found = [first_spike(r.spikes.population("index")[1], start, stop)
                 for r in results if r.parameters["onset_reset"] == reset
                 for _, _, start, stop in r.schedule.windows("retrieve")]
        latency[reset] = 1e3 * float(np.nanmedian(found))
    assert latency[1.0] <= 20.0, latency
    assert latency[0.0] >= latency[1.0] + 8.0, latency


def test_sharpness_moves_the_read_out_from_a_blend_to_one_winner():
    runs = neuro_kv.run_many("separability-robustness", seeds=range(1, 5),
                             sharpness_levels="0,1", noise_levels="0")
    soft = np.mean([r.metrics["blend_grid"]["0"]["0"] for r in runs])
    hard = np.mean([r.metrics["blend_grid"]["1"]["0"] for r in runs])
    assert soft >= 0.05, soft  # seeds 1-20: 0.129
    assert hard <= 0.02, hard  # seeds 1-20: 0.000
