"""Cost of a run against the number of replicas in one network, on cython and cpp_standalone,
beside a plain hand-written Brian2 script of the same circuit (one copy) on the same device.

For each device: K = 1, 4, 16, 64 replicas of ``paired-recall`` (20 items, seeds 1..K, 6 s of
model time each) in one built network; the wall time of a batch's run (writing its inputs,
simulating, reading and splitting its spikes and weights; the network is built and warmed
first) per replica and model second. The plain script (benchmarks/plain_kv_index.py) is timed
the same way: a built network run again (cython: restored and rerun; standalone: the binary
run again). Its ratio to neuro-kv at K = 1 is the framework's overhead.

    python benchmarks/bench_replicas.py [--replicas 1,4,16,64] [--devices cython,cpp_standalone]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time

import numpy as np
import plain_kv_index  # benchmarks/plain_kv_index.py, beside this script
from brian2 import defaultclock, device, ms, prefs, second, set_device
from brian2.devices.device import reset_device

from neuro_kv.devices import RuntimeNetwork, StandaloneNetwork, quiet_brian, use_runtime
from neuro_kv.parameters import format_value
from neuro_kv.preparation import prepare
from neuro_kv.schedule import padded_rows

ITEMS = 20


def plain(device_name: str, repeats: int) -> float:
    """Best wall time (s) of re-running the plain script's built network."""
    if device_name == "cpp_standalone":
        directory = tempfile.mkdtemp(prefix="plain_kv_index_")
        set_device("cpp_standalone", build_on_run=False, directory=directory)
        defaultclock.dt = 0.1 * ms
        network, duration = plain_kv_index.build(ITEMS, 1)
        network.run(duration * second, namespace={})
        device.build(directory=directory, compile=True, run=False, with_output=False)
        best = np.inf
        for _ in range(repeats):
            started = time.perf_counter()
            device.run(directory=directory, with_output=False)
            best = min(best, time.perf_counter() - started)
        device.reinit()
        device.activate()
        reset_device()
        shutil.rmtree(directory, ignore_errors=True)
        return best
    use_runtime(device_name)
    defaultclock.dt = 0.1 * ms
    network, duration = plain_kv_index.build(ITEMS, 1)
    network.store()
    network.run(duration * second, namespace={})  # creates (and compiles) the code
    best = np.inf
    for _ in range(repeats):
        network.restore()
        started = time.perf_counter()
        network.run(duration * second, namespace={})
        best = min(best, time.perf_counter() - started)
    return best


def framework(device_name: str, replicas: int, repeats: int) -> tuple[float, float]:
    """(best batch wall time in s, model seconds per replica) of K replicas in one network."""
    runs = []
    for seed in range(1, replicas + 1):
        protocol, circuit, values, pset = prepare("paired-recall", None, device_name, seed,
                                                  {"n_items": ITEMS})
        patterns = protocol.draw_patterns(values, np.random.default_rng(seed))
        runs.append((values, protocol.schedule(values, patterns), seed))
    values, schedule, _ = runs[0]
    structure = {name: values[name] for name in circuit.structural_parameters}
    rows = padded_rows(schedule.steps)
    if device_name == "cpp_standalone":
        strings = {name: str(format_value(values[name], pset[name].unit))
                   for name in circuit.structural_parameters}
        network = StandaloneNetwork(circuit, structure, strings, replicas, rows,
                                    schedule.step, values["dt"])
    else:
        network = RuntimeNetwork(device_name, circuit, structure, replicas, rows,
                                 schedule.step, values["dt"])
    durations = [float(s.duration / second) for _, s, _ in runs]
    network.run(network.built.inputs(runs), durations)  # warm: code objects created
    best = np.inf
    for _ in range(repeats):
        started = time.perf_counter()
        inputs = network.built.inputs(runs)
        network.run(inputs, durations)
        best = min(best, time.perf_counter() - started)
    return best, durations[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replicas", default="1,4,16,64")
    parser.add_argument("--devices", default="cython,cpp_standalone")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    quiet_brian()
    prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
    for device_name in args.devices.split(","):
        baseline = plain(device_name, args.repeats) / (6 * ITEMS * 0.05)
        print(f"{device_name}: plain Brian2 script, 1 copy: {baseline:.4f} s per model "
              f"second", flush=True)
        for replicas in (int(k) for k in args.replicas.split(",")):
            wall, model = framework(device_name, replicas, args.repeats)
            per_run = wall / (replicas * model)
            print(f"{device_name}: neuro-kv K = {replicas:>2}: {per_run:.4f} s per replica and "
                  f"model second (batch {wall:.2f} s), {per_run / baseline:.2f} x the plain "
                  "script's single copy", flush=True)


if __name__ == "__main__":
    main()
