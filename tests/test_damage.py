"""Synapse damage in ``kv-index`` (``synapse_damage`` on): the scheduled operation that
silences a fraction of the key and value synapses and adds weight noise, in Brian2 against a
numpy reference of the same counter-based draws."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, TimedArray, ms, prefs, set_device

import neuro_kv
from neuro_kv import plasticity
from neuro_kv.circuits.kv_index import SYNAPSE_NUMBER, key_retention, synapse_numbers
from neuro_kv.devices import quiet_brian
from neuro_kv.parameters import ParameterError
from neuro_kv.random_stream import STREAMS, kept, normal_numpy, scaled_normal, uniform_numpy

STEP = 1 * ms
N_PRE, N_POST, SEED = 30, 4, 12345


@pytest.fixture(autouse=True)
def numpy_runtime():
    quiet_brian()
    set_device("runtime")
    prefs.codegen.target = "numpy"


def damaged_key_weights(w0: np.ndarray, pending: float, loss: float, noise: float
                        ) -> np.ndarray:
    """Key weights (pre x post) after the damage operation at step 0, in Brian2; the
    synapses have a lazily pending decay ``pending`` (the slot's integral since they last
    caught up)."""
    namespace = {
        "key_retention_level": TimedArray(np.ones((2, N_POST)), dt=STEP),
        "synapse_loss_level": TimedArray(np.array([[loss], [0.0]]), dt=STEP),
        "weight_noise_level": TimedArray(np.array([[noise], [0.0]]), dt=STEP),
        "kept": kept, "scaled_normal": scaled_normal}
    source = NeuronGroup(N_PRE, "v : 1", threshold="False")
    target = NeuronGroup(N_POST, "key_decay : 1\nmodulator : 1\ntag : 1\neta_key : 1\n"
                         "seed : integer\nreplica : integer")
    target.seed, target.key_decay = SEED, pending
    rule = plasticity.key_three_factor()
    synapses = rule.synapses(source, target, extra_model=SYNAPSE_NUMBER, namespace=namespace)
    synapses.connect()
    synapses.synapse_number = synapse_numbers(synapses, N_PRE, N_POST)
    i, j = np.asarray(synapses.i[:]), np.asarray(synapses.j[:])
    synapses.w = w0[i, j]
    synapses.run_regularly(key_retention(rule, metaplastic=False, damage=True), dt=STEP,
                           when="start")
    Network(source, target, synapses).run(STEP)
    w = np.zeros((N_PRE, N_POST))
    w[i, j] = np.asarray(synapses.w[:])
    return w


def reference(w0: np.ndarray, pending: float, loss: float, noise: float) -> np.ndarray:
    """The same operation in numpy: catch up the decay, silence, add noise, clip."""
    number = np.arange(N_PRE)[:, None] * N_POST + np.arange(N_POST)[None, :]
    draw = uniform_numpy(SEED, number, 0, STREAMS["key_loss"])
    w = w0 * np.exp(-pending) * ((draw >= loss) | (loss == 0))
    return np.clip(w + noise * normal_numpy(SEED, number, 0, STREAMS["key_weight_noise"]),
                   0, 1)


def test_damage_silences_the_drawn_synapses_and_adds_the_drawn_noise():
    w0 = np.random.default_rng(1).uniform(0.2, 0.9, (N_PRE, N_POST))
    for loss, noise in ((0.5, 0.0), (0.0, 0.2), (0.25, 0.1), (0.0, 0.0)):
        brian = damaged_key_weights(w0, 0.3, loss, noise)
        np.testing.assert_allclose(brian, reference(w0, 0.3, loss, noise), rtol=0,
                                   atol=1e-12)
    silenced = damaged_key_weights(w0, 0.0, 0.5, 0.0) == 0
    assert 0.4 < silenced.mean() < 0.6  # 120 synapses, half silenced
    assert not (damaged_key_weights(w0, 0.0, 0.0, 0.0) == 0).any()
    assert (damaged_key_weights(w0, 0.0, 1.0, 0.0) == 0).all()
    moved = damaged_key_weights(w0, 0.0, 0.0, 0.1) - w0
    assert 0.07 < moved.std() < 0.13  # noise of standard deviation 0.1


def test_a_schedule_that_damages_synapses_needs_synapse_damage_on():
    with pytest.raises(ParameterError, match="synapse_damage"):
        neuro_kv.run("redundancy", seed=1, ks="1", losses="0", synapse_losses="0,0.5",
                     weight_noises="0", load_fractions="1", synapse_damage="off")
