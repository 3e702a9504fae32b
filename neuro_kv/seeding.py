"""The one rule that turns a run's seed into random generators.

A run's spikes come from counter-based streams seeded inside the network
(`neuro_kv.random_stream`); everything drawn in Python comes from one of these generators, so
a run's patterns, its analysis and its rate references depend on its seed alone and never on
one another:

- `pattern_rng`: the run's stimuli (keys, values, cues, slot tags), ``default_rng(seed)``;
- `analysis_rng`: the read-out's random choices (e.g. ties), ``default_rng([seed, 1])``;
- `reference_rng`: draws outside the spiking run (a rate reference's recall, the viewer's
  read-out), ``default_rng([seed, 2])``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pattern_rng", "analysis_rng", "reference_rng"]


def pattern_rng(seed: int) -> np.random.Generator:
    """The generator a run's patterns are drawn from."""
    return np.random.default_rng(seed)


def analysis_rng(seed: int) -> np.random.Generator:
    """The generator a run's analysis draws from (independent of its patterns)."""
    return np.random.default_rng([seed, 1])


def reference_rng(seed: int) -> np.random.Generator:
    """The generator of draws made outside the spiking run: rate references, the viewer."""
    return np.random.default_rng([seed, 2])
