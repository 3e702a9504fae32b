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
        gate = modulator[n] * tag[n][None, :]
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
        w[spiking] = w[spiking] + eta * modulator[n] * (activity[None, :] - w[spiking])
        last_post[post_spikes[n]] = t
        out[n] = w
    return out


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
