"""Circuits own their schedule vocabulary: a schedule may set only the controls its circuit
declares, in the shape it declares; anything else is refused by name before a network is
built."""

import numpy as np
import pytest

import neuro_kv.engine
import neuro_kv.preparation
from neuro_kv.circuits.hopfield import HopfieldCircuit
from neuro_kv.circuits.kv_index import CONTROLS, KVIndexCircuit
from neuro_kv.parameters import ParameterError
from neuro_kv.preparation import RunRequest, plan_run
from neuro_kv.protocols.paired_recall import PairedRecall
from neuro_kv.schedule import Phase, Schedule, check_controls, members


def one_phase(**controls) -> Schedule:
    schedule = Schedule(window=0.1, gap=0.05, step=0.05, n_input=2, n_value=2)
    schedule.add(Phase("retrieve", 0, cue=np.zeros(2), controls=controls))
    return schedule


def test_an_undeclared_control_is_refused_by_name():
    with pytest.raises(ParameterError, match="'latch_gain'.*not declared by circuit "
                                             "'hopfield'; its controls: none"):
        check_controls(one_phase(latch_gain=0.5), HopfieldCircuit.controls, "hopfield", {})
    with pytest.raises(ParameterError, match="'lach_gain'.*not declared.*latch_gain"):
        check_controls(one_phase(lach_gain=0.5), CONTROLS, "kv-index", {"n_slots": 4})


def test_a_control_in_the_wrong_shape_is_refused():
    p = {"n_slots": 4}
    with pytest.raises(ParameterError, match="'plateau'.*members in \\[0, 3\\]"):
        check_controls(one_phase(plateau=1.0), CONTROLS, "kv-index", p)
    with pytest.raises(ParameterError, match="'plateau'.*members in \\[0, 3\\]"):
        check_controls(one_phase(plateau=members([4])), CONTROLS, "kv-index", p)
    with pytest.raises(ParameterError, match="'reentry'.*expected a number"):
        check_controls(one_phase(reentry=members([0])), CONTROLS, "kv-index", p)
    check_controls(one_phase(plateau=members([3]), reentry=0.5), CONTROLS, "kv-index", p)


class LatchingPairedRecall(PairedRecall):
    """paired-recall with a control that only kv-index declares."""

    def schedule(self, p, patterns):
        schedule = super().schedule(p, patterns)
        schedule.phases[-1] = Phase("retrieve", 0, cue=schedule.phases[-1].cue,
                                    controls={"latch_gain": 0.0})
        return schedule


def test_a_run_whose_schedule_uses_an_undeclared_control_is_refused_before_building(
        monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a network was built for a refused schedule")

    monkeypatch.setattr(neuro_kv.preparation, "get_protocol", lambda name: (
        LatchingPairedRecall()))
    monkeypatch.setattr(neuro_kv.engine, "run_batch", refuse)
    with pytest.raises(ParameterError, match="'latch_gain'.*circuit 'hopfield'"):
        plan_run(RunRequest("paired-recall", 1, {"n_items": 2}, "hopfield"), "numpy")
    (failure,) = neuro_kv.engine.run_requests(
        [RunRequest("paired-recall", 1, {"n_items": 2}, "hopfield")], device="numpy")
    assert failure.status == "invalid" and "latch_gain" in failure.error
    # the same schedule on the circuit that declares it is planned
    planned = plan_run(RunRequest("paired-recall", 1, {"n_items": 2}, "kv-index"), "numpy")
    assert planned.schedule.phases[-1].controls == {"latch_gain": 0.0}


def test_every_declared_control_has_a_stimulus_in_its_circuit():
    from neuro_kv.circuits.kv_index import STIMULI

    assert {f"{c.name}_level" for c in KVIndexCircuit.controls} <= set(STIMULI)
