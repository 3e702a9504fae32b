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
