"""Where a batch's time goes: Brian2's per-code-object profile of one batch of runs of a
protocol (``paired-recall`` by default; seeds 1..K) on a device.

    python benchmarks/profile_batch.py [--device cpp_standalone] [--replicas 16] [--items 20]
    python benchmarks/profile_batch.py --protocol ensemble-recall --circuit kv-ensemble \
        --replicas 1 --items 10 --set n_index=10000

Prints each code object's share of the simulated time (the profile itself costs time: two
clock reads per code object and step, so the total exceeds an unprofiled run).
"""

from __future__ import annotations

import argparse

from brian2 import second

from neuro_kv.devices import RuntimeNetwork, StandaloneNetwork, quiet_brian
from neuro_kv.parameters import format_value, parse_value
from neuro_kv.preparation import RunRequest, plan_run
from neuro_kv.schedule import padded_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpp_standalone",
                        choices=("numpy", "cython", "cpp_standalone"))
    parser.add_argument("--replicas", type=int, default=16)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--circuit", default="kv-index")
    parser.add_argument("--protocol", default="paired-recall")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="one more parameter, e.g. --set n_index=10000")
    args = parser.parse_args()
    overrides = {"n_items": args.items}
    for assignment in args.set:
        name, _, text = assignment.partition("=")
        overrides[name] = parse_value(text, name)
    quiet_brian()
    runs = []
    for seed in range(1, args.replicas + 1):
        planned = plan_run(RunRequest(args.protocol, seed, overrides, args.circuit),
                           args.device)
        circuit, values, pset = planned.circuit, planned.values, planned.parameters
        runs.append((values, planned.schedule, seed))
    values, schedule, _ = runs[0]
    structure = {name: values[name] for name in circuit.structural_parameters}
    rows = padded_rows(schedule.steps)
    if args.device == "cpp_standalone":
        strings = {name: str(format_value(values[name], pset[name].unit))
                   for name in circuit.structural_parameters}
        network = StandaloneNetwork(circuit, structure, strings, args.replicas, rows,
                                    schedule.step, values["dt"], profile=True)
    else:
        network = RuntimeNetwork(args.device, circuit, structure, args.replicas, rows,
                                 schedule.step, values["dt"], profile=True)
    inputs = network.built.inputs(runs)
    network.run(inputs, [float(s.duration / second) for _, s, _ in runs])
    total = sum(seconds for _, seconds in network.profile)
    model = args.replicas * float(inputs.duration / second)
    print(f"{args.circuit}, {args.replicas} replicas x {float(inputs.duration / second):.1f} s "
          f"on {args.device}: {total:.2f} s in code objects "
          f"({total / model:.4f} s per replica and model second)")
    for name, seconds in network.profile:
        if seconds >= 0.005 * total:
            print(f"  {name:<55} {seconds:7.3f} s  {100 * seconds / total:5.1f} %")


if __name__ == "__main__":
    main()
