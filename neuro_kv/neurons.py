"""Shared neuron pieces: the LIF parameters both circuits declare, and the dual-rail code.

The circuits write their neurons' equations whole (leaky integrate-and-fire with exponential
current-based synapses: a presynaptic spike adds its weight, in volts, to a current that
decays with its time constant). What they share is declared here once.

Dual-rail code: a pattern of ``n`` entries in [-1, 1] is carried by ``2 * n * copies``
neurons; neuron ``(2*j + rail)*copies + c`` belongs to entry j, rail 0 firing for a positive
entry and rail 1 for a negative one (at the entry's magnitude). `rail_layout` is the one
definition of that layout (the circuits drive each neuron at ``clip(rail_sign * level, 0, 1)``
of its entry's level); `rail_counts` sums it per rail, and ``neuro_kv.analysis.decoding`` and
``neuro_kv.analysis.plots`` read it through these two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from brian2 import Clock, NeuronGroup, ms, mV, second

from neuro_kv.parameters import Parameter
from neuro_kv.random_stream import STREAMS, exponential

__all__ = ["lif_parameters", "lif_variables", "poisson_rail_input", "rail_layout",
           "rail_counts"]

INPUT_MODEL = """
rate : Hz                            # this neuron's rate in the current schedule step
next_spike : second                  # time of its next spike
input_rate : Hz (constant)           # rate of an active input neuron
rail_sign : 1 (constant)             # +1: fires for a positive entry, -1: for a negative one
cue_column : integer (constant)      # column of its entry in the cue schedule
neuron : integer (constant)          # index within the replica (random stream counter)
seed : integer (constant)            # the replica's seed
"""
#: Poisson spikes from exponential intervals. The rate is constant within a schedule step, so
#: the next spike time is drawn at each step's start (the process is memoryless) and after
#: each spike; a time step costs one comparison per neuron. A silent neuron (rate 0) gets its
#: next spike 10**9 s away.
ONSET, INTERVAL = STREAMS["input_onset"], STREAMS["input_interval"]
INPUT_RATE = "rate = input_rate * clip(rail_sign * cue_level(t, cue_column){drive}, 0, 1)"
INPUT_GATES = f"""
next_spike = t + interval(seed, neuron, t_in_timesteps, {ONSET}) / clip(rate, 1e-9*Hz, inf*Hz)
"""
INPUT_THRESHOLD = "t >= next_spike"
INPUT_RESET = (f"next_spike += interval(seed, neuron, t_in_timesteps, {INTERVAL})"
               " / clip(rate, 1e-9*Hz, inf*Hz)")

#: The re-entry buffer (``kv-index``'s cortex -> input pathway): a neuron counts the spikes of
#: the cortical neurons of its entry on its own rail and on the other rail; at each window's
#: onset it holds whether its rail won (the sign of the cortical value, as the decoder reads
#: it; 0 for a silent entry) and the counts start again. While the schedule's re-entry gain
#: is on, the held value drives the neuron like a cue.
REENTRY_MODEL = """
reentry_same : 1                     # own-rail cortical spikes of its entry since the onset
reentry_other : 1                    # other-rail cortical spikes of its entry since the onset
reentry_held : 1                     # 1: its rail won in the previous window
replica : integer (constant)
"""
REENTRY_GATES = """
reentry_held += onset_level(t, replica) * (int(reentry_same > reentry_other) - reentry_held)
reentry_same = reentry_same * (1 - onset_level(t, replica))
reentry_other = reentry_other * (1 - onset_level(t, replica))
"""
REENTRY_DRIVE = " + reentry_level(t, replica) * reentry_held"


def lif_parameters() -> list[Parameter]:
    """Membrane and synaptic parameters of the LIF populations (shared by the circuits)."""
    positive = {"low": 0, "low_exclusive": True}
    return [
        Parameter("tau_m", 20 * ms, "membrane time constant (excitatory neurons)",
                  "quantity", ms, **positive),
        Parameter("tau_m_inhibitory", 10 * ms, "membrane time constant of interneurons",
                  "quantity", ms, **positive),
        Parameter("tau_exc", 5 * ms, "excitatory synaptic time constant", "quantity", ms,
                  **positive),
        Parameter("tau_inh", 10 * ms, "inhibitory synaptic time constant", "quantity", ms,
                  **positive),
        Parameter("refractory", 2 * ms, "refractory period", "quantity", ms, low=0),
        Parameter("v_rest", -65 * mV, "resting potential", "quantity", mV),
        Parameter("v_reset", -65 * mV, "reset potential", "quantity", mV),
        Parameter("v_threshold", -50 * mV, "spike threshold", "quantity", mV),
    ]


def lif_variables(groups: Sequence[Any]) -> dict[str, list[tuple[Any, str]]]:
    """The per-replica LIF parameters of ``groups`` (each a variable of the same name; the
    membrane potential starts at rest)."""
    return {"v_rest": [(g, "v_rest") for g in groups] + [(g, "v") for g in groups],
            "v_reset": [(g, "v_reset") for g in groups],
            "v_threshold": [(g, "v_threshold") for g in groups]}


def poisson_rail_input(replicas: int, n_entries: int, copies: int, cue_level: Any,
                       step: Any, reentry: tuple[Any, Any] | None = None) -> NeuronGroup:
    """The ``input`` population: ``replicas`` copies of a dual-rail Poisson code of a cue of
    ``n_entries`` entries (``copies`` neurons per rail and entry), each replica reading its
    block of columns of the ``cue_level`` TimedArray (schedule steps of ``step``) and
    drawing its spikes from its own seed's random stream. ``reentry`` = (re-entry gain,
    window onset) TimedArrays (one column per replica) adds the re-entry buffer
    (``REENTRY_MODEL``; a synapse from cortex adds to ``reentry_same``/``reentry_other``)."""
    size = 2 * n_entries * copies
    model, namespace = INPUT_MODEL, {"cue_level": cue_level, "interval": exponential}
    gates = INPUT_RATE.format(drive="") + INPUT_GATES
    if reentry is not None:
        model += REENTRY_MODEL
        gates = REENTRY_GATES + INPUT_RATE.format(drive=REENTRY_DRIVE) + INPUT_GATES
        namespace.update(reentry_level=reentry[0], onset_level=reentry[1])
    inputs = NeuronGroup(replicas * size, model, threshold=INPUT_THRESHOLD,
                         reset=INPUT_RESET, name="input", namespace=namespace)
    inputs.next_spike = 1e9 * second
    inputs.run_regularly(gates, clock=Clock(step, name="input_gates_clock"),
                         when="start", name="input_gates")
    if reentry is not None:
        inputs.replica = np.repeat(np.arange(replicas), size)
    entry, rail = rail_layout(n_entries, copies)
    inputs.rail_sign = np.tile(1.0 - 2.0 * rail, replicas)
    inputs.cue_column = np.repeat(np.arange(replicas), size) * n_entries + np.tile(entry,
                                                                                  replicas)
    inputs.neuron = np.tile(np.arange(size), replicas)
    return inputs


def rail_layout(n_entries: int, copies: int) -> tuple[np.ndarray, np.ndarray]:
    """(entry, rail) of each neuron of a dual-rail population: neuron
    ``(2*entry + rail)*copies + c``; rail 0 carries positive values, rail 1 negative ones."""
    neuron = np.arange(2 * n_entries * copies)
    return neuron // (2 * copies), (neuron // copies) % 2


def rail_counts(counts: np.ndarray, n_entries: int, copies: int) -> np.ndarray:
    """Per-rail totals (... x entries x 2) of per-neuron values (... x neurons)."""
    counts = np.asarray(counts)
    return counts.reshape(*counts.shape[:-1], n_entries, 2, copies).sum(axis=-1)
