"""Parameter parsing and validation: clear errors that name the parameter and the value."""

from __future__ import annotations

import pytest
from brian2 import Hz, ms, mV

from neuro_kv.api import prepare
from neuro_kv.parameters import ParameterError, parse_value


def test_parse_values_with_units():
    assert parse_value("20*ms") == 20 * ms
    assert parse_value(" 1.5 * mV ") == 1.5 * mV
    assert parse_value("40") == 40 and isinstance(parse_value("40"), int)
    assert parse_value("0.6") == 0.6
    assert parse_value("sequential") == "sequential"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("n_itemz", 3, "unknown parameter 'n_itemz'"),
    ("window", "5*mV", "parameter 'window': value 5*mV (wrong unit)"),
    ("window", "5", "parameter 'window': value 5 (missing unit)"),
    ("tau_m", "nan*ms", "not a finite number"),
    ("input_rate", -3 * Hz, "parameter 'input_rate': value -3.0*Hz"),
    ("cue_hidden_fraction", 1.5, "expected a number in [0, 1]"),
    ("n_items", 2.5, "parameter 'n_items': value 2.5"),
    ("slot_policy", "lru", "expected one of sequential, random"),
    ("window", "7*furlong", "unknown unit 'furlong'"),
])
def test_bad_parameters_are_rejected(name, value, message):
    with pytest.raises(ParameterError) as error:
        prepare("paired-recall", None, "numpy", 1, {name: value})
    assert message in str(error.value)


def test_unknown_protocol_device_and_seed():
    for args, message in [(("nope", None, "numpy", 1), "protocol 'nope' is unknown"),
                          (("paired-recall", "x", "numpy", 1), "circuit 'x' is unknown"),
                          (("paired-recall", None, "gpu", 1), "device 'gpu'"),
                          (("paired-recall", None, "numpy", -1), "seed -1")]:
        with pytest.raises(ParameterError) as error:
            prepare(*args, {})
        assert message in str(error.value)


def test_window_must_lie_on_the_time_grid():
    with pytest.raises(ParameterError, match="multiple of dt"):
        prepare("paired-recall", None, "numpy", 1, {"window": "100.05*ms"})


def test_list_parameters_of_the_capacity_protocol():
    _, _, values, _ = prepare("capacity", None, "cython", 1,
                              {"loads": "5, 10,20", "models": "hopfield,kv_sequential"})
    assert values["loads"] == (5, 10, 20)
    assert values["models"] == ("hopfield", "kv_sequential")
    for overrides, message in (({"loads": "5,x"}, r"comma-separated integers in \[1, 10000\]"),
                               ({"models": "kv_sequential,kv_sequential"}, "'models'"),
                               ({"models": ""}, "expected comma-separated names from")):
        with pytest.raises(ParameterError, match=message):
            prepare("capacity", None, "cython", 1, overrides)
