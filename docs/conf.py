"""Sphinx configuration of the neuro-kv documentation (built in CI with warnings as errors:
``sphinx-build -W -b html docs docs/_build/html``).

Before the build, `generate` writes ``docs/_generated/``: the parameter tables of every
registered circuit and protocol (from their `neuro_kv.parameters.ParameterSet`), each
circuit's schedule controls, and each protocol's measured numbers (from the result files in
``docs/results/``), so no table in the docs is typed by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).parent
sys.path.insert(0, str(DOCS))

from generate import generate  # noqa: E402  (docs/generate.py)

from neuro_kv.version import __version__  # noqa: E402

project = "neuro-kv"
author = "the neuro-kv developers"
copyright = "2026, the neuro-kv developers"
release = version = __version__

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.viewcode"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "_generated", "results", "README.md"]
default_role = "py:obj"
autodoc_default_options = {"members": True, "undoc-members": False}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
suppress_warnings = ["myst.header"]
html_theme = "alabaster"
html_theme_options = {"description": "Key-value memory in the brain, in spiking networks",
                      "fixed_sidebar": True}
html_static_path: list[str] = []


def setup(app):
    app.connect("builder-inited", lambda app: generate(DOCS / "_generated"))
