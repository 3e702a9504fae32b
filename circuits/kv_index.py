"""The ``kv-index`` circuit: entorhinal input -> hippocampal index (keys) -> cortex (values).

Populations (all LIF, see `neuro_kv.neurons`):

- ``input``: Poisson neurons, dual-rail population code of a +/-1 pattern of ``n_input``
  entries: ``input_copies`` neurons fire for +1, another ``input_copies`` for -1, and a hidden
  entry leaves both silent (it carries no information).
- ``index``: ``n_slots`` slot neurons. Input -> index synapses hold the keys (three-factor rule,
  `neuro_kv.plasticity.key_three_factor`). A plateau current drives the tagged slot during
  encoding; a feedforward inhibition (one unit per input spike, lumped disynaptic path)
  subtracts the average match; pooled recurrent inhibition through ``inhibitory`` and a slot
  self-excitation (switched off by the neuromodulator) make the read-out a spiking softmax.
- ``inhibitory``: the interneuron pool.
- ``cortex``: dual-rail value population (``value_copies`` neurons per rail and entry), clamped
  by a teacher current during encoding. Index -> cortex synapses hold the values (rate-Hebbian
  or STDP); the neuromodulator suppresses their transmission (acetylcholine-like), so an old
  value does not fight the teacher.

The gates (``modulator``, ``tag``, ``teacher``, ``stimulation``) and the schedule's gains
(``key_gain`` of each slot's key pathway, the shared ``inhibition_gain``) are model variables
written from `brian2.TimedArray` schedules by ``run_regularly`` operations every schedule step;
another one multiplies the key synapses of some slots by the schedule's ``key_retention``
(an amnesic manipulation, which leaves the value synapses alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from brian2 import (
    Clock,
    Hz,
    NeuronGroup,
    PoissonGroup,
    SpikeMonitor,
    Synapses,
    TimedArray,
    ms,
    mV,
)

from neuro_kv.neurons import LIF_RESET, LIF_THRESHOLD, lif_equations, lif_parameters
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.plasticity import (
    key_three_factor,
    value_rate_hebbian,
    value_stdp,
)
from neuro_kv.schedule import Schedule, padded_rows

__all__ = ["KVIndexCircuit", "BuiltCircuit", "dual_rail"]

P = Parameter

PARAMETERS = ParameterSet([
    # sizes
    P("n_input", 40, "key/cue dimension (pattern entries)", "int", low=1),
    P("n_slots", 40, "index slot neurons (one memory slot each)", "int", low=1),
    P("n_value", 40, "value dimension (pattern entries)", "int", low=1),
    P("input_copies", 12, "input neurons per rail and entry (population code)", "int", low=1),
    P("value_copies", 4, "cortical neurons per rail and entry (population code)", "int", low=1),
    P("n_inhibitory", 10, "interneurons in the index inhibitory pool", "int", low=1),
    # neurons
    *lif_parameters(),
    P("tau_self", 30 * ms, "slot self-excitation time constant", "quantity", ms, low=0,
      low_exclusive=True),
    # drives and gains
    P("input_rate", 40 * Hz, "rate of an active input neuron", "quantity", Hz, low=0),
    P("key_gain", 5 * mV, "index EPSC jump per input spike at key weight 1", "quantity",
      mV, low=0),
    P("feedforward_inhibition", 0.5 * mV, "index IPSC jump per input spike (all slots)",
      "quantity", mV, low=0),
    P("plateau_drive", 150 * mV, "plateau depolarisation of a tagged slot", "quantity", mV,
      low=0),
    P("stimulation_drive", 40 * mV, "direct (optogenetic-like) slot depolarisation",
      "quantity", mV, low=0),
    P("self_excitation", 12 * mV, "slot self-excitation jump per own spike (off while the "
      "modulator is on)", "quantity", mV, low=0),
    P("index_to_inhibitory", 40 * mV, "EPSC jump on interneurons per slot spike", "quantity",
      mV, low=0),
    P("inhibition_strength", 3 * mV, "IPSC jump on slots per interneuron spike (sets how "
      "winner-take-all the read-out is)", "quantity", mV, low=0),
    P("teacher_drive", 40 * mV, "teacher depolarisation of clamped cortical neurons",
      "quantity", mV, low=0),
    P("value_gain", 120 * mV, "cortical EPSC jump per slot spike at value weight 1",
      "quantity", mV, low=0),
    P("acetylcholine_suppression", 1.0, "fraction of index -> cortex transmission removed "
      "per unit of modulator", "float", low=0, high=1),
    P("key_acetylcholine_suppression", 1.0, "fraction of input -> index transmission (key "
      "match and feedforward inhibition) removed per unit of modulator: while storing, old "
      "slots are not recalled, so their values are not rewritten", "float", low=0, high=1),
    # plasticity
    P("eta_key", 0.6, "key rule: potentiation per presynaptic spike (x M x tag)", "float",
      low=0, high=1),
    P("plasticity_dt", 1 * ms, "integration step of the clock-driven key decay (gates "
      "change on the schedule grid, so the decay is exact per step)", "quantity", ms, low=0,
      low_exclusive=True),
    P("tau_key_decay", 25 * ms, "key rule: gated decay time constant", "quantity", ms, low=0,
      low_exclusive=True),
    P("value_rule", "rate_hebbian", "value plasticity rule", "choice",
      choices=("rate_hebbian", "stdp")),
    P("eta_value", 0.3, "rate-Hebbian value rule: step toward the target per presynaptic "
      "spike (x M)", "float", low=0, high=1),
    P("tau_value_trace", 20 * ms, "rate-Hebbian value rule: postsynaptic activity trace",
      "quantity", ms, low=0, low_exclusive=True),
    P("stdp_a_plus", 0.1, "STDP value rule: potentiation amplitude", "float", low=0),
    P("stdp_a_minus", 0.075, "STDP value rule: depression amplitude (magnitude)", "float",
      low=0),
    P("stdp_tau_plus", 20 * ms, "STDP value rule: potentiation window", "quantity", ms, low=0,
      low_exclusive=True),
    P("stdp_tau_minus", 20 * ms, "STDP value rule: depression window", "quantity", ms, low=0,
      low_exclusive=True),
])


def dual_rail(pattern: np.ndarray, copies: int) -> np.ndarray:
    """Dual-rail population code of patterns in [-1, 1] (last axis = entries).

    Neuron ``(2*j + rail)*copies + c`` is active when entry j is positive (rail 0) or negative
    (rail 1), at the entry's magnitude (1 for a +/-1 pattern; graded values give graded drive).
    """
    pattern = np.asarray(pattern, dtype=float)
    rails = np.stack([np.clip(pattern, 0, 1), np.clip(-pattern, 0, 1)], axis=-1)
    rails = rails.reshape(*pattern.shape[:-1], 2 * pattern.shape[-1])
    return np.repeat(rails, copies, axis=-1)


def stimulus_arrays(p: dict[str, Any], schedule: Schedule) -> dict[str, np.ndarray]:
    """The schedule as the circuit's TimedArray values (rows = schedule steps)."""
    arrays = schedule.arrays()
    return {
        "cue_on": dual_rail(arrays.cue, p["input_copies"]),
        "teacher_on": dual_rail(arrays.teacher, p["value_copies"]),
        "plateau_on": arrays.plateau,
        "stimulation_on": arrays.stimulation,
        "modulator_level": arrays.modulator,
        "key_gain_level": arrays.key_gain,
        "inhibition_level": arrays.inhibition_gain,
        "key_retention_level": arrays.key_retention,
    }


@dataclass
class BuiltCircuit:
    """Brian2 objects of one built circuit, ready for a `brian2.Network`.

    ``stimuli`` are the TimedArrays that carry the schedule; `load` writes another schedule
    of the same layout into them in place (runtime devices), so a built network can run
    many schedules without being rebuilt.
    """

    objects: list[Any]
    spike_monitors: dict[str, SpikeMonitor]
    sizes: dict[str, int]
    weight_synapses: dict[str, Synapses] = field(default_factory=dict)
    stimuli: dict[str, TimedArray] = field(default_factory=dict)
    stimulus_arrays: Any = None

    def load(self, schedule: Schedule) -> None:
        """Write ``schedule`` into the stimulus TimedArrays (zero beyond its end)."""
        for name, array in self.stimulus_arrays(schedule).items():
            target = self.stimuli[name].values
            if array.shape[1:] != target.shape[1:] or len(array) > len(target):
                raise ValueError(f"schedule for {name!r} has shape {array.shape}; the built "
                                 f"network holds at most {target.shape}")
            target[:] = 0.0  # rows past the schedule's end are never read
            target[:len(array)] = array

    def weights(self) -> dict[str, np.ndarray]:
        """Weight matrices (presynaptic x postsynaptic) of the plastic pathways."""
        out = {}
        for name, syn in self.weight_synapses.items():
            matrix = np.zeros((syn.source.N, syn.target.N))
            matrix[np.asarray(syn.i[:]), np.asarray(syn.j[:])] = np.asarray(syn.w[:])
            out[name] = matrix
        return out


class KVIndexCircuit:
    """Builds the ``kv-index`` circuit for a schedule."""

    name = "kv-index"
    parameters = PARAMETERS
    populations = ("input", "index", "inhibitory", "cortex")
    #: the population whose activity during encoding shows whether storage works
    storing_population = "index"

    def build(self, values: dict[str, Any], schedule: Schedule) -> BuiltCircuit:
        p = values
        # fixed names (not Brian's numbered defaults): the generated code, and so the
        # compiled Cython modules, stay the same however many networks a process builds
        stimuli = {name: TimedArray(padded_rows(array), dt=schedule.step,
                                    name=f"{name}_schedule")
                   for name, array in stimulus_arrays(p, schedule).items()}
        n_in = 2 * p["n_input"] * p["input_copies"]
        n_ctx = 2 * p["n_value"] * p["value_copies"]
        step = schedule.step
        neuron_constants = {
            key: p[key]
            for key in ("tau_m", "tau_exc", "tau_inh", "v_rest", "v_reset", "v_threshold")
        }

        inputs = PoissonGroup(n_in, rates="input_rate * cue_on(t, i)", name="input",
                              namespace={"input_rate": p["input_rate"], **stimuli})

        index = NeuronGroup(
            p["n_slots"],
            lif_equations(
                extra_drive="I_self + plateau_drive * tag + stimulation_drive * stimulation",
                extra_model="""
                dI_self/dt = -I_self / tau_self : volt
                tag : 1
                stimulation : 1
                key_gain : 1
                modulator : 1 (shared)
                inhibition_gain : 1 (shared)
                """,
            ),
            threshold=LIF_THRESHOLD, reset=LIF_RESET, refractory=p["refractory"],
            method="exponential_euler", name="index",
            namespace={**neuron_constants, **stimuli, "tau_self": p["tau_self"],
                       "plateau_drive": p["plateau_drive"],
                       "stimulation_drive": p["stimulation_drive"]},
        )
        index.v = p["v_rest"]
        index.run_regularly(
            "modulator = modulator_level(t)\n"
            "inhibition_gain = inhibition_level(t)\n"
            "tag = plateau_on(t, i)\n"
            "stimulation = stimulation_on(t, i)\n"
            "key_gain = key_gain_level(t, i)",
            clock=Clock(step, name="index_gates_clock"), when="start", name="index_gates",
        )

        inhibitory = NeuronGroup(
            p["n_inhibitory"],
            "dv/dt = (v_rest - v + I_exc) / tau_m_inhibitory : volt (unless refractory)\n"
            "dI_exc/dt = -I_exc / tau_exc : volt",
            threshold=LIF_THRESHOLD, reset=LIF_RESET, refractory=p["refractory"],
            method="exponential_euler", name="inhibitory",
            namespace={**neuron_constants, "tau_m_inhibitory": p["tau_m_inhibitory"]},
        )
        inhibitory.v = p["v_rest"]

        cortex = NeuronGroup(
            n_ctx,
            lif_equations(
                extra_drive="teacher_drive * teacher",
                extra_model="teacher : 1\nmodulator : 1 (shared)",
            ),
            threshold=LIF_THRESHOLD, reset=LIF_RESET, refractory=p["refractory"],
            method="exponential_euler", name="cortex",
            namespace={**neuron_constants, **stimuli,
                       "teacher_drive": p["teacher_drive"]},
        )
        cortex.v = p["v_rest"]
        cortex.run_regularly(
            "modulator = modulator_level(t)\nteacher = teacher_on(t, i)",
            clock=Clock(step, name="cortex_gates_clock"), when="start", name="cortex_gates",
        )

        key_rule = key_three_factor(eta=p["eta_key"], tau_decay=p["tau_key_decay"])
        keys = key_rule.synapses(
            inputs, index,
            transmission=(
                "key_open = clip(1 - key_ach_suppression * modulator_post, 0, 1)\n"
                "I_exc_post += key_synapse_gain * key_gain_post * w * key_open\n"
                "I_inh_post += feedforward_inhibition * key_open"),
            name="keys",
            dt=p["plasticity_dt"],
            namespace={"key_synapse_gain": p["key_gain"],
                       "key_ach_suppression": p["key_acetylcholine_suppression"],
                       "feedforward_inhibition": p["feedforward_inhibition"],
                       "key_retention_level": stimuli["key_retention_level"]},
        )
        keys.run_regularly("w = w * key_retention_level(t, j)",
                           clock=Clock(step, name="key_retention_clock"), when="start",
                           name="key_retention")

        if p["value_rule"] == "stdp":
            value_rule = value_stdp(p["stdp_a_plus"], -p["stdp_a_minus"], p["stdp_tau_plus"],
                                    p["stdp_tau_minus"])
        else:
            value_rule = value_rate_hebbian(p["eta_value"], p["tau_value_trace"])
        values_syn = value_rule.synapses(
            index, cortex,
            transmission=(
                "I_exc_post += value_gain * w"
                " * clip(1 - ach_suppression * modulator_post, 0, 1)"
            ),
            name="values",
            namespace={"value_gain": p["value_gain"],
                       "ach_suppression": p["acetylcholine_suppression"]},
        )

        self_excitation = Synapses(
            index, index, on_pre="I_self_post += self_excitation * (1 - modulator_post)",
            name="self_excitation", namespace={"self_excitation": p["self_excitation"]},
        )
        self_excitation.connect(j="i")
        to_inhibitory = Synapses(index, inhibitory, on_pre="I_exc_post += w_ei",
                                 name="index_to_inhibitory",
                                 namespace={"w_ei": p["index_to_inhibitory"]})
        to_inhibitory.connect()
        from_inhibitory = Synapses(inhibitory, index,
                                   on_pre="I_inh_post += w_ie * inhibition_gain_post",
                                   name="inhibitory_to_index",
                                   namespace={"w_ie": p["inhibition_strength"]})
        from_inhibitory.connect()

        groups = {"input": inputs, "index": index, "inhibitory": inhibitory, "cortex": cortex}
        monitors = {name: SpikeMonitor(g, name=f"{name}_spikes") for name, g in groups.items()}
        objects = [*groups.values(), keys, values_syn, self_excitation, to_inhibitory,
                   from_inhibitory, *monitors.values()]
        return BuiltCircuit(
            objects=objects,
            spike_monitors=monitors,
            sizes={name: g.N for name, g in groups.items()},
            weight_synapses={"keys": keys, "values": values_syn},
            stimuli=stimuli,
            stimulus_arrays=partial(stimulus_arrays, p),
        )
