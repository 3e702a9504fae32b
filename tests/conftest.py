"""Shared fixtures: Brian2 quiet, runs cached per session (they take seconds each)."""

from __future__ import annotations

import functools
import os

import pytest

import neuro_kv
from neuro_kv.devices import quiet_brian

quiet_brian()


@functools.cache
def cached_run(protocol: str, seed: int, device: str = "cpp_standalone", **parameters):
    return neuro_kv.run(protocol, seed=seed, device=device, **parameters)


@pytest.fixture
def run_cached():
    return cached_run


@pytest.fixture(scope="session", autouse=True)
def compile_circuits_in_parallel(worker_id):
    """On a fresh machine much of the suite's time is compilation, and both xdist workers
    start with kv-index tests, so one would compile while the other waits on the same build
    lock. The second worker therefore first builds a one-item ``hopfield`` run (the default
    sizes, which the hopfield tests reuse); with a warm build cache this costs a second."""
    if worker_id == "gw1":
        neuro_kv.run("paired-recall", circuit="hopfield", seed=1, n_items=1)


#: the longest tests on a new machine (cold durations, 15-75 s each, most of it simulation),
#: as node id prefixes; a module's tests stay together (they share module fixtures)
LONGEST = ("tests/test_barcodes.py", "tests/test_separation_completion.py",
           "tests/test_memory_tasks.py::test_flashbulb", "tests/test_extending.py",
           "tests/test_memory_tasks.py::test_redundancy", "tests/test_kill_safety.py",
           "tests/test_engine.py::test_a_run_is_the_same", "tests/test_guard.py",
           "tests/test_capacity.py", "tests/test_memory_tasks.py::test_heteroassociation")


@pytest.hookimpl(trylast=True)  # after ``-m 'not slow'`` has deselected
def pytest_collection_modifyitems(config, items):
    """Start the longest tests first on both xdist workers. xdist's worksteal scheduler gives
    each of n workers a contiguous share of the collection and steals from the end of a
    queue, so a long test left at the end of a share runs alone while the other worker
    idles; here the longest groups are dealt in turn to the fronts of the shares."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))  # set in the workers
    if workers < 2:
        return
    groups: dict[str, list] = {prefix: [] for prefix in LONGEST}
    rest = []
    for item in items:
        prefix = next((p for p in LONGEST if item.nodeid.startswith(p)), None)
        (groups[prefix] if prefix else rest).append(item)
    fronts: list[list] = [[] for _ in range(workers)]
    for k, group in enumerate(g for g in groups.values() if g):
        fronts[k % workers].extend(group)
    share = len(items) // workers
    ordered = []
    for front in fronts:
        take = max(0, share - len(front))
        ordered += front + rest[:take]
        rest = rest[take:]
    items[:] = ordered + rest
