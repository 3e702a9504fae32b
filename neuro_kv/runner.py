"""Run one built network for a schedule on a Brian2 device, with a seed and optional progress.

Devices: ``numpy`` and ``cython`` (runtime code generation targets) and ``cpp_standalone``
(the whole schedule compiled into one C++ program, built in a temporary directory).
"""

from __future__ import annotations

import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEVICES = ("numpy", "cython", "cpp_standalone")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import brian2
    from brian2 import Network, defaultclock, device, prefs, second, set_device


def quiet_brian() -> None:
    """Silence Brian2's pyparsing deprecation warnings and its informational log."""
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pyparsing.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"brian2.*")
    brian2.BrianLogger.log_level_error()


@dataclass
class SimulationOutput:
    """Raw output of one simulation: spikes per population, final weights, timing (s).

    ``run_s`` covers code generation, compilation and simulation; ``compile_s`` is the C++
    compile time within it (cpp_standalone only).
    """

    spikes: dict[str, tuple[np.ndarray, np.ndarray]]
    sizes: dict[str, int]
    weights: dict[str, np.ndarray]
    duration_s: float
    build_s: float
    run_s: float
    compile_s: float | None = None


def collect_spikes(built: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(neuron indices, spike times in s) per population from the circuit's monitors."""
    return {
        name: (np.asarray(mon.i[:], dtype=int), np.asarray(mon.t[:] / second, dtype=float))
        for name, mon in built.spike_monitors.items()
    }


def use_runtime(device_name: str) -> None:
    """Select the runtime device with the numpy or cython code generation target."""
    set_device("runtime")
    prefs.codegen.target = device_name


def simulate(
    build: Any,
    duration: Any,
    *,
    seed: int,
    device_name: str,
    dt: Any,
    progress: bool = False,
) -> SimulationOutput:
    """Build the circuit with ``build()`` on ``device_name``, run it for ``duration``.

    ``build`` is a callable returning a `circuits.kv_index.BuiltCircuit`-like object
    (``objects``, ``spike_monitors``, ``sizes``, ``weights()``); it is called after the device
    and the seed are set, so the same seed gives the same spikes on the same device.
    """
    quiet_brian()
    if device_name not in DEVICES:
        raise ValueError(f"device {device_name!r} unknown; allowed: {', '.join(DEVICES)}")
    build_dir = None
    start = time.perf_counter()
    if device_name == "cpp_standalone":
        build_dir = tempfile.mkdtemp(prefix="neuro_kv_standalone_")
        set_device("cpp_standalone", build_on_run=False, directory=build_dir)
    else:
        use_runtime(device_name)
    try:
        defaultclock.dt = dt
        brian2.seed(seed)
        built = build()
        network = Network(*built.objects)
        report = "stderr" if progress else None
        t0 = time.perf_counter()
        network.run(duration, report=report, report_period=10 * second)
        if build_dir is not None:
            device.build(directory=build_dir, compile=True, run=True, with_output=progress)
        run_s = time.perf_counter() - t0
        compile_s = None
        if build_dir is not None:
            compile_s = float(sum(v or 0.0 for v in device.timers["compile"].values()))
        spikes = collect_spikes(built)
        weights = built.weights()
    finally:
        if build_dir is not None:
            device.reinit()
            device.activate()
            set_device("runtime")
            shutil.rmtree(build_dir, ignore_errors=True)
    total = time.perf_counter() - start
    return SimulationOutput(
        spikes=spikes,
        sizes=dict(built.sizes),
        weights=weights,
        duration_s=float(duration / second),
        build_s=total - run_s,
        run_s=run_s,
        compile_s=compile_s,
    )


def cython_cache_size() -> int | None:
    """Number of compiled modules in Brian2's Cython cache (None if it is not found)."""
    try:
        from brian2.codegen.runtime.cython_rt.extension_manager import get_cython_cache_dir

        directory = Path(get_cython_cache_dir())
    except ImportError:
        return None
    if not directory.is_dir():
        return 0
    return sum(1 for f in directory.iterdir() if f.suffix in (".so", ".pyd"))
