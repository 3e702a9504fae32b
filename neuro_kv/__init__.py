"""neuro-kv: key-value memory in the brain, simulated with spiking networks in Brian2."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["run", "ParameterError", "__version__"]

from neuro_kv.parameters import ParameterError  # noqa: E402


def run(protocol: str, **kwargs: Any) -> Any:
    """Run a protocol; see `neuro_kv.api.run`."""
    from neuro_kv.api import run as _run

    return _run(protocol, **kwargs)
