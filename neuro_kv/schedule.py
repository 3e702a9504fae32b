"""A protocol as data: an ordered list of phases that one compiled network runs.

Each phase is a window with a cue on the input, an optional teacher on the cortex, the
neuromodulator level, and the values of the **controls** its circuit declares (`Control`:
e.g. ``kv-index``'s plateau tags, a gain on its inhibition, a one-step damage to its
synapses); windows are separated by silent gaps, in which every control takes its gap value.
A phase carries tags (e.g. ``block``, ``condition``, ``level``), so an analysis selects the
windows it needs by tag (`Schedule.windows`), not by position.

`Schedule.arrays` samples the generic part on a regular grid of ``step`` and
`Schedule.control_levels` each control; a circuit turns those arrays into `brian2.TimedArray`
stimuli, so the schedule needs no Python between runs. `check_controls` refuses, by name, a
schedule that uses a control its circuit does not declare, before anything is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from brian2 import second
from brian2.units.fundamentalunits import Quantity

from neuro_kv.parameters import ParameterError

__all__ = ["Control", "Phase", "Schedule", "ScheduleArrays", "check_controls", "members",
           "padded_rows"]

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
class Control:
    """A schedule control that a circuit declares (its circuit reads it from a TimedArray
    ``NAME_level``).

    ``gap`` is its value in the gaps between windows and after a schedule's end; ``window``
    its value in a window that does not set it (None: the gap value). A control ``per`` a
    population has one value per member, the number of members being the circuit parameter
    ``per`` names (e.g. ``"n_slots"``); a phase sets it as {member: value}, the others
    keeping their window value; otherwise it has one value per replica and a phase sets it
    as a number. A ``one_step`` control acts at a window's first schedule step only (e.g. a
    one-off scaling of synapses); otherwise it holds through the window.
    """

    name: str
    doc: str
    gap: float = 0.0
    window: float | None = None
    per: str | None = None
    one_step: bool = False

    @property
    def in_window(self) -> float:
        """Its value in a window that does not set it."""
        return self.gap if self.window is None else self.window

    def describe(self) -> str:
        """One line: what it is, its values, its shape and timing (for docs and errors)."""
        shape = f"one value per member ({self.per})" if self.per else "one value per replica"
        timing = "at the window's first step" if self.one_step else "held through the window"
        return (f"{self.doc}; {shape}, {timing}; {self.in_window:g} in a window that does not "
                f"set it, {self.gap:g} in gaps")


def members(indices: Iterable[int], level: float = 1.0) -> dict[int, float]:
    """A per-member control's value in a phase: ``level`` for each of ``indices``."""
    return dict.fromkeys((int(k) for k in indices), float(level))


@dataclass(frozen=True)
class Phase:
    """One window. ``cue``/``teacher`` hold +1, -1 or 0 (hidden/off) per pattern entry, or a
    graded level in [-1, 1] (the rail of the sign fires at that fraction of its drive);
    ``modulator`` is the neuromodulator level (0: no storing; 1: store; above 1: a salient
    item). ``controls`` gives the circuit's declared controls (`Control`) their values in
    this window: a number, or {member: value} for a control per population member. ``tags``
    name what the window belongs to (block, condition, level, ...), for `Schedule.windows`.
    """

    kind: str
    item: int
    cue: np.ndarray
    teacher: np.ndarray | None = None
    modulator: float = 0.0
    controls: Mapping[str, Any] = field(default_factory=dict)
    tags: Mapping[str, Any] = field(default_factory=dict)

    def level(self, control: Control) -> float:
        """A scalar control's value in this window."""
        return float(self.controls.get(control.name, control.in_window))


@dataclass(frozen=True)
class ScheduleArrays:
    """The generic part of a schedule sampled every ``step`` seconds (rows = steps)."""

    step: float
    cue: np.ndarray
    teacher: np.ndarray
    modulator: np.ndarray
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
        """Sample the generic part on the step grid (gaps are all zeros)."""
        n_steps = self.steps
        cue = np.zeros((n_steps, self.n_input))
        teacher = np.zeros((n_steps, self.n_value))
        modulator = np.zeros(n_steps)
        onset = np.zeros(n_steps)
        for k, phase in enumerate(self.phases):
            first = k * self.steps_per_period
            onset[first] = 1.0
            rows = slice(first, first + self.steps_per_window)
            cue[rows] = phase.cue
            if phase.teacher is not None:
                teacher[rows] = phase.teacher
            modulator[rows] = phase.modulator
        return ScheduleArrays(float(self.step / second), cue, teacher, modulator, onset)

    def control_levels(self, control: Control, n_members: int = 1) -> np.ndarray:
        """A control sampled on the step grid: steps x ``n_members`` for a control per
        population member, steps x 1 otherwise (its gap value outside windows)."""
        levels = np.full((self.steps, n_members), control.gap)
        for k, phase in enumerate(self.phases):
            first = k * self.steps_per_period
            rows = (slice(first, first + 1) if control.one_step
                    else slice(first, first + self.steps_per_window))
            setting = phase.controls.get(control.name)
            if control.per is None:
                levels[rows] = control.in_window if setting is None else setting
                continue
            levels[rows] = control.in_window
            for member, value in (setting or {}).items():
                levels[rows, member] = value
        return levels

    def controls_used(self) -> set[str]:
        """Names of the controls some phase sets."""
        return {name for phase in self.phases for name in phase.controls}


def check_controls(schedule: Schedule, declared: Sequence[Control], circuit: str,
                   p: Mapping[str, Any]) -> None:
    """Refuse a schedule that sets a control ``circuit`` does not declare, a scalar control
    given per member (or the reverse), or a member outside its population; the error names
    the control, the phase and what is allowed."""
    known = {control.name: control for control in declared}
    allowed = ", ".join(known) or "none"
    for k, phase in enumerate(schedule.phases):
        for name, value in phase.controls.items():
            where = f"schedule control {name!r} (phase {k}, {phase.kind!r})"
            control = known.get(name)
            if control is None:
                raise ParameterError(f"{where} is not declared by circuit {circuit!r}; its "
                                     f"controls: {allowed}")
            if control.per is None:
                if isinstance(value, Mapping) or not np.isscalar(value):
                    raise ParameterError(f"{where}: value {value!r} is not allowed; expected "
                                         "a number (one value per replica)")
                continue
            size = int(p[control.per])
            if not isinstance(value, Mapping) or not all(
                    isinstance(m, (int, np.integer)) and 0 <= m < size for m in value):
                raise ParameterError(f"{where}: value {value!r} is not allowed; expected "
                                     f"{{member: value}} with members in [0, {size - 1}] "
                                     f"({control.per} = {size})")
