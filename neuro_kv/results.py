"""Results of one run and their storage as a result directory.

A result directory holds ``metrics.json``, ``params.toml`` (effective parameters with units,
seed, device, versions), ``spikes.nwb`` and the protocol's figures (``raster.png`` and
``weights.png`` for one simulation; a protocol of many runs, like ``capacity``, has no single
spike record and stores its per-run scores in ``metrics.json``). It is written
into a hidden temporary sibling directory that is renamed into place at the end, so a reader
never sees a half-written result.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from neuro_kv.schedule import Schedule
from neuro_kv.spikes import SpikeRecord

__all__ = ["RunResult", "versions", "atomic_directory", "atomic_file", "write_atomic"]

PACKAGES = ("neuro-kv", "brian2", "numpy", "neo", "elephant", "pynwb", "matplotlib")


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape a result."""
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


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
    versions: dict[str, str] = field(default_factory=versions)
    #: a RunResult is a finished run (a `neuro_kv.engine.RunFailure` is not)
    ok = True

    @property
    def segment(self) -> Any:
        """The spikes as a Neo Segment (one SpikeTrain per neuron), or None."""
        if self.spikes is None:
            return None
        if getattr(self, "_segment", None) is None:
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

    def save(self, directory: str | Path) -> Path:
        """Write the result directory atomically; replaces an existing one at the end."""
        directory = Path(directory)
        with atomic_directory(directory) as tmp:
            self._write(tmp)
        return directory

    def _write(self, tmp: Path) -> None:
        from neuro_kv.nwb import write_nwb

        (tmp / "metrics.json").write_text(json.dumps(strict_json(self.metrics), indent=2,
                                                     sort_keys=True, allow_nan=False))
        document = {
            "run": self.provenance(),
            "parameters": self.parameter_strings,
            "versions": self.versions,
        }
        (tmp / "params.toml").write_text(tomli_w.dumps(document))
        if self.spikes is None or self.schedule is None:  # a protocol of many runs
            for name, draw in self.figures.items():
                draw(tmp / name)
            return
        windows = [(phase.kind, phase.item, start, stop)
                   for _, phase, start, stop in self.schedule.windows()]
        write_nwb(tmp / "spikes.nwb", self.spikes, windows,
                  description=f"neuro-kv {self.protocol} on {self.circuit}",
                  metadata={**document, "metrics": {k: v for k, v in self.metrics.items()
                                                    if not isinstance(v, (list, dict))}})
        for name, draw in self.figures.items():
            draw(tmp / name)


def strict_json(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling directory that replaces ``target`` only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    os.chmod(tmp, 0o755)
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, old)
    os.rename(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a hidden temporary sibling of ``path`` (same suffix) to write; it is renamed to
    ``path`` on success and removed on failure, so a reader never sees a half-written file."""
    path = Path(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.partial-", suffix=path.suffix,
                                    dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see `atomic_file`)."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)
