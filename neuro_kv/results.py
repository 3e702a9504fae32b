"""The outcome of one run: `RunResult` (metrics, spikes, weights, parameters, provenance).

It is plain data, made by the engine (`neuro_kv.engine`) and written to disk by
`neuro_kv.storage`; nothing here touches the disk.
"""

from __future__ import annotations

import functools
import platform
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np

from neuro_kv.schedule import Control, Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["RunResult", "versions", "scalar_metrics", "BOOKKEEPING"]

PACKAGES = ("neuro-kv", "brian2", "numpy", "neo", "elephant", "pynwb", "matplotlib")


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return tuple(found.items())


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape a result."""
    return dict(_versions())


@dataclass
class RunResult:
    """Everything one run produced: metrics, spikes, weights, parameters and provenance.

    ``spikes`` (a `neuro_kv.spikes.SpikeRecord`) holds each population's spikes;
    ``segment`` is the same as a Neo Segment (built on first use).
    """

    protocol: str
    circuit: str
    seed: int
    device: str
    parameters: dict[str, Any]
    parameter_strings: dict[str, Any]
    metrics: dict[str, Any]
    spikes: SpikeRecord | None
    schedule: Schedule | None
    weights: dict[str, np.ndarray]
    populations: tuple[str, ...]
    figures: dict[str, Any] = field(default_factory=dict)
    #: the circuit's schedule controls (`neuro_kv.schedule.Control`), for the stored windows
    controls: tuple[Control, ...] = ()
    versions: dict[str, str] = field(default_factory=versions)
    _segment: Any = field(default=None, repr=False, compare=False)
    #: a RunResult is a finished run (a `neuro_kv.engine.RunFailure` is not)
    ok = True

    @property
    def segment(self) -> Any:
        """The spikes as a Neo Segment (one SpikeTrain per neuron), or None."""
        if self.spikes is not None and self._segment is None:
            self._segment = self.spikes.segment(name=f"{self.protocol} seed {self.seed}")
        return self._segment

    def provenance(self) -> dict[str, Any]:
        """Run identity: protocol, circuit, seed, device, versions and machine."""
        return {
            "protocol": self.protocol,
            "circuit": self.circuit,
            "seed": self.seed,
            "device": self.device,
            "machine": platform.platform(),
        }


#: metrics that describe how a run was computed, not what it measured
BOOKKEEPING = frozenset({"seed", "build_s", "simulate_s", "compile_s", "elapsed_s", "wall_s",
                         "builds", "compiled_modules", "encoding_rate_limit_hz"})


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """The numeric, measured metrics of a run (no bookkeeping)."""
    return {key: value for key, value in metrics.items()
            if _is_number(value) and key not in BOOKKEEPING}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
