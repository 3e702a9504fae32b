"""What a circuit and a protocol must offer, written as `typing.Protocol` classes.

The core (`neuro_kv.engine`, `neuro_kv.api`) only talks to these interfaces; circuits and
protocols are found through entry points (`neuro_kv.registry`), so a user's own package can
add one. A run flows: protocol parameters and circuit parameters -> ``draw_patterns`` ->
``schedule`` -> the circuit, built with K replicas (``build``), runs the schedules of a batch ->
each replica's `neuro_kv.spikes.SpikeRecord` and weights -> ``analyse`` -> metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from neuro_kv.parameters import ParameterSet

if TYPE_CHECKING:
    from neuro_kv.network import BuiltNetwork
    from neuro_kv.results import RunResult
    from neuro_kv.schedule import Schedule
    from neuro_kv.spikes import SpikeRecord

__all__ = ["Circuit", "RunProtocol", "ManyRunProtocol", "Figures"]

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


@runtime_checkable
class RunProtocol(Protocol):
    """An experiment that is one schedule on one circuit."""

    name: str
    default_circuit: str
    #: circuits the protocol accepts (None: any)
    circuits: tuple[str, ...] | None
    parameters: ParameterSet
    #: metrics a sweep tabulates and a study may optimise
    scalar_metrics: tuple[str, ...]

    def check(self, p: dict[str, Any]) -> None:
        """Cross-parameter checks; raise `neuro_kv.ParameterError` before any simulation."""

    def draw_patterns(self, p: dict[str, Any], rng: np.random.Generator) -> Any:
        """The run's stimuli, drawn from ``rng`` (seeded by the run's seed)."""

    def schedule(self, p: dict[str, Any], patterns: Any) -> Schedule:
        """The phases one network runs."""

    def analyse(self, p: dict[str, Any], patterns: Any, schedule: Schedule,
                spikes: SpikeRecord, rng: np.random.Generator,
                weights: dict[str, np.ndarray]) -> dict[str, Any]:
        """Metrics of one run."""

    def figures(self, p: dict[str, Any], result: RunResult) -> Figures:
        """Figures of one run."""

    # Optional: circuit_defaults: dict[str, Any]: circuit parameter name -> the default this
    #   protocol runs it with (`neuro_kv.preparation.parameter_set`; --set overrides it).
    # Optional, for many seeds (`neuro_kv.results.save_batch`):
    #   combine(p, metrics: list[dict]) -> dict: statistics pooled over the runs (e.g. an AUC
    #     over every seed's trials with a bootstrap interval over runs), added to the batch's
    #     metrics.json;
    #   batch_figures(p, combined: dict) -> Figures: figures of the batch's metrics (means
    #     with ``NAME_ci`` intervals over seeds).


@runtime_checkable
class ManyRunProtocol(Protocol):
    """An experiment made of many runs (e.g. ``capacity``): it hands its runs to
    `neuro_kv.engine.run_requests` and summarises them."""

    name: str
    default_circuit: None
    parameters: ParameterSet

    def check(self, p: dict[str, Any]) -> None:
        """Cross-parameter checks; raise `neuro_kv.ParameterError` before any simulation."""

    def execute(self, p: dict[str, Any], seed: int, device: str,
                progress: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Run everything; return the metrics."""

    def figures(self, p: dict[str, Any], metrics: dict[str, Any]) -> Figures:
        """Figures drawn from the metrics."""
