"""Recompute the documentation's numbers of stored batches with the current statistics,
without simulating again: for each ``BATCH_DIR DOCS_JSON`` pair, the batch's per-seed
``runs/seed-N/metrics.json`` and parameters are combined as ``save_batch`` does today
(`combine_metrics` and the protocol's ``combine``), checked to give the means that
``DOCS_JSON`` holds (so the batch is the one the docs were measured from), and written to
``DOCS_JSON``: only the intervals (and settings) change.

    python scripts/recombine_batches.py results/paired-recall-seeds1-20 \\
        docs/results/paired-recall.json [BATCH_DIR DOCS_JSON ...]
"""

from __future__ import annotations

import json
import math
import sys
import tomllib
from pathlib import Path
from typing import Any

from neuro_kv.analysis.batch import combine_metrics, settings_of
from neuro_kv.parameters import ParameterError
from neuro_kv.preparation import prepare, read_parameter_file
from neuro_kv.registry import get_protocol
from neuro_kv.storage import strict_json


def recombine(batch: Path) -> dict[str, Any]:
    runs = sorted((batch / "runs").glob("seed-*"), key=lambda p: int(p.name[5:]))
    metrics = [json.loads((run / "metrics.json").read_text()) for run in runs
               if (run / "metrics.json").exists() and "stopped_at_s" not in
               json.loads((run / "metrics.json").read_text())]
    stored = read_parameter_file(runs[0] / "params.toml")
    with open(runs[0] / "params.toml", "rb") as handle:
        header = tomllib.load(handle)["run"]
    while True:  # an older file's values that today's parser refuses: defaults (the
        try:       # check of the means below shows whether that changed anything)
            _, _, p, _ = prepare(header["protocol"], header.get("circuit"),
                                 header["device"], header["seed"], stored)
            break
        except ParameterError as error:
            name = str(error).split("'")[1]
            if name not in stored:
                raise
            del stored[name]
    combined = combine_metrics(metrics, set(settings_of(metrics, p)))
    combined.update(get_protocol(header["protocol"]).combine(p, metrics))
    return strict_json(combined)


def same_means(new: Any, old: Any, path: str = "") -> list[str]:
    """The places where two combined results' values (not their intervals) differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [d for key in old if not key.endswith("_ci") and key in new
                for d in same_means(new[key], old[key], f"{path}.{key}")]
    if isinstance(old, float) and isinstance(new, (int, float)):
        return [] if math.isclose(new, old, rel_tol=1e-9, abs_tol=1e-12) else [path]
    return [] if new == old or isinstance(old, list) else [path]


def main(pairs: list[str]) -> None:
    for batch, target in zip(pairs[::2], pairs[1::2], strict=True):
        new = recombine(Path(batch))
        old = json.loads(Path(target).read_text())
        differ = same_means(new, old)
        if differ:
            raise SystemExit(f"{batch}: values differ from {target} at {differ[:5]}")
        Path(target).write_text(json.dumps(new, indent=2, sort_keys=True, allow_nan=False)
                                + "\n")
        print(f"{target}: intervals recomputed from {batch}")


if __name__ == "__main__":
    main(sys.argv[1:])
