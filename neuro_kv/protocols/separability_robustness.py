"""``separability-robustness``: sharp separation against noisy cues (science.md item 10).

One schedule on the ``kv-index`` circuit: store ``n_items`` random +/-1 pairs, then recall
every item from its key with a fraction of entries flipped, for every cue-noise level and
every read-out sharpness s (during the retrieval window the slots' self-excitation, the
latch, and the index's recurrent inhibition are both scaled by s: 0 leaves a soft,
feedforward read-out in which slots share the spikes by key match, 1 the circuit's hard
winner-take-all, in which the first slot to latch silences the rest). A noisy cue is drawn
once per item and noise level and used at every sharpness, so the grids compare like with
like.

``error_grid[sharpness][noise]``: mean fraction of wrong value bits; ``blend_grid``: mean
share of index spikes outside the item's slot, which is the weight of non-matching values in
the cortical read-out (each slot spike adds its value to the cortex);
``graded_grid``: fraction of recalls with an intermediate error (between 0.1 and 0.35),
against all-or-none failures (a wrong winner costs about half the bits).

The read-out's rate-level meaning: ``softmax_beta[sharpness]`` is the inverse temperature
beta for which softmax(beta * match) over the stored slots best explains the measured slot
shares (match: the cue's overlap with a slot's key, cue . key / visible entries, in
[-1, 1]); ``share_by_match[sharpness]`` bins the measured shares by match (bin centre ->
mean share) and ``softmax_share_by_match`` gives softmax(beta * match) on the same windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import softmax

from neuro_kv.analysis.decoding import binned_means, fit_softmax_beta
from neuro_kv.analysis.forgetting_figures import separability_robustness_figure
from neuro_kv.parameters import Parameter, ParameterSet
from neuro_kv.protocols.common import (
    TIMING_PARAMETERS,
    KVIndexProtocol,
    check_slots,
    correlated_keys,
    encode,
    flip_entries,
    new_schedule,
    read_out,
)
from neuro_kv.protocols.paired_recall import schedule_step
from neuro_kv.schedule import Phase, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["SeparabilityRobustness", "NoisyCues"]

P = Parameter

PARAMETERS = ParameterSet([
    P("n_items", 8, "key/value pairs stored and recalled in every condition", "int", low=1),
    P("sharpness_levels", (0.0, 0.1, 0.25, 0.5, 1.0), "read-out sharpness during retrieval: "
      "the gain on both the slots' latch (self_excitation) and the recurrent inhibition "
      "(inhibition_strength); 0: soft read-out, 1: the circuit's hard winner-take-all",
      "floats", low=0),
    P("noise_levels", (0.0, 0.1, 0.2, 0.3, 0.4), "fractions of key entries flipped in a cue",
      "floats", low=0, high=1),
    P("key_rho", 0.0, "correlation of the keys with a shared template (each entry kept with "
      "probability key_rho, redrawn otherwise, as in correlated-items): 0 draws independent "
      "keys; above, similar keys give a soft read-out something to blend", "float", low=0,
      high=1),
    *TIMING_PARAMETERS,
])

GRADED = (0.1, 0.35)  # an error in this range is graded, not all-or-none


@dataclass(frozen=True)
class NoisyCues:
    """Stored ``keys``/``values`` and ``cues[noise_level][item]``."""

    keys: np.ndarray
    values: np.ndarray
    cues: np.ndarray


class SeparabilityRobustness(KVIndexProtocol):
    """Recall error and value blending over read-out sharpness x cue noise."""

    name = "separability-robustness"
    parameters = PARAMETERS
    figure = staticmethod(separability_robustness_figure)
    scalar_metrics = ("clean_error_soft", "clean_error_hard", "noisy_error_soft",
                      "noisy_error_hard", "clean_soft_minus_hard", "noisy_soft_minus_hard")

    def check(self, p: dict[str, Any]) -> None:
        schedule_step(p)
        check_slots(p, p["n_items"], "separability-robustness")

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> NoisyCues:
        keys = (correlated_keys(p["n_items"], p["n_input"], p["key_rho"], rng)
                if p["key_rho"] > 0 else rng.choice([-1.0, 1.0], size=(p["n_items"],
                                                                       p["n_input"])))
        values = rng.choice([-1.0, 1.0], size=(p["n_items"], p["n_value"]))
        cues = np.array([[flip_entries(key, noise, rng) for key in keys]
                         for noise in p["noise_levels"]])
        return NoisyCues(keys, values, cues)

    def schedule(self, p: dict[str, Any], patterns: NoisyCues) -> Schedule:
        schedule = new_schedule(p)
        for item, (key, value) in enumerate(zip(patterns.keys, patterns.values, strict=True)):
            schedule.add(encode(item, key, value, item))
        for gain in p["sharpness_levels"]:
            for noise, cues in zip(p["noise_levels"], patterns.cues, strict=True):
                for item, cue in enumerate(cues):
                    schedule.add(Phase("retrieve", item, cue=cue,
                                       controls={"latch_gain": gain, "inhibition_gain": gain},
                                       tags={"sharpness": gain, "noise": noise}))
        return schedule

    def analyse(self, p: dict[str, Any], patterns: NoisyCues, schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator, weights: Any = None
                ) -> dict[str, Any]:
        n = p["n_items"]
        error_grid, blend_grid, graded_grid, hit_grid = {}, {}, {}, {}
        betas, share_curve, softmax_curve = {}, {}, {}
        match_bins = np.linspace(-1, 1, 11)
        for sharpness in sorted(p["sharpness_levels"]):
            level = f"{sharpness:g}"
            errors, blends, graded, hits = {}, {}, {}, {}
            matches, shares = [], []
            for noise in sorted(p["noise_levels"]):
                readout = read_out(p, schedule, spikes, rng, sharpness=sharpness, noise=noise)
                error = 1 - readout.accuracy(patterns.values[readout.items])
                key = f"{noise:g}"
                errors[key] = float(error.mean())
                blends[key] = float(1 - readout.correct_fraction(readout.items).mean())
                graded[key] = float(np.mean((error > GRADED[0]) & (error < GRADED[1])))
                hits[key] = float(np.mean(readout.winners == readout.items))
                # the rate-level meaning: each stored slot's share against its key match
                cues = patterns.cues[list(p["noise_levels"]).index(noise)][readout.items]
                visible = np.maximum(np.abs(cues).sum(axis=1, keepdims=True), 1)
                matches.append(cues @ patterns.keys.T / visible)
                stored = readout.index[:, :n]
                shares.append(stored / np.maximum(stored.sum(axis=1, keepdims=True), 1))
            error_grid[level], blend_grid[level] = errors, blends
            graded_grid[level], hit_grid[level] = graded, hits
            matches, shares = np.concatenate(matches), np.concatenate(shares)
            betas[level] = fit_softmax_beta(matches, shares)
            predicted = (softmax(betas[level] * matches, axis=1) if np.isfinite(betas[level])
                         else np.full_like(shares, np.nan))
            share_curve[level] = binned_means(matches, shares, match_bins)
            softmax_curve[level] = binned_means(matches, predicted, match_bins)
        soft, hard = (next(iter(error_grid)), list(error_grid)[-1])
        clean, noisy = f"{min(p['noise_levels']):g}", f"{max(p['noise_levels']):g}"
        return {
            "error_grid": error_grid,
            "blend_grid": blend_grid,
            "graded_grid": graded_grid,
            "slot_hit_grid": hit_grid,
            "softmax_beta": betas,
            "share_by_match": share_curve,
            "softmax_share_by_match": softmax_curve,
            "clean_error_soft": error_grid[soft][clean],
            "clean_error_hard": error_grid[hard][clean],
            "noisy_error_soft": error_grid[soft][noisy],
            "noisy_error_hard": error_grid[hard][noisy],
            # the trade-off predicts > 0 on clean cues (a soft read-out blends similar keys'
            # values) and < 0 at the highest noise (it errs less)
            "clean_soft_minus_hard": error_grid[soft][clean] - error_grid[hard][clean],
            "noisy_soft_minus_hard": error_grid[soft][noisy] - error_grid[hard][noisy],
            "n_items": n,
        }
