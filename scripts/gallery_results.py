"""Measure the numbers of the documentation's protocol gallery: run each protocol on its
defaults (``neuro-kv run NAME --workers 2``: seeds 1-20, or one run that draws its own seeds)
and copy its ``metrics.json`` to ``docs/results/NAME.json``, which the docs build turns into
each gallery page's table. Usage: ``python scripts/gallery_results.py [NAME ...]`` (default:
every registered protocol; about 30 minutes on 2 cores, capacity alone about 19).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from neuro_kv.contracts import ManyRunProtocol
from neuro_kv.registry import get_protocol, protocols

DOCS_RESULTS = Path(__file__).parent.parent / "docs" / "results"


def main(names: list[str]) -> None:
    DOCS_RESULTS.mkdir(exist_ok=True)
    for name in names or sorted(protocols()):
        once = isinstance(get_protocol(name), ManyRunProtocol)
        out = Path("results") / (f"{name}-seed1" if once else f"{name}-seeds1-20")
        workers = ["--set", "workers=2"] if once else ["--workers", "2"]
        subprocess.run(["neuro-kv", "run", name, *workers, "--quiet", "--out", str(out)],
                       check=True)
        shutil.copyfile(out / "metrics.json", DOCS_RESULTS / f"{name}.json")
        print(f"{name}: {DOCS_RESULTS / f'{name}.json'}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
