"""`neuro-kv view`: the report of a run loads in a real browser (headless Debian chromium)
without console errors, its raster holds every spike of the run, and choosing a retrieval
window updates the detail view; reports of batch, sweep and tuning directories are written."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from neuro_kv.cli import main

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def run_directory(tmp_path_factory):
    import neuro_kv

    out = tmp_path_factory.mktemp("view") / "run"
    result = neuro_kv.run("paired-recall", seed=1, n_items=6, out=out)
    total = sum(len(result.spikes.population(p)[1]) for p in result.populations)
    return out, total, result


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        pytest.skip("chromium and chromedriver are not installed (Debian: apt-get install "
                    "chromium chromium-driver; .ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1200,2400", "--use-angle=swiftshader",
                     "--enable-unsafe-swiftshader"):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _wait(driver, script, timeout=30.0):
    """Poll ``script`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for: {script}")


DOCUMENT = "const doc = Bokeh.documents[0];"


def test_the_report_works_in_a_browser(run_directory, browser, capsys):
    out, total, result = run_directory
    assert main(["view", str(out)]) == 0
    report = out / "report.html"
    assert report.is_file() and "cdn.bokeh.org" not in report.read_text()  # offline
    browser.get(report.as_uri())
    _wait(browser, "return window.Bokeh && Bokeh.documents.length > 0 && "
                   "Bokeh.documents[0].get_model_by_name('window_select') !== null")
    # the raster holds every spike of the run (one source per population), and draws them
    # all as points: fewer than RASTER_POINTS
    counts = browser.execute_script(DOCUMENT + """
        let held = 0, drawn = 0;
        for (const m of doc.all_models) {
            if (m.name && m.name.startsWith('spikes_')) { held += m.get_length(); }
            if (m.name && m.name.startsWith('raster_')) { drawn += m.data_source.get_length(); }
        }
        return [held, drawn];""")
    assert counts == [total, total] and total > 10_000
    # zoomed into one retrieval window, it draws exactly that window's spikes
    start, stop = result.schedule.windows("retrieve")[2][2:]
    inside = sum(int(((t >= start) & (t < stop)).sum()) for t in (
        result.spikes.population(p)[1] for p in result.populations))
    browser.execute_script(DOCUMENT + f"""
        const plot = doc.get_model_by_name('raster');
        plot.x_range.setv({{start: {start}, end: {stop}}});""")
    assert _wait(browser, DOCUMENT + f"""
        let drawn = 0;
        for (const m of doc.all_models) {{
            if (m.name && m.name.startsWith('raster_')) {{ drawn += m.data_source.get_length(); }}
        }}
        return drawn === {inside};""")
    # choosing a retrieval window updates the summary and the slot race
    before = browser.execute_script(DOCUMENT + "return doc.get_model_by_name("
                                               "'window_summary').text;")
    assert "window 6" in before  # the first retrieval window (after 6 encoding windows)
    browser.execute_script(DOCUMENT + "doc.get_model_by_name('window_select').value = '3';")
    after = _wait(browser, DOCUMENT + """
        const text = doc.get_model_by_name('window_summary').text;
        return text.includes('window 9') ? text : null;""")
    assert "retrieve item 3" in after
    winner = result.metrics["winning_slots"][3]
    assert f"winning slot <b>{winner}</b>" in after
    # clicking a window's shading in the raster chooses it
    browser.execute_script(DOCUMENT + """
        doc.get_model_by_name('windows').data_source.selected.indices = [11];""")
    assert _wait(browser, DOCUMENT + """
        return doc.get_model_by_name('window_select').value === '5' &&
               doc.get_model_by_name('window_summary').text.includes('window 11');""")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors


def test_reports_of_batches_sweeps_and_studies(tmp_path, capsys):
    assert main(["run", "paired-recall", "--seeds", "1-2", "--quiet", "--set", "n_items=3",
                 "--out", str(tmp_path / "batch")]) == 0
    assert main(["sweep", "paired-recall", "--grid", "n_items=2,3", "--quiet",
                 "--out", str(tmp_path / "sweep")]) == 0
    assert main(["tune", "paired-recall", "--objective", "recall_accuracy", "--quiet",
                 "--space", "eta_key=0.3..1", "--trials", "4", "--set", "n_items=3",
                 "--sampler-seed", "1", "--out", str(tmp_path / "tune")]) == 0
    for name in ("batch", "sweep", "tune"):
        assert main(["view", str(tmp_path / name)]) == 0
        text = (tmp_path / name / "report.html").read_text()
        assert "Bokeh" in text and len(text) > 100_000
    assert "optimisation history" in (tmp_path / "tune" / "report.html").read_text()


def test_view_refuses_what_is_not_a_result_directory(tmp_path, capsys):
    assert main(["view", str(tmp_path / "missing")]) == 2
    assert "DIR" in capsys.readouterr().err
    assert main(["view", str(tmp_path)]) == 2
    assert "not a result directory" in capsys.readouterr().err
    assert not list(Path(tmp_path).iterdir())


def test_the_view_of_a_result_in_memory_equals_that_of_its_directory(run_directory):
    """`neuro_kv.view(result)` shows what `neuro-kv view` shows: the windows read back from the
    NWB file give the same slot races, winners, keys and decoded values."""
    import numpy as np

    from neuro_kv.report import RunView, load_run, window_details

    out, _, result = run_directory
    stored, in_memory = window_details(load_run(out)), window_details(
        RunView.from_result(result))
    assert len(stored) == len(in_memory) == 6
    for a, b in zip(stored, in_memory, strict=True):
        assert a["winner"] == b["winner"] and a["item"] == b["item"]
        for key in ("race", "cue", "key", "decoded", "stored"):
            np.testing.assert_allclose(a[key], b[key])
    assert [d["winner"] for d in stored] == result.metrics["winning_slots"]
    assert all(d["accuracy"] == 1.0 for d in stored)


def test_serve_prints_the_address_and_serves_the_report(run_directory):
    import subprocess
    import sys
    import urllib.request

    out = run_directory[0]
    server = subprocess.Popen([sys.executable, "-m", "neuro_kv.cli", "view", str(out),
                               "--serve"], stdout=subprocess.PIPE, text=True)
    try:
        lines = [server.stdout.readline() for _ in range(2)]
        address = lines[1].split()[1]
        assert address.startswith("http://127.0.0.1:") and address.endswith("/report.html")
        with urllib.request.urlopen(address, timeout=30) as response:
            assert response.status == 200 and b"Bokeh" in response.read()
    finally:
        server.terminate()
        server.wait(timeout=30)
