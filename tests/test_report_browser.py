"""The handout in a real browser: headless Chromium from the system's packages, via selenium.

Checks that every figure is loaded and visible, and that under print emulation at A4 and
Letter no table or figure is wider than the page's content box; then prints it to PDF.

Chromium and its driver come from Debian (``apt-get install chromium chromium-driver``); nothing
downloads a browser. Without them the test skips on a workstation, and *fails* in CI (the
environment variable ``CI`` set), so CI cannot pass without running it.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from pathlib import Path

import pytest

from polmodel.room.handout import PAGE_MARGIN_MM, PAGE_SIZES_MM, handout

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
MM_PER_INCH = 25.4
CSS_DPI = 96  # CSS pixels per inch


def _missing() -> str | None:
    if CHROMIUM is None or CHROMEDRIVER is None:
        return "chromium and chromedriver not found (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    return None


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    why = _missing()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {why}")
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1200,900"):
        options.add_argument(flag)
    # The driver is given, so selenium-manager is never asked to find or download one.
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="module")
def handout_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("handout") / "handout.html"
    path.write_text(handout("venezuela-2018", worlds=64, seed=1), encoding="utf-8")
    return Path(path).resolve().as_uri()


FIGURES_JS = """
const out = [];
for (const el of document.querySelectorAll('img, svg')) {
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  out.push({tag: el.tagName.toLowerCase(),
            complete: el.tagName === 'IMG' ? el.complete : true,
            natural: el.tagName === 'IMG' ? el.naturalWidth : r.width,
            width: r.width, height: r.height,
            shown: s.display !== 'none' && s.visibility !== 'hidden' && Number(s.opacity) > 0});
}
return out;
"""

WIDTHS_JS = """
const out = [];
for (const el of document.querySelectorAll('table, img, svg, figure, pre')) {
  const r = el.getBoundingClientRect();
  out.push({tag: el.tagName.toLowerCase(), left: r.left, right: r.right,
            scroll: el.scrollWidth, client: el.clientWidth});
}
return {items: out, page: document.documentElement.scrollWidth,
        navShown: getComputedStyle(document.querySelector('nav')).display !== 'none'};
"""


def test_every_figure_is_loaded_and_visible(driver, handout_url):
    driver.get(handout_url)
    figures = driver.execute_script(FIGURES_JS)
    assert len(figures) >= 5
    for f in figures:
        assert f["complete"] and f["natural"] > 0, f
        assert f["shown"] and f["width"] > 100 and f["height"] > 50, f


@pytest.mark.parametrize("paper", sorted(PAGE_SIZES_MM))
def test_in_print_nothing_is_wider_than_the_page(driver, handout_url, paper):
    width_mm = PAGE_SIZES_MM[paper][0] - 2 * PAGE_MARGIN_MM
    content_px = int(width_mm / MM_PER_INCH * CSS_DPI)  # the content box at 96 CSS px per inch
    driver.get(handout_url)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": content_px, "height": 1100, "deviceScaleFactor": 1,
                            "mobile": False})
    try:
        got = driver.execute_script(WIDTHS_JS)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert not got["navShown"], "the print style sheet is not in effect"
    assert got["page"] <= content_px, f"the page scrolls sideways on {paper}"
    assert len(got["items"]) >= 10
    for item in got["items"]:
        assert item["left"] >= -0.5 and item["right"] <= content_px + 0.5, (paper, item)
        assert item["scroll"] <= item["client"] + 1 or item["tag"] in ("img", "svg"), (paper, item)


@pytest.mark.parametrize("paper", sorted(PAGE_SIZES_MM))
def test_prints_to_pdf_on_both_papers(driver, handout_url, paper):
    w, h = PAGE_SIZES_MM[paper]
    driver.get(handout_url)
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {
        "paperWidth": w / MM_PER_INCH, "paperHeight": h / MM_PER_INCH,
        "printBackground": False, "preferCSSPageSize": False})
    data = base64.b64decode(pdf["data"])
    assert data.startswith(b"%PDF")
    pages = re.findall(rb"/Type\s*/Page(?!s)", data)
    assert len(pages) >= 3  # a handout of several pages, not a blank one


def test_report_pdf_prints_with_the_system_chromium(tmp_path):
    why = _missing()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {why}")
        pytest.skip(why)
    from click.testing import CliRunner

    from polmodel.cli import main

    out = tmp_path / "h.html"
    result = CliRunner().invoke(main, ["report", "--worlds", "32", "--out", str(out), "--pdf"])
    assert result.exit_code == 0, result.stderr
    pdf = out.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.html", "h.pdf"]
    # The real Chromium copies the page's title, polmodel's mark, into the PDF: run again,
    # and both are replaced without --force (issue 14).
    from polmodel.room.pdf import is_handout_pdf

    assert is_handout_pdf(out.with_suffix(".pdf"))
    again = CliRunner().invoke(main, ["report", "--worlds", "32", "--out", str(out), "--pdf"])
    assert again.exit_code == 0, again.stderr
