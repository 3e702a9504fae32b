"""The ``kv-index`` circuit and a ``paired-recall`` schedule written directly in Brian2: one
copy, every parameter a constant, no neuro-kv layers (the baseline of bench_replicas.py).

It has the same equations as ``neuro_kv/circuits/kv_index.py`` at the defaults (the same next-spike
Poisson input with the same counter-based random stream, the exact event-driven key decay),
so the two cost the same per time step; what differs is only what neuro-kv adds around the
simulation: per-replica parameter arrays, run arguments, splitting the output.
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
STEP = 50 * ms


def schedule(n_items: int, seed: int) -> dict[str, np.ndarray]:
    """paired-recall's windows (100 ms + 50 ms gap) on the 50 ms step grid."""
    rng = np.random.default_rng(seed)
    keys = rng.choice([-1.0, 1.0], size=(n_items, N))
    values = rng.choice([-1.0, 1.0], size=(n_items, N))
    cues = keys.copy()
    for row in cues:
        row[rng.choice(N, 24, replace=False)] = 0
    steps = 6 * n_items
    arrays = {"cue": np.zeros((steps, N)), "teacher": np.zeros((steps, N)),
              "plateau": np.zeros((steps, SLOTS)), "modulator": np.zeros(steps)}
    for k in range(n_items):
        window = slice(3 * k, 3 * k + 2)
        arrays["cue"][window] = keys[k]
        arrays["teacher"][window] = values[k]
        arrays["plateau"][window, k % SLOTS] = 1
        arrays["modulator"][window] = 1
        arrays["cue"][3 * (n_items + k):3 * (n_items + k) + 2] = cues[k]
    return arrays


def build(n_items: int, seed: int) -> tuple[Network, float]:
    """The network and its duration (s)."""
    arrays = schedule(n_items, seed)
    ns = {"cue_level": TimedArray(arrays["cue"], dt=STEP),
          "teacher_level": TimedArray(arrays["teacher"], dt=STEP),
          "plateau_level": TimedArray(arrays["plateau"], dt=STEP),
          "modulator_level": TimedArray(arrays["modulator"], dt=STEP),
          "interval": exponential, "seed": seed,
          "tau_m": 20 * ms, "tau_exc": 5 * ms, "tau_inh": 10 * ms, "tau_self": 30 * ms,
          "tau_trace": 20 * ms, "tau_key_decay": 25 * ms, "v_rest": -65 * mV,
          "v_reset": -65 * mV, "v_threshold": -50 * mV}
    inputs = NeuronGroup(2 * N * COPIES, """
        rate : Hz
        next_spike : second
        rail_sign : 1 (constant)
        entry : integer (constant)""", threshold="t >= next_spike",
        reset="next_spike += interval(seed, i, t_in_timesteps, 1) / clip(rate, 1e-9*Hz, inf*Hz)",
        namespace=ns)
    inputs.next_spike = 1e9 * second
    inputs.rail_sign = np.where((np.arange(2 * N * COPIES) // COPIES) % 2 == 0, 1.0, -1.0)
    inputs.entry = np.arange(2 * N * COPIES) // (2 * COPIES)
    inputs.run_regularly("""
        rate = 40*Hz * clip(rail_sign * cue_level(t, entry), 0, 1)
        next_spike = t + interval(seed, i, t_in_timesteps, 0) / clip(rate, 1e-9*Hz, inf*Hz)""",
                         clock=Clock(STEP))
    index = NeuronGroup(SLOTS, """
        dv/dt = (v_rest - v + I_exc - I_inh + I_self
                 + 150*mV * tag) / tau_m : volt (unless refractory)
        dI_exc/dt = -I_exc / tau_exc : volt
        dI_inh/dt = -I_inh / tau_inh : volt
        dI_self/dt = -I_self / tau_self : volt
        dkey_decay/dt = modulator * tag / tau_key_decay : 1
        tag : 1
        modulator : 1""", threshold="v > v_threshold", reset="v = v_reset",
        refractory=2 * ms, method="exponential_euler", namespace=ns)
    index.v = -65 * mV
    index.run_regularly("modulator = modulator_level(t)\ntag = plateau_level(t, i)",
                        clock=Clock(STEP), when="start")
    inhibitory = NeuronGroup(INHIBITORY, """
        dv/dt = (v_rest - v + I_exc) / (10*ms) : volt (unless refractory)
        dI_exc/dt = -I_exc / tau_exc : volt""", threshold="v > v_threshold",
        reset="v = v_reset", refractory=2 * ms, method="exponential_euler", namespace=ns)
    inhibitory.v = -65 * mV
    cortex = NeuronGroup(2 * N * VCOPIES, """
        dv/dt = (v_rest - v + I_exc + 40*mV * teacher) / tau_m : volt (unless refractory)
        dI_exc/dt = -I_exc / tau_exc : volt
        dactivity/dt = -activity / tau_trace : 1
        teacher : 1
        modulator : 1
        rail_sign : 1 (constant)
        entry : integer (constant)""", threshold="v > v_threshold",
        reset="v = v_reset\nactivity = 1", refractory=2 * ms, method="exponential_euler",
        namespace=ns)
    cortex.v = -65 * mV
    cortex.rail_sign = np.where((np.arange(2 * N * VCOPIES) // VCOPIES) % 2 == 0, 1.0, -1.0)
    cortex.entry = np.arange(2 * N * VCOPIES) // (2 * VCOPIES)
    cortex.run_regularly("modulator = modulator_level(t)\n"
                         "teacher = clip(rail_sign * teacher_level(t, entry), 0, 1)",
                         clock=Clock(STEP), when="start")
    keys = Synapses(inputs, index, "w : 1\nkey_decay_seen : 1", on_pre="""
        w = w * exp(key_decay_seen - key_decay_post)
        key_decay_seen = key_decay_post
        key_open = clip(1 - modulator_post, 0, 1)
        I_exc_post += 5*mV * w * key_open
        I_inh_post += 0.5*mV * key_open
        w = w + 0.6 * modulator_post * tag_post * (1 - w)""")
    keys.connect()
    values = Synapses(index, cortex, "w : 1", on_pre="""
        I_exc_post += 120*mV * w * clip(1 - modulator_post, 0, 1)
        w = w + 0.3 * modulator_post * (activity_post - w)""")
    values.connect()
    self_excitation = Synapses(index, index, on_pre="I_self_post += 12*mV * (1 - modulator_post)")
    self_excitation.connect(j="i")
    to_inhibitory = Synapses(index, inhibitory, on_pre="I_exc_post += 40*mV")
    to_inhibitory.connect()
    from_inhibitory = Synapses(inhibitory, index, on_pre="I_inh_post += 3*mV")
    from_inhibitory.connect()
    monitors = [SpikeMonitor(group) for group in (inputs, index, inhibitory, cortex)]
    network = Network(inputs, index, inhibitory, cortex, keys, values, self_excitation,
                      to_inhibitory, from_inhibitory, *monitors)
    return network, 6 * n_items * float(STEP / second)
