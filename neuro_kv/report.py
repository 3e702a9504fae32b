"""An interactive report of a result directory: one self-contained HTML file (Bokeh, with its
JavaScript inline, so it works offline), written by ``neuro-kv view DIR``.

- **A run**: a zoomable raster of every population (WebGL; populations stacked and labelled,
  windows shaded and labelled with their item and tags; hovering a spike names population,
  neuron and time; a density image where more than `RASTER_POINTS` spikes are in view); a
  retrieval window chosen in the list (or by clicking its shading) shows its slot race
  (index spikes per slot in 5 ms bins), the winning slot, the cue against the winner's key
  and the decoded value against the stored one; the key and value weights as
  heat maps with the winner's row marked; parameters and metrics as tables; the protocol's
  own figures.
- **A batch of seeds**: the runs table and the batch's metrics, with the batch figures.
- **A sweep**: the table (sortable; a filter box) and a chosen metric against each swept
  parameter.
- **A tuning study**: the optimisation history and Optuna's parameter importances.
- **A protocol of many runs** (``capacity``): metrics, parameters and figures.

`run_layout` builds the run view from a `RunView`, read from a directory (`load_run`) or made
from a `neuro_kv.results.RunResult` in memory (`RunView.from_result`, used by
`show`, i.e. ``neuro_kv.view(result)``, in a notebook).
"""

from __future__ import annotations

import base64
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from bokeh.embed import file_html
from bokeh.io import output_notebook
from bokeh.io import show as bokeh_show
from bokeh.layouts import column, row
from bokeh.models import (
    BooleanFilter,
    CDSView,
    ColumnDataSource,
    CustomJS,
    DataTable,
    Div,
    HoverTool,
    LabelSet,
    LinearColorMapper,
    Select,
    Span,
    TableColumn,
    TapTool,
    TextInput,
)
from bokeh.palettes import Greys256
from bokeh.plotting import figure
from bokeh.resources import INLINE

from neuro_kv.analysis.decoding import most_active
from neuro_kv.neurons import rail_counts
from neuro_kv.nwb import MODULATOR, StoredWindow, read_nwb
from neuro_kv.results import RunResult
from neuro_kv.seeding import reference_rng
from neuro_kv.spikes import SpikeRecord
from neuro_kv.storage import write_atomic

__all__ = ["RunView", "load_run", "show", "run_layout", "directory_kind", "write_report",
           "RACE_BIN_S"]

#: bin of the slot race (s)
RACE_BIN_S = 0.005
#: the most spikes the raster draws as points (more in view: a density image instead; a
#: software-rendered WebGL page redraws 10**6 points in about 8 s, 5 * 10**4 in a fraction
#: of a second)
RASTER_POINTS = 50_000
#: time bins of the raster's density image
DENSITY_BINS = 2000
#: the most windows labelled on the raster
MAX_WINDOW_LABELS = 100
PHASE_COLOURS = {"encode": "#ff7f0e", "retrieve": "#1f77b4", "stimulate": "#2ca02c",
                 "amnesia": "#d62728"}
FIGURE_WIDTH = 1100


@dataclass
class RunView:
    """What the run view shows: identity, spikes, windows, weights, parameters, metrics."""

    protocol: str
    circuit: str
    seed: int
    populations: tuple[str, ...]
    spikes: SpikeRecord
    windows: list[StoredWindow]
    weights: dict[str, np.ndarray]
    parameters: dict[str, Any]
    metrics: dict[str, Any]
    figures: dict[str, bytes] = field(default_factory=dict)
    #: each level's value in a window that does not set it (the view shows the others)
    level_defaults: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_result(cls, result: Any) -> RunView:
        """The view of a `neuro_kv.results.RunResult` (nothing read from disk)."""
        windows = [StoredWindow(phase.kind, phase.item, start, stop, dict(phase.tags),
                                np.asarray(phase.cue, dtype=float),
                                np.zeros(result.schedule.n_value) if phase.teacher is None
                                else np.asarray(phase.teacher, dtype=float),
                                {MODULATOR[0]: float(phase.modulator),
                                 **{c.name: phase.level(c) for c in result.controls
                                    if c.per is None}})
                   for _, phase, start, stop in result.schedule.windows()]
        return cls(result.protocol, result.circuit, result.seed, tuple(result.populations),
                   result.spikes, windows, dict(result.weights),
                   dict(result.parameter_strings), dict(result.metrics),
                   level_defaults={c.name: c.in_window for c in result.controls
                                   if c.per is None})


def load_run(directory: Path) -> RunView:
    """A run's result directory (``spikes.nwb``, ``params.toml``, ``metrics.json``)."""
    params = tomllib.loads((directory / "params.toml").read_text())
    metrics = json.loads((directory / "metrics.json").read_text())
    (stored,) = read_nwb(directory / "spikes.nwb")
    return RunView(params["run"]["protocol"], params["run"]["circuit"], params["run"]["seed"],
                   tuple(stored.spikes.sizes), stored.spikes, stored.windows, stored.weights,
                   params["parameters"], metrics, _figures(directory),
                   stored.metadata.get("control_defaults", {}))


def _figures(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.png"))}


def directory_kind(directory: Path) -> str:
    """``run``, ``batch``, ``sweep``, ``tune`` or ``composite`` (a protocol of many runs);
    ValueError if ``directory`` is none of them."""
    if (directory / "sweep.csv").is_file():
        return "sweep"
    if (directory / "trials.csv").is_file():
        return "tune"
    if (directory / "runs.csv").is_file():
        return "batch"
    if (directory / "params.toml").is_file() and (directory / "metrics.json").is_file():
        return "run" if (directory / "spikes.nwb").is_file() else "composite"
    raise ValueError(f"{str(directory)!r} is not a result directory (expected a run, batch, "
                     "sweep or tuning directory written by neuro-kv)")


def write_report(directory: str | Path) -> Path:
    """Write ``DIR/report.html`` for a result directory of any kind; its path."""
    directory = Path(directory)
    kind = directory_kind(directory)
    builders = {"run": lambda d: run_layout(load_run(d)), "batch": batch_layout,
                "sweep": sweep_layout, "tune": tune_layout, "composite": composite_layout}
    layout = builders[kind](directory)
    html = file_html(layout, INLINE, title=f"neuro-kv: {directory.name}")
    path = directory / "report.html"
    write_atomic(path, html.encode())
    return path


# ---------------------------------------------------------------------------------------
# a run


def show(result: RunResult) -> Any:
    """Show the interactive report of a run held in memory in a Jupyter notebook (or a
    browser outside one); returns the Bokeh layout."""
    layout = run_layout(RunView.from_result(result))
    try:
        from IPython import get_ipython

        if get_ipython() is not None:
            output_notebook(hide_banner=True)
    except ImportError:
        pass
    bokeh_show(layout)
    return layout


def run_layout(view: RunView) -> Any:
    """The whole run view (a Bokeh layout)."""
    raster, window_source = raster_figure(view)
    parts: list[Any] = [Div(text=_title(view)), raster]
    if "index" in view.spikes.sizes and "keys" in view.weights:
        parts.append(window_detail(view, window_source))
    parts.append(row(table(_parameter_rows(view.parameters), "parameter", "value"),
                     table(_metric_rows(view.metrics), "metric", "value")))
    parts += [image_div(name, data) for name, data in view.figures.items()
              if name != "raster.png"]
    return column(*parts)


def _title(view: RunView) -> str:
    status = view.metrics.get("status")
    stopped = (f" &mdash; <b>stopped by the guard ({status}) at "
               f"{view.metrics.get('stopped_at_s', 0):.2f} s</b>" if status else "")
    total = sum(len(view.spikes.population(p)[1]) for p in view.populations)
    return (f"<h2>{view.protocol} on {view.circuit}, seed {view.seed}</h2>"
            f"<p>{total:,} spikes in {view.spikes.t_stop:.2f} s{stopped}</p>")


def raster_figure(view: RunView) -> tuple[Any, ColumnDataSource]:
    """The raster: one band per population (bottom-up), each spike at
    ``band + (neuron + 0.5) / size``; windows shaded (a source the detail view selects from)."""
    names = list(view.populations)
    plot = figure(width=FIGURE_WIDTH, height=520, output_backend="webgl",
                  x_range=(0, max(view.spikes.t_stop, 1e-3)), y_range=(0, len(names)),
                  tools="xpan,xwheel_zoom,box_zoom,reset,save", active_scroll="xwheel_zoom",
                  x_axis_label="time (s)", title="spike raster (scroll to zoom in time)",
                  name="raster")
    windows = ColumnDataSource({
        "left": [w.start for w in view.windows], "right": [w.stop for w in view.windows],
        "bottom": [0.0] * len(view.windows), "top": [float(len(names))] * len(view.windows),
        "colour": [PHASE_COLOURS.get(w.phase, "#999999") for w in view.windows],
        "phase": [w.phase for w in view.windows], "item": [w.item for w in view.windows],
        "label": [f"{w.phase[0]}{w.item}" for w in view.windows],
        "tags": [", ".join(f"{k}={v}" for k, v in w.tags.items()) or "-"
                 for w in view.windows],
        "levels": [", ".join(f"{k}={v:g}" for k, v in w.levels.items()
                             if v != view.level_defaults.get(k, 0.0)) or "-"
                   for w in view.windows],
        "window": list(range(len(view.windows)))})
    shading = plot.quad(left="left", right="right", bottom="bottom", top="top",
                        fill_color="colour", fill_alpha=0.12, line_alpha=0, source=windows,
                        name="windows")
    if len(view.windows) <= MAX_WINDOW_LABELS:  # beyond, hover names them
        plot.add_layout(LabelSet(x="left", y="top", text="label", source=windows,
                                 y_offset=-12, text_font_size="8pt", text_color="#555555"))
    plot.add_tools(HoverTool(renderers=[shading], tooltips=[
        ("window", "@window: @phase item @item"), ("tags", "@tags"),
        ("levels", "@levels")]))
    plot.add_tools(TapTool(renderers=[shading]))
    layers = [raster_layer(plot, view, band, population) for band, population
              in enumerate(names)]
    for band in range(len(names)):
        plot.add_layout(Span(location=band + 1, dimension="width", line_color="#999999",
                             line_width=0.5))
    # show spikes as points only where few enough are in view (else the density image)
    update = CustomJS(args=dict(x_range=plot.x_range, layers=layers, limit=RASTER_POINTS),
                      code="""
        const lower = (t, x) => { let a = 0, b = t.length;
            while (a < b) { const m = (a + b) >> 1; if (t[m] < x) a = m + 1; else b = m; }
            return a; };
        const spans = layers.map(([all]) => [lower(all.data.t, x_range.start),
                                             lower(all.data.t, x_range.end)]);
        const points = spans.reduce((n, [a, b]) => n + b - a, 0) <= limit;
        layers.forEach(([all, shown, density], k) => {
            const [a, b] = points ? spans[k] : [0, 0];
            if (points || shown.get_length() > 0) {
                shown.data = {t: all.data.t.slice(a, b), y: all.data.y.slice(a, b),
                              neuron: all.data.neuron.slice(a, b)};
            }
            density.visible = !points;
        });
    """)
    plot.x_range.js_on_change("start", update)
    plot.x_range.js_on_change("end", update)
    plot.yaxis.ticker = [band + 0.5 for band in range(len(names))]
    plot.yaxis.major_label_overrides = {
        band + 0.5: f"{name} ({view.spikes.sizes.get(name, 0)})"
        for band, name in enumerate(names)}
    return plot, windows


def raster_layer(plot: Any, view: RunView, band: int, population: str) -> list[Any]:
    """One population's band: all its spikes (time-sorted, not drawn), the points drawn
    (all of them if the whole run has at most `RASTER_POINTS` spikes, else none until the
    view is zoomed in) and a density image (spikes per time bin and neuron group) drawn in
    their place. Returns [all, drawn, density renderer] for the zoom callback."""
    neurons, times = view.spikes.population(population)
    order = np.argsort(times, kind="stable")
    neurons, times = neurons[order], times[order]
    size = max(view.spikes.sizes.get(population, 1), 1)
    data = {"t": times, "y": band + (neurons + 0.5) / size, "neuron": neurons}
    every = ColumnDataSource(data, name=f"spikes_{population}")
    few = sum(len(view.spikes.population(p)[1]) for p in view.populations) <= RASTER_POINTS
    drawn = ColumnDataSource(data if few else {name: [] for name in data})
    dots = plot.scatter("t", "y", source=drawn, size=2, color="black", alpha=0.6,
                        marker="square", name=f"raster_{population}")
    plot.add_tools(HoverTool(renderers=[dots], tooltips=[
        ("population", population), ("neuron", "@neuron"), ("time", "@t{0.0000} s")]))
    t_stop = max(view.spikes.t_stop, 1e-3)
    rows = min(size, 100)
    counts, _, _ = np.histogram2d(neurons * rows // size, times, bins=[rows, DENSITY_BINS],
                                  range=[[0, rows], [0, t_stop]])
    mapper = LinearColorMapper(palette=Greys256[::-1], low=0,
                               high=max(float(np.percentile(counts, 99)), 1.0))
    density = plot.image(image=[counts], x=0, y=band, dw=t_stop, dh=1, color_mapper=mapper,
                         name=f"density_{population}", visible=not few)
    plot.renderers.remove(density)  # under the window shading and the points
    plot.renderers.insert(0, density)
    return [every, drawn, density]


def _size(view: RunView, name: str, default: int = 1) -> int:
    return int(float(view.parameters.get(name, default)))


def window_details(view: RunView) -> list[dict[str, Any]]:
    """Per retrieval window: the slot race (slots x 5 ms bins), the winner, the cue and the
    winner's key per entry, the decoded and the stored value per entry."""
    n_input, n_value = _size(view, "n_input"), _size(view, "n_value")
    input_copies, value_copies = _size(view, "input_copies"), _size(view, "value_copies")
    n_slots = view.spikes.sizes["index"]
    keys = view.weights["keys"]  # input neurons x slots
    key_rails = rail_counts(keys.T, n_input, input_copies) / input_copies
    slot_keys = key_rails[..., 0] - key_rails[..., 1]  # slots x entries
    stored = {}
    for w in view.windows:
        if w.phase == "encode" and w.item not in stored:
            stored[w.item] = w.teacher
    encode = [w for w in view.windows if w.phase == "encode"]
    storing_slot = {}
    if encode:  # the slot that fired most while the item was stored (its plateau slot)
        counts = view.spikes.counts("index", [(w.start, w.stop) for w in encode])
        for w, row_counts in zip(encode, counts, strict=True):
            if row_counts.max() > 0:
                storing_slot.setdefault(w.item, int(np.argmax(row_counts)))
    rng = reference_rng(view.seed)
    details = []
    index_neurons, index_times = view.spikes.population("index")
    cortex = view.spikes.counts("cortex", [(w.start, w.stop) for w in view.windows])
    for k, w in enumerate(view.windows):
        if w.phase != "retrieve":
            continue
        inside = (index_times >= w.start) & (index_times < w.stop)
        bins = max(int(round((w.stop - w.start) / RACE_BIN_S)), 1)
        race, _, _ = np.histogram2d(index_neurons[inside], index_times[inside] - w.start,
                                    bins=[n_slots, bins],
                                    range=[[0, n_slots], [0, w.stop - w.start]])
        totals = race.sum(axis=1)
        winner = int(most_active(totals[None, :], rng)[0])
        rails = rail_counts(cortex[k], n_value, value_copies).astype(float)
        spikes = rails.sum(axis=-1)
        decoded = np.divide(rails[:, 0] - rails[:, 1], spikes, out=np.zeros(n_value),
                            where=spikes > 0)
        target = stored.get(w.item, np.zeros(n_value))
        agree = np.sign(decoded) == np.sign(target)
        details.append({
            "window": k, "item": w.item, "start": w.start, "stop": w.stop, "tags": w.tags,
            "race": race, "totals": totals, "winner": winner,
            "storing_slot": storing_slot.get(w.item, -1),
            "cue": w.cue, "key": slot_keys[winner] if winner >= 0 else np.zeros(n_input),
            "decoded": decoded, "stored": target,
            "accuracy": float(agree[target != 0].mean()) if np.any(target != 0) else 0.0})
    return details


def window_detail(view: RunView, windows: ColumnDataSource) -> Any:
    """The retrieval-window panel: a list of windows; the chosen one's slot race, winner,
    cue against the winner's key, decoded against stored value; weight heat maps."""
    details = window_details(view)
    if not details:
        return Div(text="<p>No retrieval window in this run.</p>")
    n_slots = view.spikes.sizes["index"]
    first = details[0]

    def race_data(d: dict[str, Any]) -> dict[str, list]:
        return {"image": [d["race"]], "dw": [1000 * (d["stop"] - d["start"])]}

    def bars(d: dict[str, Any], a: str, b: str) -> dict[str, Any]:
        entries = np.arange(len(d[a]))
        return {"x_a": entries - 0.2, "x_b": entries + 0.2, "a": d[a], "b": d[b]}

    def summary(d: dict[str, Any]) -> str:
        share = d["totals"][d["winner"]] / max(d["totals"].sum(), 1) if d["winner"] >= 0 \
            else 0.0
        tags = ", ".join(f"{k}={v}" for k, v in d["tags"].items())
        return (f"<b>window {d['window']}</b>: retrieve item {d['item']} "
                f"({d['start']:.3f}-{d['stop']:.3f} s{'; ' + tags if tags else ''}); "
                f"winning slot <b>{d['winner']}</b> ({int(d['totals'].max())} spikes, "
                f"{share:.0%} of the index's); the item was stored in slot "
                f"{d['storing_slot']}; decoded value agrees with the stored one on "
                f"{d['accuracy']:.0%} of its entries")

    all_data = {"race": [race_data(d) for d in details],
                "key": [bars(d, "cue", "key") for d in details],
                "value": [bars(d, "decoded", "stored") for d in details],
                "winner": [d["winner"] for d in details],
                "text": [summary(d) for d in details]}
    options = [(str(i), f"window {d['window']}: item {d['item']}"
                + "".join(f", {k}={v}" for k, v in d["tags"].items()))
               for i, d in enumerate(details)]
    chooser = Select(title="retrieval window", value="0", options=options, width=420,
                     name="window_select")
    text = Div(text=summary(first), width=FIGURE_WIDTH, name="window_summary")

    race_source = ColumnDataSource(race_data(first))
    race = figure(width=520, height=300, title="slot race: index spikes per 5 ms bin",
                  x_axis_label="time from cue onset (ms)", y_axis_label="slot",
                  x_range=(0, 1000 * (first["stop"] - first["start"])),
                  y_range=(0, n_slots), tools="pan,wheel_zoom,reset,hover",
                  tooltips=[("spikes", "@image")])
    race.image(image="image", x=0, y=0, dw="dw", dh=n_slots, source=race_source,
               palette="Viridis256")
    winner_span = Span(location=first["winner"] + 0.5, dimension="width",
                       line_color="red", line_dash="dashed")
    race.add_layout(winner_span)

    def bar_figure(title: str, a: str, b: str, data: dict[str, Any]) -> tuple[Any, Any]:
        source = ColumnDataSource(data)
        plot = figure(width=520, height=220, title=title, x_axis_label="pattern entry",
                      y_range=(-1.1, 1.1), tools="pan,wheel_zoom,reset,hover",
                      tooltips=[(a, "@a{0.00}"), (b, "@b{0.00}")])
        plot.vbar(x="x_a", top="a", width=0.4, source=source, color="#1f77b4",
                  legend_label=a)
        plot.vbar(x="x_b", top="b", width=0.4, source=source, color="#ff7f0e",
                  legend_label=b)
        plot.legend.location = "bottom_right"
        plot.legend.label_text_font_size = "8pt"
        return plot, source

    key_plot, key_source = bar_figure("cue against the winner's key", "cue",
                                      "winner's key", all_data["key"][0])
    value_plot, value_source = bar_figure("decoded value against the stored value",
                                          "decoded", "stored", all_data["value"][0])
    heat_keys, heat_values, winner_rows = weight_heatmaps(view, first["winner"])
    callback = CustomJS(args=dict(chooser=chooser, data=all_data, race=race_source,
                                  key=key_source, value=value_source, text=text,
                                  spans=[winner_span, *winner_rows]), code="""
        const k = Number(chooser.value);
        race.data = data.race[k];
        key.data = data.key[k];
        value.data = data.value[k];
        text.text = data.text[k];
        for (const span of spans) { span.location = data.winner[k] + 0.5; }
    """)
    chooser.js_on_change("value", callback)
    # clicking a retrieval window's shading in the raster chooses it
    position = {str(d["window"]): str(i) for i, d in enumerate(details)}
    windows.selected.js_on_change("indices", CustomJS(
        args=dict(chooser=chooser, position=position, windows=windows), code="""
        const picked = windows.selected.indices;
        if (picked.length && position[String(picked[0])] !== undefined) {
            chooser.value = position[String(picked[0])];
        }
    """))
    return column(Div(text="<h3>Retrieval windows</h3>"), chooser, text,
                  row(race, column(key_plot, value_plot)), row(heat_keys, heat_values))


def weight_heatmaps(view: RunView, winner: int) -> tuple[Any, Any, list[Span]]:
    """Key and value weights per slot (rows) and pattern entry (columns), as the mean of the
    +1 rail's synapses minus the -1 rail's; a dashed line marks the chosen window's winner."""
    n_input, n_value = _size(view, "n_input"), _size(view, "n_value")
    keys = rail_counts(view.weights["keys"].T, n_input, _size(view, "input_copies"))
    keys = (keys[..., 0] - keys[..., 1]) / _size(view, "input_copies")
    values = rail_counts(view.weights["values"], n_value, _size(view, "value_copies"))
    values = (values[..., 0] - values[..., 1]) / _size(view, "value_copies")
    plots, spans = [], []
    for title, matrix in (("key weights (input -> index)", keys),
                          ("value weights (index -> cortex)", values)):
        slots, entries = matrix.shape
        plot = figure(width=520, height=300, title=title, x_axis_label="pattern entry",
                      y_axis_label="slot", x_range=(0, entries), y_range=(0, slots),
                      tools="pan,wheel_zoom,reset,hover",
                      tooltips=[("slot", "$y{0}"), ("entry", "$x{0}"), ("weight", "@image")])
        plot.image(image=[matrix], x=0, y=0, dw=entries, dh=slots, palette="RdBu11",
                   level="image")
        span = Span(location=winner + 0.5, dimension="width", line_color="black",
                    line_dash="dashed")
        plot.add_layout(span)
        plots.append(plot)
        spans.append(span)
    return plots[0], plots[1], spans


# ---------------------------------------------------------------------------------------
# tables, figures, other directories


def table(rows: list[tuple[str, str]], first: str, second: str, width: int = 540) -> Any:
    """A two-column, sortable table."""
    source = ColumnDataSource({first: [a for a, _ in rows], second: [b for _, b in rows]})
    return DataTable(source=source, columns=[TableColumn(field=first, title=first),
                                             TableColumn(field=second, title=second)],
                     width=width, height=min(40 + 25 * len(rows), 500), index_position=None,
                     reorderable=False)


def _parameter_rows(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, str(value)) for name, value in parameters.items()]


def _metric_rows(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for name, value in metrics.items():
        if isinstance(value, float):
            shown = f"{value:.4g}"
        elif isinstance(value, (int, str, bool)) or value is None:
            shown = str(value)
        else:
            shown = json.dumps(value, default=str)
            shown = shown if len(shown) <= 200 else shown[:197] + "..."
        rows.append((name, shown))
    return rows


def image_div(name: str, data: bytes) -> Any:
    """A PNG figure inline (base64), under its file name."""
    encoded = base64.b64encode(data).decode()
    return Div(text=f"<h3>{name}</h3><img src='data:image/png;base64,{encoded}' "
                    f"style='max-width:{FIGURE_WIDTH}px'>")


def frame_table(frame: pd.DataFrame, name: str, filtered: bool = True) -> Any:
    """A sortable table of ``frame`` with a filter box (rows containing the text)."""
    frame = frame.copy()
    data = {str(c): (frame[c].astype(str).tolist() if frame[c].dtype == object
                     else frame[c].tolist()) for c in frame.columns}
    source = ColumnDataSource(data)
    view = CDSView(filter=BooleanFilter([True] * len(frame)))
    columns = [TableColumn(field=str(c), title=str(c)) for c in frame.columns]
    grid = DataTable(source=source, columns=columns, view=view, width=FIGURE_WIDTH,
                     height=min(60 + 25 * len(frame), 600), name=name, sortable=True,
                     reorderable=False)
    if not filtered:
        return grid
    box = TextInput(title="filter rows (text in any column)", width=400)
    box.js_on_change("value", CustomJS(args=dict(source=source, view=view, box=box), code="""
        const text = box.value.toLowerCase();
        const names = Object.keys(source.data);
        const n = source.get_length();
        const keep = [];
        for (let i = 0; i < n; i++) {
            keep.push(text === "" || names.some(
                (c) => String(source.data[c][i]).toLowerCase().includes(text)));
        }
        view.filter.booleans = keep;
        source.change.emit();
    """))
    return column(box, grid)


def _numeric(frame: pd.DataFrame, exclude: set[str]) -> list[str]:
    return [str(c) for c in frame.columns if c not in exclude
            and pd.api.types.is_numeric_dtype(frame[c]) and frame[c].notna().any()]


def sweep_layout(directory: Path) -> Any:
    """The sweep's table, and a chosen metric against each swept parameter."""
    frame = pd.read_csv(directory / "sweep.csv")
    fixed = {"run_id", "protocol", "circuit", "device", "seed", "status", "error",
             "wall_s", "builds", "compiled_modules"}
    metrics = [name for name in _numeric(frame, fixed)]
    swept = [str(c) for c in frame.columns if c not in fixed and c not in metrics]
    swept += [c for c in metrics if c in _swept_numeric(frame, fixed)]
    metrics = [m for m in metrics if m not in swept]
    parts: list[Any] = [Div(text=f"<h2>sweep {directory.name}</h2><p>{len(frame)} runs; "
                             f"swept: {', '.join(swept) or '-'}</p>"),
                        frame_table(frame, "sweep_table")]
    if metrics and swept:
        chosen = Select(title="metric", value=metrics[0], options=metrics, width=300)
        data = {c: frame[c].tolist() for c in metrics}
        data["y"] = frame[metrics[0]].tolist()
        plots = []
        for parameter in swept:
            data[f"x_{parameter}"] = frame[parameter].astype(str).tolist()
        source = ColumnDataSource(data)
        for parameter in swept:
            factors = sorted(set(data[f"x_{parameter}"]), key=_natural)
            plot = figure(width=520, height=300, x_range=factors, title=f"against {parameter}",
                          x_axis_label=parameter, tools="pan,wheel_zoom,reset,hover",
                          tooltips=[(parameter, f"@x_{parameter}"), ("value", "@y")])
            plot.scatter(f"x_{parameter}", "y", source=source, size=7, alpha=0.6)
            plots.append(plot)
        chosen.js_on_change("value", CustomJS(args=dict(source=source, chosen=chosen),
                                              code="""
            source.data.y = source.data[chosen.value];
            source.change.emit();
        """))
        parts += [chosen, row(*plots)]
    parts += [image_div(name, data) for name, data in _figures(directory).items()]
    return column(*parts)


def _swept_numeric(frame: pd.DataFrame, fixed: set[str]) -> list[str]:
    """Numeric columns that sit before the first metric column of a sweep table (the swept
    parameters come right after ``seed``)."""
    columns = list(frame.columns)
    start = columns.index("seed") + 1 if "seed" in columns else 0
    end = columns.index("status") if "status" in columns else start
    return [str(c) for c in columns[start:end]]


def _natural(text: str) -> tuple:
    try:
        return (0, float(text.split("*")[0]), text)
    except ValueError:
        return (1, 0.0, text)


def tune_layout(directory: Path) -> Any:
    """The optimisation history (each trial's value and the best so far) and the parameter
    importances (Optuna's fANOVA), with the trials table."""
    import optuna

    frame = pd.read_csv(directory / "trials.csv")
    parts: list[Any] = [Div(text=f"<h2>tuning study {directory.name}</h2>"
                                 f"<p>{len(frame)} trials</p>")]
    complete = frame[frame["state"] == "COMPLETE"] if "state" in frame else frame
    if len(complete) and "value" in complete:
        history = figure(width=540, height=320, title="optimisation history",
                         x_axis_label="trial", y_axis_label="objective",
                         tools="pan,wheel_zoom,reset,hover",
                         tooltips=[("trial", "@x"), ("value", "@y")])
        history.scatter(complete["number"], complete["value"], size=7,
                        legend_label="trial")
        direction = _direction(directory)
        best = (complete["value"].cummax() if direction == "maximize"
                else complete["value"].cummin())
        history.step(complete["number"], best, color="red", legend_label="best so far",
                     mode="after")
        history.legend.location = "bottom_right"
        plots = [history]
        importances = _importances(directory, optuna)
        if importances:
            names = list(importances)[::-1]
            bars = figure(width=540, height=320, y_range=names,
                          title="parameter importances (fANOVA)", tools="hover",
                          tooltips=[("importance", "@right{0.000}")])
            bars.hbar(y=names, right=[importances[n] for n in names], height=0.6)
            plots.append(bars)
        parts.append(row(*plots))
    parts.append(frame_table(frame, "trials_table"))
    parts += [image_div(name, data) for name, data in _figures(directory).items()]
    return column(*parts)


def _direction(directory: Path) -> str:
    try:
        import optuna

        study = optuna.load_study(study_name=None,
                                  storage=f"sqlite:///{directory / 'study.db'}")
        return study.direction.name.lower()
    except Exception:  # noqa: BLE001 - no local study: assume maximisation, as tune does
        return "maximize"


def _importances(directory: Path, optuna: Any) -> dict[str, float]:
    """Parameter importances of the study in ``study.db`` (empty if there is none or too
    few trials)."""
    path = directory / "study.db"
    if not path.is_file():
        return {}
    try:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.load_study(study_name=None, storage=f"sqlite:///{path}")
        return dict(optuna.importance.get_param_importances(study))
    except Exception:  # noqa: BLE001 - one completed trial, a single parameter value, ...
        return {}


def batch_layout(directory: Path) -> Any:
    """The runs of a batch of seeds and the batch's metrics (means with intervals)."""
    frame = pd.read_csv(directory / "runs.csv")
    metrics_path = directory / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    return column(Div(text=f"<h2>batch {directory.name}</h2><p>{len(frame)} runs</p>"),
                  frame_table(frame, "runs_table"),
                  table(_metric_rows(metrics), "metric (mean over seeds)", "value",
                        width=FIGURE_WIDTH),
                  *[image_div(name, data) for name, data in _figures(directory).items()])


def composite_layout(directory: Path) -> Any:
    """A protocol of many runs: its parameters, metrics and figures."""
    params = tomllib.loads((directory / "params.toml").read_text())
    metrics = json.loads((directory / "metrics.json").read_text())
    return column(Div(text=f"<h2>{params['run']['protocol']} (seed "
                           f"{params['run']['seed']})</h2>"),
                  row(table(_parameter_rows(params["parameters"]), "parameter", "value"),
                      table(_metric_rows(metrics), "metric", "value")),
                  *[image_div(name, data) for name, data in _figures(directory).items()])
