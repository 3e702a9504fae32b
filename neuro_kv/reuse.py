"""Run one protocol many times on one built network (runtime devices: numpy, cython).

Parameters that only change the schedule (a protocol's ``stimulus_parameters``: the load, the
cue, the slot policy, the modulator level) and circuit parameters held as model variables (a
circuit's ``runtime_parameters``, e.g. the ``hopfield`` retrieval gains) vary freely between
runs; everything else (other circuit parameters, time step, window) is fixed when the network
is built. The network is built once
for ``max_items``, stored, and before each run restored, loaded with the new schedule (written
into its TimedArrays in place) and re-seeded: the same seed gives the same spikes as a fresh
`neuro_kv.run`, without generating or compiling code again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import brian2
import numpy as np
from brian2 import Network, defaultclock

from neuro_kv.api import make_result, prepare
from neuro_kv.parameters import ParameterError
from neuro_kv.results import RunResult
from neuro_kv.runner import SimulationOutput, collect_spikes, quiet_brian, use_runtime

__all__ = ["CompiledProtocol"]


class CompiledProtocol:
    """A protocol bound to one built network; ``builds`` counts network constructions."""

    def __init__(self, protocol: str, *, max_items: int, circuit: str | None = None,
                 device: str = "cython", **fixed: Any):
        if device not in ("numpy", "cython"):
            raise ParameterError(f"device {device!r} is not allowed for a reused network; "
                                 "expected numpy or cython")
        self.protocol_name, self.circuit_name, self.device = protocol, circuit, device
        self.fixed = dict(fixed)
        proto, circ, values, _ = prepare(protocol, circuit, device, 0, self.fixed)
        #: protocols with a load (``n_items``) are built for ``max_items``; any other
        #: schedule fits if it has no more steps than the built (padded) stimulus arrays
        self.sized_by_items = "n_items" in values
        if self.sized_by_items:
            proto, circ, values, _ = prepare(protocol, circuit, device, 0,
                                             {**self.fixed, "n_items": max_items})
        self.stimulus_parameters = set(proto.stimulus_parameters)
        #: circuit parameters held as model variables: parameter -> (object name, variable)
        self.runtime_parameters = {parameter: (owner, variable) for parameter, owner, variable
                                   in getattr(circ, "runtime_parameters", ())}
        quiet_brian()
        started = time.perf_counter()
        use_runtime(device)
        defaultclock.dt = values["dt"]
        capacity = proto.schedule(values, proto.draw_patterns(values, np.random.default_rng()))
        self.built = circ.build(values, capacity)
        self.network = Network(*self.built.objects)
        self.network.store("built")
        self.builds = 1
        self.build_s = time.perf_counter() - started
        self.max_items = max_items

    def run(self, seed: int, *,
            after_encoding: Callable[[SimulationOutput, Any], None] | None = None,
            **stimulus: Any) -> RunResult:
        """One run with ``seed`` and the given stimulus parameters (e.g. ``n_items=20``).

        ``after_encoding`` is called with the output so far and the schedule once the encoding
        phases are simulated (e.g. to abandon a run whose network went silent, by raising);
        otherwise the run goes on and gives the same spikes as an uninterrupted one.
        """
        started = time.perf_counter()
        per_run = self.stimulus_parameters | set(self.runtime_parameters)
        structural = set(stimulus) - per_run
        if structural:
            raise ParameterError(
                f"parameters {', '.join(sorted(structural))} change the network; allowed "
                f"per run: {', '.join(sorted(per_run))}")
        proto, circ, values, pset = prepare(self.protocol_name, self.circuit_name,
                                            self.device, seed, {**self.fixed, **stimulus})
        if self.sized_by_items and values["n_items"] > self.max_items:
            raise ParameterError(f"parameter 'n_items': value {values['n_items']} is not "
                                 f"allowed; this network holds at most {self.max_items}")
        patterns = proto.draw_patterns(values, np.random.default_rng(seed))
        schedule = proto.schedule(values, patterns)
        use_runtime(self.device)
        defaultclock.dt = values["dt"]
        self.network.restore("built")
        objects = {obj.name: obj for obj in self.built.objects}
        for parameter, (owner, variable) in self.runtime_parameters.items():
            setattr(objects[owner], variable, values[parameter])
        self.built.load(schedule)
        brian2.seed(seed)
        t0 = time.perf_counter()
        encoded = schedule.encoding_end
        if after_encoding is not None and 0 < encoded < schedule.duration:
            self.network.run(encoded)
            after_encoding(self._output(encoded, t0), schedule)
            self.network.run(schedule.duration - encoded)
        else:
            self.network.run(schedule.duration)
        output = self._output(schedule.duration, t0)
        return make_result(proto, circ, values, pset, patterns, schedule, output, seed,
                           self.device, started)

    def _output(self, duration: Any, started: float) -> SimulationOutput:
        return SimulationOutput(
            spikes=collect_spikes(self.built), sizes=dict(self.built.sizes),
            weights=self.built.weights(), duration_s=float(duration / brian2.second),
            build_s=0.0, run_s=time.perf_counter() - started)
