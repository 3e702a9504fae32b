"""ensemble-capacity: the grid runs through the engine and is summarised per model, size and
load; C(criterion) and its interval follow the capacity protocol's definition."""

from __future__ import annotations

import pytest

import neuro_kv
from neuro_kv.parameters import ParameterError
from neuro_kv.protocols.ensemble_capacity import summarise


def test_summary_per_model_size_and_load_on_hand_made_records():
    p = {"sizes": (100,), "loads": (2, 4, 8), "criterion": 0.98}
    recall = {2: (1.0, 1.0), 4: (0.99, 0.97), 8: (0.9, 0.95)}
    records = [{"model": "kv_ensemble", "size": 100, "load": load, "seed": seed,
                "recall": values[seed], "ensemble_size": 3.0, "overlap_ratio": 1.0}
               for load, values in recall.items() for seed in (0, 1)]
    summary = summarise(records, p)
    table = summary["recall"]["kv_ensemble"]["100"]
    assert table["4"]["recall"] == pytest.approx(0.98)
    assert table["8"]["recall_ci"][0] < 0.925 < table["8"]["recall_ci"][1]
    # 0.98 reached at loads 2 and 4 (mean), not at 8
    assert summary["capacity"]["kv_ensemble"]["100"]["C"] == 4
    assert not summary["capacity"]["kv_ensemble"]["100"]["C_is_lower_bound"]


def test_a_small_grid_runs_and_reports_the_rate_reference_beside_it():
    metrics = neuro_kv.run("ensemble-capacity", seed=1, sizes=(1000,), loads=(2,),
                           n_seeds=2, models=("kv_ensemble",)).metrics
    assert set(metrics["recall"]) == {"kv_ensemble", "rate_ensemble"}
    assert metrics["spiking_runs"] == 2
    # two items in 1,000 neurons: recalled (measured 1.0 at seeds 1-20)
    assert metrics["recall"]["kv_ensemble"]["1000"]["2"]["recall"] >= 0.95


def test_an_empty_grid_is_refused_by_name():
    with pytest.raises(ParameterError, match="'loads'"):
        neuro_kv.run("ensemble-capacity", seed=1, loads=())
