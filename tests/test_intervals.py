"""No interval of a bounded metric leaves its range: every stored documentation number
(``docs/results``) and, behind ``slow``, every protocol's batch at seeds 1-4 as the command line
writes and prints it. Fractions (accuracies, recall, shares, hit rates, AUCs, error rates)
lie in [0, 1], correlations and similarities in [-1, 1]; a batch's interval of the mean lies
within its seeds' values (BCa bootstrap, `neuro_kv.analysis.statistics.seed_interval`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from neuro_kv.cli import main
from neuro_kv.contracts import ManyRunProtocol
from neuro_kv.registry import protocols

DOCS_RESULTS = Path(__file__).parents[1] / "docs" / "results"
FRACTION = re.compile(r"accuracy|recall|fraction|share|hit|auc|sparseness|"
                      r"error_free|intrusion|reinstatement|spurious|"
                      r"lost|_error_|error_grid|accessibility$")
SIGNED = re.compile(r"cost|gain|slope|effect|drop|minus|change|ratio|_ms|_deg|_hz|latency")
CORRELATION = re.compile(r"correlation|similarity|reactivation")


def bounds(name: str) -> tuple[float, float] | None:
    """The range of a metric, from its name (None: unbounded or a difference)."""
    if SIGNED.search(name):
        return None
    if CORRELATION.search(name):
        return (-1.0, 1.0)
    if FRACTION.search(name):
        return (0.0, 1.0)
    return None


def intervals(tree: object, name: str = "") -> Iterator[tuple[str, float, float]]:
    """(metric name, low, high) of every ``NAME_ci`` interval in a nested result, at any depth
    (a dict of intervals, e.g. by load, keeps its metric's name)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key.endswith("_ci"):
                yield from _pairs(value, key[:-3])
            else:
                yield from intervals(value, key if not key[:1].isdigit() else name)
    elif isinstance(tree, list):
        for item in tree:
            yield from intervals(item, name)


def _pairs(value: object, name: str) -> Iterator[tuple[str, float, float]]:
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, (int, float)) or v is None for v in value)):
        if None not in value:
            yield name, float(value[0]), float(value[1])
    elif isinstance(value, dict):
        for item in value.values():
            yield from _pairs(item, name)


def out_of_range(tree: object) -> list[str]:
    bad = []
    for name, low, high in intervals(tree):
        limits = bounds(name)
        if limits and not (limits[0] - 1e-12 <= low <= high <= limits[1] + 1e-12):
            bad.append(f"{name}: {low} to {high} outside {limits}")
    return bad


def test_the_bounds_of_a_metric_follow_its_name():
    assert bounds("recall_accuracy") == bounds("slot_hit_rate") == (0.0, 1.0)
    assert bounds("key_correlation_neighbour") == (-1.0, 1.0)
    assert bounds("damage_cost_k1") is None and bounds("encoding_rate_hz") is None
    assert out_of_range({"recall_accuracy": 0.999, "recall_accuracy_ci": [0.997, 1.001]})
    assert out_of_range({"accuracy_ci": {"hopfield": {"2": [0.98, 1.0055]}}})
    assert not out_of_range({"damage_cost_k1_ci": [-0.1, 0.3]})


@pytest.mark.parametrize("path", sorted(DOCS_RESULTS.glob("*.json")), ids=lambda p: p.stem)
def test_every_stored_interval_lies_in_its_metrics_range(path):
    metrics = json.loads(path.read_text())
    assert list(intervals(metrics)), "no interval found"
    assert out_of_range(metrics) == []


#: the grids of the protocols of many runs, cut down to keep this test to minutes
MANY_RUN_GRIDS = {"capacity": ["--set", "loads=2,20,40", "--set", "size_sweep=20",
                               "--set", "size_loads=2", "--set", "size_load_percent=100",
                               "--set", "hopfield_units=40", "--set",
                               "hopfield_load_percent=10"],
                  "ensemble-capacity": ["--set", "loads=2,8"]}


@pytest.mark.slow
@pytest.mark.parametrize("protocol", sorted(protocols()))
def test_every_protocols_batch_at_seeds_1_to_4_keeps_its_intervals_in_range(
        protocol, tmp_path, capsys):
    """Each protocol on seeds 1-4 (the many-run ones on a smaller grid): every printed and
    stored interval of a bounded metric lies in its range, and a batch's interval of the
    mean within its seeds' values."""
    out = tmp_path / protocol
    argv = ["run", protocol, "--seeds", "1-4", "--workers", "2", "--out", str(out),
            *MANY_RUN_GRIDS.get(protocol, [])]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    for line in printed.splitlines():
        found = re.match(r"\s*(\S+): \S+ \(95 % CI (\S+) to ([^\s,)]+)", line)
        if found and bounds(found[1]):
            low, high = bounds(found[1])
            assert low <= float(found[2]) <= float(found[3]) <= high, line
    if issubclass(protocols()[protocol], ManyRunProtocol):
        metrics = json.loads((out / "metrics.json").read_text())
        assert out_of_range(metrics) == []
        return
    summary = json.loads((out / "summary.json").read_text())
    for name, stats in summary["metrics"].items():
        low, high = stats["ci95"]
        assert min(stats["values"]) - 1e-12 <= low <= high <= max(stats["values"]) + 1e-12, name
    assert out_of_range(json.loads((out / "metrics.json").read_text())) == []
