"""The paper's Simulation A (Gershman, Fiete & Irie 2025, Fig. 2) at the rate level: keys and
values learned by gradient descent through a softmax read-out, so that one retrieval
objective shapes keys for discriminability and values for fidelity.

Each of N items has a free key k_n and a free value v_n (both 2-D, initialised uniform in
[0, 1]). Item n, used as the query q_n = k_n, reads

    out_n = sum_m softmax_m(q_n . k_m / sqrt(2)) sigmoid(v_m)

and the loss is the mean squared error between out_n and its class feature vector (class 0
(0, 1), class 1 (1, 0), class 2 (1, 1)). Adam (learning rate 3e-4) takes 5,000 steps for 2
classes, 10,000 for 3. The gradient is written out exactly (`gradients`) and tested against
finite differences.

A key enters the scores twice: as the query of its own item (row n) and as the key every other
item reads (column m). ``through`` says which side the gradient flows through: ``"both"`` (the
set-up as the paper's methods write it, the default), ``"queries"`` (each item moves only its
own key, the key side held fixed) or ``"keys"`` (the query side held fixed: our reading of the
paper's code in ``shared/science.md``). Measured over seeds 1-20 (docs, "Keys that learn"):
``"queries"`` and ``"both"`` give the paper's Fig. 2 (class-mean keys 179 and 150 degrees
apart after 5,000 steps), ``"keys"`` does not (the read-out stays near uniform).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, softmax

__all__ = ["CLASS_FEATURES", "GRADIENT_SIDES", "AttentionMemory", "train", "gradients",
           "class_key_angle_deg", "value_distance"]

#: class feature vectors, as in the paper's text
CLASS_FEATURES = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
#: the score scale of the paper's code: 1 / sqrt(d) with d = 2
SCALE = 1.0 / np.sqrt(2.0)
#: the sides of the score matrix a gradient may flow through (``gradients``' ``through``)
GRADIENT_SIDES = ("both", "queries", "keys")


@dataclass
class AttentionMemory:
    """Keys and values (items x 2) of the learned memory and each item's class."""

    keys: np.ndarray
    values: np.ndarray
    labels: np.ndarray

    def read(self, queries: np.ndarray) -> np.ndarray:
        """The softmax read-out of ``queries`` (queries x 2): mixtures of sigmoid(values)."""
        weights = softmax(queries @ self.keys.T * SCALE, axis=1)
        return weights @ expit(self.values)

    def loss(self) -> float:
        """Mean squared error of every item's read-out (its own key as the query) to its class
        feature vector."""
        targets = CLASS_FEATURES[self.labels]
        return float(np.mean((self.read(self.keys) - targets) ** 2))


def gradients(memory: AttentionMemory, through: str = "both") -> tuple[np.ndarray, np.ndarray]:
    """d loss / d keys, through the side(s) of the scores that ``through`` names (one of
    `GRADIENT_SIDES`), and d loss / d values."""
    _check_side(through)
    keys, values = memory.keys, memory.values
    weights = softmax(keys @ keys.T * SCALE, axis=1)  # queries x items
    read_values = expit(values)
    out = weights @ read_values
    d_out = 2.0 * (out - CLASS_FEATURES[memory.labels]) / out.size
    d_values = (weights.T @ d_out) * read_values * (1.0 - read_values)
    d_weights = d_out @ read_values.T
    d_scores = weights * (d_weights - np.sum(d_weights * weights, axis=1, keepdims=True))
    d_keys = np.zeros_like(keys)
    if through in ("both", "keys"):
        d_keys += d_scores.T @ keys * SCALE  # k_m read by every query: column m
    if through in ("both", "queries"):
        d_keys += d_scores @ keys * SCALE  # k_n as its own item's query: row n
    return d_keys, d_values


def _check_side(through: str) -> None:
    if through not in GRADIENT_SIDES:
        raise ValueError(f"parameter 'through': value {through!r} is not allowed; expected "
                         f"one of {', '.join(GRADIENT_SIDES)}")


def train(n_items: int, n_classes: int, seed: int, steps: int | None = None,
          learning_rate: float = 3e-4, through: str = "both"
          ) -> tuple[AttentionMemory, AttentionMemory]:
    """The memory before and after training: ``n_items`` items with classes drawn at random
    (as the paper's code does), keys and values uniform in [0, 1], Adam for ``steps``
    (default 5,000 for 2 classes, 10,000 for more), the key gradient ``through`` the side(s)
    of the scores it names."""
    _check_side(through)
    if n_classes not in (2, 3):
        raise ValueError(f"parameter 'n_classes': value {n_classes} is not allowed; "
                         "expected 2 or 3")
    if n_items < 1:
        raise ValueError(f"parameter 'n_items': value {n_items} is not allowed; expected "
                         "at least 1")
    rng = np.random.default_rng(seed)
    labels = rng.integers(n_classes, size=n_items)
    start = AttentionMemory(rng.random((n_items, 2)), rng.random((n_items, 2)), labels)
    memory = AttentionMemory(start.keys.copy(), start.values.copy(), labels)
    steps = steps if steps is not None else (5_000 if n_classes == 2 else 10_000)
    if steps < 0:
        raise ValueError(f"parameter 'steps': value {steps} is not allowed; expected at "
                         "least 0")
    params = [memory.keys, memory.values]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        grads = gradients(memory, through)
        for param, grad, m, v in zip(params, grads, first, second, strict=True):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad ** 2
            param -= (learning_rate * (m / (1 - beta1 ** step))
                      / (np.sqrt(v / (1 - beta2 ** step)) + eps))
    return start, memory


def class_key_angle_deg(memory: AttentionMemory, a: int = 0, b: int = 1) -> float:
    """Angle (degrees) between the mean keys of classes ``a`` and ``b``."""
    mean_a = memory.keys[memory.labels == a].mean(axis=0)
    mean_b = memory.keys[memory.labels == b].mean(axis=0)
    cosine = mean_a @ mean_b / (np.linalg.norm(mean_a) * np.linalg.norm(mean_b))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def value_distance(memory: AttentionMemory) -> float:
    """Mean Euclidean distance of the items' read values, sigmoid(v_n), to their class
    feature vectors."""
    read_values = expit(memory.values)
    return float(np.linalg.norm(read_values - CLASS_FEATURES[memory.labels], axis=1).mean())
