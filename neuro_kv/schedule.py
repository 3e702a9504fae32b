"""A protocol as data: an ordered list of phases that one compiled network runs.

Each phase is a window with a cue on the input, an optional teacher on the cortex, the slots
that get a plateau tag, and the neuromodulator level; optionally slots stimulated directly, a
gain on the key pathway of some slots, a gain on the index inhibition, and a one-step scaling
of some slots' key synapses (an amnesic manipulation); a one-step damage to the key and value
synapses (a fraction silenced, weight noise); optionally the re-entry of the cortical value
into the input. Windows are separated by silent gaps, in which every gain is 1 but the
latch and re-entry gains, which are 0. A phase carries tags (e.g. ``block``,
``condition``, ``level``), so an analysis selects the windows it needs by tag
(`Schedule.windows`), not by position.
`Schedule.arrays` samples everything on a regular grid of ``step``; a circuit turns those
arrays into `brian2.TimedArray` stimuli, so the schedule needs no Python between runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from brian2 import second
from brian2.units.fundamentalunits import Quantity

__all__ = ["Phase", "Schedule", "ScheduleArrays", "padded_rows"]

#: the fewest rows a stimulus TimedArray is given (see `padded_rows`)
MIN_STIMULUS_ROWS = 1024


def padded_rows(steps: int) -> int:
    """Rows of a stimulus TimedArray for ``steps`` schedule steps: max(1024, the next power
    of two).

    Brian2 writes a TimedArray's row count into the generated code, so schedules of
    different lengths would each compile their own code; padded, every schedule of up to
    1024 steps (51.2 s at the default 50 ms step) shares it.
    """
    return max(MIN_STIMULUS_ROWS, 1 << max(steps - 1, 0).bit_length())


@dataclass(frozen=True)
class Phase:
    """One window. ``cue``/``teacher`` hold +1, -1 or 0 (hidden/off) per pattern entry, or a
    graded level in [-1, 1] (the rail of the sign fires at that fraction of its drive).

    ``key_pathway_gain`` multiplies the key pathway (input -> index transmission) of
    ``gained_slots`` during the window; ``inhibition_gain`` multiplies the index's recurrent
    inhibition; ``latch_gain`` the slots' self-excitation (0 in every gap: the latch is
    released between windows); ``key_retention`` multiplies the key synapses of
    ``weakened_slots`` once, at the window's start (their weights change; nothing else
    does); ``reentry`` is the gain of the cortex -> input (re-entry) pathway: the input adds
    the cortical value of the previous window to its cue (0: off). ``synapse_loss`` (a
    fraction) of the key and value synapses are silenced, and Gaussian noise of standard
    deviation ``weight_noise`` is added to their weights, once, at the window's start (a
    circuit built for it draws which, per synapse, from the run's seed). ``tags`` name what the
    window belongs to (block, condition, level, ...), for `Schedule.windows`.
    """

    kind: str
    item: int
    cue: np.ndarray
    teacher: np.ndarray | None = None
    plateau_slots: tuple[int, ...] = ()
    modulator: float = 0.0
    stimulated_slots: tuple[int, ...] = ()
    key_pathway_gain: float = 1.0
    gained_slots: tuple[int, ...] = ()
    inhibition_gain: float = 1.0
    latch_gain: float = 1.0
    key_retention: float = 1.0
    weakened_slots: tuple[int, ...] = ()
    reentry: float = 0.0
    synapse_loss: float = 0.0
    weight_noise: float = 0.0
    tags: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScheduleArrays:
    """The schedule sampled every ``step`` seconds (rows = steps)."""

    step: float
    cue: np.ndarray
    teacher: np.ndarray
    plateau: np.ndarray
    stimulation: np.ndarray
    modulator: np.ndarray
    key_pathway_gain: np.ndarray
    inhibition_gain: np.ndarray
    latch_gain: np.ndarray
    key_retention: np.ndarray
    reentry: np.ndarray
    #: fraction of synapses silenced and weight noise (standard deviation), at a window's
    #: first step only
    synapse_loss: np.ndarray
    weight_noise: np.ndarray
    #: 1 at the first step of every window, 0 elsewhere
    onset: np.ndarray


@dataclass
class Schedule:
    """Phases of ``window`` each, every one followed by ``gap`` of silence (seconds)."""

    window: Quantity
    gap: Quantity
    step: Quantity
    n_input: int
    n_value: int
    n_slots: int
    phases: list[Phase] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("window", "gap"):
            ratio = float(getattr(self, name) / self.step)
            if abs(ratio - round(ratio)) > 1e-9:
                raise ValueError(f"{name} must be a multiple of the schedule step {self.step}")

    @property
    def steps_per_window(self) -> int:
        return int(round(float(self.window / self.step)))

    @property
    def steps_per_period(self) -> int:
        return self.steps_per_window + int(round(float(self.gap / self.step)))

    @property
    def duration(self) -> Quantity:
        return len(self.phases) * (self.window + self.gap)

    @property
    def encoding_end(self) -> Quantity:
        """End of the last encoding phase's period (window and gap); 0 s without one."""
        last = max((k for k, phase in enumerate(self.phases) if phase.kind == "encode"),
                   default=-1)
        return (last + 1) * (self.window + self.gap)

    def add(self, phase: Phase) -> None:
        self.phases.append(phase)

    @property
    def steps(self) -> int:
        """Schedule steps (rows of `arrays`)."""
        return len(self.phases) * self.steps_per_period

    def windows(self, kind: str | None = None, **tags: Any
                ) -> list[tuple[int, Phase, float, float]]:
        """(index, phase, start, stop) in seconds of the stimulus window of each phase of
        ``kind`` (any if None) whose tags include ``tags``, in schedule order."""
        period = float((self.window + self.gap) / second)
        window = float(self.window / second)
        return [
            (k, phase, k * period, k * period + window)
            for k, phase in enumerate(self.phases)
            if (kind is None or phase.kind == kind)
            and all(phase.tags.get(name) == value for name, value in tags.items())
        ]

    def arrays(self) -> ScheduleArrays:
        """Sample the schedule on the step grid (gaps are all zeros)."""
        n_steps = self.steps
        cue = np.zeros((n_steps, self.n_input))
        teacher = np.zeros((n_steps, self.n_value))
        plateau = np.zeros((n_steps, self.n_slots))
        stimulation = np.zeros((n_steps, self.n_slots))
        modulator = np.zeros(n_steps)
        key_pathway_gain = np.ones((n_steps, self.n_slots))
        inhibition_gain = np.ones(n_steps)
        latch_gain = np.zeros(n_steps)
        key_retention = np.ones((n_steps, self.n_slots))
        reentry = np.zeros(n_steps)
        synapse_loss = np.zeros(n_steps)
        weight_noise = np.zeros(n_steps)
        onset = np.zeros(n_steps)
        for k, phase in enumerate(self.phases):
            first = k * self.steps_per_period
            onset[first] = 1.0
            rows = slice(first, first + self.steps_per_window)
            cue[rows] = phase.cue
            if phase.teacher is not None:
                teacher[rows] = phase.teacher
            plateau[rows, list(phase.plateau_slots)] = 1.0
            stimulation[rows, list(phase.stimulated_slots)] = 1.0
            modulator[rows] = phase.modulator
            key_pathway_gain[rows, list(phase.gained_slots)] = phase.key_pathway_gain
            inhibition_gain[rows] = phase.inhibition_gain
            latch_gain[rows] = phase.latch_gain
            reentry[rows] = phase.reentry
            key_retention[first, list(phase.weakened_slots)] = phase.key_retention
            synapse_loss[first] = phase.synapse_loss
            weight_noise[first] = phase.weight_noise
        return ScheduleArrays(float(self.step / second), cue, teacher, plateau,
                              stimulation, modulator, key_pathway_gain, inhibition_gain,
                              latch_gain, key_retention, reentry, synapse_loss,
                              weight_noise, onset)
