"""Shared fixtures: Brian2 quiet, runs cached per session (they take seconds each)."""

from __future__ import annotations

import functools

import pytest

import neuro_kv
from neuro_kv.runner import quiet_brian

quiet_brian()


@functools.cache
def cached_run(protocol: str, seed: int, device: str, **parameters):
    return neuro_kv.run(protocol, seed=seed, device=device, **parameters)


@pytest.fixture
def run_cached():
    return cached_run


@pytest.fixture(scope="session", autouse=True)
def compile_circuits_in_parallel(worker_id):
    """On a fresh machine most of the suite's time is Cython compilation, and both xdist
    workers start with kv-index tests, so one compiles while the other waits on the same
    compile locks. The second worker therefore first runs a one-item ``hopfield`` network (the
    default sizes, whose modules the hopfield tests reuse; they are disjoint from kv-index's);
    with a warm cache this costs a few seconds."""
    if worker_id == "gw1":
        neuro_kv.run("paired-recall", circuit="hopfield", seed=1, n_items=1)
