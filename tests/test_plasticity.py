"""Each plasticity rule in Brian2 against its numpy reference, on fixed spike trains.

Spike trains: random Poisson-like trains plus edge cases (simultaneous pre and post spikes,
spikes one step apart, spikes on gate changes). Gates switch every 10 ms between random
levels, with stretches where the modulator or the tag is 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from brian2 import (
    Hz,
    Network,
    NeuronGroup,
    SpikeGeneratorGroup,
    StateMonitor,
    TimedArray,
    defaultclock,
    ms,
    prefs,
    second,
    set_device,
)

from neuro_kv import plasticity
from neuro_kv.circuits.kv_ensemble import KEY_RULE as KV_ENSEMBLE_KEY_RULE
from neuro_kv.devices import quiet_brian

from . import reference_rules as ref

DT = 0.1 * ms
GATE_STEP = 10 * ms
STEPS = 3000  # 300 ms
N_PRE, N_POST = 5, 3
GATE_ROWS = int(STEPS * DT / GATE_STEP)


@pytest.fixture(autouse=True)
def numpy_runtime():
    quiet_brian()
    set_device("runtime")
    prefs.codegen.target = "numpy"
    defaultclock.dt = DT


def spike_trains(n: int, rate_per_step: float, seed: int) -> np.ndarray:
    """steps x n booleans: random spikes plus fixed edge cases."""
    rng = np.random.default_rng(seed)
    spikes = rng.random((STEPS, n)) < rate_per_step
    spikes[[100, 101, 1000, 2000], 0] = True  # one step apart; on a gate change
    spikes[[500, 1500], :] = True  # all neurons together
    return spikes


def gates(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Modulator (gate rows) and tags (gate rows x N_POST), with off stretches."""
    rng = np.random.default_rng(seed)
    modulator = rng.choice([0.0, 0.5, 1.0], size=GATE_ROWS)
    modulator[:3] = 1.0
    modulator[20:24] = 0.0
    tag = (rng.random((GATE_ROWS, N_POST)) < 0.6).astype(float)
    tag[:3] = 1.0
    tag[:, 2] = 0.0  # the last postsynaptic neuron is never tagged
    return modulator, tag


def per_step(rows: np.ndarray) -> np.ndarray:
    return np.repeat(rows, int(round(GATE_STEP / DT)), axis=0)


#: the postsynaptic neuron the rules read (its gates, rates and traces), as a circuit has it
TARGET_MODEL = """
dkey_decay/dt = clip(modulator, 0, 1) * tag / tau_key_decay : 1
dkey_stable_decay/dt = stabilising * clip(modulator, 0, 1) * tag / tau_key_decay : 1
stabilising : 1
stability_threshold : 1 (constant)
dactivity/dt = -activity / tau_trace : 1
tag : 1
modulator : 1
eta_key : 1 (constant)
tau_key_decay : second (constant)
eta_value : 1 (constant)
stdp_a_plus : 1 (constant)
stdp_a_minus : 1 (constant)
key_write : 1
dretrieval_activity/dt = -retrieval_activity / tau_retrieval : 1
dpractice_decay/dt = clip(practice, 0, 1) * eta_key_plus * int(retrieval_activity >= theta_ltp)
                     / tau_key_plus : 1
practice : 1
mismatch : 1
eta_key_plus : 1 (constant)
eta_key_minus : 1 (constant)
theta_ltd : 1 (constant)
theta_ltp : 1 (constant)
"""
#: the spike trace the non-monotonic key rule reads, and its decay's time constant
TAU_RETRIEVAL = 50 * ms
TAU_KEY_PLUS = 30 * ms


def simulate_rule(rule: plasticity.SynapticRule, pre: np.ndarray, post: np.ndarray,
                  modulator: np.ndarray, tag: np.ndarray, w0: np.ndarray,
                  with_stability: bool = False, **post_values) -> Any:
    """Brian2 weight trajectory (steps x N_PRE x N_POST), recorded at the end of each step
    (the key rules' lazily decayed weights brought up to date); with ``with_stability``
    also the final ``stable`` (N_PRE x N_POST) of a metaplastic rule."""
    steps, indices = np.nonzero(pre)
    source = SpikeGeneratorGroup(N_PRE, indices, steps * DT)
    post_on = TimedArray(post.astype(float), dt=DT)
    modulator_level = TimedArray(modulator, dt=GATE_STEP)
    tag_level = TimedArray(tag, dt=GATE_STEP)
    target = NeuronGroup(N_POST, TARGET_MODEL, threshold="post_on(t, i) > 0.5",
                         reset="activity = 1\nretrieval_activity += 1",
                         method="exponential_euler",
                         namespace={"post_on": post_on, "modulator_level": modulator_level,
                                    "tag_level": tag_level, "tau_trace": 20 * ms,
                                    "tau_retrieval": TAU_RETRIEVAL,
                                    "tau_key_plus": TAU_KEY_PLUS})
    target.run_regularly("modulator = modulator_level(t)\ntag = tag_level(t, i)\n"
                         "stabilising = int(eta_key * modulator * tag > stability_threshold)\n"
                         "key_write = eta_key * clip(modulator, 0, 1) * tag\n"
                         "practice = modulator\nmismatch = tag",
                         dt=GATE_STEP, when="start")
    target.tau_key_decay = 25 * ms
    for name, value in post_values.items():
        setattr(target, name, value)
    synapses = rule.synapses(source, target)
    synapses.connect()
    synapses.w[:] = w0[np.asarray(synapses.i[:]), np.asarray(synapses.j[:])]
    lazy = "key_decay_seen" in synapses.variables
    metaplastic = "key_stable_decay_seen" in synapses.variables
    practising = "practice_decay_seen" in synapses.variables
    recorded = ["w", "key_decay_seen"] if lazy else ["w"]
    if practising:
        recorded = ["w", "practice_decay_seen"]
    if metaplastic:
        recorded += ["key_stable_decay_seen", "stable"]
    monitor = StateMonitor(synapses, recorded, record=True, when="end", dt=DT)
    decay = StateMonitor(target, ["key_decay", "key_stable_decay", "practice_decay"],
                         record=True, when="end", dt=DT)
    Network(source, target, synapses, monitor, decay).run(STEPS * DT)
    i, j = np.asarray(synapses.i[:]), np.asarray(synapses.j[:])
    w = monitor.w[:].T
    if metaplastic:
        stable = monitor.stable[:].T
        w = w * np.exp((1 - stable) * (monitor.key_decay_seen[:].T
                                       - decay.key_decay[:].T[:, j])
                       + stable * (monitor.key_stable_decay_seen[:].T
                                   - decay.key_stable_decay[:].T[:, j]))
    elif lazy:
        w = w * np.exp(monitor.key_decay_seen[:].T - decay.key_decay[:].T[:, j])
    elif practising:
        w = w * np.exp(monitor.practice_decay_seen[:].T - decay.practice_decay[:].T[:, j])
    trajectory = np.zeros((STEPS, N_PRE, N_POST))
    trajectory[:, i, j] = w
    if with_stability:
        final = np.zeros((N_PRE, N_POST), bool)
        final[i, j] = np.asarray(synapses.stable[:]) > 0
        return trajectory, final
    return trajectory


def initial_weights(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.2, 0.8, size=(N_PRE, N_POST))


def test_key_three_factor_matches_reference_and_is_gated():
    """The decay is applied lazily, at a synapse's next spike; the weight it reports at any
    moment matches the reference that decays every weight every step."""
    rule = plasticity.key_three_factor()
    pre = spike_trains(N_PRE, 0.004, seed=1)
    post = np.zeros((STEPS, N_POST), dtype=bool)
    modulator, tag = gates(seed=2)
    w0 = initial_weights(3)
    brian = simulate_rule(rule, pre, post, modulator, tag, w0, eta_key=0.4,
                          tau_key_decay=25 * ms)
    numpy = ref.key_three_factor(pre, per_step(modulator), per_step(tag), w0,
                                 dt=float(DT / second), eta=0.4, tau=0.025)
    np.testing.assert_allclose(brian, numpy, rtol=0, atol=1e-9)
    # keys change only in the tagged slot and only while the modulator is on
    change = np.abs(np.diff(brian, axis=0)).sum(axis=1)  # steps-1 x N_POST
    gate_on = (per_step(modulator)[1:, None] * per_step(tag)[1:]) > 0
    assert change[~gate_on].max() == 0.0
    assert change[gate_on].sum() > 1.0  # and they do change when gated
    assert np.all(brian[:, :, 2] == w0[:, 2])


def test_kv_ensembles_key_rule_with_its_gate_precomputed_matches_the_reference():
    """kv-ensemble reads the gate eta_key * M * tag from its neuron (``key_write``)."""
    pre = spike_trains(N_PRE, 0.004, seed=1)
    post = np.zeros((STEPS, N_POST), dtype=bool)
    modulator, tag = gates(seed=2)
    w0 = initial_weights(3)
    brian = simulate_rule(KV_ENSEMBLE_KEY_RULE, pre, post, modulator, tag, w0, eta_key=0.4,
                          tau_key_decay=25 * ms)
    numpy = ref.key_three_factor(pre, per_step(modulator), per_step(tag), w0,
                                 dt=float(DT / second), eta=0.4, tau=0.025)
    np.testing.assert_allclose(brian, numpy, rtol=0, atol=1e-9)


def test_key_rule_overwrites_toward_presynaptic_activity():
    """One plateau with active and silent inputs: active -> high, silent -> ~0."""
    rule = plasticity.key_three_factor()
    pre = np.zeros((STEPS, N_PRE), dtype=bool)
    rng = np.random.default_rng(4)
    pre[:1000, :3] = rng.random((1000, 3)) < 0.004  # 40 Hz for 100 ms on inputs 0-2
    modulator = np.zeros(GATE_ROWS)
    modulator[:10] = 1.0
    tag = np.zeros((GATE_ROWS, N_POST))
    tag[:10, 0] = 1.0
    w0 = np.full((N_PRE, N_POST), 0.9)
    w = simulate_rule(rule, pre, np.zeros((STEPS, N_POST), bool), modulator, tag, w0,
                      eta_key=0.6, tau_key_decay=25 * ms)[-1]
    assert w[3:, 0].max() < 0.05  # silent inputs erased (exp(-100/25) ~ 0.018)
    assert w[:3, 0].min() > 0.2  # active inputs kept high
    np.testing.assert_array_equal(w[:, 1:], w0[:, 1:])  # untagged slots untouched


@pytest.mark.parametrize("rule_name", ["value_rate_hebbian", "value_stdp"])
def test_pre_post_rules_match_reference(rule_name):
    pre = spike_trains(N_PRE, 0.003, seed=5)
    post = spike_trains(N_POST, 0.005, seed=6)
    post[[100, 500, 1500], :] = True  # simultaneous with presynaptic spikes
    modulator, tag = gates(seed=7)
    w0 = initial_weights(8)
    m = per_step(modulator)
    dt = float(DT / second)
    if rule_name == "value_rate_hebbian":
        rule = plasticity.value_rate_hebbian()
        numpy = ref.value_rate_hebbian(pre, post, m, w0, dt=dt, eta=0.3, tau=0.02)
        post_values = {"eta_value": 0.3}
    else:
        rule = plasticity.value_stdp(20 * ms, 30 * ms)
        numpy = ref.value_stdp(pre, post, m, w0, dt=dt, a_plus=0.05, a_minus=-0.04,
                               tau_plus=0.02, tau_minus=0.03)
        post_values = {"stdp_a_plus": 0.05, "stdp_a_minus": 0.04}  # a magnitude
    brian = simulate_rule(rule, pre, post, modulator, tag, w0, **post_values)
    np.testing.assert_allclose(brian, numpy, rtol=0, atol=1e-9)
    change = np.abs(np.diff(brian, axis=0)).sum(axis=(1, 2))
    assert change[m[1:] == 0].max() == 0.0  # no learning without the modulator
    assert change.sum() > 0.05


def test_value_rule_learns_the_clamped_pattern():
    """Presynaptic slot firing with a clamped target: active -> high, silent -> 0."""
    rule = plasticity.value_rate_hebbian()
    pre = np.zeros((STEPS, N_PRE), dtype=bool)
    pre[:1000:50, 0] = True  # slot 0 at 200 Hz for 100 ms
    post = np.zeros((STEPS, N_POST), dtype=bool)
    post[:1000:100, 0] = True  # target 0 clamped at 100 Hz, others silent
    modulator = np.zeros(GATE_ROWS)
    modulator[:10] = 1.0
    w0 = np.full((N_PRE, N_POST), 0.5)
    w = simulate_rule(rule, pre, post, modulator, np.ones((GATE_ROWS, N_POST)), w0,
                      eta_value=0.3)[-1]
    assert w[0, 0] > 0.6 and w[0, 1:].max() < 0.01
    np.testing.assert_array_equal(w[1:], w0[1:])


def test_rail_covariance_matches_reference_and_is_gated():
    """The rule integrates M * rail_pre * rail_post on its 1 ms clock; rails (signed rail
    activities, as the hopfield circuit computes them) are given here as fixed sequences."""
    plasticity_dt = 1 * ms
    rows = int(STEPS * DT / plasticity_dt)
    rng = np.random.default_rng(11)
    levels = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    rail_pre = rng.choice(levels, size=(rows, N_PRE))
    rail_post = rng.choice(levels, size=(rows, N_POST))
    rail_pre[:20] = 0.0  # silent entries: no change even with the modulator on
    modulator, _ = gates(seed=12)
    namespace = {"pre_level": TimedArray(rail_pre, dt=plasticity_dt),
                 "post_level": TimedArray(rail_post, dt=plasticity_dt),
                 "modulator_level": TimedArray(modulator, dt=GATE_STEP)}
    source = NeuronGroup(N_PRE, "rail = pre_level(t, i) : 1", namespace=namespace)
    target = NeuronGroup(N_POST, "rail = post_level(t, i) : 1\nmodulator : 1\n"
                         "eta_covariance : Hz (constant)", namespace=namespace)
    target.run_regularly("modulator = modulator_level(t)", dt=GATE_STEP, when="start")
    target.eta_covariance = 30.0 * Hz
    synapses = plasticity.rail_covariance().synapses(source, target, dt=plasticity_dt,
                                                    namespace=namespace)
    synapses.connect()
    w0 = initial_weights(13)
    synapses.w[:] = w0[np.asarray(synapses.i[:]), np.asarray(synapses.j[:])]
    monitor = StateMonitor(synapses, "w", record=True, when="end", dt=plasticity_dt)
    Network(source, target, synapses, monitor).run(STEPS * DT)
    brian = np.zeros((rows, N_PRE, N_POST))
    brian[:, np.asarray(synapses.i[:]), np.asarray(synapses.j[:])] = monitor.w[:].T
    m = np.repeat(modulator, int(round(GATE_STEP / plasticity_dt)))
    numpy = ref.rail_covariance(rail_pre, rail_post, m, w0,
                                plasticity_dt=float(plasticity_dt / second), eta=30.0)
    np.testing.assert_allclose(brian, numpy, rtol=0, atol=1e-9)
    change = np.abs(np.diff(brian, axis=0)).sum(axis=(1, 2))
    assert change[m[1:] == 0].max() == 0.0  # no learning without the modulator
    assert np.abs(brian[19] - w0).max() == 0.0  # silent presynaptic entries: no drift
    assert change.sum() > 1.0


def salient_gates(seed: int, levels: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 10.0)
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Like `gates`, with salient levels: M = 10 (eta*M above the threshold 1) and M = 2
    (a saturated gate, below it at eta 0.4), and a salient stretch (M = 10) at 30-60 ms."""
    rng = np.random.default_rng(seed)
    modulator = rng.choice(levels, size=GATE_ROWS)
    modulator[3:6] = 10.0
    modulator[20:24] = 0.0
    tag = (rng.random((GATE_ROWS, N_POST)) < 0.6).astype(float)
    tag[3:6, 0] = 1.0
    tag[:, 2] = 0.0
    return modulator, tag


def test_key_metaplastic_matches_reference_and_stabilises_only_salient_slots():
    """Stability S per synapse: set at a postsynaptic spike while eta*M*tag exceeds the
    threshold, for silent presynaptic inputs too; a stable synapse then changes only while
    that holds again."""
    pre = spike_trains(N_PRE, 0.004, seed=21)
    pre[:, 4] = False  # an input that never fires
    post = spike_trains(N_POST, 0.003, seed=22)
    post[400, 0] = True  # slot 0 fires in its salient stretch
    modulator, tag = salient_gates(seed=23)
    w0 = initial_weights(24)
    brian, stable = simulate_rule(plasticity.key_metaplastic(), pre, post, modulator, tag,
                                  w0, with_stability=True, eta_key=0.4,
                                  tau_key_decay=25 * ms, stability_threshold=1.0)
    numpy, numpy_stable = ref.key_metaplastic(pre, post, per_step(modulator),
                                              per_step(tag), w0, dt=float(DT / second),
                                              eta=0.4, tau=0.025, theta=1.0)
    np.testing.assert_allclose(brian, numpy, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(stable, numpy_stable)
    assert stable[:, 0].all()  # the salient slot, its silent input 4 included
    assert not stable[:, 2].any()  # never tagged
    # after the salient stretch, slot 0 changes only while eta*M*tag > 1 again
    m, t = per_step(modulator), per_step(tag)
    change = np.abs(np.diff(brian[:, :, 0], axis=0)).sum(axis=1)
    later = np.arange(1, STEPS) >= 600  # the salient stretch: steps 300-599
    assert change[later & ~(0.4 * m[1:] * t[1:, 0] > 1)].max() == 0.0


def test_value_metaplastic_matches_reference():
    """Stable from a presynaptic (slot) spike while eta*M exceeds the threshold; only
    supra-threshold writes change a stable synapse."""
    pre = spike_trains(N_PRE, 0.003, seed=25)
    pre[350, :4] = True  # slots 0-3 fire in the salient stretch (30-60 ms), slot 4 does not
    pre[300:600, 4] = False
    post = spike_trains(N_POST, 0.005, seed=26)
    modulator, tag = salient_gates(seed=27, levels=(0.0, 0.5, 1.0, 2.0))
    w0 = initial_weights(28)
    brian, stable = simulate_rule(plasticity.value_metaplastic(), pre, post, modulator, tag,
                                  w0, with_stability=True, eta_value=0.3,
                                  stability_threshold=1.0)
    numpy, numpy_stable = ref.value_metaplastic(pre, post, per_step(modulator), w0,
                                                dt=float(DT / second), eta=0.3, tau=0.02,
                                                theta=1.0)
    np.testing.assert_allclose(brian, numpy, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(stable, numpy_stable)
    assert stable[:4].all() and not stable[4].any()
    change = np.abs(np.diff(brian[:, :4], axis=0)).sum(axis=(1, 2))
    assert change[600:].max() == 0.0  # stable slots: no sub-threshold write changes them
    assert np.abs(np.diff(brian[600:, 4], axis=0)).sum() > 0.01  # the plastic one changes


def test_recurrent_hebbian_matches_reference_and_links_only_co_tagged_neurons():
    """Presynaptic neurons with their own tags (a source group like the index)."""
    pre = spike_trains(N_PRE, 0.004, seed=4)
    modulator, tag_post = gates(seed=5)
    tag_pre = (np.random.default_rng(6).random((GATE_ROWS, N_PRE)) < 0.6).astype(float)
    tag_pre[:, 0] = 0.0  # the first presynaptic neuron is never tagged
    w0 = initial_weights(7) * 0.5
    pre_on = TimedArray(pre.astype(float), dt=DT)
    source = NeuronGroup(N_PRE, "tag : 1", threshold="pre_on(t, i) > 0.5",
                         namespace={"pre_on": pre_on,
                                    "tag_pre_level": TimedArray(tag_pre, dt=GATE_STEP)})
    source.run_regularly("tag = tag_pre_level(t, i)", dt=GATE_STEP, when="start")
    target = NeuronGroup(N_POST, "tag : 1\nmodulator : 1\neta_recurrent : 1 (constant)",
                         namespace={"modulator_level": TimedArray(modulator, dt=GATE_STEP),
                                    "tag_level": TimedArray(tag_post, dt=GATE_STEP)})
    target.run_regularly("modulator = modulator_level(t)\ntag = tag_level(t, i)",
                         dt=GATE_STEP, when="start")
    target.eta_recurrent = 0.3
    synapses = plasticity.recurrent_hebbian().synapses(source, target)
    synapses.connect()
    i, j = np.asarray(synapses.i[:]), np.asarray(synapses.j[:])
    synapses.w[:] = w0[i, j]
    monitor = StateMonitor(synapses, "w", record=True, when="end", dt=DT)
    Network(source, target, synapses, monitor).run(STEPS * DT)
    brian = np.zeros((STEPS, N_PRE, N_POST))
    brian[:, i, j] = monitor.w[:].T
    numpy = ref.recurrent_hebbian(pre, per_step(modulator), per_step(tag_pre),
                                  per_step(tag_post), w0, eta=0.3)
    np.testing.assert_allclose(brian, numpy, rtol=0, atol=1e-12)
    assert np.all(brian[:, 0, :] == w0[0])  # an untagged presynaptic neuron: no change
    assert np.all(brian[:, :, 2] == w0[:, 2])  # an untagged postsynaptic neuron: no change
    assert (brian[-1] - w0).max() > 0.2  # co-tagged pairs grow


def test_key_nonmonotonic_matches_reference_and_its_signs_follow_activity():
    """Practice gate = the test's modulator (0, 0.5 or 1), mismatch = its tag (neuron 2
    never): re-encoding (potentiation at active inputs, decay elsewhere) where the neuron's
    spike trace is at least theta_ltp, depression (only with mismatch) where it lies in
    [theta_ltd, theta_ltp), nothing below. The decay is lazy in Brian2 and stepped in the
    reference."""
    rule = plasticity.key_nonmonotonic()
    pre = spike_trains(N_PRE, 0.004, seed=11)
    post = spike_trains(N_POST, 0.004, seed=12)
    modulator, tag = gates(seed=13)
    w0 = initial_weights(14)
    settings = {"eta_key_plus": 0.2, "eta_key_minus": 0.3, "theta_ltd": 0.8,
                "theta_ltp": 2.0}
    brian = simulate_rule(rule, pre, post, modulator, tag, w0, **settings)
    numpy = ref.key_nonmonotonic(pre, post, per_step(modulator), per_step(tag), w0,
                                 dt=float(DT / second),
                                 tau=float(TAU_RETRIEVAL / second), eta_plus=0.2,
                                 eta_minus=0.3, theta_ltd=0.8, theta_ltp=2.0,
                                 tau_plus=float(TAU_KEY_PLUS / second))
    np.testing.assert_allclose(brian, numpy, rtol=0, atol=1e-9)
    change = np.diff(brian, axis=0)  # steps-1 x N_PRE x N_POST
    practice_off = per_step(modulator)[1:] == 0
    assert np.abs(change[practice_off]).max() == 0.0
    assert change.max() > 0.05 and change.min() < -0.05  # both signs occur
    # neuron 2 (no mismatch): it changes only while strongly active, up at active inputs
    # and by the decay elsewhere; no step-sized depression
    assert change[:, :, 2].max() > 0.05
    assert change[:, :, 2].min() > -0.01


def test_practice_depression_weakens_only_excitatory_weights_as_the_rules_depression():
    """`practice_depression` on a second weight: where it is positive it follows the
    depression of `key_nonmonotonic` (its reference with eta_key_plus 0); where it is
    negative (inhibitory) it never changes."""
    rule = plasticity.SynapticRule(name="projection_practice", model="w : 1",
                                   on_pre=plasticity.practice_depression("w"),
                                   post_variables=plasticity.key_nonmonotonic().post_variables)
    pre = spike_trains(N_PRE, 0.004, seed=21)
    post = spike_trains(N_POST, 0.004, seed=22)
    modulator, tag = gates(seed=23)
    w0 = initial_weights(24) * np.where(np.arange(N_PRE)[:, None] % 2 == 0, 1.0, -1.0)
    settings = {"eta_key_plus": 0.2, "eta_key_minus": 0.3, "theta_ltd": 0.8,
                "theta_ltp": 2.0}
    brian = simulate_rule(rule, pre, post, modulator, tag, w0, **settings)
    numpy = ref.key_nonmonotonic(pre, post, per_step(modulator), per_step(tag), w0,
                                 dt=float(DT / second),
                                 tau=float(TAU_RETRIEVAL / second), eta_plus=0.0,
                                 eta_minus=0.3, theta_ltd=0.8, theta_ltp=2.0,
                                 tau_plus=float(TAU_KEY_PLUS / second))
    excitatory = w0 > 0
    np.testing.assert_allclose(brian[:, excitatory], numpy[:, excitatory], rtol=0, atol=1e-9)
    assert (brian[-1][excitatory] < w0[excitatory] - 0.05).any()  # it did depress
    np.testing.assert_array_equal(brian[:, ~excitatory], np.broadcast_to(
        w0[~excitatory], brian[:, ~excitatory].shape))
