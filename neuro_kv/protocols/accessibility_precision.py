"""``accessibility-precision``: memories drop out of reach whole (Berens et al. 2020).

Values are continuous: an angle, stored as a graded bump of activity on a ring made of the
cortex's +1 rails (entry j prefers angle 360 j / n_value degrees; the teacher drives entry j
at exp(kappa (cos(angle_j - angle) - 1)) of its full drive) and decoded by population vector.
One schedule on the ``kv-index`` circuit: store ``n_targets`` items (random +/-1 keys, random
angles), test every target from its partial cue, then store more items whose keys are
similar to the targets' (``interferer_overlap`` of the entries shared, random angles) and
test again, up to each of ``interference_levels`` interferers per target. The same cue is
used for a target at every level, so only the interference changes.

Per level: ``accessibility`` = P(the target's slot is the most active slot), and
``precision_deg`` = mean |angular error| of the decoded angle on the windows where it won.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuro_kv.analysis.decoding import angular_error_deg, population_vector_deg
from neuro_kv.analysis.forgetting_figures import accessibility_precision_figure
from neuro_kv.analysis.statistics import mean_ci, proportion_ci, slope
from neuro_kv.neurons import rail_counts
from neuro_kv.parameters import Parameter, ParameterError, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    KVIndexProtocol,
    check_slots,
    encode,
    flip_entries,
    hide_entries,
    new_schedule,
    read_out,
)
from neuro_kv.protocols.paired_recall import schedule_step
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["AccessibilityPrecision", "RingItems", "ring_bump"]

P = Parameter

PARAMETERS = ParameterSet([
    P("n_targets", 10, "items whose retrieval is tested at every interference level", "int",
      low=1),
    P("interference_levels", (0, 1, 2, 3), "similar-key interferers stored per target before "
      "each test (cumulative, increasing)", "ints", low=0),
    P("interferer_overlap", 0.9, "fraction of key entries an interferer shares with its "
      "target", "float", low=0, high=1),
    P("bump_concentration", 4.0, "von Mises concentration kappa of a value's bump on the "
      "cortical ring", "float", low=0, low_exclusive=True),
    P("cue_hidden_fraction", 0.6, "fraction of key entries hidden in a retrieval cue",
      "float", low=0, high=1),
    P("retrieval_inhibition_gain", 1.0, "gain on the index inhibition during retrieval "
      "(1: the circuit's inhibition_strength; larger: a harder winner-take-all)", "float",
      low=0),
    *TIMING_PARAMETERS,
])


@dataclass(frozen=True)
class RingItems:
    """Targets and interferers in storage order (``keys``, ``angles_deg``, ``values``, the
    ``slots`` they are written to), the targets' ``cues`` and, per level, how many
    interferers are stored before that test."""

    keys: np.ndarray
    angles_deg: np.ndarray
    values: np.ndarray
    cues: np.ndarray
    new_per_level: list[int]
    n_targets: int


def ring_bump(angles_deg: np.ndarray, n_entries: int, concentration: float) -> np.ndarray:
    """Bumps (items x entries) in [0, 1] centred on ``angles_deg`` on a ring of entries."""
    preferred = np.arange(n_entries) * 2 * np.pi / n_entries
    angles = np.deg2rad(np.asarray(angles_deg))[:, None]
    return np.exp(concentration * (np.cos(preferred[None, :] - angles) - 1))


class AccessibilityPrecision(KVIndexProtocol):
    """Interference lowers the chance that a memory is found, not its precision once found."""

    name = "accessibility-precision"
    parameters = PARAMETERS
    figure = staticmethod(accessibility_precision_figure)
    scalar_metrics = ("accessibility_drop", "precision_change_deg", "precision_slope_deg",
                      "accessibility_slope")

    def check(self, p: dict[str, Any]) -> None:
        schedule_step(p)
        levels = p["interference_levels"]
        if not levels or any(b <= a for a, b in zip(levels, levels[1:], strict=False)):
            raise ParameterError(f"parameter 'interference_levels': value "
                                 f"{','.join(map(str, levels))} is not allowed; expected "
                                 "increasing integers >= 0")
        check_slots(p, p["n_targets"] * (1 + levels[-1]), "accessibility-precision")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> RingItems:
        n = p["n_targets"]
        levels = p["interference_levels"]
        targets = rng.choice([-1.0, 1.0], size=(n, p["n_input"]))
        keys, new_per_level = [targets], []
        previous = 0
        for level in levels:
            new_per_level.append(n * (level - previous))
            for _ in range(level - previous):
                keys.append(np.array([flip_entries(key, 1 - p["interferer_overlap"], rng)
                                      for key in targets]))
            previous = level
        keys_all = np.concatenate(keys)
        angles = rng.uniform(0, 360, size=len(keys_all))
        values = ring_bump(angles, p["n_value"], p["bump_concentration"])
        cues = hide_entries(targets, p["cue_hidden_fraction"], rng)
        return RingItems(keys_all, angles, values, cues, new_per_level, n)

    def schedule(self, p: dict[str, Any], items: RingItems) -> Schedule:
        schedule = new_schedule(p)
        stored = 0

        def store(count: int) -> None:
            nonlocal stored
            for item in range(stored, stored + count):
                schedule.add(encode(item, items.keys[item], items.values[item], item))
            stored += count

        store(items.n_targets)
        for level, new in zip(p["interference_levels"], items.new_per_level, strict=True):
            store(new)
            for target, cue in enumerate(items.cues):
                schedule.add(Phase("retrieve", target, cue=cue,
                                   controls={"inhibition_gain":
                                             p["retrieval_inhibition_gain"]},
                                   tags={"level": level}))
        return schedule

    def analyse(self, p: dict[str, Any], items: RingItems, schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        n = items.n_targets
        accessibility, access_ci, precision, precision_ci, wins = {}, {}, {}, {}, {}
        miss_error, decoded_all, winners_all = {}, [], []
        for k, level in enumerate(p["interference_levels"]):
            readout = read_out(p, schedule, spikes, rng, level=level)
            ring = rail_counts(readout.cortex, p["n_value"], p["value_copies"])[..., 0]
            decoded = population_vector_deg(ring)  # the +1 rails form the ring
            decoded_all += list(decoded)
            winners_all += list(readout.winners)
            hit = readout.winners == readout.items
            all_errors = angular_error_deg(decoded, items.angles_deg[readout.items])
            errors, missed = all_errors[hit], all_errors[~hit]
            errors = errors[~np.isnan(errors)]  # a silent cortex decodes no angle
            key = str(level)
            missed = missed[~np.isnan(missed)]
            miss_error[key] = float(missed.mean()) if len(missed) else float("nan")
            accessibility[key] = float(hit.mean())
            access_ci[key] = list(proportion_ci(int(hit.sum()), n))
            precision[key] = float(errors.mean()) if len(errors) else float("nan")
            precision_ci[key] = list(mean_ci(errors, seed=k))
            wins[key] = int(hit.sum())
        levels = p["interference_levels"]
        first, last = (str(level) for level in (p["interference_levels"][0],
                                                  p["interference_levels"][-1]))
        return {
            "accessibility": accessibility,
            "accessibility_ci": access_ci,
            "precision_deg": precision,
            "precision_ci_deg": precision_ci,
            "correct_wins": wins,
            "miss_error_deg": miss_error,
            "accessibility_drop": accessibility[first] - accessibility[last],
            "precision_change_deg": precision[last] - precision[first],
            "precision_slope_deg": slope(levels, [precision[str(n)] for n in levels]),
            "accessibility_slope": slope(levels, [accessibility[str(n)] for n in levels]),
            "decoded_deg": [None if np.isnan(a) else float(a) for a in decoded_all],
            "target_deg": [float(a) for a in items.angles_deg[:n]],
            "winning_slots": [int(w) for w in winners_all],
            "n_targets": n,
        }
