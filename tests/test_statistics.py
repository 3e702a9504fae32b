"""Statistics over seeds against hand-computed values (no simulation)."""

from __future__ import annotations

import numpy as np
import pytest

from neuro_kv.analysis.batch import combine_metrics
from neuro_kv.analysis.statistics import auc, first_crossing, pooled_auc, slope
from neuro_kv.protocols.engram_rescue import half_rescue_gain


def test_pooled_auc_pools_trials_and_resamples_runs():
    # run 1: its positives above its negatives; run 2: below
    positives, negatives = [[3.0, 4.0], [0.0]], [[1.0, 2.0], [5.0]]
    value, (low, high) = pooled_auc(positives, negatives, seed=0)
    # pooled positives (3, 4, 0) against negatives (1, 2, 5): 2 + 2 + 0 wins of 9 pairs
    assert value == pytest.approx(4 / 9)
    assert value == pytest.approx(auc(np.array([3.0, 4, 0]), np.array([1.0, 2, 5])))
    assert low < value < high  # whole runs resampled: both extremes are drawn
    assert pooled_auc([[1.0]], [[0.0]], seed=0) == (1.0, (1.0, 1.0))  # one run: no spread


def test_slope_and_first_crossing():
    assert slope([0, 1, 2, 3], [1.0, 3.0, 5.0, np.nan]) == pytest.approx(2.0)  # NaN skipped
    assert np.isnan(slope([1, 1], [0.0, 1.0]))
    assert first_crossing([1.0, 1.5, 2.0], [0.5, 0.7, 0.9], 0.8) == pytest.approx(1.75)
    assert first_crossing([1.0, 2.0], [0.9, 1.0], 0.8) == 1.0
    assert np.isnan(first_crossing([1.0, 2.0], [0.1, 0.2], 0.8))
    # the paper's Fig. 3B (9.1 % at beta 1 to 99.5 %): half-way (54.3 %) at beta 1.196
    paper = {1.0: 9.1, 1.1: 28.7, 1.2: 55.5, 1.3: 77.7, 1.9: 99.5}
    assert half_rescue_gain(paper, 99.5) == pytest.approx(1.1955, abs=1e-4)


def test_combine_metrics_gives_t_intervals_key_by_key():
    runs = [{"a": 1.0, "d": {"x": 0.0}, "list": [1]}, {"a": 3.0, "d": {"x": 2.0}, "list": [2]}]
    combined = combine_metrics(runs)
    assert combined["n_seeds"] == 2 and combined["a"] == 2.0 and combined["d"] == {"x": 1.0}
    low, high = combined["a_ci"]  # mean 2, sem 1, t(0.975, 1 dof) = 12.706
    assert (low, high) == pytest.approx((2 - 12.706, 2 + 12.706), abs=1e-3)
    assert combined["d_ci"]["x"] == pytest.approx([1 - 12.706, 1 + 12.706], abs=1e-3)
    assert "list" not in combined
