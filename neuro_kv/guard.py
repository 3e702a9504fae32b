"""The runaway guard: inside the compiled run, each replica's storing population must fire
within its circuit's healthy range while it stores, and a run that leaves the range stops.

A `guard` group has one neuron per replica. It counts the spikes of the circuit's storing
population while the replica's neuromodulator is on (``modulator_level`` > 0: storing) and
integrates that storing time; at every checkpoint (each schedule step) a replica whose mean
rate per storing neuron so far lies above ``rate_high`` after at least `MIN_STORING_TIME`
(runaway: every slot answers every key), or below ``rate_low`` after at least
`MIN_SILENT_TIME` (silent: nothing is written; judged later, because a random slot policy
may legitimately tag no slot for an item or two), is **halted**, with the reason and the
time. A replica with the
neuromodulator never on (a control such as ``encoding_modulator=0``) is never checked. A
one-neuron ``guard_control`` group sums the replicas still running (neither halted nor past
their own schedule's end); at a checkpoint where none is left the whole network stops, on
every device (cpp_standalone: the compiled loop's stop flag, through `stop_when_done`;
numpy and cython: `brian2.Network.stop`). The guard is off for a replica whose limits are 0
and infinity (``guard=False``).

The checks are model variables, so one build serves guarded and unguarded runs alike, and
halting changes nothing in the replicas that keep running.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from brian2 import Clock, Function, NeuronGroup, Synapses, ms, second

from neuro_kv.network import MODULATOR_STIMULUS, BuiltNetwork

__all__ = ["GuardState", "add_guard", "guard_limits", "run_limits", "guard_inputs",
           "guard_states", "stop_when_done", "MIN_STORING_TIME", "MIN_SILENT_TIME",
           "HALT_REASONS"]

#: storing time a replica needs before its rate is judged too high (one default window)
MIN_STORING_TIME = 100 * ms
#: storing time before its rate is judged too low (five default windows: with p = 0.1 over
#: 20 slots an item has no slot with probability 0.12, five in a row with 2.5e-5)
MIN_SILENT_TIME = 500 * ms
#: halt_reason codes
HALT_REASONS = {1: "silent", 2: "runaway"}

GUARD_MODEL = """
storing : 1                          # 1 while the replica's neuromodulator is on (schedule)
dstoring_time/dt = storing * (1 - halted) : second  # time spent storing (until halted)
storing_spikes : 1                   # spikes of the storing population while storing
storing_rate = storing_spikes / (n_storing * clip(storing_time, min_storing_time, inf*second)) : Hz
rate_low : Hz (constant)             # healthy range of storing_rate (0 and inf: guard off)
rate_high : Hz (constant)
run_end : second (constant)          # end of this replica's own schedule (0: a spare replica)
halted : 1                           # 1 once the guard has stopped this replica
halted_at : second                   # when it did
halt_reason : integer                # 0: none, 1: silent, 2: runaway
"""
GUARD_GATE = f"storing = int({MODULATOR_STIMULUS}(t, i) > 0)"
GUARD_CHECK = """
checked = int(halted == 0) * int(t < run_end)
silent = checked * int(storing_time >= min_silent_time) * int(storing_rate < rate_low)
runaway = checked * int(storing_time >= min_storing_time) * int(storing_rate > rate_high)
halt_reason = halt_reason + silent + 2 * runaway * (1 - silent)
halted_at = halted_at + int(silent + runaway > 0) * t
halted = clip(halted + silent + runaway, 0, 1)
"""
CONTROL_MODEL = """
running : 1                          # replicas neither halted nor finished (summed)
stopped : 1                          # 1 once the guard has stopped the network
"""
STOP_CODE = """
double stop_when_done(double running, double t, double first_check)
{
    // the compiled loop checks this flag after every time step (brian2's network.cpp)
    if (running < 0.5 && t >= first_check)
        Network::_globally_stopped = true;
    return running < 0.5 && t >= first_check ? 1.0 : 0.0;
}
"""


def _no_stop(running: Any, t: Any, first_check: Any) -> Any:
    """Python stand-in (never called: on numpy and cython the network is stopped by a
    network operation, see `neuro_kv.devices.RuntimeNetwork`)."""
    return np.zeros_like(np.asarray(running, dtype=float))


#: ``stop_when_done(running, t, first_check)``: on cpp_standalone, ask the compiled loop to
#: stop once no replica runs (from ``first_check`` on, when the summed count is current);
#: returns 1 when it does
stop_when_done = Function(_no_stop, arg_units=[1, second, second], return_unit=1,
                          stateless=False)
stop_when_done.implementations.add_implementation(
    "cpp", STOP_CODE, name="stop_when_done", compiler_kwds={"headers": ['"network.h"']})


@dataclass(frozen=True)
class GuardState:
    """What the guard found for one replica: ``status`` (``ok``, ``silent``, ``runaway``),
    the time it stopped the run (s) and its storing rate then (Hz)."""

    status: str
    halted_at_s: float | None
    storing_rate_hz: float


def add_guard(built: BuiltNetwork, storing_population: str, step: Any,
              standalone: bool) -> None:
    """Add the guard (and, on cpp_standalone, the in-loop stop) to ``built``: its objects,
    its per-replica variables and a reader of its state."""
    monitor, view = built.populations[storing_population]
    storing = monitor.source
    replicas = built.replicas
    modulator = built.stimuli[MODULATOR_STIMULUS].timed_array
    guard = NeuronGroup(replicas, GUARD_MODEL, method="euler", name="guard",
                        namespace={MODULATOR_STIMULUS: modulator, "n_storing": view.size,
                                   "min_storing_time": MIN_STORING_TIME,
                                   "min_silent_time": MIN_SILENT_TIME})
    checkpoints = Clock(step, name="guard_clock")
    guard.run_regularly(GUARD_GATE, clock=checkpoints, when="start", name="guard_gate")
    guard.run_regularly(GUARD_CHECK, clock=checkpoints, when="end", name="guard_check")
    counter = Synapses(storing, guard, name="guard_counter",
                       on_pre="storing_spikes_post += storing_post * (1 - halted_post)")
    pre = np.concatenate([view.indices(r) for r in range(replicas)])
    counter.connect(i=pre.astype(np.int32),
                    j=np.repeat(np.arange(replicas), view.size).astype(np.int32))
    control = NeuronGroup(1, CONTROL_MODEL, name="guard_control",
                          namespace={"stop_when_done": stop_when_done, "first_check": step})
    summed = Synapses(guard, control, "running_post = (1 - halted_pre) * int(t < run_end_pre)"
                      " : 1 (summed)", name="guard_running")
    summed.connect()
    objects: list[Any] = [guard, counter, control, summed]
    if standalone:
        control.run_regularly("stopped = stop_when_done(running, t, first_check)",
                              clock=checkpoints, when="end", order=1, name="guard_stop")
    built.objects.extend(objects)
    built.guard = guard
    built.guard_control = control


def guard_limits(limits_hz: tuple[float, float], on: bool) -> tuple[float, float]:
    """The (low, high) storing rates in Hz a replica is held to: its circuit's, or none."""
    return (float(limits_hz[0]), float(limits_hz[1])) if on else (0.0, float("inf"))


def run_limits(circuit: Any, values: dict[str, Any], schedule: Any) -> tuple[float, float]:
    """The healthy range (Hz, population mean) of one run's storing rate: the circuit's
    ``encoding_rate_limits_hz``, measured where a share ``reference_storing_share`` of its
    storing population is meant to fire while an item is stored, scaled by this run's share
    (``storing_share(values, schedule)``): one tagged slot of 10,000 fires 250 times less of
    the population than one of 40. A circuit without ``storing_share`` keeps its limits."""
    low, high = circuit.encoding_rate_limits_hz
    share = getattr(circuit, "storing_share", None)
    if share is None:
        return float(low), float(high)
    scale = share(values, schedule) / circuit.reference_storing_share
    return float(low) * scale, float(high) * scale


def guard_inputs(built: BuiltNetwork, runs: list[tuple[float, tuple[float, float]]]
                 ) -> dict[tuple[Any, str], np.ndarray]:
    """Per-replica guard variables for a batch of ``runs`` = [(duration s, (low, high) Hz)]:
    spare replicas end at 0 s (they never run)."""
    spare = built.replicas - len(runs)
    ends = [duration for duration, _ in runs] + [0.0] * spare
    low = [limits[0] for _, limits in runs] + [0.0] * spare
    high = [limits[1] for _, limits in runs] + [float("inf")] * spare
    guard = built.guard
    return {(guard, "run_end"): np.array(ends), (guard, "rate_low"): np.array(low),
            (guard, "rate_high"): np.array(high)}


def guard_states(built: BuiltNetwork, n: int) -> list[GuardState]:
    """The guard's verdict for the first ``n`` replicas after a run."""
    guard = built.guard
    halted = np.asarray(guard.halted[:])
    reason = np.asarray(guard.halt_reason[:])
    at = np.asarray(guard.halted_at_[:])
    rate = np.asarray(guard.storing_rate_[:])
    return [GuardState(HALT_REASONS.get(int(reason[r]), "ok") if halted[r] > 0 else "ok",
                       float(at[r]) if halted[r] > 0 else None, float(rate[r]))
            for r in range(n)]
