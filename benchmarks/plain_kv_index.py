"""The ``kv-index`` circuit and a ``paired-recall`` schedule written directly in Brian2: one
copy, every parameter a constant at its default, no neuro-kv layers around the simulation
(the baseline of bench_replicas.py).

It has the equations of ``neuro_kv/circuits/kv_index.py`` at the defaults (the next-spike
Poisson input with the same counter-based random stream, the latch released in every gap,
acetylcholine suppressing both index pathways while storing, the exact event-driven key
decay); the terms that vanish at the defaults (stimulation, key-pathway gains, the onset reset,
re-entry, metaplasticity, synapse damage) are left out. ``tests/test_plain_script.py`` keeps it
honest: on the same patterns its spikes give the same paired-recall metrics as the circuit
with one replica. What neuro-kv adds is per-replica parameter arrays, run arguments and
splitting the output.
"""

from __future__ import annotations

import numpy as np
from brian2 import (
    Clock,
    Network,
    NeuronGroup,
    SpikeMonitor,
    Synapses,
    TimedArray,
    ms,
    mV,
    second,
)

from neuro_kv.random_stream import exponential

N, SLOTS, COPIES, VCOPIES, INHIBITORY = 40, 40, 12, 4, 10
STEP = 50 * ms  # the schedule's grid: windows of 2 steps (100 ms), gaps of 1 (50 ms)


def paired_recall_patterns(n_items: int, seed: int) -> tuple[np.ndarray, ...]:
    """(keys, values, cues, slots) as ``paired-recall`` draws them for ``seed``."""
    from neuro_kv.protocols.paired_recall import PARAMETERS, PairedRecall
    from neuro_kv.seeding import pattern_rng

    p = PARAMETERS.resolve({"n_items": n_items})
    p.update(n_input=N, n_value=N, n_slots=SLOTS)
    patterns = PairedRecall().draw_patterns(p, pattern_rng(seed))
    slots = np.array([s[0] for s in patterns.tagged_slots])
    return patterns.keys, patterns.values, patterns.cues, slots


def schedule(keys: np.ndarray, values: np.ndarray, cues: np.ndarray,
             slots: np.ndarray) -> dict[str, np.ndarray]:
    """paired-recall's windows on the 50 ms step grid: encode every item (key on the input,
    value taught, plateau on its slot, modulator on), then retrieve each from its cue."""
    n_items = len(keys)
    steps = 6 * n_items
    arrays = {"cue": np.zeros((steps, N)), "teacher": np.zeros((steps, N)),
              "plateau": np.zeros((steps, SLOTS)), "modulator": np.zeros(steps),
              "latch": np.zeros(steps)}
    for k in range(n_items):
        encoding = slice(3 * k, 3 * k + 2)
        arrays["cue"][encoding] = keys[k]
        arrays["teacher"][encoding] = values[k]
        arrays["plateau"][encoding, slots[k]] = 1
        arrays["modulator"][encoding] = 1
        arrays["latch"][encoding] = 1
        retrieval = slice(3 * (n_items + k), 3 * (n_items + k) + 2)
        arrays["cue"][retrieval] = cues[k]
        arrays["latch"][retrieval] = 1
    return arrays


def build(keys: np.ndarray, values: np.ndarray, cues: np.ndarray, slots: np.ndarray,
          seed: int) -> tuple[Network, float, dict[str, SpikeMonitor]]:
    """The network, its duration (s) and its spike monitors by population."""
    arrays = schedule(keys, values, cues, slots)
    ns = {"cue_level": TimedArray(arrays["cue"], dt=STEP),
          "teacher_level": TimedArray(arrays["teacher"], dt=STEP),
          "plateau_level": TimedArray(arrays["plateau"], dt=STEP),
          "modulator_level": TimedArray(arrays["modulator"], dt=STEP),
          "latch_level": TimedArray(arrays["latch"], dt=STEP),
          "interval": exponential, "seed": seed,
          "tau_m": 20 * ms, "tau_exc": 5 * ms, "tau_inh": 10 * ms, "tau_self": 30 * ms,
          "tau_trace": 20 * ms, "tau_key_decay": 25 * ms, "v_rest": -65 * mV,
          "v_reset": -65 * mV, "v_threshold": -50 * mV}
    n_in, n_ctx = 2 * N * COPIES, 2 * N * VCOPIES
    inputs = NeuronGroup(n_in, """
        rate : Hz
        next_spike : second
        rail_sign : 1 (constant)
        entry : integer (constant)""", threshold="t >= next_spike",
        reset="next_spike += interval(seed, i, t_in_timesteps, 1) / clip(rate, 1e-9*Hz, inf*Hz)",
        namespace=ns, name="input")
    inputs.next_spike = 1e9 * second
    inputs.rail_sign = np.where((np.arange(n_in) // COPIES) % 2 == 0, 1.0, -1.0)
    inputs.entry = np.arange(n_in) // (2 * COPIES)
    inputs.run_regularly("""
        rate = 40*Hz * clip(rail_sign * cue_level(t, entry), 0, 1)
        next_spike = t + interval(seed, i, t_in_timesteps, 0) / clip(rate, 1e-9*Hz, inf*Hz)""",
                         clock=Clock(STEP), when="start")
    index = NeuronGroup(SLOTS, """
        dv/dt = (v_rest - v + I_exc - I_inh + I_self
                 + 150*mV * tag) / tau_m : volt (unless refractory)
        dI_exc/dt = -I_exc / tau_exc : volt
        dI_inh/dt = -I_inh / tau_inh : volt
        dI_self/dt = -I_self / tau_self : volt
        dkey_decay/dt = clip(modulator, 0, 1) * tag / tau_key_decay : 1
        tag : 1
        modulator : 1
        latch : 1""", threshold="v > v_threshold", reset="v = v_reset",
        refractory=2 * ms, method="exponential_euler", namespace=ns, name="index")
    index.v = -65 * mV
    index.run_regularly("""
        modulator = modulator_level(t)
        latch = latch_level(t)
        I_self = I_self * int(latch > 0)
        tag = plateau_level(t, i)""", clock=Clock(STEP), when="start")
    inhibitory = NeuronGroup(INHIBITORY, """
        dv/dt = (v_rest - v + I_exc) / (10*ms) : volt (unless refractory)
        dI_exc/dt = -I_exc / tau_exc : volt""", threshold="v > v_threshold",
        reset="v = v_reset", refractory=2 * ms, method="exponential_euler", namespace=ns,
        name="inhibitory")
    inhibitory.v = -65 * mV
    cortex = NeuronGroup(n_ctx, """
        dv/dt = (v_rest - v + I_exc + 40*mV * teacher) / tau_m : volt (unless refractory)
        dI_exc/dt = -I_exc / tau_exc : volt
        dactivity/dt = -activity / tau_trace : 1
        teacher : 1
        modulator : 1
        rail_sign : 1 (constant)
        entry : integer (constant)""", threshold="v > v_threshold",
        reset="v = v_reset\nactivity = 1", refractory=2 * ms, method="exponential_euler",
        namespace=ns, name="cortex")
    cortex.v = -65 * mV
    cortex.rail_sign = np.where((np.arange(n_ctx) // VCOPIES) % 2 == 0, 1.0, -1.0)
    cortex.entry = np.arange(n_ctx) // (2 * VCOPIES)
    cortex.run_regularly("modulator = modulator_level(t)\n"
                         "teacher = clip(rail_sign * teacher_level(t, entry), 0, 1)",
                         clock=Clock(STEP), when="start")
    keys_synapses = Synapses(inputs, index, "w : 1\nkey_decay_seen : 1", on_pre="""
        w = w * exp(key_decay_seen - key_decay_post)
        key_decay_seen = key_decay_post
        key_open = clip(1 - modulator_post, 0, 1)
        I_exc_post += 5*mV * w * key_open
        I_inh_post += 0.5*mV * key_open
        w = w + 0.6 * clip(modulator_post, 0, 1) * tag_post * (1 - w)""", name="keys")
    keys_synapses.connect()
    value_synapses = Synapses(index, cortex, "w : 1", on_pre="""
        I_exc_post += 120*mV * w * clip(1 - modulator_post, 0, 1)
        w = w + 0.3 * clip(modulator_post, 0, 1) * (activity_post - w)""", name="values")
    value_synapses.connect()
    latch = Synapses(index, index, on_pre="I_self_post += 80*mV * latch_post"
                     " * clip(1 - modulator_post, 0, 1)", name="self_excitation")
    latch.connect(j="i")
    to_inhibitory = Synapses(index, inhibitory, on_pre="I_exc_post += 40*mV",
                             name="index_to_inhibitory")
    to_inhibitory.connect()
    from_inhibitory = Synapses(inhibitory, index, on_pre="I_inh_post += 12*mV",
                               name="inhibitory_to_index")
    from_inhibitory.connect()
    monitors = {name: SpikeMonitor(group, name=f"{name}_spikes") for name, group in
                (("input", inputs), ("index", index), ("inhibitory", inhibitory),
                 ("cortex", cortex))}
    network = Network(inputs, index, inhibitory, cortex, keys_synapses, value_synapses, latch,
                      to_inhibitory, from_inhibitory, *monitors.values())
    return network, 6 * len(keys) * float(STEP / second), monitors
