"""The ``kv-index`` circuit: entorhinal input -> hippocampal index (keys) -> cortex (values).

Populations (neurons per replica; a network holds ``replicas`` independent copies):

- ``input``: Poisson neurons, dual-rail population code of a pattern of ``n_input`` entries
  in [-1, 1]: ``input_copies`` neurons fire for a positive entry, another ``input_copies``
  for a negative one (at the entry's magnitude), and a hidden entry (0) leaves both silent.
  Spikes are drawn from the replica's counter-based random stream.
- ``index``: ``n_slots`` LIF slot neurons. Input -> index synapses hold the keys
  (`neuro_kv.plasticity.key_three_factor`). A plateau current drives the tagged slot during
  encoding; a feedforward inhibition (one unit per input spike, lumped disynaptic path)
  subtracts the average match; a slot self-excitation (a latch: switched off by the
  neuromodulator, scaled by the schedule's ``latch_gain`` and emptied in every gap) and pooled
  recurrent inhibition through ``inhibitory`` make the read-out a winner-take-all: the first
  slot to latch outlasts the inhibition it recruits and silences the rest. The schedule's
  latch and inhibition gains (together: the read-out's sharpness) move it from a soft,
  softmax-like read-out (0) to a hard winner (1).
- ``inhibitory``: the interneuron pool.
- ``cortex``: dual-rail value population (``value_copies`` neurons per rail and entry),
  clamped by a teacher current during encoding. Index -> cortex synapses hold the values
  (rate-Hebbian or STDP).
- re-entry (cortex -> input): each input neuron counts the cortical spikes of its entry on
  its own rail and on the other one and, at every window's onset, holds whether its rail won
  (`neuro_kv.neurons.REENTRY_MODEL`); while the schedule's ``reentry`` gain is on, the held
  value drives it like a cue, so the value recalled in one window cues the next (sequences).

While the neuromodulator is on, acetylcholine suppresses transmission on both pathways of the
index (Hasselmo's encoding/retrieval switch): storing a new item neither recalls nor rewrites
an old one. The gates (``modulator``, ``tag``, ``teacher``, ``stimulation``) and the schedule's
gains (``key_pathway_gain`` of each slot, ``inhibition_gain``, ``latch_gain``) are model
variables written from `brian2.TimedArray` schedules every schedule step; another scheduled
operation multiplies chosen slots' key synapses (an amnesic manipulation, which leaves the
value synapses alone).

Every parameter except the sizes, the value rule and the time constants of the neurons' and
traces' dynamics (``STRUCTURAL``) is a model variable with one value per replica, so the
replicas of one batch can differ in any of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from brian2 import (
    Clock,
    Hz,
    NeuronGroup,
    SpikeMonitor,
    Synapses,
    ms,
    mV,
)

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
from neuro_kv.parameters import Parameter, ParameterError, ParameterSet
from neuro_kv.plasticity import (
    VALUE_RULES,
    key_metaplastic,
    key_three_factor,
    value_metaplastic,
    value_rate_hebbian,
    value_stdp,
)
from neuro_kv.random_stream import STREAMS, kept, scaled_normal
from neuro_kv.schedule import Control, Schedule

__all__ = ["KVIndexCircuit", "PARAMETERS", "STRUCTURAL", "CONTROLS"]

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
    P("self_excitation", 80 * mV, "slot self-excitation jump per own spike (off while the "
      "modulator is on)", "quantity", mV, low=0),
    P("index_to_inhibitory", 40 * mV, "EPSC jump on interneurons per slot spike", "quantity",
      mV, low=0),
    P("inhibition_strength", 12 * mV, "IPSC jump on slots per interneuron spike (sets how "
      "winner-take-all the read-out is)", "quantity", mV, low=0),
    P("onset_reset", 0.0, "share of the slots' membrane deviation from rest and of their "
      "inhibitory current removed at every window's onset (1: each window's race starts "
      "afresh, first spike at about 12 ms; 0: the previous window's inhibition carries over "
      "and slows the race to about 28 ms, which keeps similar keys apart)", "float", low=0,
      high=1),
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
    P("tau_key_decay", 25 * ms, "key rule: gated decay time constant", "quantity", ms, low=0,
      low_exclusive=True),
    P("metaplasticity", "off", "on: key synapses (key_metaplastic) and, with the "
      "rate_hebbian value rule, value synapses (value_metaplastic) become stable once "
      "written with an effective rate (eta x modulator) above stability_threshold, and no "
      "later ordinary write changes them", "choice", choices=("off", "on")),
    P("stability_threshold", 1.0, "metaplasticity: effective learning rate (eta x "
      "modulator x tag) above which a write makes its synapses stable (with eta <= 1 only a "
      "modulator above 1, a salient item, crosses 1)", "float", low=0),
    P("synapse_damage", "off", "on: a schedule can damage the key and value synapses after "
      "storage (Phase.synapse_loss: a fraction silenced; Phase.weight_noise: Gaussian noise "
      "of that standard deviation added, weights kept in [0, 1]), drawn per synapse from "
      "the run's seed; off: it cannot, and the circuit spends nothing on it", "choice",
      choices=("off", "on")),
    P("value_rule", "rate_hebbian", "value plasticity rule", "choice", choices=VALUE_RULES),
    P("eta_value", 0.3, "rate-Hebbian value rule: step toward the target per presynaptic "
      "spike (x M)", "float", low=0, high=1),
    P("tau_value_trace", 20 * ms, "rate-Hebbian value rule: time constant of a cortical "
      "neuron's activity trace", "quantity", ms, low=0, low_exclusive=True),
    P("stdp_a_plus", 0.1, "STDP value rule: potentiation amplitude", "float", low=0),
    P("stdp_a_minus", 0.075, "STDP value rule: depression amplitude (magnitude)", "float",
      low=0),
    P("stdp_tau_plus", 20 * ms, "STDP value rule: potentiation window", "quantity", ms, low=0,
      low_exclusive=True),
    P("stdp_tau_minus", 20 * ms, "STDP value rule: depression window", "quantity", ms, low=0,
      low_exclusive=True),
])

#: Parameters fixed when a network is built: sizes, the value rule, and the time constants
#: of the neurons' and traces' dynamics and the refractory period (their integration factors
#: and step counts are computed once per time step for the whole group, not per neuron).
#: Every other parameter is a per-replica variable.
STRUCTURAL = ("n_input", "n_slots", "n_value", "input_copies", "value_copies",
              "n_inhibitory", "tau_m", "tau_m_inhibitory", "tau_exc", "tau_inh", "tau_self",
              "refractory", "metaplasticity", "synapse_damage", "value_rule",
              "tau_value_trace", "stdp_tau_plus", "stdp_tau_minus")

INDEX_MODEL = """
dv/dt = (v_rest - v + I_exc - I_inh + I_self + plateau_drive * tag
         + stimulation_drive * stimulation) / tau_m : volt (unless refractory)
dI_exc/dt = -I_exc / tau_exc : volt              # key match (input -> index)
dI_inh/dt = -I_inh / tau_inh : volt              # feedforward and pooled inhibition
dI_self/dt = -I_self / tau_self : volt           # self-excitation
dkey_decay/dt = clip(modulator, 0, 1) * tag / tau_key_decay : 1  # the key rule's decay
dkey_stable_decay/dt = stabilising * clip(modulator, 0, 1) * tag / tau_key_decay : 1  # stable
stabilising : 1                      # 1 while eta_key x modulator x tag > stability_threshold
tag : 1                              # plateau tag (schedule)
stimulation : 1                      # direct stimulation (schedule)
key_pathway_gain : 1                 # gain on this slot's key pathway (schedule)
modulator : 1                        # neuromodulator level of the replica (schedule)
inhibition_gain : 1                  # gain on the replica's recurrent inhibition (schedule)
latch_gain : 1                       # gain on self-excitation: 0 in gaps releases the latch
onset : 1                            # 1 at a window's first schedule step (schedule)
replica : integer (constant)
seed : integer (constant)            # the replica's seed (synapse damage draws)
onset_reset : 1 (constant)           # share of the slots' state reset at a window's onset
v_rest : volt (constant)
v_reset : volt (constant)
v_threshold : volt (constant)
plateau_drive : volt (constant)
stimulation_drive : volt (constant)
self_excitation : volt (constant)
inhibition_strength : volt (constant)
key_gain : volt (constant)           # EPSC jump per input spike at key weight 1
feedforward_inhibition : volt (constant)
key_acetylcholine_suppression : 1 (constant)
eta_key : 1 (constant)
tau_key_decay : second (constant)
stability_threshold : 1 (constant)
"""
INDEX_GATES = """
modulator = modulator_level(t, replica)
inhibition_gain = inhibition_gain_level(t, replica)
latch_gain = latch_gain_level(t, replica)
I_self = I_self * int(latch_gain > 0)
onset = onset_level(t, replica)
v = v - onset_reset * onset * (v - v_rest)
I_inh = I_inh - onset_reset * onset * I_inh
tag = plateau_level(t, i)
stimulation = stimulation_level(t, i)
key_pathway_gain = key_pathway_gain_level(t, i)
stabilising = int(eta_key * modulator * tag > stability_threshold)
"""

INHIBITORY_MODEL = """
dv/dt = (v_rest - v + I_exc) / tau_m_inhibitory : volt (unless refractory)
dI_exc/dt = -I_exc / tau_exc : volt
v_rest : volt (constant)
v_reset : volt (constant)
v_threshold : volt (constant)
index_to_inhibitory : volt (constant)  # EPSC jump per slot spike
"""

CORTEX_MODEL = """
dv/dt = (v_rest - v + I_exc + teacher_drive * teacher) / tau_m : volt (unless refractory)
dI_exc/dt = -I_exc / tau_exc : volt              # value read-out (index -> cortex)
dactivity/dt = -activity / tau_value_trace : 1   # nearest-spike trace (value rule)
teacher : 1                          # teacher clamp (schedule)
modulator : 1                        # neuromodulator level of the replica (schedule)
rail_sign : 1 (constant)
teacher_column : integer (constant)  # column of its entry in the teacher schedule
replica : integer (constant)
v_rest : volt (constant)
v_reset : volt (constant)
v_threshold : volt (constant)
teacher_drive : volt (constant)
value_gain : volt (constant)         # EPSC jump per slot spike at value weight 1
acetylcholine_suppression : 1 (constant)
eta_value : 1 (constant)
stdp_a_plus : 1 (constant)
stdp_a_minus : 1 (constant)
stability_threshold : 1 (constant)
"""
CORTEX_GATES = """
modulator = modulator_level(t, replica)
teacher = clip(rail_sign * teacher_level(t, teacher_column), 0, 1)
"""

KEY_TRANSMISSION = """
key_open = clip(1 - key_acetylcholine_suppression_post * modulator_post, 0, 1)
I_exc_post += key_gain_post * key_pathway_gain_post * w * key_open
I_inh_post += feedforward_inhibition_post * key_open
"""
VALUE_TRANSMISSION = ("I_exc_post += value_gain_post * w"
                      " * clip(1 - acetylcholine_suppression_post * modulator_post, 0, 1)")
#: the latch: a slot's spike excites itself (not while storing; scaled by the latch gain)
LATCH = ("I_self_post += self_excitation_post * latch_gain_post"
         " * clip(1 - modulator_post, 0, 1)")
TO_INHIBITORY = "I_exc_post += index_to_inhibitory_post"
FROM_INHIBITORY = "I_inh_post += inhibition_strength_post * inhibition_gain_post"
#: a cortical spike counts toward its entry's input buffer, on the same rail or the other
REENTRY_COUNT = ("reentry_same_post += same_rail\n"
                 "reentry_other_post += 1 - same_rail")

LIF_THRESHOLD = "v > v_threshold"
LIF_RESET = "v = v_reset"
CORTEX_RESET = "v = v_reset\nactivity = 1"

#: The schedule controls this circuit declares (a phase sets them by name; `Control`)
CONTROLS = (
    Control("plateau", "plateau tag of a slot: it stores the item of the window", per="n_slots"),
    Control("stimulation", "direct (optogenetic-like) depolarisation of a slot",
            per="n_slots"),
    Control("key_pathway_gain", "gain on a slot's key pathway (input -> index transmission)",
            gap=1.0, per="n_slots"),
    Control("key_retention", "factor on a slot's key synapses, once (an amnesic "
            "manipulation; 0 erases the slot)", gap=1.0, per="n_slots", one_step=True),
    Control("inhibition_gain", "gain on the index's recurrent inhibition", gap=1.0),
    Control("latch_gain", "gain on the slots' self-excitation (0 in every gap: the latch is "
            "released between windows)", gap=0.0, window=1.0),
    Control("reentry", "gain of the cortex -> input re-entry pathway: the input adds the "
            "cortical value of the previous window to its cue"),
    Control("synapse_loss", "fraction of the key and value synapses silenced, once (needs "
            "synapse_damage = on)", one_step=True),
    Control("weight_noise", "standard deviation of Gaussian noise added to the key and value "
            "weights, once (needs synapse_damage = on)", one_step=True),
)

#: Schedule arrays: name -> (columns per replica as a function of the parameters, value
#: after a schedule's end): the generic ones (cue, teacher, modulator, window onset), then
#: one ``NAME_level`` per control (its gap value after the end)
STIMULI = {
    "cue_level": (lambda p: p["n_input"], 0.0),
    "teacher_level": (lambda p: p["n_value"], 0.0),
    MODULATOR_STIMULUS: (lambda p: 1, 0.0),
    "onset_level": (lambda p: 1, 0.0),
    **{f"{c.name}_level": ((lambda p, per=c.per: p[per]) if c.per else (lambda p: 1), c.gap)
       for c in CONTROLS},
}


def stimulus(p: dict[str, Any], schedule: Schedule) -> dict[str, np.ndarray]:
    """One run's schedule as the circuit's stimulus columns (rows = schedule steps)."""
    arrays = schedule.arrays()
    if p.get("synapse_damage", "off") == "off" and schedule.controls_used() & {
            "synapse_loss", "weight_noise"}:
        raise ParameterError("parameter 'synapse_damage': value 'off' is not allowed for a "
                             "schedule that damages synapses; expected 'on'")
    return {
        "cue_level": arrays.cue,
        "teacher_level": arrays.teacher,
        MODULATOR_STIMULUS: arrays.modulator[:, None],
        "onset_level": arrays.onset[:, None],
        **{f"{c.name}_level": schedule.control_levels(c, p[c.per] if c.per else 1)
           for c in CONTROLS},
    }


def current_key_weights(keys: Synapses) -> np.ndarray:
    """Key weights now: the decay since each synapse's last spike applied (for a stable
    synapse of the metaplastic rule, only the decay while its slot was stabilising)."""
    post = np.asarray(keys.j[:])
    lag = np.asarray(keys.key_decay_seen[:]) - np.asarray(keys.target.key_decay[:])[post]
    if "stable" in keys.variables:
        stable = np.asarray(keys.stable[:])
        stable_lag = (np.asarray(keys.key_stable_decay_seen[:])
                      - np.asarray(keys.target.key_stable_decay[:])[post])
        lag = (1 - stable) * lag + stable * stable_lag
    return np.asarray(keys.w[:]) * np.exp(lag)


def reentry_synapses(p: dict[str, Any], replicas: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cortex neuron, input neuron, same rail) of each re-entry synapse: every cortical
    neuron of entry e to every input neuron of entry e in its replica (both rails, every
    copy); ``same rail`` is 1 where both carry the same sign."""
    cortex_entry, cortex_rail = rail_layout(p["n_value"], p["value_copies"])
    input_entry, input_rail = rail_layout(p["n_input"], p["input_copies"])
    source, target = np.nonzero(cortex_entry[:, None] == input_entry[None, :])
    offsets = np.arange(replicas)[:, None]
    same_rail = (cortex_rail[source] == input_rail[target]).astype(float)
    return ((offsets * cortex_entry.size + source).ravel(),
            (offsets * input_entry.size + target).ravel(), np.tile(same_rail, replicas))


#: a synapse's number within its replica (its random draws' counter)
SYNAPSE_NUMBER = "synapse_number : integer (constant)"
#: silence a synapse where its uniform draw falls below the fraction to silence, then add
#: weight noise, keeping the weight in [0, 1] (no draw where the level is 0)
DAMAGE = ("w = w * kept(seed_{side}, synapse_number, t_in_timesteps, {loss},"
          " synapse_loss_level(t, replica_{side}))\n"
          "w = clip(w + scaled_normal(seed_{side}, synapse_number, t_in_timesteps, {noise},"
          " weight_noise_level(t, replica_{side})), 0, 1)")


def key_retention(rule: Any, metaplastic: bool, damage: bool) -> str:
    """The key synapses' scheduled operation: retention multiplies a slot's key synapses
    once (0: an erased or removed slot, which also ends their stability under
    metaplasticity); with ``damage``, the weights are first brought up to date (the lazy
    decay applied), then a fraction is silenced and noise added."""
    code = ["w = w * key_retention_level(t, j)"]
    if metaplastic:
        code.append("stable = stable * int(key_retention_level(t, j) > 0)")
    if damage:
        code = [rule.catch_up, *code, DAMAGE.format(side="post", loss=STREAMS["key_loss"],
                                                    noise=STREAMS["key_weight_noise"])]
    return "\n".join(code)


def value_retention(metaplastic: bool, damage: bool) -> str:
    """The value synapses' scheduled operation: an erased or removed slot's value synapses
    lose their stability (metaplasticity); the damage as for the keys."""
    code = ["stable = stable * int(key_retention_level(t, i) > 0)"] if metaplastic else []
    if damage:
        code.append(DAMAGE.format(side="pre", loss=STREAMS["value_loss"],
                                  noise=STREAMS["value_weight_noise"]))
    return "\n".join(code)


def synapse_numbers(synapses: Synapses, n_pre: int, n_post: int) -> np.ndarray:
    """Each synapse's number within its replica: pre * n_post + post (replica-local)."""
    return (np.asarray(synapses.i[:]) % n_pre) * n_post + np.asarray(synapses.j[:]) % n_post


class KVIndexCircuit:
    """Builds the ``kv-index`` circuit: K replicas of input, index, interneurons and cortex."""

    name = "kv-index"
    parameters = PARAMETERS
    controls = CONTROLS
    structural_parameters = STRUCTURAL
    populations = ("input", "index", "inhibitory", "cortex")
    #: the population whose activity during encoding shows whether storage works
    storing_population = "index"
    #: its healthy mean rate while storing: below, the slots stay silent (nothing is
    #: written); above, every slot answers every key (measured at the defaults: 5 Hz, one
    #: tagged slot of 40 per item); the guard scales it by `storing_share`
    encoding_rate_limits_hz = (0.5, 50.0)
    #: the share of the index meant to fire while an item is stored, where those limits hold
    reference_storing_share = 1 / 40
    #: wall seconds per replica and model second on cpp_standalone (README, benchmarks)
    replica_cost_s = 0.04

    @staticmethod
    def storing_share(values: dict[str, Any], schedule: Any) -> float:
        """The share of the index meant to fire while an item is stored: the slots the
        schedule tags per encoding window, on average, of ``n_slots`` (at least one slot:
        a window that tags none stores nothing, which the guard's silent test is for)."""
        tagged = [len(phase.controls.get("plateau") or {})
                  for _, phase, _, _ in schedule.windows("encode")]
        return max(float(np.mean(tagged)) if tagged else 0.0, 1.0) / values["n_slots"]

    def per_replica_bytes(self, p: dict[str, Any], rows: int) -> int:
        """Memory one replica needs (bytes, measured for the defaults; see README)."""
        n_in = 2 * p["n_input"] * p["input_copies"]
        n_ctx = 2 * p["n_value"] * p["value_copies"]
        n_reentry = n_ctx * 2 * p["input_copies"]
        synapses = (n_in * p["n_slots"] + p["n_slots"] * (n_ctx + 2 * p["n_inhibitory"] + 1)
                    + n_reentry)
        columns = p["n_input"] + p["n_value"] + 4 * p["n_slots"] + 2
        return 60 * synapses + 8 * rows * columns + 400 * (n_in + n_ctx) + 2_000_000

    def build(self, p: dict[str, Any], replicas: int, rows: int, step: Any) -> BuiltNetwork:
        """K = ``replicas`` copies; ``p`` gives the structural parameters (the others are set
        per run); the stimulus arrays hold ``rows`` schedule steps of ``step``."""
        K = replicas
        n_in = 2 * p["n_input"] * p["input_copies"]
        n_ctx = 2 * p["n_value"] * p["value_copies"]
        views = {"input": Slice(n_in, 0, n_in), "index": Slice(p["n_slots"], 0, p["n_slots"]),
                 "inhibitory": Slice(p["n_inhibitory"], 0, p["n_inhibitory"]),
                 "cortex": Slice(n_ctx, 0, n_ctx)}
        stimuli = schedule_stimuli(STIMULI, p, K, rows, step)
        schedules = {name: s.timed_array for name, s in stimuli.items()}
        constants = {name: p[name] for name in ("tau_m", "tau_m_inhibitory", "tau_exc",
                                                "tau_inh", "tau_self", "tau_value_trace")}
        metaplastic = p["metaplasticity"] == "on"
        damage = p["synapse_damage"] == "on"
        lif = {"threshold": LIF_THRESHOLD, "refractory": p["refractory"],
               "method": "exponential_euler"}

        # populations: entorhinal input (with the re-entry buffer), the index of slots,
        # its interneurons, cortex
        inputs = poisson_rail_input(K, p["n_input"], p["input_copies"],
                                    schedules["cue_level"], step,
                                    reentry=(schedules["reentry_level"],
                                             schedules["onset_level"]))
        index = NeuronGroup(K * p["n_slots"], INDEX_MODEL, name="index", reset=LIF_RESET,
                            namespace={**constants, **schedules}, **lif)
        index.replica = replica_of(K, p["n_slots"])
        index.run_regularly(INDEX_GATES, clock=Clock(step, name="index_gates_clock"),
                            when="start", name="index_gates")
        inhibitory = NeuronGroup(K * p["n_inhibitory"], INHIBITORY_MODEL, name="inhibitory",
                                 reset=LIF_RESET, namespace=constants, **lif)
        cortex = NeuronGroup(K * n_ctx, CORTEX_MODEL, name="cortex", reset=CORTEX_RESET,
                             namespace={**constants, **schedules}, **lif)
        entry, rail = rail_layout(p["n_value"], p["value_copies"])
        cortex.rail_sign = np.tile(1.0 - 2.0 * rail, K)
        cortex.teacher_column = replica_of(K, n_ctx) * p["n_value"] + np.tile(entry, K)
        cortex.replica = replica_of(K, n_ctx)
        cortex.run_regularly(CORTEX_GATES, clock=Clock(step, name="cortex_gates_clock"),
                             when="start", name="cortex_gates")

        # keys: input -> index, the three-factor rule (metaplastic: flashbulb memories)
        key_rule = key_metaplastic() if metaplastic else key_three_factor()
        damage_namespace = {**schedules, "kept": kept, "scaled_normal": scaled_normal}
        keys = key_rule.synapses(inputs, index, transmission=KEY_TRANSMISSION, name="keys",
                                 namespace=damage_namespace,
                                 extra_model=SYNAPSE_NUMBER if damage else "")
        connect_blocks(keys, views["input"], views["index"], K)
        keys.run_regularly(key_retention(key_rule, metaplastic, damage),
                           clock=Clock(step, name="key_retention_clock"), when="start",
                           name="key_retention")

        # values: index -> cortex, rate-Hebbian (metaplastic) or STDP
        value_rule = value_rule_of(p, metaplastic)
        value_synapses = value_rule.synapses(
            index, cortex, transmission=VALUE_TRANSMISSION, name="values",
            namespace=damage_namespace, extra_model=SYNAPSE_NUMBER if damage else "")
        connect_blocks(value_synapses, views["index"], views["cortex"], K)
        if metaplastic or damage:
            value_synapses.run_regularly(
                value_retention(metaplastic, damage),
                clock=Clock(step, name="value_retention_clock"), when="start",
                name="value_retention")
        if damage:
            for synapses, pre, post in ((keys, views["input"], views["index"]),
                                        (value_synapses, views["index"], views["cortex"])):
                synapses.synapse_number = synapse_numbers(synapses, pre.size, post.size)

        # re-entry: every cortical neuron counts toward the buffer of its entry's input
        # neurons (on their own rail or the other one); entries beyond n_input have none
        reentry = Synapses(cortex, inputs, model="same_rail : 1 (constant)",
                           on_pre=REENTRY_COUNT, name="reentry")
        source, target, same_rail = reentry_synapses(p, K)
        reentry.connect(i=source, j=target)
        reentry.same_rail = same_rail

        # the read-out: a latch on each slot, pooled recurrent inhibition
        self_excitation = Synapses(index, index, on_pre=LATCH, name="self_excitation")
        self_excitation.connect(j="i")
        to_inhibitory = Synapses(index, inhibitory, on_pre=TO_INHIBITORY,
                                 name="index_to_inhibitory")
        connect_blocks(to_inhibitory, views["index"], views["inhibitory"], K)
        from_inhibitory = Synapses(inhibitory, index, on_pre=FROM_INHIBITORY,
                                   name="inhibitory_to_index")
        connect_blocks(from_inhibitory, views["inhibitory"], views["index"], K)

        groups = {"input": inputs, "index": index, "inhibitory": inhibitory, "cortex": cortex}
        monitors = {name: SpikeMonitor(g, name=f"{name}_spikes") for name, g in groups.items()}
        return BuiltNetwork(
            replicas=K, rows=rows, step=step,
            objects=[*groups.values(), keys, value_synapses, reentry, self_excitation,
                     to_inhibitory, from_inhibitory, *monitors.values()],
            populations={name: (monitors[name], views[name]) for name in groups},
            stimuli=stimuli,
            replica_variables=replica_variables(inputs, index, inhibitory, cortex),
            seeds=[(inputs, "seed"), (index, "seed")],
            weights={"keys": WeightPathway(keys, views["input"], views["index"],
                                           current_key_weights),
                     "values": WeightPathway(value_synapses, views["index"],
                                             views["cortex"])},
            stimulus=stimulus,
        )


def value_rule_of(p: dict[str, Any], metaplastic: bool) -> Any:
    """The value synapses' rule: STDP, or rate-Hebbian (metaplastic if switched on)."""
    if p["value_rule"] == "stdp":
        return value_stdp(p["stdp_tau_plus"], p["stdp_tau_minus"])
    return value_metaplastic() if metaplastic else value_rate_hebbian()


def replica_variables(inputs: Any, index: Any, inhibitory: Any, cortex: Any
                      ) -> dict[str, list[tuple[Any, str]]]:
    """Which variables hold each per-replica parameter (one value per replica)."""
    return {
        **lif_variables((index, inhibitory, cortex)),
        **owned_by(inputs, ("input_rate",)),
        **owned_by(inhibitory, ("index_to_inhibitory",)),
        **owned_by(index, ("plateau_drive", "stimulation_drive", "self_excitation",
                           "inhibition_strength", "key_gain", "feedforward_inhibition",
                           "key_acetylcholine_suppression", "eta_key", "tau_key_decay",
                           "onset_reset")),
        "stability_threshold": [(index, "stability_threshold"),
                                (cortex, "stability_threshold")],
        **owned_by(cortex, ("teacher_drive", "value_gain", "acetylcholine_suppression",
                            "eta_value", "stdp_a_plus", "stdp_a_minus")),
    }
