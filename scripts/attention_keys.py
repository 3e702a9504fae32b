"""The rate reference of the paper's Fig. 2 (issue 24, item 1): keys and values learned
through the softmax read-out (`neuro_kv.attention_learning`), 2 classes (200 items, 5,000
Adam steps) and 3 classes (300 items, 10,000 steps), over seeds, for each side of the score
matrix the key gradient flows through. Per seed: the angles between class-mean keys (before
and after), the mean distance of sigmoid(values) to the class features, the loss. Writes the
per-seed values with BCa intervals over seeds as JSON, a figure of seed 1, and prints the
table:

    python scripts/attention_keys.py --seeds 1-20 --out docs/results/attention-keys.json \\
        --figure docs/figures/attention-keys.png
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from neuro_kv.analysis.statistics import seed_interval
from neuro_kv.attention_learning import (
    GRADIENT_SIDES,
    AttentionMemory,
    class_key_angle_deg,
    train,
    value_distance,
)

#: the paper's sizes: classes -> items (steps: `train`'s defaults, 5,000 and 10,000)
ITEMS = {2: 200, 3: 300}


def ints(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def angles(memory: AttentionMemory, n_classes: int) -> list[float]:
    return [class_key_angle_deg(memory, a, b)
            for a, b in itertools.combinations(range(n_classes), 2)]


def measure(job: tuple[int, str, int]) -> dict:
    n_classes, through, seed = job
    start, learned = train(ITEMS[n_classes], n_classes, seed, through=through)
    return {"n_classes": n_classes, "through": through, "seed": seed,
            "angles_before_deg": angles(start, n_classes),
            "angles_deg": angles(learned, n_classes),
            "value_distance_before": value_distance(start),
            "value_distance": value_distance(learned),
            "loss_before": start.loss(), "loss": learned.loss()}


def summary(rows: list[dict]) -> dict:
    """Mean and BCa interval over seeds of each measure (angles: the smallest pairwise one,
    the hardest pair to tell apart)."""
    measures = {
        "min_angle_deg": [min(r["angles_deg"]) for r in rows],
        "min_angle_before_deg": [min(r["angles_before_deg"]) for r in rows],
        "value_distance": [r["value_distance"] for r in rows],
        "value_distance_before": [r["value_distance_before"] for r in rows],
        "loss": [r["loss"] for r in rows],
    }
    out = {}
    for name, values in measures.items():
        values = np.array(values)
        out[name] = float(values.mean())
        out[f"{name}_ci"] = list(seed_interval(values))
    out["seeds_above_120_deg"] = int(sum(v > 120 for v in measures["min_angle_deg"]))
    out["seeds_values_within_0.1"] = int(sum(v < 0.1 for v in measures["value_distance"]))
    return out


def figure(path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy.special import expit

    from neuro_kv.attention_learning import CLASS_FEATURES

    colours = ["tab:blue", "tab:orange", "tab:green"]
    fig, axes = plt.subplots(2, 4, figsize=(13, 6.4), constrained_layout=True)
    for row, n_classes in enumerate((2, 3)):
        start, _ = train(ITEMS[n_classes], n_classes, 1, steps=0)
        panels = [("initial keys", start.keys)]
        for through in ("both", "queries", "keys"):
            _, learned = train(ITEMS[n_classes], n_classes, 1, through=through)
            panels.append((f"keys, gradient through {through}", learned.keys))
        for ax, (title, keys) in zip(axes[row], panels, strict=True):
            for c in range(n_classes):
                ax.scatter(*keys[start.labels == c].T, s=6, color=colours[c],
                           label=f"class {c} {tuple(int(x) for x in CLASS_FEATURES[c])}")
            ax.axhline(0, color="0.7", lw=0.6)
            ax.axvline(0, color="0.7", lw=0.6)
            ax.set_title(f"{n_classes} classes: {title}", fontsize=9)
            ax.set_aspect("equal", adjustable="datalim")
        _, learned = train(ITEMS[n_classes], n_classes, 1, through="both")
        inset = axes[row][0].inset_axes([0.62, 0.05, 0.35, 0.35])
        for c in range(n_classes):
            inset.scatter(*expit(learned.values[learned.labels == c]).T, s=2, color=colours[c])
        inset.set_xlim(-0.05, 1.05)
        inset.set_ylim(-0.05, 1.05)
        inset.set_title("sigmoid(values), both", fontsize=7)
        inset.tick_params(labelsize=6)
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle("Keys and values learned through a softmax read-out (paper's Fig. 2 set-up), "
                 "seed 1", fontsize=10)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-20")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--figure", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seeds = ints(args.seeds)
    jobs = [(c, through, seed) for c in ITEMS for through in GRADIENT_SIDES for seed in seeds]
    began = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(measure, jobs))
    result = {"seeds": seeds, "items": ITEMS, "learning_rate": 3e-4,
              "steps": {2: 5000, 3: 10000}, "interval": "BCa bootstrap over seeds, 95%",
              "wall_s": round(time.perf_counter() - began, 1), "conditions": []}
    print(f"{'classes':>7} {'through':>8} {'min angle (deg)':>26} {'|sig(v)-f|':>22} "
          f"{'loss':>7}  >120deg  <0.1")
    for c, through in itertools.product(ITEMS, GRADIENT_SIDES):
        chosen = [r for r in rows if r["n_classes"] == c and r["through"] == through]
        s = summary(chosen)
        result["conditions"].append({"n_classes": c, "through": through, **s,
                                     "per_seed": chosen})
        a, d = s["min_angle_deg_ci"], s["value_distance_ci"]
        print(f"{c:>7} {through:>8} {s['min_angle_deg']:7.1f} ({a[0]:6.1f}-{a[1]:6.1f}) "
              f"{s['value_distance']:6.3f} ({d[0]:.3f}-{d[1]:.3f}) {s['loss']:7.4f} "
              f"{s['seeds_above_120_deg']:>7} {s['seeds_values_within_0.1']:>5}")
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    if args.figure:
        figure(args.figure)


if __name__ == "__main__":
    main()
