"""Plasticity rules as small named pieces: synaptic equations and update code.

Each rule is a `SynapticRule` that a circuit composes into a `brian2.Synapses`. Gates and
learning rates are model variables of the postsynaptic neuron, never Python constants, so a
schedule can drive them (also on cpp_standalone) and every replica of a batch can have its
own values. What a rule reads from its postsynaptic group (as ``NAME_post``) is listed in
its ``post_variables``; the circuit declares them in the neuron's equations:

- ``modulator`` -- the global third factor (neuromodulator level), written by the schedule;
  it gates plasticity up to 1 (the rules use ``clip(modulator, 0, 1)``: a saturated gate),
  and a level above 1 (a salient event) matters only to the metaplastic rules;
- ``tag`` -- the local third factor (plateau/dendritic tag, 0 or 1), written by the schedule;
- learning rates (``eta_*``) and amplitudes, constants set per run.

Weights ``w`` are dimensionless; the circuit scales transmission. Within one time step Brian2
runs, in order: state updates, thresholds, the ``on_pre`` pathway, the ``on_post`` pathway,
resets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from brian2 import Clock, Synapses, ms
from brian2.units.fundamentalunits import Quantity

__all__ = [
    "SynapticRule",
    "key_three_factor",
    "key_metaplastic",
    "recurrent_hebbian",
    "value_rate_hebbian",
    "value_metaplastic",
    "value_stdp",
    "rail_covariance",
    "key_nonmonotonic",
    "PRACTICE_UPDATE",
    "PRACTICE_DECAY_RATE",
    "practice_depression",
    "VALUE_RULES",
]


@dataclass(frozen=True)
class SynapticRule:
    """A plasticity rule: synaptic ``model`` equations, ``on_pre``/``on_post`` code, the
    structural ``constants`` (time constants, with units) and the ``post_variables`` it
    reads from the postsynaptic group. ``catch_up`` runs on a presynaptic spike before the
    circuit's transmission code (it brings a lazily updated weight up to date)."""

    name: str
    model: str
    on_pre: str
    on_post: str = ""
    catch_up: str = ""
    constants: dict[str, Quantity | float] = field(default_factory=dict)
    post_variables: tuple[str, ...] = ()
    method: str = "exact"

    def synapses(
        self,
        source: Any,
        target: Any,
        transmission: str = "",
        extra_model: str = "",
        name: str | None = None,
        namespace: dict[str, Any] | None = None,
        dt: Quantity | None = None,
        post_events: dict[str, str] | None = None,
    ) -> Synapses:
        """Synapses with this rule (not yet connected); ``transmission`` runs before the
        update. ``dt`` is the step of clock-driven plasticity equations (spikes are still
        delivered on the presynaptic group's clock); ``None`` means the default clock.
        ``post_events``: event name -> code run on that custom event of the target group
        (a pathway of the same name)."""
        model = "\n".join(part for part in (self.model, extra_model) if part)
        on_pre = "\n".join(part for part in (self.catch_up, transmission, self.on_pre) if part)
        on_post = {"post": self.on_post} if self.on_post else {}
        on_post.update(post_events or {})
        return Synapses(
            source,
            target,
            model=model,
            on_pre=on_pre,
            on_post=on_post or None,
            on_event={"pre": "spike", **{pathway: "spike" if pathway == "post" else pathway
                                         for pathway in on_post}},
            namespace={**self.constants, **(namespace or {})},
            method=self.method,
            name=name or self.name,
            # a named clock, so the generated code does not depend on how many were built
            clock=None if dt is None else Clock(dt, name=f"{name or self.name}_clock"),
        )


def key_three_factor() -> SynapticRule:
    """Key write, BTSP-like and presynaptic only (Tyulmankov et al. 2021, section 6.2).

    ``dw/dt = -M*tag*w/tau_key_decay`` between spikes, and on each presynaptic spike
    ``w += eta_key*M*tag*(1 - w)`` (M clipped to [0, 1]): under a plateau the weight relaxes
    toward a saturating function of the presynaptic rate (``eta*r*tau/(1 + eta*r*tau)``),
    whatever the postsynaptic firing. No change where M = 0 or tag = 0.

    The decay is exact and event-driven: the postsynaptic neuron integrates
    ``dkey_decay/dt = clip(modulator, 0, 1)*tag/tau_key_decay`` and a synapse applies
    ``exp(-(key_decay - key_decay_seen))`` when it next transmits (``key_decay_seen`` is
    the integral at its last update), so no synapse is updated on time steps without a
    spike. The weight at any moment is ``w*exp(key_decay_seen - key_decay_post)``
    (``BuiltNetwork.weights`` reads it so).
    """
    return SynapticRule(
        name="key_three_factor",
        model="w : 1\nkey_decay_seen : 1",
        catch_up=("w = w * exp(key_decay_seen - key_decay_post)\n"
                  "key_decay_seen = key_decay_post"),
        on_pre="w = w + eta_key_post * clip(modulator_post, 0, 1) * tag_post * (1 - w)",
        post_variables=("modulator", "tag", "eta_key", "key_decay"),
    )


def recurrent_hebbian() -> SynapticRule:
    """Recurrent (CA3-like) association between index neurons that store the same item:
    on each presynaptic spike ``w += eta_recurrent*M*tag_pre*tag_post*(1 - w)`` (M clipped
    to [0, 1]), so the synapses between two neurons tagged in one storing window grow
    toward 1 and no other synapse changes (Marr 1971; McNaughton & Morris 1987). No decay.
    """
    return SynapticRule(
        name="recurrent_hebbian",
        model="w : 1",
        on_pre=("w = w + eta_recurrent_post * clip(modulator_post, 0, 1) * tag_pre * tag_post"
                " * (1 - w)"),
        post_variables=("modulator", "tag", "eta_recurrent"),
    )


#: 1 - S while the synapse is stable and the write is not itself above the threshold
KEY_PLASTIC = "(1 - stable * (1 - stabilising_post))"


def key_metaplastic() -> SynapticRule:
    """`key_three_factor` with a per-synapse stability ``stable`` (S, 0 or 1; after
    Tyulmankov et al. 2021's flashbulb memories and Fusi-style metaplasticity).

    The slot's ``stabilising`` gate is 1 while the key rule's effective rate
    ``eta_key*M*tag`` exceeds ``stability_threshold`` (a salient item: M above 1). At every
    postsynaptic spike in that state the synapse becomes stable (``stable = 1``; a slot
    firing under its plateau stabilises all its synapses, from silent inputs too). A stable
    synapse no longer changes (potentiation and decay scaled by ``1 - S``) except while
    ``stabilising`` is 1 again: later ordinary writes into its slot are blocked, the salient
    write itself runs to its end.

    The decay stays exact and event-driven: the slot also integrates
    ``dkey_stable_decay/dt = stabilising*clip(M, 0, 1)*tag/tau_key_decay``, the part of the
    decay that a stable synapse undergoes; ``stable`` changes only after a catch-up, so it is
    constant over each interval a catch-up applies.
    """
    catch_up = ("w = w * exp((1 - stable) * (key_decay_seen - key_decay_post)"
                " + stable * (key_stable_decay_seen - key_stable_decay_post))\n"
                "key_decay_seen = key_decay_post\n"
                "key_stable_decay_seen = key_stable_decay_post")
    return SynapticRule(
        name="key_metaplastic",
        model="w : 1\nkey_decay_seen : 1\nkey_stable_decay_seen : 1\nstable : 1",
        catch_up=catch_up,
        on_pre=(f"w = w + {KEY_PLASTIC} * eta_key_post * clip(modulator_post, 0, 1)"
                " * tag_post * (1 - w)"),
        on_post=catch_up + "\nstable = clip(stable + stabilising_post, 0, 1)",
        post_variables=("modulator", "tag", "eta_key", "key_decay", "key_stable_decay",
                        "stabilising"),
    )


def value_rate_hebbian() -> SynapticRule:
    """Value write, rate-Hebbian with decay toward the target (gated by M).

    The postsynaptic activity ``y`` is the postsynaptic neuron's nearest-spike trace
    ``activity`` (set to 1 at its spikes, decaying with the value trace time constant; the
    circuit integrates it, once per neuron rather than once per synapse). On each presynaptic
    spike ``w += eta_value*M*(y - w)`` (M clipped to [0, 1]): pre x post co-activity drives w
    up, presynaptic activity with a silent target drives it to 0.
    """
    return SynapticRule(
        name="value_rate_hebbian",
        model="w : 1",
        on_pre="w = w + eta_value_post * clip(modulator_post, 0, 1) * (activity_post - w)",
        post_variables=("modulator", "eta_value", "activity"),
    )


def value_metaplastic() -> SynapticRule:
    """`value_rate_hebbian` with a per-synapse stability ``stable`` (S, 0 or 1): at a
    presynaptic (slot) spike while the effective rate ``eta_value*M`` exceeds
    ``stability_threshold`` the synapse becomes stable, and from then on it changes only
    while that holds again (the update is scaled by ``1 - S`` otherwise), so a salient
    item's value is kept when ordinary items are later written into its slot."""
    supra = "int(eta_value_post * modulator_post > stability_threshold_post)"
    return SynapticRule(
        name="value_metaplastic",
        model="w : 1\nstable : 1",
        on_pre=(f"w = w + (1 - stable * (1 - {supra})) * eta_value_post"
                " * clip(modulator_post, 0, 1) * (activity_post - w)\n"
                f"stable = clip(stable + {supra}, 0, 1)"),
        post_variables=("modulator", "eta_value", "activity", "stability_threshold"),
    )


def value_stdp(tau_plus: Quantity = 20 * ms, tau_minus: Quantity = 20 * ms) -> SynapticRule:
    """Pair-based additive STDP gated by M, weights clipped to [0, 1].

    Traces: ``apre += stdp_a_plus`` at a presynaptic and ``apost -= stdp_a_minus`` at a
    postsynaptic spike (``stdp_a_minus`` is the depression's magnitude); ``w += M*apost`` on
    a presynaptic, ``w += M*apre`` on a postsynaptic spike.
    """
    return SynapticRule(
        name="value_stdp",
        model=(
            "w : 1\n"
            "dapre/dt = -apre / tau_plus : 1 (event-driven)\n"
            "dapost/dt = -apost / tau_minus : 1 (event-driven)"
        ),
        on_pre=(
            "apre += stdp_a_plus_post\n"
            "w = clip(w + modulator_post * apost, 0, 1)"
        ),
        on_post=(
            "apost -= stdp_a_minus_post\n"
            "w = clip(w + modulator_post * apre, 0, 1)"
        ),
        constants={"tau_plus": tau_plus, "tau_minus": tau_minus},
        post_variables=("modulator", "stdp_a_plus", "stdp_a_minus"),
    )


def rail_covariance() -> SynapticRule:
    """Covariance rule on dual-rail activity, clock-driven and gated by M (Sejnowski 1977).

    ``dw/dt = eta_covariance*M*rail_pre*rail_post`` (``eta_covariance`` in 1/s), where
    ``rail`` is a neuron's signed rail activity: +1 if it is active and the other rail of its
    entry is silent, -1 if the other rail is active and it is silent, 0 if its entry is
    silent (or both rails are active). A neuron is active when its nearest-spike trace
    exceeds a threshold (the circuit defines ``rail``). Entries that are silent together
    change nothing, so there is no drift before a pattern has switched on. For dual-rail
    patterns the learned weight from rail b of entry j to rail a of entry i is
    ``eta*T*a*b*sum_mu xi_i xi_j`` (T = time the pattern was shown): the Hopfield matrix,
    with no common-mode term. Weights are signed and unbounded.
    """
    return SynapticRule(
        name="rail_covariance",
        model=("dw/dt = eta_covariance_post * modulator_post * rail_pre * rail_post"
               " : 1 (clock-driven)"),
        on_pre="",
        post_variables=("modulator", "eta_covariance", "rail"),
        method="euler",
    )


def key_nonmonotonic() -> SynapticRule:
    """Retrieval practice reshapes keys, non-monotonically in the neuron's activity.

    The non-monotonic plasticity hypothesis (Ritvo, Turk-Browne & Norman 2019), with its
    cellular basis: weak activity changes nothing, moderate activity depresses and strong
    activity potentiates (Artola, Broecher & Singer 1990). With ``a`` the neuron's spike
    trace (``retrieval_activity``: +1 per spike, decaying with the circuit's time constant),
    ``S = [a >= theta_ltp]`` (strong) and ``D = [theta_ltd <= a < theta_ltp]`` (moderate):

    - strong neurons re-encode the cue, as the key write does: on each presynaptic spike
      ``w += P*eta_key_plus*S*(1 - w)``, and between spikes ``dw/dt = -P*eta_key_plus*S*w /
      tau_key_plus`` (so their keys relax toward the cue's inputs and stay bounded: active
      inputs toward ``eta_key_plus*r*tau_key_plus / (1 + eta_key_plus*r*tau_key_plus)``
      at presynaptic rate r, silent ones toward 0);
    - moderately co-active neurons lose the cue's inputs when retrieval gave the wrong value:
      on each presynaptic spike ``w -= P*eta_key_minus*X*D*w``.

    ``P`` (``practice``) is the retrieval-practice gate and ``X`` (``mismatch``) the outcome
    signal (a neuromodulator reporting a retrieved value that differs from the feedback),
    both clipped to [0, 1]. ``a`` is read before the neuron's own spike in the same step.
    A competitor that loses the shared inputs of two overlapping items is the repulsion of
    their keys; without mismatch practice only re-encodes.

    The decay is lazy, as in `key_three_factor`: the neuron integrates ``dpractice_decay/dt
    = P*eta_key_plus*S/tau_key_plus`` and a synapse applies ``exp(-(practice_decay -
    practice_decay_seen))`` when it next transmits.
    """
    return SynapticRule(
        name="key_nonmonotonic",
        model="w : 1\npractice_decay_seen : 1",
        catch_up=("w = w * exp(practice_decay_seen - practice_decay_post)\n"
                  "practice_decay_seen = practice_decay_post"),
        on_pre=PRACTICE_UPDATE,
        post_variables=("practice", "mismatch", "retrieval_activity", "eta_key_plus",
                        "eta_key_minus", "theta_ltd", "theta_ltp", "practice_decay"),
    )


#: the presynaptic update of `key_nonmonotonic` (a circuit may fold its decay into another)
PRACTICE_UPDATE = (
    "w = w + clip(practice_post, 0, 1) * ("
    "eta_key_plus_post * int(retrieval_activity_post >= theta_ltp_post) * (1 - w)"
    " - eta_key_minus_post * clip(mismatch_post, 0, 1)"
    " * int(retrieval_activity_post >= theta_ltd_post)"
    " * int(retrieval_activity_post < theta_ltp_post) * w)")


def practice_depression(variable: str) -> str:
    """The depression half of `key_nonmonotonic` for another weight of the same synapse,
    ``variable`` (any unit), and only where it is excitatory: on each presynaptic spike
    ``x -= P*eta_key_minus*X*D*max(x, 0)``. A circuit whose input also reaches the neuron
    through a fixed weight (``kv-ensemble``'s projection) can let practice weaken that
    weight too; an inhibitory (negative) weight is left alone."""
    return (f"{variable} = {variable} - clip(practice_post, 0, 1) * eta_key_minus_post"
            " * clip(mismatch_post, 0, 1) * int(retrieval_activity_post >= theta_ltd_post)"
            " * int(retrieval_activity_post < theta_ltp_post)"
            f" * ({variable} + abs({variable})) / 2")


#: what the neuron integrates for the decay of `key_nonmonotonic` (over tau_key_plus)
PRACTICE_DECAY_RATE = ("clip(practice, 0, 1) * eta_key_plus"
                       " * int(retrieval_activity >= theta_ltp)")


#: Value rules a circuit can select by name.
VALUE_RULES = ("rate_hebbian", "stdp")
