"""What an ensemble index is made of, drawn the same way in Brian2 code and in numpy.

- the **wiring**: which pattern entry projects to which index neuron, a sparse random graph
  (each pair with ``probability``; a connected pair joins every input neuron of the entry,
  both rails, to the index neuron) drawn from ``wiring_seed``, a structural parameter: the
  anatomy a build shares (every run of a batch has the same graph);
- the **projection weights** on that graph: a standard normal weight per connected pair,
  drawn per run from the run's seed (counter-based: pair number, stream ``projection``),
  positive on one rail and negative on the other, so an index neuron's drive is a random
  projection of the pattern (a sparse Gaussian one, as in a dentate-like expansion) with no
  part common to all patterns (a negative weight stands for the feedforward inhibition the
  input recruits);
- each index neuron's **excitability** (a depolarising offset, volts): its initial value is
  drawn per run (stream ``excitability``); between episodes it drifts as an
  Ornstein-Uhlenbeck process, advanced exactly over the hours that pass (stream
  ``excitability_drift``), while a recruited neuron's transient rise decays;
- the **silenced** neurons of a lesion: each neuron's fixed uniform draw (stream
  ``silencing``) against the fraction silenced.

The circuit (`neuro_kv.circuits.kv_ensemble`) evaluates the ``*_CODE`` strings; the rate
reference (`neuro_kv.rate_models.EnsembleMemory`) calls the numpy functions with the same
counters, so both see the same anatomy and the same excitability.
"""

from __future__ import annotations

import numpy as np

from neuro_kv.random_stream import STREAMS, kept_numpy, normal_numpy

__all__ = ["entry_wiring", "rail_synapses", "pair_number", "projection_weights",
           "initial_excitability", "drift_step", "silenced", "recurrent_wiring",
           "PROJECTION_CODE",
           "EXCITABILITY_CODE"]

#: offset of the recurrent wiring's seed from ``wiring_seed`` (the value wiring uses + 1)
RECURRENT_WIRING = 2
#: rows of the wiring drawn at a time (bounds the memory of a 100,000-neuron draw)
_CHUNK = 64


def entry_wiring(n_entries: int, n_post: int, probability: float, wiring_seed: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(entry, post) of every connected pair of a pattern entry and a postsynaptic neuron,
    each pair independently with ``probability``, ordered by entry then post; a function of
    its arguments alone (drawn in blocks of rows, so 100,000 neurons need little memory)."""
    rng = np.random.default_rng([wiring_seed, n_entries, n_post])
    entries, posts = [], []
    for first in range(0, n_entries, _CHUNK):
        rows = min(_CHUNK, n_entries - first)
        entry, post = np.nonzero(rng.random((rows, n_post)) < probability)
        entries.append((entry + first).astype(np.int64))
        posts.append(post.astype(np.int64))
    return np.concatenate(entries), np.concatenate(posts)


def recurrent_wiring(n: int, probability: float, wiring_seed: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(pre, post) of the recurrent synapses among ``n`` neurons: each ordered pair of two
    different neurons independently with ``probability`` (its own draw of the wiring)."""
    pre, post = entry_wiring(n, n, probability, wiring_seed + RECURRENT_WIRING)
    distinct = pre != post
    return pre[distinct], post[distinct]


def rail_synapses(entry: np.ndarray, post: np.ndarray, copies: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pre neuron, post, connected pair) of the synapses of the connected (entry, post)
    pairs: every neuron of both rails of the entry (dual-rail layout,
    `neuro_kv.neurons.rail_layout`) onto the post neuron."""
    offsets = np.arange(2 * copies)
    pre = (2 * copies * entry[:, None] + offsets[None, :]).ravel()
    pair = np.repeat(np.arange(entry.size), 2 * copies)
    return pre, post[pair], pair


def pair_number(entry: np.ndarray, post: np.ndarray, n_post: int) -> np.ndarray:
    """A connected (entry, post) pair's counter within its replica: ``entry * n_post +
    post``."""
    return np.asarray(entry, dtype=np.int64) * n_post + np.asarray(post, dtype=np.int64)


#: the projection weight of a synapse, in Brian2 code: the signed weight of its (entry, post)
#: pair, with the sign of its rail (``seed_post``: the replica's seed)
PROJECTION_CODE = (f"w_projection = rail_sign_pre * normal(seed_post, pair_number, 0,"
                   f" {STREAMS['projection']})")


def projection_weights(seed: int, numbers: np.ndarray) -> np.ndarray:
    """The signed projection weight of each (entry, post) pair (standard normal): a +1
    entry drives the post neuron by it, a -1 entry by its opposite, a hidden one not at
    all."""
    return normal_numpy(seed, numbers, 0, STREAMS["projection"])


def initial_excitability(seed: int, n: int, sd: float) -> np.ndarray:
    """Each neuron's excitability drift at the start of a run (volts, standard deviation
    ``sd``)."""
    return sd * normal_numpy(seed, np.arange(n), 0, STREAMS["excitability"])


#: the excitability's update at a schedule step, in Brian2 code: at the first step the drift
#: is drawn; where hours have passed (``elapsed``, a one-step control) it takes an exact
#: Ornstein-Uhlenbeck step and the recruited neurons' rise decays
EXCITABILITY_CODE = "\n".join([
    "first = int(t_in_timesteps == 0)",
    "sd = excitability_sd / volt",
    f"drift = drift + first * (scaled_normal(seed, neuron, 0, {STREAMS['excitability']},"
    " first * sd) * volt - drift)",
    "decay = exp(-elapsed / drift_hours)",
    f"drift = drift * decay + scaled_normal(seed, neuron, t_in_timesteps,"
    f" {STREAMS['excitability_drift']}, sd * sqrt(1 - decay**2)) * volt",
    "boost = boost * exp(-elapsed / boost_hours)",
])


def drift_step(drift: np.ndarray, elapsed: float, drift_hours: float, sd: float, seed: int,
               step: int) -> np.ndarray:
    """The drift after ``elapsed`` hours (an exact Ornstein-Uhlenbeck step with time
    constant ``drift_hours`` and stationary standard deviation ``sd``); ``step`` is the
    schedule step (in simulation time steps) at which the circuit takes it."""
    if elapsed == 0:
        return drift
    decay = np.exp(-elapsed / drift_hours)
    noise = normal_numpy(seed, np.arange(drift.size), step, STREAMS["excitability_drift"])
    return drift * decay + sd * np.sqrt(1 - decay**2) * noise


def silenced(seed: int, n: int, fraction: float) -> np.ndarray:
    """1 for each of ``n`` neurons silenced when ``fraction`` of them are (0 otherwise)."""
    return 1.0 - kept_numpy(seed, np.arange(n), 0, STREAMS["silencing"], fraction)
