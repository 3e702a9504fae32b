"""kv-ensemble's own practice credit in Brian2 against numpy: at a practice window's onset
each cortical neuron given feedback sends its feedback sign back through its value synapses
once, and an index neuron's mismatch is its value weight on the contradicted rails over its
value weight on the rails given feedback (fixed weights and feedback, 3 windows)."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import Clock, Network, NeuronGroup, TimedArray, defaultclock, ms, prefs, set_device

from neuro_kv.circuits.kv_ensemble import (
    CREDIT_EVENT,
    CREDIT_PATHWAY,
    CREDIT_SENT_ONSET,
    MISMATCH,
    OWN_CREDIT_ONSET,
)
from neuro_kv.devices import quiet_brian
from neuro_kv.plasticity import value_rate_hebbian

WINDOW = 10 * ms
N_INDEX, N_CORTEX = 6, 8


@pytest.fixture(autouse=True)
def numpy_runtime():
    quiet_brian()
    set_device("runtime")
    prefs.codegen.target = "numpy"
    defaultclock.dt = 0.1 * ms


def test_own_credit_is_each_neurons_value_weight_on_the_contradicted_rails():
    rng = np.random.default_rng(3)
    weights = rng.random((N_INDEX, N_CORTEX)) * (rng.random((N_INDEX, N_CORTEX)) < 0.7)
    weights[0] = 0.0  # a neuron that stored nothing: no weight, mismatch 0
    feedback = [rng.choice([-1.0, 1.0], N_CORTEX), rng.choice([-1.0, 0.0, 1.0], N_CORTEX),
                np.zeros(N_CORTEX)]  # a practice window, another, a retrieval window
    onset_level = TimedArray(np.ones((3, 1)), dt=WINDOW)  # every window starts afresh
    index = NeuronGroup(N_INDEX, MISMATCH["own"] + "\nonset : 1", threshold="False",
                        name="credit_index")  # it never spikes: no value transmission
    index.run_regularly("onset = onset_level(t, 0)" + OWN_CREDIT_ONSET,
                        clock=Clock(WINDOW, name="credit_index_clock"), when="start")
    cortex = NeuronGroup(N_CORTEX, "feedback_sign : 1\ncredit_sent : 1\nmodulator : 1\n"
                         "eta_value : 1\nactivity : 1\nreplica : integer",
                         events={"credit": CREDIT_EVENT}, name="credit_cortex")
    cortex.run_on_event("credit", "credit_sent = 1")
    cortex.run_regularly(CREDIT_SENT_ONSET, clock=Clock(WINDOW, name="credit_cortex_clock"),
                         when="start")
    values = value_rate_hebbian().synapses(index, cortex, name="credit_values",
                                           post_events={"credit": CREDIT_PATHWAY})
    values.connect()
    values.w = weights[values.i[:], values.j[:]]
    network = Network(index, cortex, values)
    for signs in feedback:
        cortex.feedback_sign = signs
        network.run(WINDOW, namespace={"onset_level": onset_level})
        given = weights @ (signs != 0)
        expected = np.divide(weights @ (signs < 0), given + 1e-9)
        np.testing.assert_allclose(index.mismatch[:], expected, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(index.feedback_weight[:], given, rtol=1e-9)  # sent once
    assert index.mismatch[0] == 0.0
