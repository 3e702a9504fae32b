"""Tuning with Optuna: a study over protocol and circuit parameters, on one or many processes.

The study lives in a storage: a SQLite file in the output directory by default, or any
database URL (e.g. ``postgresql://user:password@host/db``), so several ``neuro-kv tune``
processes on several machines can share one study. Trials are asked from Optuna in batches
(``batch`` at a time; the TPE sampler with a constant liar, so a batch spreads out), run as one
set of runs by `neuro_kv.engine` (tuned parameters are per-replica model variables, so a
batch of trials is a batch of replicas: nothing is rebuilt between trials) and told
afterwards. Each trial runs the protocol for every seed and its value is the mean of the
objective metric. A trial reports the storing population's mean rate while storing (Hz) as its
intermediate value, one per seed; a `optuna.pruners.ThresholdPruner` marks trials whose
network went silent or ran away as pruned (outside the circuit's healthy range). A new study
starts with the base values of the tuned parameters (the start point, e.g. a mistuned
parameter file) as its first trial.

Written to the output directory: ``best.toml`` (every parameter of the best trial, a file that
``neuro-kv run --params`` accepts), ``trials.csv``, ``history.png`` and ``importance.png``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from neuro_kv.engine import DEFAULT_DEVICE, RunRequest, WorkerPool, run_requests
from neuro_kv.parameters import ParameterError, format_value, parse_value
from neuro_kv.preparation import prepare
from neuro_kv.storage import atomic_file, write_atomic

__all__ = ["tune", "parse_space", "Dimension", "dimensions", "open_storage"]


@dataclass(frozen=True)
class Dimension:
    """One tuned parameter: its range in the parameter's declared unit, log or linear."""

    name: str
    kind: str  # quantity, float or int
    low: float
    high: float
    log: bool
    unit: str = ""  # the declared unit of a quantity, e.g. "mV"

    def suggest(self, trial: Any) -> Any:
        """The trial's value, as a parameter override (``'12.5*mV'``, a float or an int)."""
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        value = trial.suggest_float(self.name, self.low, self.high, log=self.log)
        return f"{value!r}*{self.unit}" if self.kind == "quantity" else value

    def number(self, value: Any) -> float:
        """A resolved parameter value as a number in the declared unit."""
        if self.kind == "quantity":
            return float(value / parse_value(f"1*{self.unit}"))
        return float(value)


def parse_space(items: list[str]) -> list[tuple[str, str, str, bool]]:
    """``["NAME=LOW..HIGH[:log]", ...]`` -> [(name, low, high, log)]; ParameterError if
    malformed."""
    space = []
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        log = text.strip().endswith(":log")
        text = text.strip().removesuffix(":log")
        low, dots, high = text.partition("..")
        if not sep or not name or not dots or not low.strip() or not high.strip():
            raise ParameterError(f"--space {item!r} is not allowed; expected "
                                 "NAME=LOW..HIGH or NAME=LOW..HIGH:log, e.g. "
                                 "plateau_drive=5*mV..300*mV:log")
        if name in {entry[0] for entry in space}:
            raise ParameterError(f"--space {item!r}: parameter {name!r} is tuned twice")
        space.append((name, low.strip(), high.strip(), log))
    if not space:
        raise ParameterError("--space: nothing to tune; expected at least one NAME=LOW..HIGH")
    return space


def dimensions(protocol: str, space: list[tuple[str, str, str, bool]], *,
               circuit: str | None = None, device: str = DEFAULT_DEVICE,
               base: dict[str, Any] | None = None) -> list[Dimension]:
    """Check the search space against the protocol's parameters; ParameterError if bad."""
    _, _, _, pset = prepare(protocol, circuit, device, 1, dict(base or {}))
    found = []
    for name, low_text, high_text, log in space:
        if name not in pset:
            raise ParameterError(f"--space: unknown parameter {name!r}; allowed names: "
                                 f"{', '.join(sorted(p.name for p in pset))}")
        parameter = pset[name]
        if parameter.kind not in ("quantity", "float", "int"):
            raise ParameterError(f"--space: parameter {name!r} ({parameter.kind}) cannot be "
                                 "tuned; expected a number or a quantity")
        unit = str(parameter.unit) if parameter.kind == "quantity" else ""
        dim = Dimension(name, parameter.kind, 0.0, 0.0, log, unit)
        low, high = (dim.number(parameter.convert(text)) for text in (low_text, high_text))
        if low > high:
            raise ParameterError(f"--space {name}: low {low_text} > high {high_text}; "
                                 "expected LOW < HIGH")
        if low == high:
            raise ParameterError(f"--space {name}: empty range {low_text}..{high_text}; "
                                 "expected LOW < HIGH")
        if log and low <= 0:
            raise ParameterError(f"--space {name}: a log range needs LOW > 0, got {low_text}")
        found.append(Dimension(name, parameter.kind, low, high, log, unit))
    return found


def shown_url(url: str) -> str:
    """``url`` with its password hidden (for messages)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: nothing to hide
        return url


def open_storage(url: str) -> Any:
    """An Optuna RDB storage for ``url``; ParameterError if it cannot be reached. Processes
    that open a new database at the same moment race to create its tables (PostgreSQL then
    refuses one of them with a unique violation); the loser tries again, finding them made."""
    import optuna
    from sqlalchemy.engine import make_url

    for attempt in range(5):
        try:
            engine_kwargs = ({"connect_args": {"connect_timeout": 10}}
                             if make_url(url).get_backend_name() == "postgresql" else {})
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs)
        except Exception as error:  # bad URL, missing driver, server down, refused login
            text = str(error).strip()
            if attempt < 4 and ("UniqueViolation" in text or "already exists" in text):
                time.sleep(0.2 * (attempt + 1))
                continue
            first = text.splitlines()[0] if text else type(error).__name__
            raise ParameterError(f"--storage {shown_url(url)!r} cannot be used: "
                                 f"{first}") from None
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class TuneConfig:
    """What every trial of one `tune` call shares."""

    protocol: str
    objective: str
    dimensions: tuple[Dimension, ...]
    storage: str
    study_name: str
    seeds: tuple[int, ...]
    circuit: str | None
    device: str
    base: dict[str, Any]
    sampler_seed: int | None
    prune_below: float
    prune_above: float


def load_study(config: TuneConfig) -> Any:
    import optuna

    return optuna.load_study(
        study_name=config.study_name, storage=open_storage(config.storage),
        sampler=optuna.samplers.TPESampler(seed=config.sampler_seed, constant_liar=True),
        pruner=optuna.pruners.ThresholdPruner(lower=config.prune_below,
                                              upper=config.prune_above))


def tell(study: Any, trial: Any, chosen: dict[str, Any], outcomes: list[Any],
         config: TuneConfig) -> str:
    """Tell the study how one trial's runs went; the trial's state (lower case)."""
    import optuna

    trial.set_user_attr("parameters", chosen)
    failed = [outcome for outcome in outcomes if not outcome.ok]
    if failed:
        trial.set_user_attr("error", failed[0].error)
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        return "fail"
    metrics = [outcome.metrics for outcome in outcomes]
    trial.set_user_attr("wall_s", round(sum(m["simulate_s"] + m["build_s"]
                                            for m in metrics), 3))
    trial.set_user_attr("builds", sum(m["builds"] for m in metrics))
    trial.set_user_attr("compiled_modules", sum(m["compiled_modules"] or 0 for m in metrics))
    for step, m in enumerate(metrics):
        rate = m["encoding_rate_hz"]
        trial.set_user_attr(f"encoding_rate_hz_step{step}", rate)
        trial.report(rate, step)
        if trial.should_prune():
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            return "pruned"
    scores = []
    for m in metrics:
        value = m.get(config.objective)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            trial.set_user_attr("error", f"metric {config.objective!r} is not a number in "
                                         f"this run: {value!r}")
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            return "fail"
        scores.append(float(value))
    trial.set_user_attr("scores", scores)
    study.tell(trial, float(np.mean(scores)))
    return "complete"


def tune(
    protocol: str,
    objective: str,
    space: list[tuple[str, str, str, bool]],
    trials: int,
    *,
    out: str | Path,
    direction: str = "maximize",
    seeds: list[int] = (1,),
    storage: str | None = None,
    study_name: str | None = None,
    workers: int = 1,
    batch: int | None = None,
    circuit: str | None = None,
    device: str = DEFAULT_DEVICE,
    base: dict[str, Any] | None = None,
    sampler_seed: int | None = None,
    prune_below: float | None = None,
    prune_above: float | None = None,
    echo: Callable[[str], None] | None = None,
) -> Any:
    """Run ``trials`` trials of an Optuna study tuning ``space`` for ``objective``, asked
    ``batch`` at a time (default: 8 per worker) and run as batches of replicas on
    ``workers`` processes.

    ``space`` is `parse_space`'s output; ``base`` the fixed parameters (the start point).
    Returns the `optuna.Study`. Raises `ParameterError` on bad input or an unreachable
    storage, before any trial runs.
    """
    import optuna

    echo = echo or (lambda _: None)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    base = dict(base or {})
    proto, circ, base_values, _ = prepare(protocol, circuit, device, 1, base)
    if circ is None:
        raise ParameterError(f"protocol {protocol!r} runs its own runs; it cannot be tuned "
                             "trial by trial")
    dims = dimensions(protocol, space, circuit=circuit, device=device, base=base)
    if objective not in proto.scalar_metrics:
        raise ParameterError(f"--objective {objective!r} is not a scalar metric of "
                             f"{protocol!r}; allowed: {', '.join(proto.scalar_metrics)}")
    if direction not in ("maximize", "minimize"):
        raise ParameterError(f"--direction {direction!r} is not allowed; expected maximize "
                             "or minimize")
    batch = 8 * workers if batch is None else batch
    for name, value in (("trials", trials), ("workers", workers), ("batch", batch)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(f"--{name} {value!r} is not allowed; expected an integer >= 1")
    if not seeds:
        raise ParameterError("seeds: none given; expected at least one seed")
    limits = circ.encoding_rate_limits_hz
    prune_below = limits[0] if prune_below is None else prune_below
    prune_above = limits[1] if prune_above is None else prune_above
    if not 0 <= prune_below < prune_above:
        raise ParameterError(f"--prune-below {prune_below:g} / --prune-above {prune_above:g} "
                             "are not allowed; expected 0 <= below < above (Hz)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    storage = storage or f"sqlite:///{(out / 'study.db').resolve()}"
    study_name = study_name or protocol
    rdb = open_storage(storage)
    try:
        study = optuna.create_study(storage=rdb, study_name=study_name, direction=direction,
                                    load_if_exists=True)
    except ValueError as error:
        raise ParameterError(f"--study {study_name!r}: {error}") from None
    if study.direction.name.lower() != direction:
        raise ParameterError(f"--study {study_name!r} exists with direction "
                             f"{study.direction.name.lower()}, not {direction}")
    if not study.trials:  # start from the base values, where they lie inside the space
        start = {dim.name: dim.number(base_values[dim.name]) for dim in dims}
        if all(dim.low <= start[dim.name] <= dim.high for dim in dims):
            study.enqueue_trial(start)
    config = TuneConfig(protocol, objective, tuple(dims), storage, study_name, tuple(seeds),
                        circuit, device, base, sampler_seed, prune_below, prune_above)
    echo(f"tune {protocol}: {trials} trials, {batch} at a time on {workers} process(es), "
         f"study {study_name!r} in {shown_url(storage)}")
    study = load_study(config)
    started = time.perf_counter()
    done = 0
    with WorkerPool(workers) as pool:
        while done < trials:
            asked = [study.ask() for _ in range(min(batch, trials - done))]
            chosen = [{dim.name: dim.suggest(trial) for dim in dims} for trial in asked]
            requests = [RunRequest(protocol, seed, {**base, **parameters}, circuit)
                        for parameters in chosen for seed in seeds]
            try:
                outcomes = run_requests(requests, device=device, workers=workers,
                                        guard=False, pool=pool)
            except BaseException:  # stopped: no trial stays "running" in the study
                for trial in asked:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                raise
            states = [tell(study, trial, parameters,
                           outcomes[k * len(seeds):(k + 1) * len(seeds)], config)
                      for k, (trial, parameters) in enumerate(zip(asked, chosen, strict=True))]
            done += len(asked)
            for line in trial_lines(study, asked, chosen):
                echo(line)
            echo(f"[{done}/{trials}] {states.count('complete')} complete, "
                 f"{states.count('pruned')} pruned, {states.count('fail')} failed in this "
                 f"batch; best {objective} so far {best_value(study)}, "
                 f"{time.perf_counter() - started:.1f} s")
    echo(f"{done} trials in {time.perf_counter() - started:.1f} s")
    write_outputs(study, config, out, echo)
    return study


def best_value(study: Any) -> str:
    try:
        return f"{study.best_value:.4g}"
    except ValueError:
        return "(none yet)"


def write_outputs(study: Any, config: TuneConfig, out: Path,
                  echo: Callable[[str], None]) -> None:
    """best.toml, trials.csv, history.png and importance.png (each written atomically)."""
    write_atomic(out / "trials.csv", study.trials_dataframe().to_csv(index=False).encode())
    try:
        best = study.best_trial
    except ValueError:
        echo("no completed trial: no best.toml")
        best = None
    if best is not None:
        _, _, values, pset = prepare(config.protocol, config.circuit, config.device, 1,
                                     {**config.base, **best.user_attrs["parameters"]})
        header = (f"# neuro-kv tune {config.protocol}: best trial {best.number} of study "
                  f"{config.study_name!r}, {config.objective} = {best.value!r} (mean over "
                  f"seeds {', '.join(map(str, config.seeds))})\n")
        table = pset.to_strings(values)
        # the tuned and fixed values exactly as the trial was given them
        for name, value in {**config.base, **best.user_attrs["parameters"]}.items():
            table[name] = (value if isinstance(value, (str, int, float))
                           else format_value(value, pset[name].unit))
        write_atomic(out / "best.toml", (header + tomli_w.dumps(table)).encode())
    if best is not None:
        draw_figures(study, out, echo)


def _short(value: Any) -> str:
    """A parameter value with 4 significant digits (``27.57*mV``, ``0.2758``)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    number, star, unit = str(value).partition("*")
    try:
        return f"{float(number):.4g}{star}{unit}"
    except ValueError:
        return str(value)


def trial_lines(study: Any, asked: list[Any], chosen: list[dict[str, Any]]) -> list[str]:
    """One line per finished trial: its number, state, value (or the storing rate that pruned
    it) and parameters."""
    frozen = {t.number: t for t in study.get_trials(deepcopy=False)}
    lines = []
    for trial, parameters in zip(asked, chosen, strict=True):
        result = frozen[trial.number]
        shown = ", ".join(f"{k}={_short(v)}" for k, v in parameters.items())
        if result.state.name == "COMPLETE":
            outcome = f"{result.value:.4g}"
        elif result.intermediate_values:
            outcome = f"storing rate {list(result.intermediate_values.values())[-1]:.3g} Hz"
        else:
            outcome = "no value"
        lines.append(f"  trial {trial.number} {result.state.name.lower()}: {outcome} "
                     f"({shown})")
    return lines


def draw_figures(study: Any, out: Path, echo: Callable[[str], None]) -> None:
    import matplotlib.pyplot as plt
    import optuna
    from optuna.visualization import matplotlib as optuna_plots

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        for name, draw in (("history.png", optuna_plots.plot_optimization_history),
                           ("importance.png", optuna_plots.plot_param_importances)):
            try:
                axes = draw(study)
            except (ValueError, RuntimeError) as error:  # e.g. too few completed trials
                echo(f"{name} not drawn: {error}")
                continue
            figure = axes.figure
            figure.set_size_inches(8.5, 4.5)
            figure.tight_layout()
            with atomic_file(out / name) as tmp:
                figure.savefig(tmp, dpi=110)
            plt.close(figure)
