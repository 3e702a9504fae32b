"""The standard variants of the rate Hopfield network, measured on two tasks (how the default
of `neuro_kv.rate_models.HopfieldMemory` was chosen).

- ``paired-recall``: the package's task: the key (``n_input``) and value (``n_value``) of each
  item concatenated into one pattern; the cue is the key with ``cue_hidden_fraction`` of its
  entries hidden and the whole value part at 0; scored on the value part (a 0 is a guess),
  on the very patterns `paired-recall` draws for the seed.
- ``bio-kvm``: Tyulmankov et al.'s autoassociative benchmark: ``units`` entries of +/-1, each
  hidden with probability 0.6, scored over all entries against the full pattern, an output of
  0 counting as wrong.

Variants: self-connections removed or kept, asynchronous or synchronous updates, the visible
cue entries free or clamped. Prints accuracy by load and C(0.98) (mean over seeds), per variant:

    python scripts/hopfield_variants.py --seeds 1-20 --units 40,80
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from neuro_kv.preparation import prepare
from neuro_kv.protocols.capacity import capacity_of
from neuro_kv.rate_models import HopfieldMemory
from neuro_kv.seeding import pattern_rng, reference_rng

VARIANTS = [dict(diagonal=d, update=u, clamp_cue=c) for d, u, c in itertools.product(
    HopfieldMemory.DIAGONALS, HopfieldMemory.UPDATES, (False, True))]


def paired_recall_accuracy(variant: dict, load: int, seed: int, n_key: int) -> float:
    """Value accuracy on `paired-recall`'s patterns (key and value of ``n_key`` entries)."""
    proto, _, values, _ = prepare("paired-recall", "hopfield", "numpy", seed,
                                  {"n_items": load, "n_input": n_key, "n_value": n_key})
    patterns = proto.draw_patterns(values, pattern_rng(seed))
    memory = HopfieldMemory(patterns.keys, patterns.values, **variant)
    estimates = memory.recall(patterns.cues, reference_rng(seed))
    return float((estimates == patterns.values).mean())


def bio_kvm_accuracy(variant: dict, load: int, seed: int, units: int) -> float:
    """Accuracy on Tyulmankov et al.'s autoassociative benchmark (0 counts as wrong)."""
    rng = np.random.default_rng([seed, 7, units, load])
    patterns = rng.choice([-1.0, 1.0], size=(load, units))
    cues = np.where(rng.random(patterns.shape) < 0.6, 0.0, patterns)
    memory = HopfieldMemory(patterns, np.zeros((load, 0)), **variant)
    states = memory.complete(cues, rng)
    return float((states == patterns).mean())


def seeds_of(text: str) -> list[int]:
    low, _, high = text.partition("-")
    return list(range(int(low), int(high or low) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-20")
    parser.add_argument("--units", default="40,80", help="pattern sizes (entries in all)")
    parser.add_argument("--loads", default="2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,18,20")
    args = parser.parse_args()
    seeds, loads = seeds_of(args.seeds), [int(v) for v in args.loads.split(",")]
    for units in (int(v) for v in args.units.split(",")):
        for task, accuracy in (("paired-recall", paired_recall_accuracy),
                               ("bio-kvm", bio_kvm_accuracy)):
            size = units // 2 if task == "paired-recall" else units
            print(f"\n{task}, {units} units, seeds {args.seeds}")
            for variant in VARIANTS:
                means = {load: float(np.mean([accuracy(variant, load, s, size)
                                              for s in seeds])) for load in loads}
                row = " ".join(f"{means[load]:.3f}" for load in loads[:8])
                print(f"  {variant['diagonal']:>4} {variant['update']:>12} "
                      f"clamp={variant['clamp_cue']!s:5}  C={capacity_of(means, 0.98):2d}  "
                      f"{row} ...", flush=True)


if __name__ == "__main__":
    main()
