"""Neuron model pieces: leaky integrate-and-fire with exponential current-based synapses.

Synaptic "currents" are in volts (R*I): a presynaptic spike adds its weight (in mV) to
``I_exc`` or ``I_inh``, which decay with ``tau_exc``/``tau_inh`` and drive the membrane.
"""

from __future__ import annotations

from brian2 import ms, mV

from neuro_kv.parameters import Parameter

__all__ = ["lif_equations", "lif_parameters", "LIF_THRESHOLD", "LIF_RESET"]

LIF_THRESHOLD = "v > v_threshold"
LIF_RESET = "v = v_reset"


def lif_equations(extra_drive: str = "", extra_model: str = "") -> str:
    """Equations of a LIF neuron; ``extra_drive`` is added to the membrane drive (volts).

    Needs in the namespace: ``tau_m``, ``v_rest``, ``tau_exc``, ``tau_inh``.
    """
    drive = "I_exc - I_inh" + (f" + {extra_drive}" if extra_drive else "")
    model = f"""
    dv/dt = (v_rest - v + {drive}) / tau_m : volt (unless refractory)
    dI_exc/dt = -I_exc / tau_exc : volt
    dI_inh/dt = -I_inh / tau_inh : volt
    """
    return model + extra_model


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
