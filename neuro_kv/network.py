"""A built network of K independent replicas of one circuit, and how runs map onto it.

A circuit built with ``replicas=K`` holds K copies of its populations inside one set of Brian2
groups: replica r owns neurons ``r*stride + offset ... r*stride + offset + size - 1`` of each
group (`Slice`), and synapses connect neurons of the same replica only. Everything a run may
change without a new build is a model variable with one value per replica:

- ``stimuli``: the schedule, as `brian2.TimedArray` values; replica r owns a block of
  ``columns`` columns of each array (rows: schedule steps, padded with ``fill``, the value
  that leaves the network alone once a replica's own schedule has ended);
- ``replica_variables``: per-run parameters, each held by one or more
  (group, variable) pairs with one value per neuron (or synapse), the same within a replica;
- ``seeds``: the variables that seed each replica's random stream (`neuro_kv.random_stream`).

`BuiltNetwork.inputs` turns the runs of a batch into the arrays to write into those
variables; `BuiltNetwork.outputs` turns what the network recorded back into each replica's
spikes and weights.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from brian2 import SpikeMonitor, Synapses, TimedArray
from brian2.units.fundamentalunits import Quantity

__all__ = ["Slice", "Stimulus", "WeightPathway", "BuiltNetwork", "RunInputs",
           "block_connections", "connect_blocks", "schedule_stimuli", "replica_of",
           "owned_by", "MODULATOR_STIMULUS"]

#: the stimulus every circuit's network has: the schedule's neuromodulator level, one column
#: per replica (the runaway guard reads it to know when a replica is storing)
MODULATOR_STIMULUS = "modulator_level"


@dataclass(frozen=True)
class Slice:
    """Neurons ``r*stride + offset ... + size - 1`` of a group belong to replica r."""

    stride: int
    offset: int
    size: int

    def indices(self, replica: int) -> np.ndarray:
        start = replica * self.stride + self.offset
        return np.arange(start, start + self.size)


@dataclass(frozen=True)
class Stimulus:
    """One schedule `TimedArray`: ``columns`` per replica, ``fill`` after a schedule's end."""

    timed_array: TimedArray
    columns: int
    fill: float = 0.0


@dataclass(frozen=True)
class WeightPathway:
    """A plastic pathway whose weights a run reports (presynaptic x postsynaptic per
    replica). ``current`` maps the synapses' raw variables to the weights at the end of the
    run (e.g. a lazily applied decay); ``None`` reads ``w``."""

    synapses: Synapses
    pre: Slice
    post: Slice
    current: Callable[[Synapses], np.ndarray] | None = None

    def values(self) -> np.ndarray:
        return (np.asarray(self.synapses.w[:]) if self.current is None
                else self.current(self.synapses))


@dataclass
class RunInputs:
    """What one batch writes into the network: TimedArray values, variable values (one
    array per (group, variable)), and the batch's duration."""

    timed_arrays: dict[TimedArray, np.ndarray]
    variables: dict[tuple[Any, str], np.ndarray]
    duration: Quantity


@dataclass
class BuiltNetwork:
    """The Brian2 objects of a circuit with ``replicas`` copies, and their run interface.

    ``populations`` maps a population name to its spike monitor and slice; ``stimulus``
    turns one run's (parameters, schedule) into its stimulus columns (rows = schedule steps).
    """

    replicas: int
    rows: int
    step: Quantity
    objects: list[Any]
    populations: dict[str, tuple[SpikeMonitor, Slice]]
    stimuli: dict[str, Stimulus]
    replica_variables: dict[str, list[tuple[Any, str]]]
    seeds: list[tuple[Any, str]]
    weights: dict[str, WeightPathway]
    stimulus: Callable[[dict[str, Any], Any], dict[str, np.ndarray]]
    #: the value each (group, variable) is built with (see `initialise`)
    initial: dict[tuple[Any, str], float] = field(default_factory=dict)
    #: the runaway guard's groups (`neuro_kv.guard.add_guard`), once added
    guard: Any = None
    guard_control: Any = None

    def __post_init__(self) -> None:
        modulator = self.stimuli.get(MODULATOR_STIMULUS)
        if modulator is None or modulator.columns != 1:
            raise ValueError(f"a built network needs the stimulus {MODULATOR_STIMULUS!r} with "
                             "one column per replica (the schedule's neuromodulator level)")

    def initialise(self, defaults: Mapping[str, Any]) -> None:
        """Build every per-replica variable at its parameter's default (and the seeds at 0):
        a batch then writes only the variables some run of it changes, and the generated
        code does not depend on which run a build was made for."""
        for parameter, targets in self.replica_variables.items():
            value = _in_si(defaults[parameter])
            for group, variable in targets:
                group.variables[variable].set_value(value)
                self.initial[(group, variable)] = value
        for group, variable in self.seeds:
            self.initial[(group, variable)] = 0.0

    @property
    def sizes(self) -> dict[str, int]:
        """Neurons per replica of each population."""
        return {name: view.size for name, (_, view) in self.populations.items()}

    @property
    def duration_limit(self) -> Quantity:
        """The longest schedule the stimulus arrays hold."""
        return self.rows * self.step

    def inputs(self, runs: Sequence[tuple[Mapping[str, Any], Any, int]]) -> RunInputs:
        """Arrays for a batch of ``runs`` = [(parameters, schedule, seed), ...], at most
        ``replicas`` of them; the remaining replicas stay silent (fill values)."""
        if not 0 < len(runs) <= self.replicas:
            raise ValueError(f"a batch of {len(runs)} runs does not fit {self.replicas} "
                             "replicas")
        timed: dict[TimedArray, np.ndarray] = {}
        longest = max(schedule.duration for _, schedule, _ in runs)
        for stimulus in self.stimuli.values():
            shape = stimulus.timed_array.values.shape
            timed[stimulus.timed_array] = np.full(shape, stimulus.fill)
        for r, (values, schedule, _) in enumerate(runs):
            for name, block in self.stimulus(values, schedule).items():
                stimulus = self.stimuli[name]
                block = np.asarray(block, dtype=float).reshape(len(block), -1)
                if len(block) > self.rows or block.shape[1] != stimulus.columns:
                    raise ValueError(f"stimulus {name!r} of shape {block.shape} does not fit "
                                     f"{self.rows} rows x {stimulus.columns} columns")
                columns = slice(r * stimulus.columns, (r + 1) * stimulus.columns)
                timed[stimulus.timed_array][:len(block), columns] = block
        variables: dict[tuple[Any, str], np.ndarray] = {}
        first = runs[0][0]
        for parameter, targets in self.replica_variables.items():
            per_replica = [float(_in_si(values[parameter])) for values, _, _ in runs]
            per_replica += [float(_in_si(first[parameter]))] * (self.replicas - len(runs))
            for group, variable in targets:
                if any(value != self.initial.get((group, variable)) for value in per_replica):
                    variables[(group, variable)] = np.repeat(
                        per_replica, _per_replica(group, self.replicas))
        seeds = [int(seed) for _, _, seed in runs] + [0] * (self.replicas - len(runs))
        for group, variable in self.seeds:
            variables[(group, variable)] = np.repeat(seeds, _per_replica(group, self.replicas))
        return RunInputs(timed, variables, longest)

    def outputs(self, durations: Sequence[float]) -> list[tuple[
            dict[str, tuple[np.ndarray, np.ndarray]], dict[str, np.ndarray]]]:
        """Per replica (the first ``len(durations)``): spikes (local neuron indices, times in
        s) before its own duration (s) and final weights (presynaptic x postsynaptic)."""
        n = len(durations)
        spikes: list[dict[str, tuple[np.ndarray, np.ndarray]]] = [{} for _ in range(n)]
        recorded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, (monitor, view) in self.populations.items():
            if monitor.name not in recorded:
                recorded[monitor.name] = (np.asarray(monitor.i[:], dtype=np.int64),
                                          np.asarray(monitor.t_[:], dtype=float))
            indices, times = recorded[monitor.name]
            replica, within = np.divmod(indices, view.stride)
            local = within - view.offset
            keep = (local >= 0) & (local < view.size) & (replica < n)
            replica, local, times_kept = replica[keep], local[keep], times[keep]
            if self.replicas == 1:  # nothing to split
                before_end = times_kept < durations[0] - 1e-12
                spikes[0][name] = (local[before_end], times_kept[before_end])
                continue
            order = np.argsort(replica, kind="stable")  # spikes stay in time order
            bounds = np.searchsorted(replica[order], np.arange(n + 1))
            for r in range(n):
                part = order[bounds[r]:bounds[r + 1]]
                before_end = times_kept[part] < durations[r] - 1e-12
                spikes[r][name] = (local[part][before_end], times_kept[part][before_end])
        weights: list[dict[str, np.ndarray]] = [{} for _ in range(n)]
        for name, pathway in self.weights.items():
            i = np.asarray(pathway.synapses.i[:], dtype=np.int64)
            j = np.asarray(pathway.synapses.j[:], dtype=np.int64)
            w = pathway.values()
            replica, pre = np.divmod(i, pathway.pre.stride)
            pre = pre - pathway.pre.offset
            post = j - replica * pathway.post.stride - pathway.post.offset
            order = np.argsort(replica, kind="stable")
            bounds = np.searchsorted(replica[order], np.arange(n + 1))
            for r in range(n):
                part = order[bounds[r]:bounds[r + 1]]
                matrix = np.zeros((pathway.pre.size, pathway.post.size))
                matrix[pre[part], post[part]] = w[part]
                weights[r][name] = matrix
        return [(spikes[r], weights[r]) for r in range(n)]


def _in_si(value: Any) -> float:
    """A parameter value as a plain number in SI units."""
    return float(np.asarray(value))


def _per_replica(group: Any, replicas: int) -> int:
    return group.N // replicas


def block_connections(pre: Slice, post: Slice, replicas: int,
                      condition: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) of synapses from every neuron of ``pre`` to every neuron of ``post`` in the
    same replica (where ``condition(local_i, local_j)`` holds), replica by replica."""
    local_i = np.repeat(np.arange(pre.size), post.size)
    local_j = np.tile(np.arange(post.size), pre.size)
    if condition is not None:
        keep = condition(local_i, local_j)
        local_i, local_j = local_i[keep], local_j[keep]
    i = np.concatenate([pre.indices(r)[local_i] for r in range(replicas)])
    j = np.concatenate([post.indices(r)[local_j] for r in range(replicas)])
    return i.astype(np.int32), j.astype(np.int32)


def connect_blocks(synapses: Synapses, pre: Slice, post: Slice, replicas: int,
                   condition: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
                   ) -> None:
    """Connect ``synapses`` within each replica (see `block_connections`)."""
    i, j = block_connections(pre, post, replicas, condition)
    synapses.connect(i=i, j=j)


def schedule_stimuli(declared: Mapping[str, tuple[Callable[[Mapping[str, Any]], int], float]],
                     p: Mapping[str, Any], replicas: int, rows: int, step: Quantity
                     ) -> dict[str, Stimulus]:
    """One `Stimulus` per declared schedule array (name -> (columns per replica as a function
    of the parameters, value after a schedule's end)): a TimedArray of ``rows`` steps of
    ``step`` with a block of columns per replica. Named ``NAME_schedule`` (a fixed name, so
    the generated code is the same however many networks a process builds)."""
    return {name: Stimulus(TimedArray(np.full((rows, replicas * columns(p)), fill), dt=step,
                                      name=f"{name}_schedule"), columns(p), fill)
            for name, (columns, fill) in declared.items()}


def replica_of(replicas: int, size: int) -> np.ndarray:
    """The replica of each neuron of a group of ``replicas`` blocks of ``size`` neurons."""
    return np.repeat(np.arange(replicas), size)


def owned_by(group: Any, names: Sequence[str]) -> dict[str, list[tuple[Any, str]]]:
    """Per-replica parameters each held by the variable of the same name of ``group``."""
    return {name: [(group, name)] for name in names}
