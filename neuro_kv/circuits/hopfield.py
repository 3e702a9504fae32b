"""The ``hopfield`` circuit: the similarity-based baseline. One recurrent cortical population
stores the concatenated key+value pattern in its recurrent synapses and completes a partial key
by attractor dynamics.

Populations (neurons per replica; a network holds ``replicas`` independent copies):

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
the larger field wins (the dual-rail form of Hopfield's sign dynamics); membrane noise (from the
replica's random stream) keeps the network asynchronous; a reset inhibition between windows
ends the previous attractor before the next cue.

Every parameter except the sizes and the time constants (``STRUCTURAL``) is a model variable
with one value per replica.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from brian2 import Clock, Hz, NeuronGroup, SpikeMonitor, Synapses, ms, mV

from neuro_kv.network import (
    MODULATOR_STIMULUS,
    BuiltNetwork,
    Slice,
    WeightPathway,
    connect_blocks,
    owned_by,
    replica_of,
    schedule_stimuli,
)
from neuro_kv.neurons import lif_parameters, lif_variables, poisson_rail_input, rail_layout
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.plasticity import rail_covariance
from neuro_kv.random_stream import STREAMS, normal
from neuro_kv.schedule import Schedule

__all__ = ["HopfieldCircuit", "PARAMETERS", "STRUCTURAL"]

P = Parameter

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
    P("cue_gain", 20 * mV, "EPSC jump on a key rail per spike of one of its input neurons",
      "quantity", mV, low=0),
    P("teacher_drive", 60 * mV, "teacher depolarisation of clamped memory rails", "quantity",
      mV, low=0),
    P("recurrent_gain", 0.96 * mV, "recurrent current jump per presynaptic spike at weight 1, "
      "divided by the number of entries n_input + n_value (Hopfield's 1/N; signed: negative "
      "weights inhibit)", "quantity", mV, low=0),
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
    P("eta_covariance", 40.0 * Hz, "rail covariance rule: weight change per second of a "
      "stored pattern (x M)", "quantity", Hz, low=0),
    P("tau_activity", 20 * ms, "nearest-spike activity trace of memory neurons", "quantity",
      ms, low=0, low_exclusive=True),
    P("activity_threshold", 0.3, "trace level above which a memory neuron counts as active",
      "float", low=0, high=1, low_exclusive=True),
    P("plasticity_dt", 1 * ms, "integration step of the clock-driven covariance rule",
      "quantity", ms, low=0, low_exclusive=True),
])

#: Parameters fixed when a network is built: sizes, the time constants of the dynamics and
#: the refractory period (and the covariance rule's integration step). Every other parameter
#: is per replica.
STRUCTURAL = ("n_input", "n_value", "input_copies", "value_copies", "n_inhibitory", "tau_m",
              "tau_m_inhibitory", "tau_exc", "tau_inh", "tau_recurrent", "tau_ramp",
              "tau_activity", "refractory", "plasticity_dt")

NOISE = STREAMS["noise"]
MEMORY_MODEL = f"""
dv/dt = (v_rest - v + I_exc - I_inh + I_rec + teacher_drive * teacher + retrieval_bias * ramp
         - reset_inhibition * quiet
         + noise_sigma * sqrt(2 * tau_m / dt) * noise(seed, neuron, t_in_timesteps, {NOISE})
         ) / tau_m : volt (unless refractory)
dI_exc/dt = -I_exc / tau_exc : volt              # cue (input -> key part)
dI_inh/dt = -I_inh / tau_inh : volt              # rail competition and pooled inhibition
dI_rec/dt = -I_rec / tau_recurrent : volt        # recurrent (attractor) field
dramp/dt = (cueing - ramp) / tau_ramp : 1        # retrieval bias, rising after cue onset
dactivity/dt = -activity / tau_activity : 1      # nearest-spike activity trace
rail : 1                             # signed rail activity (RAIL_UPDATE, each plasticity step)
opponent : 1                         # active share of the entry's other rail (summed)
teacher : 1                          # teacher clamp (schedule)
modulator : 1                        # neuromodulator level (schedule)
cueing : 1                           # 1 while a cue is shown (schedule)
quiet : 1                            # 1 between windows (schedule)
rail_sign : 1 (constant)
teacher_column : integer (constant)  # column of its entry in the teacher schedule
replica : integer (constant)
neuron : integer (constant)          # index within the replica (random stream counter)
seed : integer (constant)            # the replica's seed
v_rest : volt (constant)
v_reset : volt (constant)
v_threshold : volt (constant)
teacher_drive : volt (constant)
retrieval_bias : volt (constant)
reset_inhibition : volt (constant)
noise_sigma : volt (constant)
cue_gain : volt (constant)
recurrent_gain : volt (constant)
rail_inhibition : volt (constant)
inhibition_strength : volt (constant)
acetylcholine_suppression : 1 (constant)
eta_covariance : Hz (constant)
activity_threshold : 1 (constant)
"""
MEMORY_GATES = """
modulator = modulator_level(t, replica)
cueing = cueing_level(t, replica)
quiet = quiet_level(t, replica)
teacher = clip(rail_sign * teacher_level(t, teacher_column), 0, 1)
"""

#: the signed rail activity the covariance rule reads, computed once per neuron and plasticity
#: step (not once per synapse): +1 active with the other rail silent, -1 the reverse. It runs
#: right after the opponent shares are summed (same slot and order, named to sort after
#: them), so a neuron's own activity and its opponents' are read at the same moment and the
#: two rails of an entry get exactly opposite values (no common-mode weight change).
RAIL_UPDATE = "rail = int(activity > activity_threshold) - opponent"

INHIBITORY_MODEL = """
dv/dt = (v_rest - v + I_exc) / tau_m_inhibitory : volt (unless refractory)
dI_exc/dt = -I_exc / tau_exc : volt
v_rest : volt (constant)
v_reset : volt (constant)
v_threshold : volt (constant)
memory_to_inhibitory : volt (constant)  # EPSC jump per memory spike
"""

#: Hopfield's 1/N: the jump per spike is ``recurrent_gain * w / n_entries`` (n_entries =
#: n_input + n_value), so the field of a stored pattern does not grow with the network's size
RECURRENT_TRANSMISSION = ("I_rec_post += recurrent_gain_post * w / {n_entries}"
                          " * clip(1 - acetylcholine_suppression_post * modulator_post, 0, 1)")
LIF_THRESHOLD = "v > v_threshold"

#: Schedule arrays: name -> (columns per replica, value after a schedule's end)
STIMULI = {
    "cue_level": (lambda p: p["n_input"], 0.0),
    "teacher_level": (lambda p: p["n_input"] + p["n_value"], 0.0),
    MODULATOR_STIMULUS: (lambda p: 1, 0.0),
    "cueing_level": (lambda p: 1, 0.0),
    "quiet_level": (lambda p: 1, 1.0),
}


def stimulus(p: dict[str, Any], schedule: Schedule) -> dict[str, np.ndarray]:
    """One run's schedule as stimulus columns: while a teacher is present it clamps the
    whole pattern (key entries from the cue, value entries from the teacher) and the input is
    silent; otherwise the cue drives the input and the memory gets the retrieval bias."""
    arrays = schedule.arrays()
    teaching = np.any(arrays.teacher != 0, axis=1, keepdims=True)
    cueing = np.any(arrays.cue != 0, axis=1, keepdims=True) & ~teaching
    return {
        "cue_level": arrays.cue * cueing,
        "teacher_level": np.concatenate([arrays.cue * teaching, arrays.teacher], axis=1),
        MODULATOR_STIMULUS: arrays.modulator[:, None],
        "cueing_level": cueing.astype(float),
        "quiet_level": (~(cueing | teaching)).astype(float),
    }


class HopfieldCircuit:
    """Builds the ``hopfield`` baseline circuit: K replicas of input, memory and pool."""

    name = "hopfield"
    parameters = PARAMETERS
    #: no schedule controls: a window is its cue, teacher and neuromodulator level
    controls = ()
    structural_parameters = STRUCTURAL
    populations = ("input", "cortex_key", "cortex", "inhibitory")
    #: the population whose activity during encoding shows whether storage works
    storing_population = "cortex"
    #: its healthy mean rate while storing: the teacher clamps half of the rails (measured at
    #: the defaults: 61 Hz); below, nothing is clamped; above, both rails of entries fire
    encoding_rate_limits_hz = (0.5, 150.0)
    #: wall seconds per replica and model second on cpp_standalone (README, benchmarks)
    replica_cost_s = 0.15

    def per_replica_bytes(self, p: dict[str, Any], rows: int) -> int:
        """Memory one replica needs (bytes, measured for the defaults; see README)."""
        copies = p["value_copies"]
        n_memory = 2 * (p["n_input"] + p["n_value"]) * copies
        n_in = 2 * p["n_input"] * p["input_copies"]
        synapses = n_memory * (n_memory - 2 * copies) + n_in * copies + 2 * n_memory * (
            p["n_inhibitory"] + 1)
        columns = 2 * p["n_input"] + p["n_value"] + 3
        return 60 * synapses + 8 * rows * columns + 400 * (n_in + n_memory) + 2_000_000

    def build(self, p: dict[str, Any], replicas: int, rows: int, step: Any) -> BuiltNetwork:
        """K = ``replicas`` copies; ``p`` gives the structural parameters (the others are set
        per run); the stimulus arrays hold ``rows`` schedule steps of ``step``."""
        K = replicas
        copies = p["value_copies"]
        n_entries = p["n_input"] + p["n_value"]
        n_key, n_memory = 2 * p["n_input"] * copies, 2 * n_entries * copies
        n_in = 2 * p["n_input"] * p["input_copies"]
        memory_view = Slice(n_memory, 0, n_memory)
        views = {"input": Slice(n_in, 0, n_in), "cortex_key": Slice(n_memory, 0, n_key),
                 "cortex": Slice(n_memory, n_key, n_memory - n_key),
                 "inhibitory": Slice(p["n_inhibitory"], 0, p["n_inhibitory"])}
        stimuli = schedule_stimuli(STIMULI, p, K, rows, step)
        schedules = {name: s.timed_array for name, s in stimuli.items()}
        constants = {name: p[name] for name in ("tau_m", "tau_m_inhibitory", "tau_exc",
                                                "tau_inh", "tau_recurrent", "tau_ramp",
                                                "tau_activity")}

        inputs = poisson_rail_input(K, p["n_input"], p["input_copies"],
                                    schedules["cue_level"], step)
        memory = NeuronGroup(K * n_memory, MEMORY_MODEL, threshold=LIF_THRESHOLD,
                             reset="v = v_reset\nactivity = 1", refractory=p["refractory"],
                             method="euler", name="memory",
                             namespace={**constants, **schedules, "noise": normal})
        entry, rail = rail_layout(n_entries, copies)
        memory.rail_sign = np.tile(1.0 - 2.0 * rail, K)
        memory.teacher_column = replica_of(K, n_memory) * n_entries + np.tile(entry, K)
        memory.replica = replica_of(K, n_memory)
        memory.neuron = np.tile(np.arange(n_memory), K)
        memory.run_regularly(MEMORY_GATES, clock=Clock(step, name="memory_gates_clock"),
                             when="start", name="memory_gates")
        memory.run_regularly(RAIL_UPDATE, clock=Clock(p["plasticity_dt"],
                                                      name="memory_rail_clock"),
                             when="groups", order=memory.order - 1, name="rail_signs")

        cue = Synapses(inputs, memory, on_pre="I_exc_post += cue_gain_post", name="cue")
        # input neuron (rail r of entry e) -> every memory neuron of rail r of entry e
        connect_blocks(cue, views["input"], views["cortex_key"], K,
                       lambda i, j: i // p["input_copies"] == j // copies)

        recurrent = rail_covariance().synapses(memory, memory,
                                               transmission=RECURRENT_TRANSMISSION.format(
                                                   n_entries=n_entries),
                                               name="recurrent", dt=p["plasticity_dt"])
        connect_blocks(recurrent, memory_view, memory_view, K,
                       lambda i, j: i // (2 * copies) != j // (2 * copies))

        rails = Synapses(
            memory, memory,
            model=f"opponent_post = int(activity_pre > activity_threshold_pre) / {copies}"
                  " : 1 (summed)",
            on_pre="I_inh_post += rail_inhibition_post", name="rail_competition")
        connect_blocks(rails, memory_view, memory_view, K,
                       lambda i, j: (i // (2 * copies) == j // (2 * copies))
                       & (i // copies != j // copies))

        inhibitory = NeuronGroup(K * p["n_inhibitory"], INHIBITORY_MODEL,
                                 threshold=LIF_THRESHOLD, reset="v = v_reset",
                                 refractory=p["refractory"], method="exponential_euler",
                                 name="inhibitory", namespace=constants)
        to_inhibitory = Synapses(memory, inhibitory,
                                 on_pre="I_exc_post += memory_to_inhibitory_post",
                                 name="memory_to_inhibitory")
        connect_blocks(to_inhibitory, memory_view, views["inhibitory"], K)
        from_inhibitory = Synapses(inhibitory, memory,
                                   on_pre="I_inh_post += inhibition_strength_post",
                                   name="inhibitory_to_memory")
        connect_blocks(from_inhibitory, views["inhibitory"], memory_view, K)

        monitors = {"input": SpikeMonitor(inputs, name="input_spikes"),
                    "memory": SpikeMonitor(memory, name="memory_spikes"),
                    "inhibitory": SpikeMonitor(inhibitory, name="inhibitory_spikes")}
        populations = {"input": (monitors["input"], views["input"]),
                       "cortex_key": (monitors["memory"], views["cortex_key"]),
                       "cortex": (monitors["memory"], views["cortex"]),
                       "inhibitory": (monitors["inhibitory"], views["inhibitory"])}
        per_replica = {
            **lif_variables((memory, inhibitory)),
            **owned_by(inputs, ("input_rate",)),
            **owned_by(inhibitory, ("memory_to_inhibitory",)),
            **owned_by(memory, (
                "teacher_drive", "retrieval_bias", "reset_inhibition", "noise_sigma",
                "cue_gain", "recurrent_gain", "rail_inhibition", "inhibition_strength",
                "acetylcholine_suppression", "eta_covariance", "activity_threshold")),
        }
        return BuiltNetwork(
            replicas=K, rows=rows, step=step,
            objects=[inputs, memory, inhibitory, cue, recurrent, rails, to_inhibitory,
                     from_inhibitory, *monitors.values()],
            populations=populations,
            stimuli=stimuli,
            replica_variables=per_replica,
            seeds=[(inputs, "seed"), (memory, "seed")],
            weights={"recurrent": WeightPathway(recurrent, memory_view, memory_view)},
            stimulus=stimulus,
        )
