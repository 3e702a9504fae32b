"""A protocol as data: an ordered list of phases that one compiled network runs.

Each phase is a window with a cue on the input, an optional teacher on the cortex, the slots
that get a plateau tag, and the neuromodulator level. Windows are separated by silent gaps.
`Schedule.arrays` samples everything on a regular grid of ``step``; a circuit turns those
arrays into `brian2.TimedArray` stimuli, so the schedule needs no Python between runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import second
from brian2.units.fundamentalunits import Quantity

__all__ = ["Phase", "Schedule", "ScheduleArrays"]


@dataclass(frozen=True)
class Phase:
    """One window. ``cue``/``teacher`` hold +1, -1 or 0 (hidden/off) per pattern entry."""

    kind: str
    item: int
    cue: np.ndarray
    teacher: np.ndarray | None = None
    plateau_slots: tuple[int, ...] = ()
    modulator: float = 0.0
    stimulated_slots: tuple[int, ...] = ()


@dataclass(frozen=True)
class ScheduleArrays:
    """The schedule sampled every ``step`` seconds (rows = steps)."""

    step: float
    cue: np.ndarray
    teacher: np.ndarray
    plateau: np.ndarray
    stimulation: np.ndarray
    modulator: np.ndarray


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

    def windows(self, kind: str | None = None) -> list[tuple[int, Phase, float, float]]:
        """(index, phase, start, stop) in seconds of the stimulus window of each phase."""
        period = float((self.window + self.gap) / second)
        window = float(self.window / second)
        return [
            (k, phase, k * period, k * period + window)
            for k, phase in enumerate(self.phases)
            if kind is None or phase.kind == kind
        ]

    def arrays(self) -> ScheduleArrays:
        """Sample the schedule on the step grid (gaps are all zeros)."""
        n_steps = len(self.phases) * self.steps_per_period
        cue = np.zeros((n_steps, self.n_input))
        teacher = np.zeros((n_steps, self.n_value))
        plateau = np.zeros((n_steps, self.n_slots))
        stimulation = np.zeros((n_steps, self.n_slots))
        modulator = np.zeros(n_steps)
        for k, phase in enumerate(self.phases):
            rows = slice(k * self.steps_per_period, k * self.steps_per_period
                         + self.steps_per_window)
            cue[rows] = phase.cue
            if phase.teacher is not None:
                teacher[rows] = phase.teacher
            plateau[rows, list(phase.plateau_slots)] = 1.0
            stimulation[rows, list(phase.stimulated_slots)] = 1.0
            modulator[rows] = phase.modulator
        return ScheduleArrays(float(self.step / second), cue, teacher, plateau,
                              stimulation, modulator)
