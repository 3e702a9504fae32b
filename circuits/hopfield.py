"""The ``hopfield`` circuit: the similarity-based baseline. One recurrent cortical population
stores the concatenated key+value pattern in its recurrent synapses and completes a partial key
by attractor dynamics.

Populations (LIF, see `neuro_kv.neurons`):

- ``input``: the same dual-rail Poisson cue as ``kv-index``; each input neuron drives every
  memory neuron of the matching key rail (``cue_gain``). The input is silent while a teacher
  is present (encoding), so what is stored is the clamped pattern.
- ``cortex_key`` and ``cortex``: the key part and the value part of one recurrent memory
  population (dual-rail, ``value_copies`` neurons per rail and entry). During encoding a
  teacher current clamps the whole key+value pattern.
- ``inhibitory``: pooled inhibition of the whole memory.

Recurrent synapses (all pairs of different entries) learn with the rail covariance rule
(`neuro_kv.plasticity.rail_covariance`) while the neuromodulator is on, and their transmission
is suppressed by the modulator (acetylcholine-like), as in ``kv-index``: the rail difference
of the learned weights is the Hopfield matrix, with no common-mode part. Negative weights
stand for a lumped disynaptic inhibitory path. At retrieval a depolarising bias, rising with
``tau_ramp`` after cue onset, lets a rail fire when its recurrent field is positive (entries
with the strongest field first); the two rails of an entry inhibit each other, so the rail with
the larger field wins (the dual-rail form of Hopfield's sign dynamics); membrane noise keeps
the network asynchronous; a reset inhibition between windows ends the previous attractor
before the next cue.

The retrieval gains (``recurrent_gain``, ``retrieval_bias``, ``noise_sigma``,
``rail_inhibition``, ``inhibition_strength``) are shared model variables, so one build can be
re-tuned without new code (``runtime_parameters``, used by `neuro_kv.reuse`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from brian2 import (
    Clock,
    Hz,
    NeuronGroup,
    PoissonGroup,
    SpikeMonitor,
    Subgroup,
    Synapses,
    TimedArray,
    ms,
    mV,
)

from circuits.kv_index import BuiltCircuit, dual_rail
from neuro_kv.neurons import LIF_THRESHOLD, lif_equations, lif_parameters
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.plasticity import rail_covariance
from neuro_kv.schedule import Schedule, padded_rows

__all__ = ["HopfieldCircuit"]

P = Parameter

#: Parameters held as shared model variables: (parameter, Brian2 object name, variable).
RUNTIME_PARAMETERS = (
    ("recurrent_gain", "recurrent", "recurrent_gain"),
    ("retrieval_bias", "memory", "retrieval_bias"),
    ("noise_sigma", "memory", "noise_sigma"),
    ("rail_inhibition", "rail_competition", "rail_inhibition"),
    ("inhibition_strength", "inhibitory_to_memory", "inhibition_strength"),
)

PARAMETERS = ParameterSet([
    P("n_input", 40, "key/cue dimension (pattern entries)", "int", low=1),
    P("n_value", 40, "value dimension (pattern entries)", "int", low=1),
    P("input_copies", 12, "input neurons per rail and entry (population code)", "int", low=1),
    P("value_copies", 2, "memory neurons per rail and entry (key and value parts alike)", "int",
      low=1),
    P("n_inhibitory", 10, "interneurons in the inhibitory pool", "int", low=1),
    *lif_parameters(),
    P("tau_recurrent", 30 * ms, "recurrent synaptic time constant (slow, NMDA-like values "
      "average the recurrent field over more spikes)", "quantity", ms, low=0,
      low_exclusive=True),
    P("input_rate", 40 * Hz, "rate of an active input neuron", "quantity", Hz, low=0),
    P("cue_gain", 5 * mV, "EPSC jump on a key rail per spike of one of its input neurons",
      "quantity", mV, low=0),
    P("teacher_drive", 60 * mV, "teacher depolarisation of clamped memory rails", "quantity",
      mV, low=0),
    P("recurrent_gain", 0.017 * mV, "recurrent current jump per presynaptic spike at weight 1 "
      "(signed: negative weights inhibit)", "quantity", mV, low=0),
    P("retrieval_bias", 14 * mV, "depolarisation of the memory while a cue is shown",
      "quantity", mV, low=0),
    P("tau_ramp", 30 * ms, "rise time of the retrieval bias after cue onset (entries with the "
      "strongest recurrent field cross threshold first, like an asynchronous update ordered "
      "by confidence)", "quantity", ms, low=0, low_exclusive=True),
    P("rail_inhibition", 20 * mV, "IPSC jump between the two rails of an entry", "quantity",
      mV, low=0),
    P("noise_sigma", 1.5 * mV, "standard deviation of the membrane noise of memory neurons "
      "(desynchronises the attractor dynamics)", "quantity", mV, low=0),
    P("memory_to_inhibitory", 2 * mV, "EPSC jump on interneurons per memory spike",
      "quantity", mV, low=0),
    P("inhibition_strength", 0 * mV, "IPSC jump on memory neurons per interneuron spike",
      "quantity", mV, low=0),
    P("reset_inhibition", 20 * mV, "hyperpolarisation of the memory between windows",
      "quantity", mV, low=0),
    P("acetylcholine_suppression", 1.0, "fraction of recurrent transmission removed per unit "
      "of modulator", "float", low=0, high=1),
    P("eta_covariance", 40.0, "rail covariance rule: weight change per second of a stored "
      "pattern (x M)", "float", low=0),
    P("tau_activity", 20 * ms, "nearest-spike activity trace of memory neurons", "quantity",
      ms, low=0, low_exclusive=True),
    P("activity_threshold", 0.3, "trace level above which a memory neuron counts as active",
      "float", low=0, high=1, low_exclusive=True),
    P("plasticity_dt", 1 * ms, "integration step of the clock-driven covariance rule",
      "quantity", ms, low=0, low_exclusive=True),
])


def stimulus_arrays(p: dict[str, Any], schedule: Schedule) -> dict[str, np.ndarray]:
    """The schedule as TimedArray values: while a teacher is present it clamps the whole
    pattern (key rails from the cue, value rails from the teacher) and the input is silent;
    otherwise the cue drives the input and the memory gets the retrieval bias."""
    arrays = schedule.arrays()
    copies = p["value_copies"]
    teaching = np.any(arrays.teacher != 0, axis=1, keepdims=True)
    cueing = np.any(arrays.cue != 0, axis=1, keepdims=True) & ~teaching
    return {
        "cue_on": dual_rail(arrays.cue, p["input_copies"]) * cueing,
        "teacher_on": np.concatenate([dual_rail(arrays.cue, copies) * teaching,
                                      dual_rail(arrays.teacher, copies)], axis=1),
        "modulator_level": arrays.modulator,
        "cueing_on": cueing[:, 0].astype(float),
        "quiet_on": (~(cueing | teaching))[:, 0].astype(float),
    }


class HopfieldCircuit:
    """Builds the ``hopfield`` baseline circuit for a schedule."""

    name = "hopfield"
    parameters = PARAMETERS
    runtime_parameters = RUNTIME_PARAMETERS
    populations = ("input", "cortex_key", "cortex", "inhibitory")
    #: the population whose activity during encoding shows whether storage works
    storing_population = "cortex"

    def build(self, values: dict[str, Any], schedule: Schedule) -> BuiltCircuit:
        p = values
        # fixed names (not Brian's numbered defaults): the generated code, and so the
        # compiled Cython modules, stay the same however many networks a process builds
        stimuli = {name: TimedArray(padded_rows(array), dt=schedule.step,
                                    name=f"{name}_schedule")
                   for name, array in stimulus_arrays(p, schedule).items()}
        copies = p["value_copies"]
        n_key = 2 * p["n_input"] * copies
        n_memory = n_key + 2 * p["n_value"] * copies
        constants = {key: p[key] for key in
                     ("tau_m", "tau_exc", "tau_inh", "v_rest", "v_reset", "v_threshold")}

        inputs = PoissonGroup(2 * p["n_input"] * p["input_copies"],
                              rates="input_rate * cue_on(t, i)", name="input",
                              namespace={"input_rate": p["input_rate"], **stimuli})
        memory = NeuronGroup(
            n_memory,
            lif_equations(
                extra_drive=("I_rec + teacher_drive * teacher + retrieval_bias * ramp"
                             " - reset_inhibition * quiet + noise_sigma * sqrt(2 * tau_m) * xi"),
                extra_model="""
                dI_rec/dt = -I_rec / tau_recurrent : volt
                dramp/dt = (cueing - ramp) / tau_ramp : 1
                dactivity/dt = -activity / tau_activity : 1
                rail = int(activity > activity_threshold) - opponent : 1
                opponent : 1
                teacher : 1
                retrieval_bias : volt (shared)
                noise_sigma : volt (shared)
                modulator : 1 (shared)
                cueing : 1 (shared)
                quiet : 1 (shared)
                """,
            ),
            threshold=LIF_THRESHOLD, reset="v = v_reset\nactivity = 1",
            refractory=p["refractory"], method="euler", name="memory",
            namespace={**constants, **stimuli, "teacher_drive": p["teacher_drive"],
                       "reset_inhibition": p["reset_inhibition"],
                       "tau_recurrent": p["tau_recurrent"],
                       "tau_ramp": p["tau_ramp"],
                       "tau_activity": p["tau_activity"],
                       "activity_threshold": p["activity_threshold"]},
        )
        memory.v = p["v_rest"]
        memory.run_regularly(
            "modulator = modulator_level(t)\ncueing = cueing_on(t)\nquiet = quiet_on(t)\n"
            "teacher = teacher_on(t, i)",
            clock=Clock(schedule.step, name="memory_gates_clock"), when="start",
            name="memory_gates",
        )
        key_part = Subgroup(memory, 0, n_key, name="memory_key_part")
        value_part = Subgroup(memory, n_key, len(memory), name="memory_value_part")

        cue = Synapses(inputs, key_part, on_pre="I_exc_post += cue_gain", name="cue",
                       namespace={"cue_gain": p["cue_gain"]})
        # input neuron (rail r of entry e) -> every memory neuron of rail r of entry e
        cue.connect(condition="i // input_copies == j // memory_copies",
                    namespace={"input_copies": p["input_copies"], "memory_copies": copies})

        rule = rail_covariance(p["eta_covariance"])
        recurrent = rule.synapses(
            memory, memory,
            transmission=("I_rec_post += recurrent_gain * w"
                          " * clip(1 - ach_suppression * modulator_post, 0, 1)"),
            extra_model="recurrent_gain : volt (shared)",
            name="recurrent", dt=p["plasticity_dt"],
            namespace={"ach_suppression": p["acetylcholine_suppression"],
                       "activity_threshold": p["activity_threshold"]},
            connect="i // (2 * copies) != j // (2 * copies)",
            connect_namespace={"copies": copies},
        )

        rails = Synapses(
            memory, memory,
            model="rail_inhibition : volt (shared)\n"
                  "opponent_post = int(activity_pre > activity_threshold) / copies"
                  " : 1 (summed)",
            on_pre="I_inh_post += rail_inhibition", name="rail_competition",
            namespace={"activity_threshold": p["activity_threshold"], "copies": copies},
        )
        rails.connect(condition="i // (2 * copies) == j // (2 * copies)"
                                " and i // copies != j // copies",
                      namespace={"copies": copies})

        inhibitory = NeuronGroup(
            p["n_inhibitory"],
            "dv/dt = (v_rest - v + I_exc) / tau_m_inhibitory : volt (unless refractory)\n"
            "dI_exc/dt = -I_exc / tau_exc : volt",
            threshold=LIF_THRESHOLD, reset="v = v_reset", refractory=p["refractory"],
            method="exponential_euler", name="inhibitory",
            namespace={**constants, "tau_m_inhibitory": p["tau_m_inhibitory"]},
        )
        inhibitory.v = p["v_rest"]
        to_inhibitory = Synapses(memory, inhibitory, on_pre="I_exc_post += w_ei",
                                 name="memory_to_inhibitory",
                                 namespace={"w_ei": p["memory_to_inhibitory"]})
        to_inhibitory.connect()
        from_inhibitory = Synapses(inhibitory, memory, model="inhibition_strength : volt "
                                   "(shared)", on_pre="I_inh_post += inhibition_strength",
                                   name="inhibitory_to_memory")
        from_inhibitory.connect()

        monitors = {"input": SpikeMonitor(inputs, name="input_spikes"),
                    "cortex_key": SpikeMonitor(key_part, name="cortex_key_spikes"),
                    "cortex": SpikeMonitor(value_part, name="cortex_spikes"),
                    "inhibitory": SpikeMonitor(inhibitory, name="inhibitory_spikes")}
        objects = [inputs, memory, inhibitory, cue, recurrent, rails, to_inhibitory,
                   from_inhibitory, *monitors.values()]
        by_name = {obj.name: obj for obj in objects}
        for parameter, owner, variable in RUNTIME_PARAMETERS:
            setattr(by_name[owner], variable, p[parameter])
        return BuiltCircuit(
            objects=objects,
            spike_monitors=monitors,
            sizes={"input": inputs.N, "cortex_key": n_key, "cortex": n_memory - n_key,
                   "inhibitory": inhibitory.N},
            weight_synapses={"recurrent": recurrent},
            stimuli=stimuli,
            stimulus_arrays=partial(stimulus_arrays, p),
        )
