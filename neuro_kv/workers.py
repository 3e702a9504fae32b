"""One run inside a worker process (of a sweep or a tuning study), reusing its networks.

A worker keeps the last few `CompiledProtocol` networks it built, keyed by structure (protocol,
circuit, device, capacity and every parameter that changes the network), so runs that differ
only in seed, stimulus or runtime parameters reuse one built network; Brian2's Cython cache on
disk serves compiled code to every process, so a new structure generates code but compiles
nothing already compiled. Protocols of many runs (``capacity``) and the ``cpp_standalone``
device run fresh through `neuro_kv.api.run`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from neuro_kv.api import prepare
from neuro_kv.api import run as run_fresh
from neuro_kv.results import RunResult
from neuro_kv.runner import cython_cache_size

__all__ = ["RunCost", "run_in_worker", "encoding_rate_hz", "NETWORKS_KEPT"]

#: built networks one worker process keeps (least recently used dropped first)
NETWORKS_KEPT = 2
_networks: OrderedDict[tuple, Any] = OrderedDict()


@dataclass(frozen=True)
class RunCost:
    """What one run cost its worker: wall time (s), networks built, Cython modules compiled
    (new entries in the shared cache during the run; None if the cache is not found)."""

    wall_s: float
    builds: int
    compiled_modules: int | None

    def as_metrics(self) -> dict[str, Any]:
        return {"wall_s": round(self.wall_s, 3), "builds": self.builds,
                "compiled_modules": self.compiled_modules}


def encoding_rate_hz(output: Any, schedule: Any, population: str) -> float:
    """Mean rate (Hz) of ``population`` during the encoding windows of ``schedule``."""
    from analysis.spiketrains import window_rate

    _, times = output.spikes[population]
    windows = [(start, stop) for _, _, start, stop in schedule.windows("encode")]
    return window_rate(times, output.sizes[population], windows)


def run_in_worker(
    protocol: str,
    seed: int,
    overrides: dict[str, Any],
    *,
    circuit: str | None = None,
    device: str = "cython",
    max_items: int = 0,
    on_encoding_rate: Callable[[float], None] | None = None,
) -> tuple[RunResult, RunCost]:
    """Run ``protocol`` once in this process; reuse a kept network of the same structure.

    ``max_items`` sizes a new network for the largest load of its structure that will follow;
    ``on_encoding_rate`` receives the storing population's mean rate (Hz) during encoding
    before retrieval is simulated, and may raise to abandon the run (reused networks only).
    """
    from neuro_kv.reuse import CompiledProtocol

    started = time.perf_counter()
    modules_before = cython_cache_size()
    proto, circ, values, pset = prepare(protocol, circuit, device, seed, overrides)
    if circ is None or device == "cpp_standalone":
        result = run_fresh(protocol, seed=seed, device=device, circuit=circuit, **overrides)
        builds = 1
    else:
        per_run = set(proto.stimulus_parameters) | {
            name for name, _, _ in getattr(circ, "runtime_parameters", ())}
        strings = pset.to_strings(values)
        capacity = max(max_items, values.get("n_items", 0))
        key = (protocol, circ.name, device, capacity,
               tuple(sorted((k, str(v)) for k, v in strings.items() if k not in per_run)))
        compiled = _networks.pop(key, None)
        builds = 0
        if compiled is None:
            fixed = {k: v for k, v in overrides.items() if k not in per_run}
            compiled = CompiledProtocol(protocol, max_items=capacity, circuit=circuit,
                                        device=device, **fixed)
            builds = 1
        _networks[key] = compiled
        while len(_networks) > NETWORKS_KEPT:
            _networks.popitem(last=False)
        check = None
        if on_encoding_rate is not None:
            def check(output: Any, schedule: Any) -> None:
                on_encoding_rate(encoding_rate_hz(output, schedule, circ.storing_population))
        stimulus = {k: v for k, v in overrides.items() if k in per_run}
        result = compiled.run(seed, after_encoding=check, **stimulus)
    modules_after = cython_cache_size()
    compiled_modules = (None if modules_before is None or modules_after is None
                        else modules_after - modules_before)
    cost = RunCost(time.perf_counter() - started, builds, compiled_modules)
    result.metrics.update(cost.as_metrics())
    return result, cost
