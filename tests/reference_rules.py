"""Independent numpy re-implementations of the plasticity rules (NEST's habit).

They step through time with plain arrays: traces decay by a constant factor every step
(Brian2 computes event-driven traces lazily from the time of the last update instead).
Order inside step n (time n*dt): gates from the schedule, clock-driven update over
[t, t + dt], presynaptic spikes, then postsynaptic spikes; the weight is recorded after that.
Arrays: ``pre_spikes`` (steps x n_pre) and ``post_spikes`` (steps x n_post) booleans,
``modulator`` (steps,), ``tag`` (steps x n_post), ``w0`` (n_pre x n_post).
Each function returns the weight trajectory (steps x n_pre x n_post).
"""

from __future__ import annotations

import numpy as np


def key_three_factor(pre_spikes, modulator, tag, w0, *, dt, eta, tau):
    """The gated decay applied exactly every step (the gates are constant within a step),
    then the potentiation of the synapses whose presynaptic neuron spikes."""
    w = w0.copy()
    out = np.empty((len(pre_spikes), *w.shape))
    for n in range(len(pre_spikes)):
        gate = np.clip(modulator[n], 0, 1) * tag[n][None, :]
        w = w * np.exp(-gate * dt / tau)
        spiking = pre_spikes[n]
        w[spiking] = w[spiking] + eta * gate * (1 - w[spiking])
        out[n] = w
    return out


def value_rate_hebbian(pre_spikes, post_spikes, modulator, w0, *, dt, eta, tau):
    w = w0.copy()
    last_post = np.full(w.shape[1], -np.inf)
    out = np.empty((len(pre_spikes), *w.shape))
    for n in range(len(pre_spikes)):
        t = n * dt
        activity = np.exp(-(t - last_post) / tau)
        spiking = pre_spikes[n]
        w[spiking] = w[spiking] + eta * np.clip(modulator[n], 0, 1) * (activity[None, :]
                                                                       - w[spiking])
        last_post[post_spikes[n]] = t
        out[n] = w
    return out


def key_metaplastic(pre_spikes, post_spikes, modulator, tag, w0, *, dt, eta, tau, theta):
    """`key_three_factor` on the synapses that are plastic: those not yet stable, and every
    synapse while its slot's effective rate eta*M*tag exceeds ``theta``; a postsynaptic
    spike in that state makes every synapse of the slot stable. Also returns the final
    stability (n_pre x n_post)."""
    w = w0.copy()
    stable = np.zeros(w.shape, bool)
    out = np.empty((len(pre_spikes), *w.shape))
    for n in range(len(pre_spikes)):
        gate = np.clip(modulator[n], 0, 1) * tag[n][None, :]
        above = (eta * modulator[n] * tag[n] > theta)[None, :]
        plastic = ~stable | above
        w = np.where(plastic, w * np.exp(-gate * dt / tau), w)
        spiking = pre_spikes[n]
        step = np.where(plastic, eta * gate * (1 - w), 0.0)
        w[spiking] = w[spiking] + step[spiking]
        stable |= post_spikes[n][None, :] & above
        out[n] = w
    return out, stable


def value_metaplastic(pre_spikes, post_spikes, modulator, w0, *, dt, eta, tau, theta):
    """`value_rate_hebbian` on the synapses that are plastic (not yet stable, or any while
    eta*M exceeds ``theta``); a presynaptic spike in that state makes its synapses stable."""
    w = w0.copy()
    stable = np.zeros(w.shape, bool)
    last_post = np.full(w.shape[1], -np.inf)
    out = np.empty((len(pre_spikes), *w.shape))
    for n in range(len(pre_spikes)):
        activity = np.exp(-(n * dt - last_post) / tau)
        above = eta * modulator[n] > theta
        spiking = pre_spikes[n]
        plastic = (~stable | above)[spiking]
        w[spiking] = w[spiking] + plastic * eta * np.clip(modulator[n], 0, 1) * (
            activity[None, :] - w[spiking])
        stable[spiking] |= above
        last_post[post_spikes[n]] = n * dt
        out[n] = w
    return out, stable


def value_stdp(pre_spikes, post_spikes, modulator, w0, *, dt, a_plus, a_minus, tau_plus,
               tau_minus):
    w = w0.copy()
    a_pre = np.zeros_like(w)
    a_post = np.zeros_like(w)
    out = np.empty((len(pre_spikes), *w.shape))
    for n in range(len(pre_spikes)):
        a_pre *= np.exp(-dt / tau_plus)
        a_post *= np.exp(-dt / tau_minus)
        pre, post = pre_spikes[n], post_spikes[n]
        a_pre[pre] += a_plus
        w[pre] = np.clip(w[pre] + modulator[n] * a_post[pre], 0, 1)
        a_post[:, post] += a_minus
        w[:, post] = np.clip(w[:, post] + modulator[n] * a_pre[:, post], 0, 1)
        out[n] = w
    return out


def rail_covariance(rail_pre, rail_post, modulator, w0, *, plasticity_dt, eta):
    """Forward Euler on the plasticity grid: w += dt*eta*M*rail_pre*rail_post."""
    increments = plasticity_dt * eta * modulator[:, None, None] * (
        rail_pre[:, :, None] * rail_post[:, None, :])
    return w0[None] + np.cumsum(increments, axis=0)


def recurrent_hebbian(pre_spikes, modulator, tag_pre, tag_post, w0, *, eta):
    """A presynaptic spike moves the weight toward 1 by eta*M*tag_pre*tag_post."""
    w = w0.copy()
    out = np.empty((len(pre_spikes), *w.shape))
    for n in range(len(pre_spikes)):
        gate = np.clip(modulator[n], 0, 1) * tag_pre[n][:, None] * tag_post[n][None, :]
        spiking = pre_spikes[n]
        w[spiking] = w[spiking] + eta * gate[spiking] * (1 - w[spiking])
        out[n] = w
    return out


def key_nonmonotonic(pre_spikes, post_spikes, practice, mismatch, w0, *, dt, tau, eta_plus,
                     eta_minus, theta_ltd, theta_ltp, tau_plus):
    """Step n: the decay over the step with the gate of the trace at the step's start; then
    the trace decays by exp(-dt/tau); presynaptic spikes read it; this step's postsynaptic
    spikes add 1 to it. ``mismatch`` is steps x n_post."""
    w = w0.copy()
    activity = np.zeros(w.shape[1])
    out = np.empty((len(pre_spikes), *w.shape))
    for n in range(len(pre_spikes)):
        gate = np.clip(practice[n], 0, 1)
        w = w * np.exp(-gate * eta_plus * (activity >= theta_ltp)[None, :] * dt / tau_plus)
        activity = activity * np.exp(-dt / tau)
        strong = (activity >= theta_ltp).astype(float)[None, :]
        moderate = ((activity >= theta_ltd) & (activity < theta_ltp)).astype(float)[None, :]
        x = np.clip(mismatch[n], 0, 1)[None, :]
        spiking = pre_spikes[n]
        w[spiking] = w[spiking] + gate * (eta_plus * strong * (1 - w[spiking])
                                          - eta_minus * x * moderate * w[spiking])
        activity = activity + post_spikes[n]
        out[n] = w
    return out
