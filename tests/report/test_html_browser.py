"""The HTML report in headless Chromium: it renders, logs no error and loads nothing.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them);
skipped, saying so, only when they cannot be found.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

import tradegame as tg
from tradegame.report.html import SECTIONS, html_report

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="headless Chromium not found: install Debian's chromium and chromium-driver "
    f"(chromium: {CHROMIUM or 'missing'}, chromedriver: {DRIVER or 'missing'})",
)

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument("--window-size=1280,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver is the system's: selenium must not fetch one from the network.
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver: Any, page: str, path: Path) -> None:
    path.write_text(page, encoding="utf-8")
    driver.get_log("browser")  # what earlier pages logged is theirs
    driver.get(path.resolve().as_uri())


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)


def test_madrid_report_renders_offline_without_errors(browser: Any, tmp_path: Path) -> None:
    sc = tg.load_scenario("madrid_2025")
    page = html_report(sc, samples=2048, seed=2025, others=[sc])
    assert re.search(r"https?:", page) is None  # no URL at all in the file
    _open(browser, page, tmp_path / "report.html")

    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    # Nothing was fetched: no image, font, stylesheet or script, local or remote.
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0

    headings = {
        s.get_attribute("id"): s.find_element(By.TAG_NAME, "h2").text
        for s in browser.find_elements(By.TAG_NAME, "section")
    }
    assert headings == dict(SECTIONS)
    assert browser.find_element(By.TAG_NAME, "h1").text == sc.title

    # The page is not blank: a screenshot of its top varies (text on white).
    top = _pixels(browser.get_screenshot_as_png())
    assert top.std() > 20 and (top < 128).mean() > 0.01

    # Each figure is drawn: its own screenshot has dark marks (bars, axes, glyphs).
    figures = browser.find_elements(By.CSS_SELECTOR, "figure svg")
    assert len(figures) == 3  # outcomes, variants compared, sensitivity
    for svg in figures:
        browser.execute_script("arguments[0].scrollIntoView()", svg)
        assert svg.size["width"] > 300 and svg.size["height"] > 100
        shot = _pixels(svg.screenshot_as_png)
        assert shot.std() > 10 and (shot < 100).mean() > 0.005
    assert browser.get_log("browser") == []


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_title_shows_as_text(browser: Any, tmp_path: Path, title: str) -> None:
    text = tg.load_scenario("classroom/chicken").text
    text = re.sub(r"(?m)^title: .*$", "title: " + repr(title).replace("\\'", "''"), text)
    sc = tg.parse_scenario(text, "hostile.yaml")
    assert sc.title == title
    _open(browser, html_report(sc, samples=256, seed=1), tmp_path / "hostile.html")

    assert browser.title == title
    assert browser.find_element(By.TAG_NAME, "h1").text == title
    assert browser.find_elements(By.TAG_NAME, "img") == []
    assert browser.find_elements(By.TAG_NAME, "script") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 (reading it is the check)
    assert browser.get_log("browser") == []
