"""The ``kv-ensemble`` circuit: an index that allocates its own keys as sparse ensembles.

Populations (neurons per replica; a network holds ``replicas`` independent copies):

- ``input``: the dual-rail Poisson code of ``kv-index`` (entorhinal input).
- ``index``: ``n_index`` LIF neurons (dentate/CA3-like). Each receives a sparse random
  projection of the input (`neuro_kv.anatomy`: a pair is connected with
  ``projection_probability``; fixed lognormal weights drawn from the run's seed) and, on the
  same synapses, plastic key weights (`neuro_kv.plasticity.key_three_factor`).
- ``inhibitory``: feedback inhibition that makes the index a k-winners-take-all: each index
  spike depolarises the interneuron by ``1 / (active_fraction * n_index)`` of its distance to
  threshold, so it fires once about ``active_fraction`` of the index has fired and silences
  the rest (the winners are those within a few percent of the most driven: the E%-max
  mechanism of de Almeida, Idiart & Lisman 2009). One unit stands for the basket-cell pool.
- ``cortex``: the dual-rail value population of ``kv-index`` (teacher clamp while storing,
  rate-Hebbian index -> cortex values).

**Self-generated tags.** No schedule names an index neuron. While the neuromodulator is on,
a neuron that fires ``plateau_spikes`` spikes within one window (strongly driven: a stand-in
for a dendritic plateau) tags itself for the rest of the window: it gets the plateau drive,
its key synapses learn the input (the three-factor rule's local factor is its own tag) and
its value synapses the teacher's value. Which neurons store an item is decided by their
drive and excitability at that moment, and the k-WTA.

**Excitability** (`neuro_kv.anatomy`): each neuron has a depolarising offset, ``drift``
(drawn per run, then an Ornstein-Uhlenbeck process over the hours that the schedule's
one-step ``elapsed_hours`` control says pass before a window) plus ``boost``, set to
``recruitment_boost`` when the neuron tags itself and decaying with ``boost_hours``
(CREB-like; Yiu et al. 2014). Both bias which neurons the next item recruits.

**Retrieval practice** (``retrieval_practice`` 1): in a window with the ``practice`` control
on, the cue is retrieved and the schedule's teacher is the feedback: it does not clamp the
cortex but reaches a comparator (a stand-in for a CA1-like match/mismatch detector that
compares the retrieved value with the entorhinal one; Lisman & Grace 2005). One comparator
unit per value entry counts, since the window's onset, the cortical spikes on the rail the
feedback contradicts minus those on the rail it confirms; the mismatch signal every index
neuron reads is the share of entries whose count is above 0 (the entries retrieved wrong).
The key synapses then also follow `neuro_kv.plasticity.key_nonmonotonic`: the neurons that
fire strongly (spike trace at least ``theta_ltp``) gain the cue's inputs, and those
moderately co-active (trace in [``theta_ltd``, ``theta_ltp``)) lose them in proportion to
the mismatch. With ``practice_credit`` own there is no comparator: at a practice window's
onset every cortical neuron given feedback sends its sign back once through its value
synapses (a custom event), and an index neuron's mismatch is its value weight on the
contradicted rails over its value weight on the rails given feedback. With
``practice_projection`` 1 the depression also weakens the neuron's excitatory projection
synapses from the cue (`neuro_kv.plasticity.practice_depression`).

While the neuromodulator is on, acetylcholine removes the plastic key component of the
input (Hasselmo's encoding/retrieval switch; the fixed projection still drives allocation)
and the index -> cortex transmission. ``silenced_fraction`` (a held control) clamps a
fraction of the index neurons, drawn per run, far below threshold (an optogenetic lesion).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from brian2 import Clock, Hz, NeuronGroup, SpikeMonitor, Synapses, ms, mV, second

from neuro_kv.anatomy import (
    EXCITABILITY_CODE,
    PROJECTION_CODE,
    entry_wiring,
    pair_number,
    rail_synapses,
    recurrent_wiring,
)
from neuro_kv.circuits.kv_index import (
    CORTEX_GATES,
    CORTEX_MODEL,
    CORTEX_RESET,
    LIF_THRESHOLD,
    current_key_weights,
    value_rule_of,
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
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.plasticity import (
    PRACTICE_DECAY_RATE,
    PRACTICE_UPDATE,
    key_nonmonotonic,
    key_three_factor,
    practice_depression,
    recurrent_hebbian,
)
from neuro_kv.random_stream import STREAMS, kept, normal, scaled_normal
from neuro_kv.schedule import Control, Schedule

__all__ = ["KVEnsembleCircuit", "PARAMETERS", "STRUCTURAL", "CONTROLS"]

P = Parameter
positive = {"low": 0, "low_exclusive": True}

#: the credits a practice rule's depression can scale with (``practice_credit``)
PRACTICE_CREDITS = ("shared", "own")
PARAMETERS = ParameterSet([
    # sizes and anatomy
    P("n_input", 40, "key/cue dimension (pattern entries)", "int", low=1),
    P("n_index", 1000, "index neurons", "int", low=1, high=1_000_000),
    P("n_value", 40, "value dimension (pattern entries)", "int", low=1),
    P("input_copies", 12, "input neurons per rail and entry (population code)", "int", low=1),
    P("value_copies", 4, "cortical neurons per rail and entry (population code)", "int", low=1),
    P("n_inhibitory", 1, "feedback interneurons (one unit stands for the pool)", "int", low=1),
    P("projection_probability", 0.5, "probability that a pattern entry projects to an index "
      "neuron (through every input neuron of the entry: the sparse, dentate-like projection, "
      "whose synapses also hold the keys)",
      "float", low=0, high=1, low_exclusive=True),
    P("recurrent_probability", 0.0, "probability that an index neuron excites another "
      "through a plastic recurrent synapse (CA3-like; 0: no recurrence, the default)",
      "float", low=0, high=1),
    P("value_probability", 1.0, "probability that an index neuron projects to a cortical "
      "neuron (the value synapses)", "float", low=0, high=1, low_exclusive=True),
    P("wiring_seed", 0, "seed of the wiring (which pairs are connected): the anatomy every run "
      "of a build shares; weights and excitability are drawn from each run's seed", "int",
      low=0),
    # neurons
    *lif_parameters(),
    # drives and gains
    P("input_rate", 40 * Hz, "rate of an active input neuron", "quantity", Hz, low=0),
    P("projection_gain", 1 * mV, "index EPSC jump per input spike through the fixed "
      "projection (weight 1)", "quantity", mV, low=0),
    P("background_drive", 8 * mV, "constant depolarisation of every index neuron (the "
      "projection's drive has mean 0)", "quantity", mV),
    P("key_gain", 2 * mV, "index EPSC jump per input spike at key weight 1", "quantity", mV,
      low=0),
    P("key_acetylcholine_suppression", 1.0, "fraction of the plastic key transmission removed "
      "per unit of modulator", "float", low=0, high=1),
    P("active_fraction", 0.03, "k-WTA: fraction of the index whose spikes fire the feedback "
      "interneuron", "float", low=0, high=1, low_exclusive=True),
    P("inhibition_strength", 10 * mV, "hyperpolarisation of every index neuron per interneuron "
      "spike (fast perisomatic inhibition)",
      "quantity", mV, low=0),
    P("plateau_spikes", 2, "spikes within one storing window that make a neuron tag itself",
      "int", low=1),
    P("plateau_drive", 20 * mV, "depolarisation of a tagged neuron for the rest of its window",
      "quantity", mV, low=0),
    P("silencing_drive", 200 * mV, "hyperpolarisation of a silenced neuron", "quantity", mV,
      low=0),
    # excitability
    P("excitability_sd", 2 * mV, "stationary standard deviation of the excitability drift",
      "quantity", mV, low=0),
    P("drift_hours", 24.0, "time constant of the excitability drift (hours)", "float",
      **positive),
    P("recruitment_boost", 4 * mV, "excitability rise of a neuron that tags itself "
      "(CREB-like)", "quantity", mV, low=0),
    P("boost_hours", 6.0, "decay time constant of that rise (hours)", "float", **positive),
    # cortex and values
    P("teacher_drive", 40 * mV, "teacher depolarisation of clamped cortical neurons",
      "quantity", mV, low=0),
    P("value_gain", 180 * mV, "cortical EPSC jump per index spike at value weight 1, summed "
      "over the k = active_fraction * n_index winners (one spike adds value_gain / k), so "
      "the value read-out does not grow with the index",
      "quantity", mV, low=0),
    P("recurrent_gain", 2 * mV, "index EPSC jump per index spike through a recurrent synapse "
      "at weight 1 (suppressed while storing as the key transmission is)", "quantity", mV,
      low=0),
    P("acetylcholine_suppression", 1.0, "fraction of index -> cortex transmission removed "
      "per unit of modulator", "float", low=0, high=1),
    # plasticity
    P("eta_key", 0.6, "key rule: potentiation per presynaptic spike (x M x tag)", "float",
      low=0, high=1),
    P("tau_key_decay", 25 * ms, "key rule: gated decay time constant", "quantity", ms,
      **positive),
    P("eta_recurrent", 0.6, "recurrent rule: step toward 1 per presynaptic spike (x M x "
      "both tags)", "float", low=0, high=1),
    P("retrieval_practice", 0, "1: the key synapses also learn from retrieval practice "
      "(`key_nonmonotonic`, in windows with the practice control on) and a comparator reports "
      "the mismatch of the retrieved value with the feedback; 0: no such rule (the default)",
      "int", low=0, high=1),
    P("practice_credit", "shared", "practice rule: the mismatch a neuron's depression scales "
      "with; shared: the comparator's share of value entries retrieved wrong, the same for "
      "every index neuron; own: the share of the neuron's own value weight on the rails the "
      "feedback contradicts (sent back through its value synapses)", "choice",
      choices=PRACTICE_CREDITS),
    P("practice_projection", 0, "1: the practice rule's depression also weakens a moderately "
      "active neuron's excitatory projection synapses from the cue's inputs "
      "(`practice_depression`: the fixed projection learns too); 0: only the keys (the "
      "default)", "int", low=0, high=1),
    P("eta_key_plus", 0.02, "practice rule: potentiation toward 1 per presynaptic spike of a "
      "strongly active neuron", "float", low=0, high=1),
    P("eta_key_minus", 0.05, "practice rule: depression toward 0 per presynaptic spike of a "
      "moderately active neuron, at mismatch 1", "float", low=0, high=1),
    P("tau_key_plus", 750 * ms, "practice rule: decay time constant of a strongly active "
      "neuron's keys (750 ms with eta_key_plus 0.02 keeps the storing equilibrium of eta_key "
      "0.6 and tau_key_decay 25 ms)", "quantity", ms, **positive),
    P("theta_ltd", 0.5, "practice rule: spike trace from which a neuron is moderately active "
      "(depression; 0.5: a spike within the last 35 ms)", "float", low=0),
    P("theta_ltp", 3.0, "practice rule: spike trace from which a neuron is strongly active "
      "(re-encoding; 3: about 5 spikes per 100 ms, what the k-WTA's top k = 3 % fire in a "
      "retrieval window)", "float", low=0),
    P("tau_retrieval", 50 * ms, "practice rule: time constant of the index neurons' spike "
      "trace", "quantity", ms, **positive),
    P("eta_value", 0.3, "rate-Hebbian value rule: step toward the target per presynaptic "
      "spike (x M)", "float", low=0, high=1),
    P("tau_value_trace", 20 * ms, "rate-Hebbian value rule: time constant of a cortical "
      "neuron's activity trace", "quantity", ms, **positive),
])

#: parameters fixed by a build (sizes, anatomy, time constants); the rest are per replica
STRUCTURAL = ("n_input", "n_index", "n_value", "input_copies", "value_copies", "n_inhibitory",
              "projection_probability", "recurrent_probability", "value_probability",
              "wiring_seed", "tau_m",
              "tau_m_inhibitory", "tau_exc", "refractory", "tau_value_trace",
              "retrieval_practice", "tau_retrieval", "practice_credit",
              "practice_projection")

INDEX_MODEL = """
dv/dt = (v_rest - v + background_drive + drift + boost + I_exc + plateau_drive * tag
         - silencing_drive * silenced) / tau_m : volt (unless refractory)
dI_exc/dt = -I_exc / tau_exc : volt              # projection and key (input -> index)
dkey_decay/dt = clip(modulator, 0, 1) * tag / tau_key_decay PRACTICE_DECAY : 1
                                     # the key rule's decay (and the practice rule's)
drift : volt                         # slowly drifting excitability
boost : volt                         # transient excitability rise after recruitment
tag : 1                              # self-generated plateau tag (until the window ends)
window_spikes : 1                    # spikes since the window's onset
silenced : 1                         # 1: clamped far below threshold (a lesion)
modulator : 1                        # neuromodulator level of the replica (schedule)
elapsed : 1                          # hours passing before this schedule step (schedule)
onset : 1                            # 1 at a window's first schedule step (schedule)
neuron : integer (constant)          # index within the replica (random stream counter)
replica : integer (constant)
seed : integer (constant)            # the replica's seed
v_rest : volt (constant)
v_reset : volt (constant)
v_threshold : volt (constant)
projection_gain : volt (constant)
background_drive : volt (constant)
active_fraction : 1 (constant)       # k-WTA: the winners' share of the index
key_gain : volt (constant)
key_acetylcholine_suppression : 1 (constant)
inhibition_strength : volt (constant)
plateau_spikes : 1 (constant)
plateau_drive : volt (constant)
silencing_drive : volt (constant)
excitability_sd : volt (constant)
drift_hours : 1 (constant)
recruitment_boost : volt (constant)
boost_hours : 1 (constant)
eta_key : 1 (constant)
tau_key_decay : second (constant)
recurrent_gain : volt (constant)
eta_recurrent : 1 (constant)
key_open : 1                         # key transmission left by acetylcholine (gates)
key_write : 1                        # the key rule's gate eta_key * M * tag (gates, reset)
RETRIEVAL_TRACE
practice : 1                         # retrieval-practice gate (schedule)
MISMATCH
eta_key_plus : 1 (constant)
eta_key_minus : 1 (constant)
theta_ltd : 1 (constant)
theta_ltp : 1 (constant)
tau_key_plus : second (constant)
"""


#: the mismatch an index neuron reads: summed from the comparator (shared), or its own value
#: weight on the contradicted rails over its value weight on the rails given feedback (own)
MISMATCH = {
    "none": "mismatch : 1  # (no practice rule: unused)",
    "shared": "mismatch : 1  # outcome signal (summed from the replica's comparator outcome)",
    "own": """mismatch = contradicted_weight / (feedback_weight + 1e-9) : 1  # own outcome signal
contradicted_weight : 1  # value weight onto the rails the feedback contradicts (this window)
feedback_weight : 1      # value weight onto the rails given feedback (this window)""",
}
#: with own credit: at a window's onset the credit sums start afresh (index gates) and every
#: cortical neuron given feedback sends its feedback sign back once (cortex gates, an event)
OWN_CREDIT_ONSET = """
contradicted_weight = contradicted_weight * (1 - onset)
feedback_weight = feedback_weight * (1 - onset)
"""
CREDIT_SENT_ONSET = "credit_sent = credit_sent * (1 - onset_level(t, replica))\n"
CREDIT_EVENT = "feedback_sign != 0 and credit_sent == 0"
#: the value synapses' pathway on that event: the feedback reaches the presynaptic index
#: neuron through the synapse's weight
CREDIT_PATHWAY = """
contradicted_weight_pre += w * int(feedback_sign_post < 0)
feedback_weight_pre += w
"""


def index_model(practice: bool, credit: str = "shared") -> str:
    """The index neurons' equations; with ``practice`` the spike trace is integrated and the
    key decay also integrates the practice rule's (`neuro_kv.plasticity.PRACTICE_DECAY_RATE`
    over ``tau_key_plus``); without it neither costs a state update. ``credit``: how the
    mismatch is given (`MISMATCH`)."""
    term = f"+ ({PRACTICE_DECAY_RATE}) / tau_key_plus" if practice else ""
    trace = ("dretrieval_activity/dt = -retrieval_activity / tau_retrieval : 1  # spike trace"
             if practice else "retrieval_activity : 1  # (no practice rule: unused)")
    return (INDEX_MODEL.replace("PRACTICE_DECAY", term).replace("RETRIEVAL_TRACE", trace)
            .replace("MISMATCH", MISMATCH[credit if practice else "none"]))


#: what the key synapses read of their neuron, brought up to date when the modulator or the
#: tag changes, so that an input spike reads two variables instead of five (the input ->
#: index events are most of the circuit's cost)
KEY_GATES = """
key_open = clip(1 - key_acetylcholine_suppression * modulator, 0, 1)
key_write = eta_key * clip(modulator, 0, 1) * tag
"""
#: `neuro_kv.plasticity.key_three_factor` with its gate ``eta_key * M * tag`` read from the
#: neuron's ``key_write``
KEY_RULE = dataclasses.replace(key_three_factor(), on_pre="w = w + key_write_post * (1 - w)",
                               post_variables=("key_write", "key_decay"))

#: every schedule step: the schedule's levels; at a window's onset the tags end and the
#: membrane starts afresh; the excitability update (`neuro_kv.anatomy`); the lesion
INDEX_GATES = f"""
modulator = modulator_level(t, replica)
elapsed = elapsed_hours_level(t, replica)
onset = onset_level(t, replica)
tag = tag * (1 - onset)
window_spikes = window_spikes * (1 - onset)
v = v - onset * (v - v_rest)
I_exc = I_exc * (1 - onset)
retrieval_activity = retrieval_activity * (1 - onset)
practice = practice_level(t, replica)
{EXCITABILITY_CODE}
silenced = 1 - kept(seed, neuron, 0, {STREAMS['silencing']}, silenced_fraction_level(t, replica))
{KEY_GATES}"""
#: a spike; while storing, the ``plateau_spikes``-th spike of a window starts the neuron's own
#: plateau (its tag) and its excitability rise
INDEX_RESET = """
v = v_reset
window_spikes += 1
tag = clip(tag + int(modulator > 0) * int(window_spikes >= plateau_spikes), 0, 1)
boost = boost + tag * int(modulator > 0) * (recruitment_boost - boost)
key_write = eta_key * clip(modulator, 0, 1) * tag
retrieval_activity += 1
"""
#: the key synapses with retrieval practice: the three-factor write, then the practice rule,
#: whose decay the neuron folds into ``key_decay``
PRACTICE_KEY_RULE = dataclasses.replace(
    KEY_RULE, on_pre=KEY_RULE.on_pre + "\n" + PRACTICE_UPDATE,
    post_variables=KEY_RULE.post_variables + tuple(
        v for v in key_nonmonotonic().post_variables if v != "practice_decay"))

#: in a practice window the teacher is feedback for the comparator, not a clamp; a cortical
#: neuron's feedback sign: -1 where the feedback contradicts its rail, +1 where it confirms it
FEEDBACK = """
practice = practice_level(t, replica)
teacher = teacher * (1 - clip(practice, 0, 1))
feedback_sign = sign(rail_sign * teacher_level(t, teacher_column)) * int(practice > 0)
"""
#: one unit per value entry: contradicted minus confirmed cortical spikes since the onset
COMPARATOR_MODEL = """
balance : 1
replica : integer (constant)
"""

INHIBITORY_MODEL = """
dv/dt = (v_rest - v) / tau_m_inhibitory : volt (unless refractory)
v_rest : volt (constant)
v_reset : volt (constant)
v_threshold : volt (constant)
active_fraction : 1 (constant)       # k-WTA: fires after about this fraction of the index
"""
#: an index spike moves the interneuron 1/k of the way to threshold (k = active_fraction * N)
TO_INHIBITORY = "v_post += (v_threshold_post - v_rest_post) / (active_fraction_post * n_index)"
FROM_INHIBITORY = "v_post -= inhibition_strength_post"

#: input -> index: the fixed projection and the plastic key (suppressed while storing)
INPUT_TRANSMISSION = """
I_exc_post += projection_drive
I_exc_post += key_gain_post * w * key_open_post
"""
#: index -> cortex: one spike adds value_gain / k at weight 1 (off while storing)
VALUE_TRANSMISSION = ("I_exc_post += value_gain_post / (active_fraction_pre * n_index) * w"
                      " * clip(1 - acetylcholine_suppression_post * modulator_post, 0, 1)")
SYNAPSE_MODEL = ("w_projection : 1\nprojection_drive : volt  # projection_gain * w_projection"
                 "\npair_number : integer (constant)")
#: index -> index (recurrent): suppressed while storing, like the key transmission
RECURRENT_TRANSMISSION = ("I_exc_post += recurrent_gain_post * w * clip(1 - "
                          "key_acetylcholine_suppression_post * modulator_post, 0, 1)")

CONTROLS = (
    Control("elapsed_hours", "hours that pass before the window (not simulated): the "
            "excitability drifts and recruited neurons' rise decays over them", one_step=True),
    Control("practice", "retrieval-practice gate of the key synapses (with "
            "retrieval_practice 1: `key_nonmonotonic`); 1 in a practice window, whose teacher "
            "is the feedback; with retrieval_practice 0 it does nothing"),
    Control("silenced_fraction", "fraction of the index neurons silenced (the same neurons "
            "for the whole run, drawn from its seed)"),
)

STIMULI = {
    "cue_level": (lambda p: p["n_input"], 0.0),
    "teacher_level": (lambda p: p["n_value"], 0.0),
    MODULATOR_STIMULUS: (lambda p: 1, 0.0),
    "onset_level": (lambda p: 1, 0.0),
    **{f"{c.name}_level": (lambda p: 1, c.gap) for c in CONTROLS},
}


def stimulus(p: dict[str, Any], schedule: Schedule) -> dict[str, np.ndarray]:
    """One run's schedule as the circuit's stimulus columns (rows = schedule steps)."""
    arrays = schedule.arrays()
    return {
        "cue_level": arrays.cue,
        "teacher_level": arrays.teacher,
        MODULATOR_STIMULUS: arrays.modulator[:, None],
        "onset_level": arrays.onset[:, None],
        **{f"{c.name}_level": schedule.control_levels(c) for c in CONTROLS},
    }


class KVEnsembleCircuit:
    """Builds ``kv-ensemble``: K replicas of input, ensemble index, interneuron and cortex."""

    name = "kv-ensemble"
    parameters = PARAMETERS
    controls = CONTROLS
    structural_parameters = STRUCTURAL
    populations = ("input", "index", "inhibitory", "cortex")
    storing_population = "index"
    #: healthy mean index rate while storing (measured at the defaults: about 2 Hz); the
    #: guard scales it by `storing_share`
    encoding_rate_limits_hz = (0.1, 30.0)
    #: the share of the index meant to fire while an item is stored, where those limits hold
    reference_storing_share = 0.03
    #: wall seconds per replica and model second (cpp_standalone, default sizes)
    replica_cost_s = 0.1

    @staticmethod
    def storing_share(values: dict[str, Any], schedule: Any) -> float:
        """The share of the index meant to fire while an item is stored: the k-WTA's
        ``active_fraction``."""
        return float(values["active_fraction"])

    def per_replica_bytes(self, p: dict[str, Any], rows: int) -> int:
        """Memory one replica needs (bytes): 100 per synapse (measured at n_index 100,000,
        80 M synapses: the simulation 5.2 GB, the Python process that builds it 8.1 GB)."""
        n_in = 2 * p["n_input"] * p["input_copies"]
        n_ctx = 2 * p["n_value"] * p["value_copies"]
        synapses = (n_in * p["n_index"] * p["projection_probability"]
                    + p["n_index"] ** 2 * p["recurrent_probability"]
                    + p["n_index"] * n_ctx * p["value_probability"]
                    + 2 * p["n_index"] * p["n_inhibitory"])
        columns = p["n_input"] + p["n_value"] + 4
        return int(100 * synapses + 8 * rows * columns + 400 * (n_in + n_ctx + p["n_index"])
                   + 2_000_000)

    def build(self, p: dict[str, Any], replicas: int, rows: int, step: Any) -> BuiltNetwork:
        K, n_index = replicas, p["n_index"]
        n_in = 2 * p["n_input"] * p["input_copies"]
        n_ctx = 2 * p["n_value"] * p["value_copies"]
        views = {"input": Slice(n_in, 0, n_in), "index": Slice(n_index, 0, n_index),
                 "inhibitory": Slice(p["n_inhibitory"], 0, p["n_inhibitory"]),
                 "cortex": Slice(n_ctx, 0, n_ctx)}
        stimuli = schedule_stimuli(STIMULI, p, K, rows, step)
        schedules = {name: s.timed_array for name, s in stimuli.items()}
        constants = {name: p[name] for name in ("tau_m", "tau_m_inhibitory", "tau_exc",
                                                "tau_value_trace", "tau_retrieval")}
        lif = {"threshold": LIF_THRESHOLD, "refractory": p["refractory"],
               "method": "exponential_euler"}
        draws = {"kept": kept, "normal": normal, "scaled_normal": scaled_normal}

        inputs = poisson_rail_input(K, p["n_input"], p["input_copies"],
                                    schedules["cue_level"], step)
        practising = bool(p["retrieval_practice"])
        own_credit = practising and p["practice_credit"] == "own"
        index = NeuronGroup(K * n_index, index_model(practising, p["practice_credit"]),
                            name="index",
                            reset=INDEX_RESET, namespace={**constants, **schedules, **draws},
                            **lif)
        index.replica = replica_of(K, n_index)
        index.neuron = np.tile(np.arange(n_index), K)
        index.run_regularly(INDEX_GATES + (OWN_CREDIT_ONSET if own_credit else ""),
                            clock=Clock(step, name="index_gates_clock"),
                            when="start", name="index_gates")
        inhibitory = NeuronGroup(K * p["n_inhibitory"], INHIBITORY_MODEL, name="inhibitory",
                                 reset="v = v_reset", namespace=constants, **lif)
        cortex_model = CORTEX_MODEL + ("practice : 1\nfeedback_sign : 1\n" if practising else "")
        cortex_model += "credit_sent : 1\n" if own_credit else ""
        cortex = NeuronGroup(K * n_ctx, cortex_model, name="cortex",
                             reset=CORTEX_RESET,
                             events={"credit": CREDIT_EVENT} if own_credit else None,
                             namespace={**constants, **schedules}, **lif)
        if own_credit:
            cortex.run_on_event("credit", "credit_sent = 1")
        entry, rail = rail_layout(p["n_value"], p["value_copies"])
        cortex.rail_sign = np.tile(1.0 - 2.0 * rail, K)
        cortex.teacher_column = replica_of(K, n_ctx) * p["n_value"] + np.tile(entry, K)
        cortex.replica = replica_of(K, n_ctx)
        cortex.run_regularly(CORTEX_GATES + (FEEDBACK if practising else "")
                             + (CREDIT_SENT_ONSET if own_credit else ""),
                             clock=Clock(step, name="cortex_gates_clock"),
                             when="start", name="cortex_gates")

        # input -> index: the sparse projection, whose synapses also hold the keys; their
        # projection weights are drawn from the run's seed at its start
        key_rule = PRACTICE_KEY_RULE if practising else KEY_RULE
        if practising and p["practice_projection"]:
            key_rule = dataclasses.replace(key_rule, on_pre=key_rule.on_pre + "\n"
                                           + practice_depression("projection_drive"))
        keys = key_rule.synapses(inputs, index, transmission=INPUT_TRANSMISSION,
                                           extra_model=SYNAPSE_MODEL, name="keys",
                                           namespace=draws)
        entry, target = entry_wiring(p["n_input"], n_index, p["projection_probability"],
                                     p["wiring_seed"])
        pre, post, pair = rail_synapses(entry, target, p["input_copies"])
        keys.connect(i=np.concatenate([pre + r * n_in for r in range(K)]),
                     j=np.concatenate([post + r * n_index for r in range(K)]))
        keys.pair_number = np.tile(pair_number(entry, target, n_index)[pair], K)
        keys.run_regularly(PROJECTION_CODE + "\nprojection_drive = projection_gain_post * "
                           "w_projection", clock=Clock(1e6 * second, name="projection_clock"),
                           when="start", name="projection_draw")

        # index -> cortex: the values (rate-Hebbian, as in kv-index)
        values = value_rule_of({"value_rule": "rate_hebbian"}, False).synapses(
            index, cortex, transmission=VALUE_TRANSMISSION, name="values",
            namespace={"n_index": n_index},
            post_events={"credit": CREDIT_PATHWAY} if own_credit else None)
        if p["value_probability"] >= 1:
            connect_blocks(values, views["index"], views["cortex"], K)
        else:
            v_pre, v_post = entry_wiring(n_index, n_ctx, p["value_probability"],
                                         p["wiring_seed"] + 1)
            values.connect(i=np.concatenate([v_pre + r * n_index for r in range(K)]),
                           j=np.concatenate([v_post + r * n_ctx for r in range(K)]))

        # feedback inhibition: the k-WTA
        to_inhibitory = Synapses(index, inhibitory, on_pre=TO_INHIBITORY,
                                 name="index_to_inhibitory", namespace={"n_index": n_index})
        connect_blocks(to_inhibitory, views["index"], views["inhibitory"], K)
        from_inhibitory = Synapses(inhibitory, index, on_pre=FROM_INHIBITORY,
                                   name="inhibitory_to_index")
        connect_blocks(from_inhibitory, views["inhibitory"], views["index"], K)

        comparator_objects: list[Any] = []
        if practising and not own_credit:  # the comparator: the share of entries wrong
            comparator_objects = comparator_of(cortex, index, K, p["n_value"], n_ctx,
                                               schedules, step)
        pathways = {"keys": WeightPathway(keys, views["input"], views["index"],
                                          current_key_weights),
                    "values": WeightPathway(values, views["index"], views["cortex"])}
        synapse_groups = [keys, values, to_inhibitory, from_inhibitory]
        if p["recurrent_probability"] > 0:  # CA3-like recurrence, learned while storing
            recurrent = recurrent_hebbian().synapses(index, index,
                                                     transmission=RECURRENT_TRANSMISSION,
                                                     name="recurrent")
            r_pre, r_post = recurrent_wiring(n_index, p["recurrent_probability"],
                                             p["wiring_seed"])
            recurrent.connect(i=np.concatenate([r_pre + r * n_index for r in range(K)]),
                              j=np.concatenate([r_post + r * n_index for r in range(K)]))
            pathways["recurrent"] = WeightPathway(recurrent, views["index"], views["index"])
            synapse_groups.append(recurrent)

        groups = {"input": inputs, "index": index, "inhibitory": inhibitory, "cortex": cortex}
        monitors = {name: SpikeMonitor(g, name=f"{name}_spikes") for name, g in groups.items()}
        return BuiltNetwork(
            replicas=K, rows=rows, step=step,
            objects=[*groups.values(), *comparator_objects, *synapse_groups,
                     *monitors.values()],
            populations={name: (monitors[name], views[name]) for name in groups},
            stimuli=stimuli,
            replica_variables=replica_variables(inputs, index, inhibitory, cortex),
            seeds=[(inputs, "seed"), (index, "seed")],
            weights=pathways,
            stimulus=stimulus,
        )


def comparator_of(cortex: Any, index: Any, K: int, n_value: int, n_ctx: int,
                  schedules: dict[str, Any], step: Any) -> list[Any]:
    """The comparator (one unit per value entry and replica: contradicted minus confirmed
    cortical spikes since the window's onset), its synapses, and one outcome unit per
    replica holding the share of its units above 0, which every index neuron of the replica
    reads as ``mismatch``. Both sums run every time step (a summed variable follows its
    target's clock): over the replica's ``n_value`` units and then one synapse per index
    neuron, not ``n_value`` synapses per index neuron."""
    comparator = NeuronGroup(K * n_value, COMPARATOR_MODEL, name="comparator",
                             namespace=schedules)
    comparator.replica = replica_of(K, n_value)
    comparator.run_regularly("balance = balance * (1 - onset_level(t, replica))",
                             clock=Clock(step, name="comparator_clock"), when="start",
                             name="comparator_onset")
    to_comparator = Synapses(cortex, comparator, on_pre="balance_post -= feedback_sign_pre",
                             name="cortex_to_comparator")
    to_comparator.connect(i=np.arange(K * n_ctx), j=np.asarray(cortex.teacher_column[:]))
    # summed before the index's own sum reads it (a lower order in the same slot)
    outcome = NeuronGroup(K, "mismatch : 1", name="outcome", order=-2)
    from_comparator = Synapses(
        comparator, outcome, model="mismatch_post = int(balance_pre > 0) / n_value : 1 "
        "(summed)", name="comparator_to_outcome", namespace={"n_value": n_value})
    from_comparator.connect(i=np.arange(K * n_value), j=replica_of(K, n_value))
    to_index = Synapses(outcome, index, model="mismatch_post = mismatch_pre : 1 (summed)",
                        name="outcome_to_index")
    to_index.connect(i=replica_of(K, index.N // K), j=np.arange(index.N))
    return [comparator, to_comparator, outcome, from_comparator, to_index]


def replica_variables(inputs: Any, index: Any, inhibitory: Any, cortex: Any
                      ) -> dict[str, list[tuple[Any, str]]]:
    """Which variables hold each per-replica parameter (one value per replica)."""
    return {
        **lif_variables((index, inhibitory, cortex)),
        **owned_by(inputs, ("input_rate",)),
        "active_fraction": [(inhibitory, "active_fraction"), (index, "active_fraction")],
        **owned_by(index, ("projection_gain", "background_drive", "key_gain",
                           "key_acetylcholine_suppression", "inhibition_strength",
                           "plateau_spikes", "plateau_drive", "silencing_drive",
                           "excitability_sd", "drift_hours", "recruitment_boost",
                           "boost_hours", "eta_key", "tau_key_decay", "recurrent_gain",
                           "eta_recurrent", "eta_key_plus", "eta_key_minus", "theta_ltd",
                           "theta_ltp", "tau_key_plus")),
        **owned_by(cortex, ("teacher_drive", "value_gain", "acetylcholine_suppression",
                            "eta_value")),
    }
