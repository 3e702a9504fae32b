"""Statistics over seeds against hand-computed values (no simulation)."""

from __future__ import annotations

import numpy as np
import pytest

from neuro_kv.analysis.batch import combine_metrics, settings_of
from neuro_kv.analysis.statistics import (
    auc,
    first_crossing,
    pooled_auc,
    seed_interval,
    slope,
    t_interval,
)
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


def test_combine_metrics_gives_seed_intervals_key_by_key_and_settings_without():
    runs = [{"a": 1.0, "d": {"x": 0.0}, "list": [1], "n_items": 4},
            {"a": 3.0, "d": {"x": 2.0}, "list": [2], "n_items": 4},
            {"a": 2.0, "d": {"x": 1.0}, "list": [3], "n_items": 4}]
    settings = settings_of(runs, {"n_items": 4, "window": 0.1})
    assert settings == {"n_items": 4}
    combined = combine_metrics(runs, set(settings))
    assert combined["n_seeds"] == 3 and combined["a"] == 2.0 and combined["d"] == {"x": 1.0}
    assert list(combined["a_ci"]) == list(seed_interval(np.array([1.0, 3.0, 2.0])))
    assert list(combined["d_ci"]["x"]) == list(seed_interval(np.array([0.0, 2.0, 1.0])))
    assert combined["n_items"] == 4 and "n_items_ci" not in combined
    assert "list" not in combined


@pytest.mark.parametrize("values", [
    [1.0] * 19 + [0.98],             # recall near its ceiling: t passes 1, this may not
    [0.0, 0.0, 0.0, 0.05],           # near the floor
    [0.3, 0.9, 0.5, 0.7, 0.6, 0.1],
    [2.0, 2.0, 2.0],                 # no spread
    [5.0],
])
def test_seed_intervals_stay_within_the_values_and_hold_the_mean(values):
    low, high = seed_interval(np.array(values))
    assert min(values) <= low <= np.mean(values) <= high <= max(values)
    assert seed_interval(np.array(values)) == (low, high)  # the same values, the same interval


def test_the_t_interval_leaves_a_fractions_range_where_the_bootstrap_does_not():
    values = np.array([1.0] * 19 + [0.98])
    assert t_interval(values)[1] > 1.0
    low, high = seed_interval(values)
    assert high == 1.0 and 0.99 < low < 0.999


def test_the_bootstrap_interval_covers_like_the_t_interval_on_normal_data():
    """Over 200 draws of 20 normal values, both intervals hold the true mean about 95 % of
    the time (the bootstrap a little less: it is known to undercover slightly at n = 20)."""
    rng = np.random.default_rng(3)
    draws = rng.normal(0.5, 0.1, (200, 20))
    boot = np.mean([seed_interval(d)[0] <= 0.5 <= seed_interval(d)[1] for d in draws])
    t = np.mean([t_interval(d)[0] <= 0.5 <= t_interval(d)[1] for d in draws])
    assert 0.88 <= boot <= 0.99 and 0.9 <= t <= 0.99, (boot, t)
