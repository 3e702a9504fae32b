"""Plasticity rules as small named pieces: equations, update code and parameters with units.

Each rule is a `SynapticRule` that a circuit composes into a `brian2.Synapses`. Gates are model
variables, never Python constants, so a schedule can drive them (also on cpp_standalone):

- ``modulator_post`` -- the global third factor (neuromodulator level, 0..1), a shared
  variable of the postsynaptic group, written by the schedule;
- ``tag_post`` -- the local third factor (plateau/dendritic tag, 0 or 1) of the postsynaptic
  neuron, written by the schedule;
- learning rates are shared synaptic variables (``eta_*``), initialised from the parameters.

Weights ``w`` are dimensionless in [0, 1]; the circuit scales transmission.
Within one time step Brian2 runs, in order: clock-driven updates, thresholds, the ``on_pre``
pathway, then the ``on_post`` pathway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from brian2 import Clock, Synapses, ms
from brian2.units.fundamentalunits import Quantity

__all__ = [
    "SynapticRule",
    "key_three_factor",
    "value_rate_hebbian",
    "value_stdp",
    "reward_modulated_stdp",
    "covariance_hebbian",
    "rail_covariance",
    "VALUE_RULES",
]


@dataclass(frozen=True)
class SynapticRule:
    """A plasticity rule: synaptic ``model`` equations, ``on_pre``/``on_post`` code, constants.

    ``learning_rates`` become shared synaptic variables (so they are model variables);
    ``constants`` go into the namespace (time constants, with units).
    """

    name: str
    model: str
    on_pre: str
    on_post: str = ""
    constants: dict[str, Quantity | float] = field(default_factory=dict)
    learning_rates: dict[str, float] = field(default_factory=dict)
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
        connect: str | None = None,
        connect_namespace: dict[str, Any] | None = None,
    ) -> Synapses:
        """Build Synapses with this rule; ``transmission`` runs before the update.

        ``connect`` is a Brian2 connection condition (``None``: all to all), evaluated with
        ``connect_namespace``.

        ``dt`` is the step of the clock-driven plasticity equations (spikes are still
        delivered on the presynaptic group's clock); ``None`` means the default clock.
        """
        rates = "\n".join(f"{eta} : 1 (shared)" for eta in self.learning_rates)
        model = "\n".join(part for part in (self.model, rates, extra_model) if part)
        on_pre = "\n".join(part for part in (transmission, self.on_pre) if part)
        synapses = Synapses(
            source,
            target,
            model=model,
            on_pre=on_pre,
            on_post=self.on_post or None,
            namespace={**self.constants, **(namespace or {})},
            method=self.method,
            name=name or self.name,
            # a named clock, so the generated code does not depend on how many were built
            clock=None if dt is None else Clock(dt, name=f"{name or self.name}_clock"),
        )
        synapses.connect(condition=connect, namespace=connect_namespace)
        for eta, value in self.learning_rates.items():
            setattr(synapses, eta, value)
        return synapses


def key_three_factor(eta: float = 0.6, tau_decay: Quantity = 25 * ms) -> SynapticRule:
    """Key write, BTSP-like and presynaptic only (Tyulmankov et al. 2021, section 6.2).

    ``dw/dt = -M*tag*w/tau_decay`` between spikes, and on each presynaptic spike
    ``w += eta*M*tag*(1 - w)``: under a plateau the weight relaxes toward a saturating
    function of the presynaptic rate (``eta*r*tau/(1 + eta*r*tau)``), whatever the
    postsynaptic firing. No change where M = 0 or tag = 0.
    """
    return SynapticRule(
        name="key_three_factor",
        model="dw/dt = -modulator_post * tag_post * w / tau_key_decay : 1 (clock-driven)",
        on_pre="w = w + eta_key * modulator_post * tag_post * (1 - w)",
        constants={"tau_key_decay": tau_decay},
        learning_rates={"eta_key": eta},
    )


def value_rate_hebbian(eta: float = 0.3, tau_trace: Quantity = 20 * ms) -> SynapticRule:
    """Value write, rate-Hebbian with decay toward the target (gated by M).

    The postsynaptic activity ``y`` is a nearest-spike trace (set to 1 at a postsynaptic spike,
    decaying with ``tau_trace``). On each presynaptic spike ``w += eta*M*(y - w)``: pre x post
    co-activity drives w up, presynaptic activity with a silent target drives it to 0.
    """
    return SynapticRule(
        name="value_rate_hebbian",
        model=(
            "w : 1\n"
            "dpost_activity/dt = -post_activity / tau_value_trace : 1 (event-driven)"
        ),
        on_pre="w = w + eta_value * modulator_post * (post_activity - w)",
        on_post="post_activity = 1",
        constants={"tau_value_trace": tau_trace},
        learning_rates={"eta_value": eta},
    )


def value_stdp(
    a_plus: float = 0.02,
    a_minus: float = -0.015,
    tau_plus: Quantity = 20 * ms,
    tau_minus: Quantity = 20 * ms,
) -> SynapticRule:
    """Pair-based additive STDP gated by M, weights clipped to [0, 1].

    Traces: ``apre += a_plus`` at a presynaptic and ``apost += a_minus`` at a postsynaptic
    spike; ``w += M*apost`` on a presynaptic, ``w += M*apre`` on a postsynaptic spike.
    """
    return SynapticRule(
        name="value_stdp",
        model=(
            "w : 1\n"
            "dapre/dt = -apre / tau_plus : 1 (event-driven)\n"
            "dapost/dt = -apost / tau_minus : 1 (event-driven)"
        ),
        on_pre=(
            "apre += a_plus\n"
            "w = clip(w + modulator_post * apost, 0, 1)"
        ),
        on_post=(
            "apost += a_minus\n"
            "w = clip(w + modulator_post * apre, 0, 1)"
        ),
        constants={"a_plus": a_plus, "a_minus": a_minus, "tau_plus": tau_plus,
                   "tau_minus": tau_minus},
    )


def reward_modulated_stdp(
    eta: float = 1.0,
    a_plus: float = 0.01,
    a_minus: float = -0.012,
    tau_plus: Quantity = 20 * ms,
    tau_minus: Quantity = 20 * ms,
    tau_eligibility: Quantity = 500 * ms,
) -> SynapticRule:
    """Generic three-factor STDP: STDP pairings feed an eligibility trace, the
    neuromodulator turns it into weight change (Izhikevich 2007; Fremaux & Gerstner 2016).

    ``d(eligibility)/dt = -eligibility/tau_eligibility``;
    ``dw/dt = eta*M*eligibility/tau_eligibility`` (unbounded), forward Euler (Brian2's exact
    solver does not take the modulator-gated coupling).
    """
    return SynapticRule(
        name="reward_modulated_stdp",
        model=(
            "deligibility/dt = -eligibility / tau_eligibility : 1 (clock-driven)\n"
            "dw/dt = eta_reward * modulator_post * eligibility / tau_eligibility"
            " : 1 (clock-driven)\n"
            "dapre/dt = -apre / tau_plus : 1 (event-driven)\n"
            "dapost/dt = -apost / tau_minus : 1 (event-driven)"
        ),
        on_pre="apre += a_plus\neligibility += apost",
        on_post="apost += a_minus\neligibility += apre",
        constants={"a_plus": a_plus, "a_minus": a_minus, "tau_plus": tau_plus,
                   "tau_minus": tau_minus, "tau_eligibility": tau_eligibility},
        learning_rates={"eta_reward": eta},
        method="euler",
    )


def covariance_hebbian(eta: float = 0.01, tau_trace: Quantity = 20 * ms,
                       threshold: float = 0.3) -> SynapticRule:
    """Covariance Hebbian rule (Sejnowski 1977) for recurrent pattern storage, gated by M.

    At each postsynaptic spike ``w += eta*M*(+1 if x_pre else -1)``, where the presynaptic
    state ``x_pre`` is "active" if its nearest-spike trace (1 at a presynaptic spike, decaying
    with ``tau_trace``) exceeds ``threshold``. Co-active pairs strengthen, pairs with a silent
    presynaptic neuron weaken: with dual-rail +/-1 patterns the rail difference of the weights
    is the Hopfield matrix ``sum xi_i xi_j``. Weights are signed and unbounded.
    """
    return SynapticRule(
        name="covariance_hebbian",
        model=(
            "w : 1\n"
            "dpre_activity/dt = -pre_activity / tau_pre_trace : 1 (event-driven)"
        ),
        on_pre="pre_activity = 1",
        on_post=("w = w + eta_recurrent * modulator_post"
                 " * (2 * int(pre_activity > activity_threshold) - 1)"),
        constants={"tau_pre_trace": tau_trace, "activity_threshold": threshold},
        learning_rates={"eta_recurrent": eta},
    )


def rail_covariance(eta: float = 40.0) -> SynapticRule:
    """Covariance rule on dual-rail activity, clock-driven and gated by M (Sejnowski 1977).

    ``dw/dt = eta*M*rail_pre*rail_post`` (``eta`` in 1/s), where ``rail`` is a neuron's
    signed rail activity: +1 if it is active and the other rail of its entry is silent, -1
    if the other rail is active and it is silent, 0 if its entry is silent (or both rails
    are active). A neuron is active when its nearest-spike trace exceeds a threshold (the
    circuit defines ``rail``). Entries that are silent together change nothing, so there is
    no drift before a pattern has switched on. For dual-rail patterns the learned weight from
    rail b of entry j to rail a of entry i is ``eta*T*a*b*sum_mu xi_i xi_j`` (T = time the
    pattern was shown): the Hopfield matrix, with no common-mode term. Weights are signed
    and unbounded.
    """
    return SynapticRule(
        name="rail_covariance",
        model=("dw/dt = eta_covariance * modulator_post * rail_pre * rail_post / second"
               " : 1 (clock-driven)"),
        on_pre="",
        learning_rates={"eta_covariance": eta},
        method="euler",
    )


#: Value rules a circuit can select by name.
VALUE_RULES = ("rate_hebbian", "stdp")

