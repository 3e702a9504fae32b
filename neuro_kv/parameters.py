"""Parameters with units: declaration, parsing, validation and formatting.

A parameter value is a Brian2 quantity (``20*ms``), a float, an int or a choice string.
In files and on the command line, values with units are written like ``20*ms``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import brian2.units as b2u
from brian2.units.fundamentalunits import Quantity, Unit

__all__ = [
    "Parameter",
    "ParameterError",
    "ParameterSet",
    "format_value",
    "parse_value",
]

_NUMBER_WITH_UNIT = re.compile(
    r"^\s*(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|-inf)\s*"
    r"(?:\*\s*(?P<unit>[A-Za-z]+(?:\s*/\s*[A-Za-z]+)?))?\s*$"
)


class ParameterError(ValueError):
    """Bad parameter input; the message names the parameter, its value and what is allowed."""


#: The largest magnitude a parameter without its own bounds accepts, by unit (values beyond
#: are typos or would not fit any machine): an hour for times, 1 V for voltages, 10 kHz for
#: rates (one spike per 0.1 ms step), 10**4 for counts and 10**6 for plain numbers.
MAGNITUDE_LIMITS = {b2u.second.dim: 3600.0, b2u.volt.dim: 1.0, b2u.hertz.dim: 1e4}
INT_LIMIT = 10_000
FLOAT_LIMIT = 1e6


@dataclass(frozen=True)
class Parameter:
    """One named model or protocol parameter.

    ``kind`` is ``quantity`` (``unit`` is its Brian2 unit), ``float``, ``int``, ``choice`` or
    ``ints`` (a tuple of integers, written ``5,10,20``; each element obeys the bounds),
    ``floats`` (a tuple of numbers, written ``1,1.5,2``; likewise) or
    ``names`` (a tuple of distinct names from ``choices``, written ``a,b``).
    ``low``/``high`` are inclusive bounds in units of ``unit``; ``low_exclusive`` makes the
    lower bound strict; a list may be empty only with ``allow_empty``.
    """

    name: str
    default: Any
    doc: str
    kind: str = "float"
    unit: Unit | None = None
    low: float | None = None
    high: float | None = None
    low_exclusive: bool = False
    choices: tuple[str, ...] = ()
    #: whether a list parameter may be empty (e.g. "no size sweep")
    allow_empty: bool = False

    def bounds(self) -> tuple[float, float]:
        """(low, high) in units of ``unit``: the declared bounds, and where one is missing
        the magnitude limit of the parameter's unit (`MAGNITUDE_LIMITS`, `INT_LIMIT`,
        `FLOAT_LIMIT`)."""
        if self.kind in ("int", "ints"):
            limit = float(INT_LIMIT)
        elif self.kind == "quantity" and self.unit is not None:  # in SI, then in ``unit``
            si = MAGNITUDE_LIMITS.get(self.unit.dim, FLOAT_LIMIT)
            limit = si / float(self.unit / Quantity(1, dim=self.unit.dim))
        else:
            limit = FLOAT_LIMIT
        low = self.low if self.low is not None else -limit
        high = self.high if self.high is not None else limit
        return low, high

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.kind == "names":
            return "comma-separated names from " + ", ".join(self.choices)
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        low, high = self.bounds()
        if self.kind in ("ints", "floats"):
            what = "integers" if self.kind == "ints" else "numbers"
            return f"comma-separated {what} in [{low:g}, {high:g}]"
        what = {"quantity": f"a value in {self.unit}", "int": "an integer", "float": "a number"}
        text = what[self.kind]
        unit = f"*{self.unit}" if self.kind == "quantity" else ""
        opening = "(" if self.low_exclusive else "["
        return f"{text} in {opening}{low:g}{unit}, {high:g}{unit}]"

    def convert(self, value: Any) -> Any:
        """Parse (if a string) and validate ``value``; raise ParameterError if not allowed."""
        shown = (value if value.strip() and value.isprintable() else repr(value)) \
            if isinstance(value, str) else format_value(value)
        if self.kind in ("ints", "floats"):
            return self._convert_list(value, shown)
        if self.kind == "names":
            if isinstance(value, str):
                names = tuple(part.strip() for part in value.split(",") if part.strip())
            elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                names = tuple(value)
            else:
                raise self._error(shown)
            if not names or len(set(names)) < len(names) or not set(names) <= set(
                    self.choices):
                raise self._error(shown)
            return names
        if isinstance(value, str) and self.kind != "choice":
            value = parse_value(value, self.name)
        if self.kind == "choice":
            if value not in self.choices:
                raise self._error(shown)
            return value
        if self.kind == "quantity":
            if not isinstance(value, Quantity) or isinstance(value, bool):
                if self.unit is not None and self.unit.dim.is_dimensionless:
                    value = float(value) * self.unit
                else:
                    raise self._error(shown, "missing unit")
            if value.dim != self.unit.dim:
                raise self._error(shown, "wrong unit")
            number = float(value / self.unit)
        else:
            if isinstance(value, Quantity) and not value.dim.is_dimensionless:
                raise self._error(shown, "unexpected unit")
            if isinstance(value, bool):
                raise self._error(shown)
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise self._error(shown) from None
        if not math.isfinite(number):
            raise self._error(shown, "not a finite number")
        if self.kind == "int" and number != int(number):
            raise self._error(shown)
        low, high = self.bounds()
        too_low = number <= low if self.low_exclusive else number < low
        if too_low or number > high:
            raise self._error(shown)
        if self.kind == "quantity":
            return number * self.unit
        return int(number) if self.kind == "int" else number

    def _convert_list(self, value: Any, shown: Any) -> tuple[Any, ...]:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")] if value.strip() else []
            if any(not part for part in parts):
                raise self._error(shown, "an empty element")
        elif isinstance(value, (list, tuple)):
            parts = list(value)
        else:
            parts = [value]
        element = Parameter(self.name, 0, self.doc, "int" if self.kind == "ints" else "float",
                            low=self.low, high=self.high, low_exclusive=self.low_exclusive)
        if not parts and not self.allow_empty:
            raise self._error(shown, "empty")
        try:
            return tuple(element.convert(part) for part in parts)
        except ParameterError:
            raise self._error(shown) from None

    def _error(self, shown: Any, why: str = "") -> ParameterError:
        reason = f" ({why})" if why else ""
        return ParameterError(
            f"parameter {self.name!r}: value {shown!s}{reason} is not allowed; "
            f"expected {self.allowed()}"
        )


def parse_value(text: str, name: str = "value") -> Any:
    """Parse ``'20*ms'``, ``'0.6'``, ``'40'`` into a quantity, float or int."""
    match = _NUMBER_WITH_UNIT.match(text)
    if match is None:
        return text.strip()
    number = float(match["number"])
    unit_text = match["unit"]
    if unit_text is None:
        is_int = re.fullmatch(r"\s*[-+]?\d+\s*", match["number"]) is not None
        return int(number) if is_int else number
    unit: Any = 1
    for i, part in enumerate(re.split(r"\s*/\s*", unit_text)):
        found = getattr(b2u, part, None)
        if not isinstance(found, Unit):
            raise ParameterError(
                f"parameter {name!r}: value {text!r} has unknown unit {part!r}; "
                "expected a Brian2 unit such as ms, mV, Hz, nA"
            )
        unit = unit * found if i == 0 else unit / found
    return number * unit


def format_value(value: Any, unit: Unit | None = None) -> Any:
    """Format a value for TOML/JSON: quantities become strings like ``'20.0*ms'``."""
    if isinstance(value, Quantity) and not value.dim.is_dimensionless:
        unit = unit if unit is not None else value.get_best_unit()
        return f"{float(value / unit)!r}*{unit}"
    if isinstance(value, Quantity):
        return float(value)
    if isinstance(value, tuple):
        return list(value)
    return value


class ParameterSet:
    """An ordered collection of Parameter declarations with resolution of user values."""

    def __init__(self, parameters: Iterable[Parameter]):
        self._parameters = {p.name: p for p in parameters}

    def __iter__(self):
        return iter(self._parameters.values())

    def __contains__(self, name: str) -> bool:
        return name in self._parameters

    def __getitem__(self, name: str) -> Parameter:
        return self._parameters[name]

    def defaults(self) -> dict[str, Any]:
        """The default values, keyed by name."""
        return {p.name: p.default for p in self}

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults updated by ``overrides``, every value validated; unknown names raise."""
        values = self.defaults()
        for name, value in (overrides or {}).items():
            if name not in self._parameters:
                raise ParameterError(
                    f"unknown parameter {name!r} (value {value!s}); "
                    f"allowed names: {', '.join(sorted(self._parameters))}"
                )
            values[name] = self._parameters[name].convert(value)
        return values

    def to_strings(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Values formatted for files: quantities in each parameter's declared unit."""
        return {
            name: format_value(values[name], self._parameters[name].unit)
            for name in self._parameters
        }
