"""Cost of a run against the number of replicas in one network, on cython and cpp_standalone,
beside a plain hand-written Brian2 script of the same circuit (one copy) on the same device.

For each device: K = 1, 4, 16, 64 replicas of ``paired-recall`` (20 items, seeds 1..K, 6 s of
model time each) in one built network; the wall time of a batch's run (writing its inputs,
simulating, reading and splitting its spikes and weights; the network is built and warmed
first) per replica and model second. The plain script (benchmarks/plain_kv_index.py) is timed
the same way: a built network run again (cython: restored and rerun; standalone: the binary
run again). Its ratio to neuro-kv at K = 1 is the framework's overhead: the two are run
alternately, ``--repeats`` times each, and the overhead is the median of the ratios of
neighbouring pairs (this machine's timings drift by 20-30 % within a minute; a pair sees the
same machine).

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
from brian2.devices.device import get_device, reset_device

from neuro_kv.devices import RuntimeNetwork, StandaloneNetwork, quiet_brian, use_runtime
from neuro_kv.parameters import format_value
from neuro_kv.preparation import RunRequest, plan_run
from neuro_kv.schedule import padded_rows

ITEMS = 20


class Plain:
    """The plain script's network, built once; ``run()`` times one rerun (s)."""

    def __init__(self, device_name: str):
        self.device_name = device_name
        if device_name == "cpp_standalone":
            self.directory = tempfile.mkdtemp(prefix="plain_kv_index_")
            set_device("cpp_standalone", build_on_run=False, directory=self.directory)
            defaultclock.dt = 0.1 * ms
            network, duration, _ = plain_kv_index.build(
                *plain_kv_index.paired_recall_patterns(ITEMS, 1), 1)
            network.run(duration * second, namespace={})
            device.build(directory=self.directory, compile=True, run=False,
                         with_output=False)
            self.device = get_device()
            reset_device()
        else:
            use_runtime(device_name)
            defaultclock.dt = 0.1 * ms
            self.network, duration, _ = plain_kv_index.build(
                *plain_kv_index.paired_recall_patterns(ITEMS, 1), 1)
            self.network.store()
            self.duration = duration
            self.network.run(duration * second, namespace={})  # creates (compiles) the code

    def run(self) -> float:
        started = time.perf_counter()
        if self.device_name == "cpp_standalone":
            self.device.run(directory=self.directory, with_output=False)
        else:
            self.network.restore()
            started = time.perf_counter()
            self.network.run(self.duration * second, namespace={})
        return time.perf_counter() - started

    def close(self) -> None:
        if self.device_name == "cpp_standalone":
            shutil.rmtree(self.directory, ignore_errors=True)


class Framework:
    """K replicas of paired-recall in one network built by neuro-kv; ``run()`` times one
    batch (s): inputs written, simulated, outputs read and split."""

    def __init__(self, device_name: str, replicas: int):
        self.runs = []
        for seed in range(1, replicas + 1):
            planned = plan_run(RunRequest("paired-recall", seed, {"n_items": ITEMS}),
                               device_name)
            circuit, values, pset = planned.circuit, planned.values, planned.parameters
            self.runs.append((values, planned.schedule, seed))
        values, schedule, _ = self.runs[0]
        structure = {name: values[name] for name in circuit.structural_parameters}
        rows = padded_rows(schedule.steps)
        if device_name == "cpp_standalone":
            strings = {name: str(format_value(values[name], pset[name].unit))
                       for name in circuit.structural_parameters}
            self.network = StandaloneNetwork(circuit, structure, strings, replicas, rows,
                                             schedule.step, values["dt"])
        else:
            self.network = RuntimeNetwork(device_name, circuit, structure, replicas, rows,
                                          schedule.step, values["dt"])
        self.durations = [float(s.duration / second) for _, s, _ in self.runs]
        self.run()  # warm: the code objects are created

    def run(self) -> float:
        started = time.perf_counter()
        self.network.run(self.network.built.inputs(self.runs), self.durations)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replicas", default="1,4,16,64")
    parser.add_argument("--devices", default="cython,cpp_standalone")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    quiet_brian()
    prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
    model = 6 * ITEMS * 0.05  # model seconds per run
    for device_name in args.devices.split(","):
        plain = Plain(device_name)
        single = Framework(device_name, 1)
        plain_times, single_times = [], []
        for _ in range(args.repeats):  # alternately, so both see the same machine
            plain_times.append(plain.run())
            single_times.append(single.run())
        plain.close()
        baseline = float(np.median(plain_times)) / model
        overhead = float(np.median(np.divide(single_times, plain_times)))
        print(f"{device_name}: plain Brian2 script, one copy: {baseline:.4f} s per model "
              f"second (median of {args.repeats}); neuro-kv at K = 1 / plain, median of "
              f"{args.repeats} alternating pairs: {overhead:.2f}", flush=True)
        for replicas in (int(k) for k in args.replicas.split(",")):
            if replicas == 1:
                times = single_times
            else:
                framework = Framework(device_name, replicas)
                times = [framework.run() for _ in range(max(2, args.repeats // 2))]
            per_run = float(np.median(times)) / (replicas * model)
            print(f"{device_name}: neuro-kv K = {replicas:>2}: {per_run:.4f} s per replica "
                  f"and model second (batch {float(np.median(times)):.2f} s), "
                  f"{per_run / baseline:.2f} x the plain script's copy", flush=True)


if __name__ == "__main__":
    main()
