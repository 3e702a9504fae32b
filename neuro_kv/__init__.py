"""neuro-kv: key-value memory in the brain, simulated with spiking networks in Brian2."""

from __future__ import annotations

from typing import Any

__all__ = ["run", "run_many", "sweep", "tune", "view", "ParameterError", "__version__"]

from neuro_kv.parameters import ParameterError  # noqa: E402
from neuro_kv.version import __version__  # noqa: E402

# The functions below import their modules on first use: ``import neuro_kv`` takes 1.5 s
# (Brian2), importing the report (Bokeh, NWB readers) too would take 5.2 s, and the sweep and
# tuning modules (Dask, Optuna) 0.4 s and 0.3 s more (measured on the 2-core CI machine).


def run(protocol: str, **kwargs: Any) -> Any:
    """Run a protocol; see `neuro_kv.api.run`."""
    from neuro_kv.api import run as _run

    return _run(protocol, **kwargs)


def run_many(protocol: str, seeds: Any = (1,), **kwargs: Any) -> Any:
    """Run a protocol for many seeds as batches of replicas; see `neuro_kv.api.run_many`."""
    from neuro_kv.api import run_many as _run_many

    return _run_many(protocol, seeds, **kwargs)


def sweep(protocol: str, grid: dict[str, list[str]], seeds: Any = (1,), **kwargs: Any) -> Any:
    """Run a grid of parameters x seeds on Dask workers; see `neuro_kv.sweeps.sweep`."""
    from neuro_kv.sweeps import sweep as _sweep

    return _sweep(protocol, grid, seeds, **kwargs)


def tune(protocol: str, objective: str, space: Any, trials: int, **kwargs: Any) -> Any:
    """Tune parameters with an Optuna study; see `neuro_kv.tuning.tune`. ``space`` is
    ``["NAME=LOW..HIGH[:log]", ...]`` or `neuro_kv.tuning.parse_space`'s output."""
    from neuro_kv.tuning import parse_space
    from neuro_kv.tuning import tune as _tune

    if space and isinstance(next(iter(space)), str):
        space = parse_space(list(space))
    return _tune(protocol, objective, space, trials, **kwargs)


def view(result: Any) -> Any:
    """Show a `RunResult`'s interactive report in a notebook; see `neuro_kv.report.show`."""
    from neuro_kv.report import show

    return show(result)
