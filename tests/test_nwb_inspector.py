"""The NWB files a run and a batch write pass the NWB community's checker, `nwbinspector`:
no critical item and no best-practice violation (a subject that says what was simulated,
the spike-time resolution, trials in time order, no dictionaries in table cells)."""

from __future__ import annotations

import warnings

import pytest
from nwbinspector import Importance, inspect_nwbfile

from neuro_kv.analysis.batch import save_batch
from neuro_kv.nwb import read_nwb
from neuro_kv.storage import save_result


def problems(path) -> list[str]:
    """The inspector's critical items and best-practice violations for ``path``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = list(inspect_nwbfile(nwbfile_path=str(path)))
    serious = (Importance.CRITICAL, Importance.BEST_PRACTICE_VIOLATION)
    return [f"{m.importance.name} {m.check_function_name}: {m.message}" for m in found
            if m.importance in serious]


def test_a_stored_run_and_a_stored_batch_pass_nwbinspector(tmp_path, run_cached):
    one = run_cached("paired-recall", 1, n_items=2)
    save_result(one, tmp_path / "run")
    assert problems(tmp_path / "run" / "spikes.nwb") == []
    batch = [run_cached("paired-recall", seed, n_items=2) for seed in (1, 2)]
    save_batch(batch, tmp_path / "batch")
    assert problems(tmp_path / "batch" / "spikes.nwb") == []
    # what the inspector asked for is read back as before: the windows' tags, per run
    stored = read_nwb(tmp_path / "batch" / "spikes.nwb")
    assert [run.seed for run in stored] == [1, 2]
    expected = [dict(phase.tags) for _, phase, _, _ in batch[1].schedule.windows()]
    assert [window.tags for window in stored[1].windows] == expected
    assert [w.start for w in stored[1].windows] == sorted(w.start for w in stored[1].windows)


def test_the_file_says_it_is_a_simulation(tmp_path, run_cached):
    from pynwb import NWBHDF5IO

    save_result(run_cached("paired-recall", 1, n_items=2), tmp_path / "run")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBHDF5IO(str(tmp_path / "run" / "spikes.nwb"), "r") as io:
            nwb = io.read()
            assert "not an animal" in nwb.subject.description
            assert nwb.units.resolution == pytest.approx(1e-4)  # dt = 0.1 ms
            assert "paired-recall" in list(nwb.keywords[:])
