"""What a circuit and a protocol must offer.

A circuit is any class with the members of `Circuit` (a `typing.Protocol`). A protocol
subclasses one of the two kinds, `RunProtocol` (one schedule on one circuit) or
`ManyRunProtocol` (many runs it picks itself), which give every optional hook a default. The
core (`neuro_kv.engine`, `neuro_kv.api`) only talks to these interfaces; circuits and
protocols are found through entry points (`neuro_kv.registry`), so a user's own package can
add one. A run flows: protocol parameters and circuit parameters -> ``draw_patterns`` ->
``schedule`` -> the circuit, built with K replicas (``build``), runs the schedules of a batch ->
each replica's `neuro_kv.spikes.SpikeRecord` and weights -> ``analyse`` -> metrics.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from neuro_kv.parameters import ParameterSet

if TYPE_CHECKING:
    from neuro_kv.network import BuiltNetwork
    from neuro_kv.results import RunResult
    from neuro_kv.schedule import Control, Schedule
    from neuro_kv.spikes import SpikeRecord

__all__ = ["Circuit", "ProtocolBase", "RunProtocol", "ManyRunProtocol", "Figures"]

#: figure file name -> function drawing it to a path
Figures = dict[str, Callable[[Path], None]]


@runtime_checkable
class Circuit(Protocol):
    """A Brian2 circuit that can be built with any number of independent replicas."""

    name: str
    parameters: ParameterSet
    #: parameters fixed by a build (sizes, rule choices, time constants); all others are
    #: model variables set per run, one value per replica
    structural_parameters: tuple[str, ...]
    #: the schedule controls it reads (`neuro_kv.schedule.Control`): a schedule that sets
    #: any other is refused by name before anything is built
    controls: tuple[Control, ...]
    #: population names, in the order figures and files show them
    populations: tuple[str, ...]
    #: the population whose rate during encoding shows whether storage works
    storing_population: str
    #: its healthy mean rate (Hz) while storing: below, nothing is written; above, the
    #: network runs away
    encoding_rate_limits_hz: tuple[float, float]
    #: wall seconds one replica costs per model second on cpp_standalone (to plan batches)
    replica_cost_s: float

    def build(self, p: dict[str, Any], replicas: int, rows: int, step: Any
              ) -> BuiltNetwork:
        """Brian2 objects for ``replicas`` copies; schedules of up to ``rows`` steps."""

    def per_replica_bytes(self, p: dict[str, Any], rows: int) -> int:
        """Memory one replica needs, to size batches."""


class ProtocolBase(ABC):
    """What every protocol has: a name, its parameters, checks and hooks with defaults."""

    name: str
    parameters: ParameterSet
    #: circuit parameter name -> the default this protocol runs it with (shown by
    #: ``neuro-kv params``; ``--set`` overrides it), e.g. ``{"metaplasticity": "on"}``
    circuit_defaults: Mapping[str, Any] = MappingProxyType({})

    def check(self, p: dict[str, Any]) -> None:
        """Cross-parameter checks; raise `neuro_kv.ParameterError` before any simulation.
        Default: none."""
        return None


class RunProtocol(ProtocolBase):
    """An experiment that is one schedule on one circuit: a run draws its patterns, builds
    its schedule, and analyses the spikes and weights the circuit gives back. Many seeds of
    it run as batches of replicas (`neuro_kv.engine`)."""

    default_circuit: str
    #: circuits the protocol accepts (None: any)
    circuits: tuple[str, ...] | None = None
    #: metrics a sweep tabulates and a study may optimise
    scalar_metrics: tuple[str, ...] = ()

    @abstractmethod
    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> Any:
        """The run's stimuli, drawn from ``rng`` (`neuro_kv.seeding.pattern_rng`)."""

    @abstractmethod
    def schedule(self, p: dict[str, Any], patterns: Any) -> Schedule:
        """The phases one network runs."""

    @abstractmethod
    def analyse(self, p: dict[str, Any], patterns: Any, schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator,
                weights: dict[str, np.ndarray]) -> dict[str, Any]:
        """Metrics of one run (``rng``: `neuro_kv.seeding.analysis_rng`)."""

    def figures(self, p: dict[str, Any], result: RunResult) -> Figures:
        """Figures of one run. Default: none."""
        return {}

    def combine(self, p: dict[str, Any], metrics: list[dict[str, Any]]) -> dict[str, Any]:
        """Statistics pooled over the runs of a batch (e.g. an AUC over every seed's trials
        with a bootstrap interval over runs), added to the batch's ``metrics.json`` beside
        the means over seeds. Default: none."""
        return {}

    def batch_figures(self, p: dict[str, Any], combined: dict[str, Any]) -> Figures:
        """Figures of a batch's metrics (means with ``NAME_ci`` intervals over seeds).
        Default: none."""
        return {}


class ManyRunProtocol(ProtocolBase):
    """An experiment made of many runs (e.g. ``capacity``): it picks its circuits and seeds,
    hands its runs to `neuro_kv.engine.run_requests` and summarises them."""

    @abstractmethod
    def execute(self, p: dict[str, Any], seed: int, device: str,
                progress: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Run everything; return the metrics."""

    @staticmethod
    def seed_list(p: dict[str, Any], seed: int) -> list[int]:
        """The seeds its runs take: the parameter ``seeds`` if given (``--seeds A-B``),
        else ``seed`` and the next ``n_seeds - 1``."""
        return list(p.get("seeds") or range(seed, seed + p["n_seeds"]))

    def figures(self, p: dict[str, Any], metrics: dict[str, Any]) -> Figures:
        """Figures drawn from the metrics. Default: none."""
        return {}
