"""The documentation site builds without a warning, and every registered protocol and
circuit has its page."""

import subprocess
import sys
from pathlib import Path

from neuro_kv.registry import circuits, protocols

DOCS = Path(__file__).parent.parent / "docs"


def test_every_protocol_has_a_gallery_page_and_every_circuit_a_section():
    gallery = {path.stem for path in (DOCS / "gallery").glob("*.md")} - {"index"}
    assert gallery == set(protocols())
    index = (DOCS / "gallery" / "index.md").read_text()
    assert all(f"\n{name}\n" in index for name in protocols())  # in a toctree
    model = (DOCS / "model.md").read_text()
    assert all(f"_generated/controls-{name}.md" in model for name in circuits())


def test_the_docs_build_with_warnings_as_errors(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b",
                           "html", "-d", str(tmp_path / "doctrees"), str(DOCS),
                           str(tmp_path / "html")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    gallery = (tmp_path / "html" / "gallery" / "paired-recall.html").read_text()
    # the numbers, generated from the result file docs/results/paired-recall.json
    assert "mean over seeds" in gallery and "Runs: seeds 1-20" in gallery
    parameters = (tmp_path / "html" / "parameters.html").read_text()
    assert "n_items" in parameters and "inhibition_strength" in parameters
