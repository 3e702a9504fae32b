"""Bad input, fuzzed (hypothesis): random parameter files and ``--set`` strings that are
invalid by construction -- wrong types and units, NaN and inf, negative and huge values,
empty strings, unicode, nested TOML tables, unknown keys, a directory where a file is
expected -- given to ``run``, ``sweep``, ``tune`` and ``view`` for every protocol. Each must
exit with status 2 and one line on stderr that names the offending parameter, with no
traceback and nothing written. Simulation is switched off: a bad value that slipped through
would fail the test instead of running."""

from __future__ import annotations

import io
import math
import os
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import neuro_kv.engine
import neuro_kv.sweeps
from neuro_kv.cli import main
from neuro_kv.contracts import ManyRunProtocol, RunProtocol
from neuro_kv.preparation import parameter_set
from neuro_kv.registry import get_circuit, get_protocol, protocols

PROTOCOLS = sorted(protocols())
#: examples per protocol and command (the closing note reports the totals)
EXAMPLES = int(os.environ.get("NEURO_KV_FUZZ_EXAMPLES", "40"))
UNITS = ["ms", "second", "mV", "volt", "Hz", "nA", "metre"]
JUNK = ["", " ", "ü∞✓", "🧠", "NaN", "inf", "-inf", "nan*ms", "1e999", "None", "[1, 2]",
        "{}", "0x10", "--", "=", ",", "1,,2", "\t", "é*mV"]


class Simulated(AssertionError):
    """Raised if a fuzzed bad input got as far as running a simulation."""


@pytest.fixture(autouse=True)
def no_simulation(monkeypatch):
    def refuse(*args, **kwargs):
        raise Simulated("a bad input was accepted and reached the simulation")

    monkeypatch.setattr(neuro_kv.engine, "run_batch", refuse)
    monkeypatch.setattr(neuro_kv.sweeps, "dask_client", refuse)


def parameters(protocol: str):
    proto = get_protocol(protocol)
    circuit = None if isinstance(proto, ManyRunProtocol) else get_circuit(proto.default_circuit)
    return list(parameter_set(proto, circuit))


def bad_values(parameter) -> st.SearchStrategy:
    """Values that ``parameter`` must refuse, as (TOML value, text for --set) pairs."""
    empty = {"", " ", ",", "\t"} if parameter.allow_empty else set()  # "no sweep": valid
    junk = st.sampled_from([j for j in JUNK if j not in empty]).map(lambda text: (text, text))
    nested = st.dictionaries(st.sampled_from(["a", "b", "value"]), st.integers(), min_size=1,
                             max_size=2).map(lambda table: (table, None))
    boolean = st.booleans().map(lambda b: (b, None))
    choices = [junk, nested, boolean]
    numbers = [st.sampled_from([math.nan, math.inf, -math.inf])]
    if parameter.kind not in ("choice", "names"):  # negative and huge, past the bounds
        low, high = parameter.bounds()
        margin = 1e-6  # clearly past the bound, not lost in the unit conversion
        numbers.append(st.floats(min_value=-1e15, max_value=low - margin * max(1, abs(low)),
                                 allow_nan=False))
        numbers.append(st.floats(min_value=high + margin * max(1, abs(high)),
                                 max_value=1e15, allow_nan=False))
        if parameter.low_exclusive:
            numbers.append(st.just(low))
    kind = parameter.kind
    if kind in ("int", "float", "ints", "floats"):
        bad_number = st.one_of(*numbers)
        choices.append(bad_number.map(lambda x: (x, repr(x))))
        choices.append(st.sampled_from(UNITS).map(lambda u: (f"3*{u}", f"3*{u}")))
        if kind in ("int", "ints"):
            choices.append(st.floats(min_value=0.01, max_value=1e6).filter(
                lambda x: x != int(x)).map(lambda x: (x, repr(x))))
        if kind in ("ints", "floats"):
            choices.append(bad_number.map(lambda x: (f"1,{x!r}", f"1,{x!r}")))
    elif kind == "quantity":
        unit = str(parameter.unit)
        wrong = [u for u in UNITS if not _same_dimension(u, parameter.unit)]
        choices.append(st.sampled_from(wrong).map(lambda u: (f"3*{u}", f"3*{u}")))
        choices.append(st.one_of(*numbers).map(lambda x: (f"{x!r}*{unit}", f"{x!r}*{unit}")))
        if not parameter.unit.dim.is_dimensionless:
            choices.append(st.floats(min_value=0.1, max_value=10).map(
                lambda x: (x, repr(x))))
        choices.append(st.just(("3*furlong", "3*furlong")))
    elif kind == "choice":
        choices.append(st.text(min_size=1, max_size=8).filter(
            lambda t: t.strip() not in parameter.choices and "," not in t
            and "=" not in t).map(lambda t: (t, t)))
    elif kind == "names":
        choices.append(st.text(alphabet="xyz_", min_size=1, max_size=6).map(
            lambda t: (t, t)))
        if parameter.choices:
            first = parameter.choices[0]
            choices.append(st.just((f"{first},{first}", f"{first},{first}")))
    return st.one_of(*choices)


def _same_dimension(unit_name: str, unit) -> bool:
    import brian2.units as b2u

    return getattr(b2u, unit_name).dim == unit.dim


@st.composite
def bad_input(draw, protocol: str):
    """(name, TOML value, --set text or None): one bad parameter, or an unknown key."""
    if draw(st.integers(0, 9)) == 0:
        name = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
                    .filter(lambda n: n not in {p.name for p in parameters(protocol)}))
        return name, 1, f"{name}=1"
    parameter = draw(st.sampled_from(parameters(protocol)))
    value, text = draw(bad_values(parameter))
    return parameter.name, value, (None if text is None else f"{parameter.name}={text}")


def call(argv: list[str], cwd: Path) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with redirect_stderr(err), redirect_stdout(out):
            code = main(argv)
    finally:
        os.chdir(previous)
    return code, err.getvalue()


def assert_refused(argv: list[str], name: str, cwd: Path) -> None:
    before = set(cwd.rglob("*"))
    code, err = call(argv, cwd)
    lines = err.strip().splitlines()
    assert code == 2, (argv, code, err)
    assert len(lines) == 1 and "Traceback" not in err, (argv, err)
    assert name in lines[0] or (argv[0] == "tune" and "cannot be tuned" in lines[0]), (
        argv, lines[0])
    assert set(cwd.rglob("*")) == before, (argv, "wrote files")


def command_line(command: str, protocol: str, parameter_args: list[str]) -> list[str]:
    """The command with its other arguments valid."""
    if command == "run":
        return ["run", protocol, "--seed", "1", "--quiet", "--out", "out", *parameter_args]
    if command == "run-seeds":
        return ["run", protocol, "--seeds", "1-2", "--quiet", "--out", "out",
                *parameter_args]
    if command == "sweep":
        return ["sweep", protocol, "--grid", "seedless=1", "--quiet", "--out", "out",
                *parameter_args]
    objective = get_protocol(protocol).scalar_metrics[0] if isinstance(
        get_protocol(protocol), RunProtocol) else "recall_accuracy"
    return ["tune", protocol, "--objective", objective, "--space", "eta_key=0.1..1",
            "--trials", "1", "--quiet", "--out", "out", *parameter_args]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("command", ["run", "run-seeds", "sweep", "tune"])
def test_bad_parameters_exit_2_naming_the_parameter(protocol, command):
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(bad=bad_input(protocol), through_file=st.booleans())
    def check(bad, through_file):
        name, value, text = bad
        with tempfile.TemporaryDirectory() as directory:
            cwd = Path(directory)
            if through_file or text is None:
                (cwd / "bad.toml").write_text(tomli_w.dumps({name: value}))
                args = ["--params", "bad.toml"]
            else:
                args = ["--set", text]
            argv = command_line(command, protocol, args)
            if command == "sweep":  # the swept value itself is the bad one, or the base
                argv = _sweep_argv(argv, name, text, through_file)
            assert_refused(argv, name, cwd)

    check()


def _sweep_argv(argv: list[str], name: str, text: str | None, through_file: bool
                ) -> list[str]:
    """Sweep the bad value (``--grid NAME=VALUE``) unless it came through a file; the valid
    grid is then over ``seed``-free ``n_items`` of 1."""
    argv = list(argv)
    position = argv.index("--grid") + 1
    if text is not None and not through_file and "," not in text:  # commas split a grid
        argv[position] = text
        index = argv.index("--set")
        del argv[index:index + 2]
    else:
        argv[position] = "n_items=1" if "n_items" != name else "cue_hidden_fraction=0.5"
    return argv


@pytest.mark.parametrize("command", ["run", "sweep", "tune"])
def test_a_directory_where_a_parameter_file_is_expected(command, tmp_path):
    (tmp_path / "params.toml").mkdir()
    argv = command_line(command, "paired-recall", ["--params", "params.toml"])
    if command == "sweep":
        argv[argv.index("--grid") + 1] = "n_items=1"
    assert_refused(argv, "params.toml", tmp_path)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"n_input": 10_000, "input_copies": 10_000}, "GB; this machine has"),
    ({"n_items": 10_000, "window": "1*second"}, "s of model time; at most 3600 s"),
    ({"dt": "0.00001*ms"}, "time steps"),
])
def test_runs_too_large_are_refused_with_the_estimate(overrides, message, tmp_path):
    sets = [f"--set={name}={value}" for name, value in overrides.items()]
    code, err = call(["run", "paired-recall", "--seed", "1", "--quiet", "--out", "out",
                      *sets], tmp_path)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert all(name in err for name in overrides) and not list(tmp_path.iterdir())


@settings(max_examples=4 * EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(name=st.text(min_size=1, max_size=12).filter(
           lambda n: "\x00" not in n and "/" not in n and n not in (".", "..")
           and not n.startswith("-")),
       kind=st.sampled_from(["missing", "empty", "file", "junk"]))
def test_view_refuses_anything_but_a_result_directory(name, kind):
    with tempfile.TemporaryDirectory() as directory:
        cwd = Path(directory)
        target = cwd / name
        if kind == "empty":
            target.mkdir()
        elif kind == "file":
            target.write_text("not a result")
        elif kind == "junk":
            target.mkdir()
            (target / "metrics.json").write_text("{")
        before = set(cwd.rglob("*"))
        code, err = call(["view", name], cwd)
        assert code == 2 and len(err.strip().splitlines()) == 1, (name, kind, err)
        assert "DIR" in err and "Traceback" not in err
        assert set(cwd.rglob("*")) == before
