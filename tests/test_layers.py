"""The package's shape: one installed namespace, an import graph without cycles, and
first-party imports at module top (the layers themselves: ``lint-imports`` in .ci/run)."""

import ast
from importlib import metadata
from pathlib import Path

import grimp

import neuro_kv

PACKAGE = Path(neuro_kv.__file__).parent
#: (module file, imported module) pairs imported inside a function, each for a measured
#: reason written beside it in the code
LAZY_ALLOWED = {
    ("cli.py", "neuro_kv.report"),  # 3.7 s of Bokeh and NWB readers that only `view` needs
    ("__init__.py", "neuro_kv.api"),  # the package root stays light (see its comment)
    ("__init__.py", "neuro_kv.sweeps"),
    ("__init__.py", "neuro_kv.tuning"),
    ("__init__.py", "neuro_kv.report"),
}


def test_one_installed_namespace():
    top_level = metadata.distribution("neuro-kv").read_text("top_level.txt").split()
    assert top_level == ["neuro_kv"]


def test_the_import_graph_has_no_cycle():
    graph = grimp.build_graph("neuro_kv", exclude_type_checking_imports=True)
    cycles = []
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            if graph.chain_exists(importer=imported, imported=importer):
                cycles.append(graph.find_shortest_chain(importer=imported, imported=importer))
    assert cycles == []


def test_first_party_imports_are_at_module_top():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                        "neuro_kv"):
                    if (str(path.relative_to(PACKAGE)), node.module) not in LAZY_ALLOWED:
                        found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} "
                                     f"{node.module}")
    assert found == []
