"""Time ``paired-recall`` on each device against a plain hand-written Brian2 script.

The plain script builds the same network (same equations, sizes, defaults and schedule)
without neuro-kv's layers and runs it on the cython target; neuro-kv's runs are timed end to
end (drawing patterns, building, simulating, analysing, no disk output). Each line prints the
wall time and its ratio to the plain script measured in the same invocation.

    python benchmarks/bench_paired_recall.py [--items 20] [--seed 1] [--repeats 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from neuro_kv.runner import quiet_brian

import neuro_kv


def plain_brian2(n_items: int, seed: int) -> float:
    """The kv-index network and paired-recall schedule written directly in Brian2."""
    from brian2 import (
        Network,
        NeuronGroup,
        PoissonGroup,
        SpikeMonitor,
        Synapses,
        TimedArray,
        defaultclock,
        ms,
        mV,
        prefs,
        set_device,
    )
    from brian2 import (
        seed as brian_seed,
    )

    set_device("runtime")
    prefs.codegen.target = "cython"
    defaultclock.dt = 0.1 * ms
    brian_seed(seed)
    rng = np.random.default_rng(seed)
    n, copies, vcopies, slots = 40, 12, 4, 40
    keys = rng.choice([-1.0, 1.0], size=(n_items, n))
    values = rng.choice([-1.0, 1.0], size=(n_items, n))
    cues = keys.copy()
    for row in cues:
        row[rng.choice(n, 24, replace=False)] = 0
    # 50 ms schedule steps: each phase = 2 steps on + 1 step gap
    steps = 2 * n_items * 3
    cue = np.zeros((steps, n))
    teacher = np.zeros((steps, n))
    plateau = np.zeros((steps, slots))
    modulator = np.zeros(steps)
    for k in range(n_items):
        cue[3 * k:3 * k + 2] = keys[k]
        teacher[3 * k:3 * k + 2] = values[k]
        plateau[3 * k:3 * k + 2, k % slots] = 1
        modulator[3 * k:3 * k + 2] = 1
        cue[3 * (n_items + k):3 * (n_items + k) + 2] = cues[k]

    def rails(p, c):
        return np.repeat(np.stack([p > 0, p < 0], -1).reshape(len(p), -1).astype(float), c, -1)

    step = 50 * ms
    ns = {"cue_on": TimedArray(rails(cue, copies), dt=step),
          "teacher_on": TimedArray(rails(teacher, vcopies), dt=step),
          "plateau_on": TimedArray(plateau, dt=step),
          "modulator_level": TimedArray(modulator, dt=step),
          "tau_m": 20 * ms, "tau_exc": 5 * ms, "tau_inh": 10 * ms, "tau_self": 30 * ms,
          "v_rest": -65 * mV, "v_reset": -65 * mV, "v_threshold": -50 * mV}
    lif = """dv/dt = (v_rest - v + I_exc - I_inh + {extra}) / tau_m : volt (unless refractory)
             dI_exc/dt = -I_exc / tau_exc : volt
             dI_inh/dt = -I_inh / tau_inh : volt
             modulator : 1 (shared)"""
    inputs = PoissonGroup(2 * n * copies, rates="40*Hz * cue_on(t, i)", namespace=ns)
    index = NeuronGroup(slots, lif.format(extra="I_self + 150*mV * tag")
                        + "\ndI_self/dt = -I_self / tau_self : volt\ntag : 1",
                        threshold="v > v_threshold", reset="v = v_reset", refractory=2 * ms,
                        method="exponential_euler", namespace=ns)
    index.v = -65 * mV
    index.run_regularly("modulator = modulator_level(t)\ntag = plateau_on(t, i)", dt=step,
                        when="start")
    inhibitory = NeuronGroup(10, """
        dv/dt = (v_rest - v + I_exc) / (10*ms) : volt (unless refractory)
        dI_exc/dt = -I_exc / tau_exc : volt""",
                             threshold="v > v_threshold", reset="v = v_reset",
                             refractory=2 * ms, method="exponential_euler", namespace=ns)
    inhibitory.v = -65 * mV
    cortex = NeuronGroup(2 * n * vcopies, lif.format(extra="40*mV * teacher") + "\nteacher : 1",
                         threshold="v > v_threshold", reset="v = v_reset", refractory=2 * ms,
                         method="exponential_euler", namespace=ns)
    cortex.v = -65 * mV
    cortex.run_regularly("modulator = modulator_level(t)\nteacher = teacher_on(t, i)", dt=step,
                         when="start")
    key_syn = Synapses(inputs, index,
                       "dw/dt = -modulator_post * tag_post * w / (25*ms) : 1 (clock-driven)",
                       on_pre="""I_exc_post += 5*mV * w
                                 I_inh_post += 0.5*mV
                                 w = w + 0.6 * modulator_post * tag_post * (1 - w)""",
                       method="exact", dt=1 * ms)
    key_syn.connect()
    value_syn = Synapses(index, cortex, """w : 1
                         dy/dt = -y / (20*ms) : 1 (event-driven)""",
                         on_pre="""I_exc_post += 120*mV * w * clip(1 - modulator_post, 0, 1)
                                   w = w + 0.3 * modulator_post * (y - w)""",
                         on_post="y = 1")
    value_syn.connect()
    self_syn = Synapses(index, index, on_pre="I_self_post += 12*mV * (1 - modulator_post)")
    self_syn.connect(j="i")
    ei = Synapses(index, inhibitory, on_pre="I_exc_post += 40*mV")
    ei.connect()
    ie = Synapses(inhibitory, index, on_pre="I_inh_post += 3*mV")
    ie.connect()
    monitors = [SpikeMonitor(g) for g in (inputs, index, inhibitory, cortex)]
    net = Network(inputs, index, inhibitory, cortex, key_syn, value_syn, self_syn, ei, ie,
                  *monitors)
    start = time.perf_counter()
    net.run(steps * step)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2,
                        help="timed repeats per configuration (the best is reported); a "
                             "first untimed run warms the compiler caches")
    args = parser.parse_args()
    quiet_brian()
    plain_brian2(args.items, args.seed)  # warm-up: compile Cython code
    plain = min(plain_brian2(args.items, args.seed) for _ in range(args.repeats))
    print(f"plain Brian2 script (cython)      {plain:7.2f} s   ratio 1.00")
    for device in ("numpy", "cython", "cpp_standalone"):
        if device == "cython":
            neuro_kv.run("paired-recall", seed=args.seed, device=device, n_items=args.items)
        best = float("inf")
        for _ in range(args.repeats if device != "numpy" else 1):
            start = time.perf_counter()
            result = neuro_kv.run("paired-recall", seed=args.seed, device=device,
                                  n_items=args.items)
            best = min(best, time.perf_counter() - start)
        m = result.metrics
        compiled = f", C++ compile {m['compile_s']:.2f} s" if m["compile_s"] else ""
        print(f"neuro-kv paired-recall {device:<14} {best:7.2f} s   ratio {best / plain:4.2f}"
              f"   (simulate {m['simulate_s']:.2f} s{compiled}, "
              f"accuracy {m['recall_accuracy']:.3f})")


if __name__ == "__main__":
    main()
