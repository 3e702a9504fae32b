"""Rate-level reference memories (plain numpy) that take the same pattern arrays as the
spiking protocols, so every spiking number can be put next to its rate counterpart.

Patterns are rows of +/-1 (``keys``: items x d, ``values``: items x m); cues are keys with
hidden entries set to 0. Each ``recall`` returns +/-1 estimates (items x m); a 0 read-out is
a guess drawn from ``rng`` (as in the spiking decoder).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "OuterProductMemory",
    "SoftmaxMemory",
    "SlotMemory",
    "HopfieldMemory",
    "sign_with_guess",
]


def sign_with_guess(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """sign(x), with a random +/-1 where x == 0."""
    return np.where(x == 0, rng.choice([-1.0, 1.0], size=x.shape), np.sign(x))


def softmax(scores: np.ndarray, beta: float) -> np.ndarray:
    """Row-wise softmax of ``beta * scores``."""
    z = beta * scores
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class OuterProductMemory:
    """Correlation-matrix memory (Kohonen 1972): ``M = sum_n k_n^T v_n``, read ``q M``."""

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        self.matrix = keys.T @ values

    def readout(self, cues: np.ndarray) -> np.ndarray:
        return cues @ self.matrix

    def recall(self, cues: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return sign_with_guess(self.readout(cues), rng)


class SoftmaxMemory:
    """Softmax attention over stored items: ``softmax(beta q K^T) V``."""

    def __init__(self, keys: np.ndarray, values: np.ndarray, beta: float = 1.0):
        self.keys, self.values, self.beta = keys, values, beta

    def recall(self, cues: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return sign_with_guess(softmax(cues @ self.keys.T, self.beta) @ self.values, rng)


class SlotMemory:
    """Tyulmankov et al. (2021) slot key-value memory with the simplified write rules.

    ``n_slots`` hidden units; the local factor tags slot ``t mod n_slots`` (``sequential``)
    or each slot with probability ``p`` (``random``); the global factor ``q`` gates writing.
    Key write: tagged rows of K are overwritten by x. Value write: with
    ``h' = softmax(K x)``, ``V <- (1 - eta) V + eta y h'^T`` on the tagged columns.
    Read: ``h = softmax(beta K q)``, ``y = V h``.
    """

    def __init__(self, n_slots: int, policy: str = "sequential", p: float = 0.1,
                 beta: float = 1.0):
        self.n_slots, self.policy, self.p, self.beta = n_slots, policy, p, beta
        self.K: np.ndarray | None = None
        self.V: np.ndarray | None = None
        self.t = 0

    def tags(self, rng: np.random.Generator) -> np.ndarray:
        """The local third factor for the current step (0/1 per slot)."""
        if self.policy == "sequential":
            tag = np.zeros(self.n_slots)
            tag[self.t % self.n_slots] = 1.0
            return tag
        return (rng.random(self.n_slots) < self.p).astype(float)

    def write(self, key: np.ndarray, value: np.ndarray, gate: float,
              tag: np.ndarray) -> None:
        if self.K is None:
            self.K = np.zeros((self.n_slots, key.size))
            self.V = np.zeros((value.size, self.n_slots))
        eta = gate * tag
        self.K = (1 - eta[:, None]) * self.K + eta[:, None] * key[None, :]
        h = softmax(self.K @ key, 1.0)
        self.V = (1 - eta[None, :]) * self.V + eta[None, :] * np.outer(value, h)
        self.t += 1

    def store(self, keys: np.ndarray, values: np.ndarray, rng: np.random.Generator,
              gate: float = 1.0,
              slots: list[tuple[int, ...]] | None = None) -> list[np.ndarray]:
        """Write every item in order; returns the tags used. ``slots`` (tagged slot indices
        per item, e.g. those of a spiking run) replace the policy's own draws."""
        used = []
        for item, (key, value) in enumerate(zip(keys, values, strict=True)):
            if slots is None:
                tag = self.tags(rng)
            else:
                tag = np.zeros(self.n_slots)
                tag[list(slots[item])] = 1.0
            self.write(key, value, gate, tag)
            used.append(tag)
        return used

    def recall(self, cues: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        assert self.K is not None and self.V is not None
        h = softmax(cues @ self.K.T, self.beta)
        return sign_with_guess(h @ self.V.T, rng)


class HopfieldMemory:
    """Classical Hopfield network on the concatenated (key, value) patterns.

    Hebbian weights ``W = sum_n xi_n^T xi_n / D`` without self-connections; asynchronous sign
    dynamics in random order (a unit with zero field keeps its state) until a fixed point or
    ``max_sweeps``; the recalled value is the value part of the final state.
    """

    def __init__(self, keys: np.ndarray, values: np.ndarray, max_sweeps: int = 50):
        patterns = np.concatenate([keys, values], axis=1)
        self.n_key = keys.shape[1]
        self.weights = patterns.T @ patterns / patterns.shape[1]
        np.fill_diagonal(self.weights, 0.0)
        self.max_sweeps = max_sweeps

    def settle(self, state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        state = state.copy()
        for _ in range(self.max_sweeps):
            changed = False
            for unit in rng.permutation(state.size):
                field = self.weights[unit] @ state
                new = state[unit] if field == 0 else np.sign(field)
                if new != state[unit]:
                    state[unit], changed = new, True
            if not changed:
                break
        return state

    def recall(self, cues: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Start from the cue (hidden key entries and the whole value part at 0) and settle;
        returns the value part (a unit still at 0 is a guess)."""
        n_value = self.weights.shape[0] - self.n_key
        out = np.empty((len(cues), n_value))
        for k, cue in enumerate(cues):
            state = self.settle(np.concatenate([cue, np.zeros(n_value)]), rng)
            out[k] = sign_with_guess(state[self.n_key:], rng)
        return out
