"""Rate-level reference memories (plain numpy) that take the same pattern arrays as the
spiking protocols, so every spiking number can be put next to its rate counterpart.

Patterns are rows of +/-1 (``keys``: items x d, ``values``: items x m); cues are keys with
hidden entries set to 0. Each ``recall`` returns +/-1 estimates (items x m); a 0 read-out is
a guess drawn from ``rng`` (as in the spiking decoder).
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = [
    "OuterProductMemory",
    "SoftmaxMemory",
    "SlotMemory",
    "HopfieldMemory",
    "BidirectionalMemory",
    "ForgettingHopfieldMemory",
    "MetaplasticSlotMemory",
    "EnsembleMemory",
    "top_k",
    "sign_with_guess",
]


def sign_with_guess(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """sign(x), with a random +/-1 where x == 0."""
    return np.where(x == 0, rng.choice([-1.0, 1.0], size=x.shape), np.sign(x))


def softmax(scores: np.ndarray, beta: float) -> np.ndarray:
    """Row-wise softmax of ``beta * scores`` (scipy.special.softmax)."""
    return special.softmax(beta * scores, axis=-1)


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


class MetaplasticSlotMemory(SlotMemory):
    """`SlotMemory` with Tyulmankov et al.'s (2021) flashbulb metaplasticity: a slot written
    with an effective rate ``gate * tag`` above ``threshold`` becomes stable (S = 1), and a
    stable slot's key row and value column are no longer written, except by another write
    above the threshold. The write itself uses ``clip(gate, 0, 1)``: a salient item (gate
    10) is written like an ordinary one, and stays."""

    def __init__(self, n_slots: int, policy: str = "sequential", p: float = 0.1,
                 beta: float = 1.0, threshold: float = 1.0):
        super().__init__(n_slots, policy, p, beta)
        self.threshold = threshold
        self.stable = np.zeros(n_slots, bool)

    def write(self, key: np.ndarray, value: np.ndarray, gate: float,
              tag: np.ndarray) -> None:
        above = gate * tag > self.threshold
        super().write(key, value, float(np.clip(gate, 0, 1)),
                      tag * (~self.stable | above))
        self.stable |= above


class HopfieldMemory:
    """Classical Hopfield network on the concatenated (key, value) patterns.

    Hebbian weights ``W = sum_n xi_n^T xi_n / D``, with self-connections removed
    (``diagonal="zero"``, Hopfield 1982) or kept (``"kept"``: ``W_ii = n_patterns / D``, as in
    bio-kvm's reference model; a unit then leans towards its present state). Sign dynamics,
    a unit with zero field keeping its state, either ``"asynchronous"`` (one unit at a time in
    random order; a sweep visits every unit once) or ``"synchronous"`` (every unit at once),
    until a fixed point, a two-cycle of synchronous updates (the only other attractor of
    synchronous dynamics with symmetric weights) or ``max_sweeps``. With ``clamp_cue`` the
    visible cue entries stay fixed (a stopping rule that never revises what was seen). The
    recalled value is the value part of the final state.

    The defaults (zero diagonal, synchronous, cue clamped) are the strongest of these
    variants on the package's task and on bio-kvm's (`scripts/hopfield_variants.py`, README).
    """

    DIAGONALS = ("zero", "kept")
    UPDATES = ("asynchronous", "synchronous")

    def __init__(self, keys: np.ndarray, values: np.ndarray, max_sweeps: int = 50,
                 diagonal: str = "zero", update: str = "synchronous",
                 clamp_cue: bool = True):
        if diagonal not in self.DIAGONALS:
            raise ValueError(f"parameter 'diagonal': value {diagonal!r} is not allowed; "
                             f"expected one of {self.DIAGONALS}")
        if update not in self.UPDATES:
            raise ValueError(f"parameter 'update': value {update!r} is not allowed; "
                             f"expected one of {self.UPDATES}")
        patterns = np.concatenate([keys, values], axis=1)
        self.n_key = keys.shape[1]
        self.weights = patterns.T @ patterns / patterns.shape[1]
        if diagonal == "zero":
            np.fill_diagonal(self.weights, 0.0)
        self.max_sweeps, self.update, self.clamp_cue = max_sweeps, update, clamp_cue

    def settle(self, state: np.ndarray, rng: np.random.Generator,
               clamped: np.ndarray | None = None) -> np.ndarray:
        """Sign dynamics from ``state``; units where ``clamped`` is true never change."""
        state = state.copy()
        free = np.ones(state.size, bool) if clamped is None else ~clamped
        if self.update == "synchronous":
            previous = None
            for _ in range(self.max_sweeps):
                field = self.weights @ state
                new = np.where(free & (field != 0), np.sign(field), state)
                if np.array_equal(new, state) or (previous is not None
                                                  and np.array_equal(new, previous)):
                    return new
                previous, state = state, new
            return state
        for _ in range(self.max_sweeps):
            changed = False
            for unit in rng.permutation(np.flatnonzero(free)):
                field = self.weights[unit] @ state
                new = state[unit] if field == 0 else np.sign(field)
                if new != state[unit]:
                    state[unit], changed = new, True
            if not changed:
                break
        return state

    def complete(self, cues: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Final states (items x D) from partial patterns ``cues`` (0 = unknown)."""
        return np.stack([self.settle(cue, rng, (cue != 0) if self.clamp_cue else None)
                         for cue in cues])

    def recall(self, cues: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Start from the cue (hidden key entries and the whole value part at 0) and settle;
        returns the value part (a unit still at 0 is a guess)."""
        n_value = self.weights.shape[0] - self.n_key
        start = np.concatenate([cues, np.zeros((len(cues), n_value))], axis=1)
        return sign_with_guess(self.complete(start, rng)[:, self.n_key:], rng)


class BidirectionalMemory:
    """Bidirectional associative memory (BAM, Kosko 1988): ``W = sum_n k_n^T v_n`` (keys x
    values); recall runs ``v = sign(k W)``, ``k = sign(v W^T)`` back and forth from the cue
    (a unit with zero input keeps its state; the visible cue entries stay fixed, as in
    `HopfieldMemory`'s default) until neither layer changes or ``max_sweeps``. Its capacity is
    a small fraction of min(key, value dimension), beyond which recall degrades."""

    def __init__(self, keys: np.ndarray, values: np.ndarray, max_sweeps: int = 50):
        self.weights = keys.T @ values
        self.max_sweeps = max_sweeps

    def recall(self, cues: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        recalled = []
        for cue in cues:
            key, value = cue.copy(), np.zeros(self.weights.shape[1])
            visible = cue != 0
            for _ in range(self.max_sweeps):
                field = key @ self.weights
                new_value = np.where(field != 0, np.sign(field), value)
                back = new_value @ self.weights.T
                new_key = np.where(visible | (back == 0), key, np.sign(back))
                if np.array_equal(new_value, value) and np.array_equal(new_key, key):
                    break
                key, value = new_key, new_value
            recalled.append(value)
        return sign_with_guess(np.array(recalled), rng)


class ForgettingHopfieldMemory(HopfieldMemory):
    """A Hopfield network that forgets (a "memory that forgets", Parisi 1986): patterns
    (key and value concatenated, D entries) are written one at a time,
    ``W <- clip(W + eta xi^T xi, -bound, bound)`` with a zero diagonal, so old patterns fade
    as new ones saturate the bounded weights; recall settles as `HopfieldMemory`'s default
    (synchronous sign dynamics, visible cue entries fixed). ``eta`` defaults to 1/sqrt(D) and
    ``bound`` to 0.35, the values Tyulmankov et al.'s code suggests for this baseline."""

    def __init__(self, n_key: int, n_value: int, eta: float | None = None,
                 bound: float = 0.35, max_sweeps: int = 50):
        size = n_key + n_value
        self.n_key, self.bound = n_key, bound
        self.eta = 1.0 / np.sqrt(size) if eta is None else eta
        self.weights = np.zeros((size, size))
        self.max_sweeps, self.update, self.clamp_cue = max_sweeps, "synchronous", True

    def write(self, key: np.ndarray, value: np.ndarray, strength: float = 1.0) -> None:
        """Store one pattern; ``strength`` multiplies the write (a salient item's large
        write, e.g. 10: it saturates the bounded weights, at the cost of older patterns)."""
        pattern = np.concatenate([key, value])
        self.weights = np.clip(self.weights + strength * self.eta * np.outer(pattern, pattern),
                               -self.bound, self.bound)
        np.fill_diagonal(self.weights, 0.0)


def top_k(drive: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Indices of the ``k`` largest entries of ``drive`` (k-winners-take-all), among
    ``allowed`` (boolean) if given; ties broken by position."""
    drive = np.where(allowed, drive, -np.inf) if allowed is not None else drive
    k = min(k, int(np.isfinite(drive).sum()))
    return np.sort(np.argsort(-drive, kind="stable")[:k])


#: rounds of recurrent excitation a read lets the winners settle in (they stop earlier when
#: the winners no longer change)
RECURRENT_STEPS = 10


class EnsembleMemory:
    """The rate reference of ``kv-ensemble``: a sparse random projection, a k-WTA index whose
    winners store each item, excitability that biases them.

    ``projection`` (entries x index neurons) holds each connected pair's signed weight (0
    where not connected); a cue ``x`` drives neuron j by ``projection_scale * (x @
    projection)[j]`` plus its excitability. While storing, the ``k`` most driven neurons
    win (the key pathway is silent, as acetylcholine makes it), write their keys (the
    item's sign on each connected entry) and values (the caller raises their excitability,
    as the circuit's recruitment boost does). Reading, a neuron also gets ``key_scale`` per
    visible cue entry that matches its key; the ``k`` most driven (of those not silenced)
    vote with their values: ``sign(sum of their values)``. Drives in volts.

    With ``recurrent`` (index x index connectivity, pre x post), storing links the winners'
    connected pairs; reading, the winners then add ``recurrent_scale`` per link to their
    partners' drive and the k most driven win again, until the winners settle (at most
    `RECURRENT_STEPS` rounds): an attractor that completes a stored ensemble.
    """

    def __init__(self, projection: np.ndarray, k: int, projection_scale: float,
                 key_scale: float, recurrent: np.ndarray | None = None,
                 recurrent_scale: float = 0.0):
        self.projection, self.k = projection, k
        self.projection_scale, self.key_scale = projection_scale, key_scale
        n_entries, n_index = projection.shape
        self.connected = projection != 0
        self.keys = np.zeros((n_index, n_entries))
        self.values: np.ndarray | None = None
        # recurrence (pre x post connectivity); a stored item links its winners' pairs
        self.recurrent = recurrent
        self.recurrent_scale = recurrent_scale
        self.links = None if recurrent is None else np.zeros(recurrent.shape)
        # the projection per rail (+1 entries, -1 entries), once practice changes it
        self.rail_projection: np.ndarray | None = None

    def drive(self, cue: np.ndarray, excitability: np.ndarray, reading: bool) -> np.ndarray:
        """Each index neuron's drive by ``cue`` (V)."""
        if self.rail_projection is None:
            projected = cue @ self.projection
        else:
            projected = (np.clip(cue, 0, None) @ self.rail_projection[0]
                         + np.clip(-cue, 0, None) @ self.rail_projection[1])
        drive = self.projection_scale * projected + excitability
        if reading:  # graded keys (practice) count by how far they match the cue
            matches = np.clip(self.keys * cue[None, :], 0, None) * self.connected.T
            drive = drive + self.key_scale * matches.sum(axis=1)
        return drive

    def store(self, key: np.ndarray, value: np.ndarray, excitability: np.ndarray
              ) -> np.ndarray:
        """Store one item; return its ensemble."""
        ensemble = top_k(self.drive(key, excitability, reading=False), self.k)
        if self.values is None:
            self.values = np.zeros((self.keys.shape[0], value.size))
        self.keys[ensemble] = np.where(self.connected.T[ensemble], key[None, :], 0.0)
        self.values[ensemble] = value
        if self.links is not None:
            block = np.ix_(ensemble, ensemble)
            self.links[block] = np.maximum(self.links[block], self.recurrent[block])
        return ensemble

    def read(self, cue: np.ndarray, excitability: np.ndarray, rng: np.random.Generator,
             silenced: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(the recalled value as +/-1, the ensemble that answered)."""
        ensemble = self.answering(cue, excitability, silenced)
        return sign_with_guess(self.values[ensemble].sum(axis=0), rng), ensemble

    def practise(self, cue: np.ndarray, value: np.ndarray, excitability: np.ndarray,
                 eta_plus: float, eta_minus: float, rng: np.random.Generator,
                 credit: str = "shared", projection: bool = False) -> float:
        """One retrieval-practice trial, the rate form of `key_nonmonotonic`: the ``k`` most
        driven neurons (strong) answer and move their keys toward the cue by ``eta_plus``;
        the next ``k`` (moderately active) shrink the key entries that match the cue by
        ``eta_minus`` x a mismatch. With ``credit`` "shared" (the circuit's comparator) it is
        the share of value entries the strong neurons' vote gets wrong against the feedback
        ``value``, the same for every neuron; with "own" it is each moderate neuron's own:
        the share of its stored value's entries the feedback contradicts (the local form of
        the gradient of Fig. 2, which moves a key by how its own value differs from the
        target). With ``projection`` the moderate neurons' excitatory projection weights
        from the cue's active rails shrink by the same factor (the circuit's
        ``practice_projection``; the projection is then kept per rail). Returns the shared
        mismatch."""
        if credit not in ("shared", "own"):
            raise ValueError(f"parameter 'credit': value {credit!r} is not allowed; expected "
                             "'shared' or 'own'")
        drive = self.drive(cue, excitability, reading=True)
        order = np.argsort(-drive, kind="stable")
        strong, moderate = order[:self.k], order[self.k:2 * self.k]
        mismatch = float(np.mean(sign_with_guess(self.values[strong].sum(axis=0), rng)
                                 != value))
        scale = (np.full((moderate.size, 1), mismatch) if credit == "shared"
                 else np.mean(self.values[moderate] * value[None, :] < 0, axis=1)[:, None])
        target = np.where(self.connected.T[strong], cue[None, :], 0.0)
        self.keys[strong] += eta_plus * (target - self.keys[strong])
        matching = self.keys[moderate] * cue[None, :] > 0
        self.keys[moderate] -= eta_minus * scale * self.keys[moderate] * matching
        if projection:
            if self.rail_projection is None:
                self.rail_projection = np.stack([self.projection, -self.projection])
            for rail, active in enumerate((cue > 0, cue < 0)):
                weights = self.rail_projection[rail][np.ix_(active, moderate)]
                weights -= eta_minus * scale.T * np.clip(weights, 0, None)
                self.rail_projection[rail][np.ix_(active, moderate)] = weights
        return mismatch

    def answering(self, cue: np.ndarray, excitability: np.ndarray,
                  silenced: np.ndarray | None = None) -> np.ndarray:
        """The ``k`` index neurons (not silenced) that ``cue`` drives most while reading."""
        if self.values is None:
            raise ValueError("nothing stored")
        allowed = None if silenced is None else silenced == 0
        drive = self.drive(cue, excitability, reading=True)
        winners = top_k(drive, self.k, allowed)
        if self.links is None or self.recurrent_scale == 0:
            return winners
        for _ in range(RECURRENT_STEPS):  # the winners excite their stored partners
            active = np.zeros(drive.size)
            active[winners] = 1.0
            settled = top_k(drive + self.recurrent_scale * (active @ self.links), self.k,
                            allowed)
            if np.array_equal(np.sort(settled), np.sort(winners)):
                break
            winners = settled
        return winners
