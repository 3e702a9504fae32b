"""How ``kv-ensemble`` scales with its index, against what its synaptic events alone cost.

For each ``n_index``: one run of ``ensemble-recall`` (``--items`` items, recalled intact and
with half of the index silenced; seed 1; cpp_standalone, from neuro-kv's build cache when it
holds the build) through `neuro_kv.run`. Reported: build and simulation wall time, wall per
model second (one replica), the synaptic events it delivered (every spike times its out-
degree: input -> index through the projection, index -> cortex and the interneuron,
interneuron -> index) and the neuron updates (neurons x time steps), each per wall second,
and the peak memory of the processes it started (the compiler and the simulation binary).

**The event floor.** In the same run of this script, a plain Brian2 network of the same
size with the same number of synaptic events: Poisson sources firing like the run's input
neurons (same count, same mean rate, same model time), through the run's input -> index
wiring (the same out-degrees), each event adding a constant to a leaky variable of the
target. Its events per wall second are what this machine can do for the spikes alone; the
ratio of the run's simulation wall to ``events / floor rate`` says how much the model's
plasticity, inhibition, gates and recording cost on top.

    python benchmarks/bench_ensemble_scale.py [--sizes 1000,10000] [--items 10]
    python benchmarks/bench_ensemble_scale.py --sizes 100000 --items 4     # about 9 GB
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time

import numpy as np
from brian2 import (
    Hz,
    Network,
    NeuronGroup,
    PoissonGroup,
    SpikeMonitor,
    Synapses,
    defaultclock,
    device,
    second,
    set_device,
)
from brian2.devices.device import get_device, reset_device

import neuro_kv
from neuro_kv.anatomy import entry_wiring

PROTOCOL = "ensemble-recall"


def out_degrees(p: dict, n_index: int) -> dict[str, np.ndarray]:
    """Synapses leaving each neuron of each population (one replica)."""
    copies, n_input = p["input_copies"], p["n_input"]
    entry, _ = entry_wiring(n_input, n_index, p["projection_probability"], p["wiring_seed"])
    per_entry = np.bincount(entry, minlength=n_input)
    # input neurons: entry-major, two rails of ``copies`` each (neuro_kv.neurons.rail_layout)
    n_cortex = 2 * p["n_value"] * p["value_copies"]
    return {"input": np.repeat(per_entry, 2 * copies),
            "index": np.full(n_index, n_cortex + p["n_inhibitory"]),
            "inhibitory": np.full(p["n_inhibitory"], n_index),
            "cortex": np.zeros(n_cortex, dtype=int)}


def peak_gb(who: int) -> float:
    """Peak resident memory so far (GB) of this process (``resource.RUSAGE_SELF``) or of
    its largest finished child (``RUSAGE_CHILDREN``: the compiler, the simulation)."""
    return resource.getrusage(who).ru_maxrss / 1e6


def measure_run(n_index: int, items: int) -> dict:
    """One ensemble-recall run at ``n_index``: times, events and updates."""
    started = time.perf_counter()
    result = neuro_kv.run(PROTOCOL, seed=1, n_index=n_index, n_items=items,
                          silenced_fractions=(0.0, 0.5))
    wall = time.perf_counter() - started
    p, metrics = result.parameters, result.metrics
    model_s = float(result.schedule.duration / second)
    degrees = out_degrees(p, n_index)
    events, spikes, sizes = 0, {}, {}
    for name, degree in degrees.items():
        indices, _ = result.spikes.population(name)
        counts = np.bincount(indices, minlength=degree.size)[:degree.size]
        spikes[name], sizes[name] = int(counts.sum()), degree.size
        events += int((counts * degree).sum())
    steps = model_s / float(p["dt"] / second)
    return {"n_index": n_index, "model_s": model_s, "wall_s": wall,
            "build_s": metrics["build_s"], "simulate_s": metrics["simulate_s"],
            "events": events, "updates": sum(sizes.values()) * steps, "spikes": spikes,
            "sizes": sizes, "input_out_degree": degrees["input"], "p": p,
            "recall": metrics["recall_accuracy"], "ensemble": metrics["ensemble_size"],
            "peak_gb": peak_gb(resource.RUSAGE_CHILDREN),
            "python_peak_gb": peak_gb(resource.RUSAGE_SELF)}


def event_floor(run: dict) -> dict:
    """The plain network (module docstring) for ``run``: its events per wall second."""
    p, model_s = run["p"], run["model_s"]
    degree = run["input_out_degree"]
    n_pre, n_post = degree.size, run["n_index"]
    rate = run["spikes"]["input"] / (n_pre * model_s) * Hz
    entry, target = entry_wiring(p["n_input"], n_post, p["projection_probability"],
                                 p["wiring_seed"])
    copies = 2 * p["input_copies"]
    pre = (entry[:, None] * copies + np.arange(copies)[None, :]).ravel()
    post = np.repeat(target, copies)
    directory = tempfile.mkdtemp(prefix="event_floor_")
    try:
        set_device("cpp_standalone", build_on_run=False, directory=directory)
        get_device().reinit()  # a fresh standalone project for every size
        get_device().activate(build_on_run=False, directory=directory)
        defaultclock.dt = p["dt"]
        sources = PoissonGroup(n_pre, rates=rate, name="floor_sources")
        targets = NeuronGroup(n_post, "dg/dt = -g / (5*ms) : 1", method="exact",
                              name="floor_targets")
        synapses = Synapses(sources, targets, "w : 1", on_pre="g_post += w",
                            name="floor_synapses")
        synapses.connect(i=pre, j=post)
        synapses.w = 0.1
        counter = SpikeMonitor(sources, record=False, name="floor_counter")
        network = Network(sources, targets, synapses, counter)
        network.run(model_s * second, namespace={})
        device.build(directory=directory, compile=True, run=False, with_output=False)
        standalone = get_device()
        started = time.perf_counter()
        standalone.run(directory=directory, with_output=False)
        wall = time.perf_counter() - started
        source_spikes = int(counter.num_spikes)
    finally:
        reset_device()
        shutil.rmtree(directory, ignore_errors=True)
    events = source_spikes * float(degree.mean())
    return {"wall_s": wall, "events": events, "events_per_s": events / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000",
                        help="index sizes, comma-separated (default 1000,10000)")
    parser.add_argument("--items", type=int, default=10)
    args = parser.parse_args()
    for n_index in (int(s) for s in args.sizes.split(",")):
        run = measure_run(n_index, args.items)
        floor = event_floor(run)
        ideal = run["events"] / floor["events_per_s"]
        print(f"n_index {n_index:,}: {run['model_s']:.2f} s of model time, "
              f"recall {run['recall']:.3f}, ensembles {run['ensemble']:.0f} neurons")
        print(f"  wall {run['wall_s']:.1f} s (build {run['build_s']:.1f} s, simulate "
              f"{run['simulate_s']:.1f} s): {run['simulate_s'] / run['model_s']:.2f} s per "
              f"model second ({run['wall_s'] / run['model_s']:.2f} with the build)")
        print(f"  synaptic events {run['events']:.3g} ({run['events'] / run['simulate_s']:.3g}"
              f" per wall second), neuron updates {run['updates']:.3g} "
              f"({run['updates'] / run['simulate_s']:.3g} per wall second)")
        print(f"  event floor (plain Brian2, input -> index only): {floor['events_per_s']:.3g} "
              f"events per wall second; the run's events would take {ideal:.2f} s there: "
              f"simulate / floor = {run['simulate_s'] / ideal:.2f}")
        print(f"  peak memory so far: {run['peak_gb']:.2f} GB (simulation or compiler), "
              f"{run['python_peak_gb']:.2f} GB (this Python process)")


if __name__ == "__main__":
    main()
