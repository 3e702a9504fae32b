"""Screenshot of a report in headless chromium (docs/view.png):
``python scripts/screenshot_report.py DIR OUT.png [WINDOW]`` writes ``DIR/report.html``
(`neuro-kv view`), chooses retrieval window number WINDOW (default 3) and saves the page."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from neuro_kv.report import write_report


def main(directory: str, out: str, window: str = "3") -> None:
    report = write_report(Path(directory))
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1150,1850", "--use-angle=swiftshader",
                     "--enable-unsafe-swiftshader", "--hide-scrollbars"):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(report.resolve().as_uri())
        time.sleep(3)
        driver.execute_script("Bokeh.documents[0].get_model_by_name('window_select').value "
                              f"= '{window}';")
        time.sleep(1)
        driver.save_screenshot(out)
    finally:
        driver.quit()


if __name__ == "__main__":
    main(*sys.argv[1:])
