"""Shared fixtures: Brian2 quiet, runs cached per session (they take seconds each)."""

from __future__ import annotations

import functools

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
