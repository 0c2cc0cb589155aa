"""The report in a real headless Chromium, opened from disk: every section there, every chart drawn, nothing fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.report import SECTION_TITLES, write_report
from tests.analysis.test_metrics import BASE, TUNED
from tests.analysis.test_report import CHARTS, HOSTILE, fixture_db, options
from tests.browser_settings import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS


@pytest.mark.browser
def test_report_opens_offline_with_every_section_and_every_chart_drawn(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    paths = write_report(fixture_db(tmp_path / "fixture.duckdb"), tmp_path / "report", options(pairs=((BASE, TUNED),)))
    requested: list[str] = []
    dialogs: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda request: requested.append(request.url))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(paths.html.as_uri(), wait_until="load")

            for number, title in enumerate(SECTION_TITLES, start=1):
                section = page.locator(f"section[data-section='{number}']")
                assert section.count() == 1, title
                assert section.locator("h2").inner_text() == f"{number}. {title}"
                assert section.locator("p.n").inner_text().startswith("n = ")

            figures = page.locator("figure.chart")
            assert sorted(figures.evaluate_all("els => els.map(e => e.dataset.chart)")) == sorted(CHARTS)
            for index in range(figures.count()):
                figure = figures.nth(index)
                name = figure.get_attribute("data-chart")
                svg = figure.locator("svg").first
                box = svg.bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 100, name
                marks = figure.locator("g.role-mark > path, g.role-mark > rect, g.role-mark > line, g.role-mark > text, g.role-mark path")
                assert marks.count() > 0, f"chart {name} has no marks"

            assert page.evaluate("document.scripts.length") == 0
            assert page.get_by_text(HOSTILE.split("|")[0], exact=False).count() > 0  # shown as text...
            assert dialogs == []  # ...never run
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            page.locator("section#knobs figure.chart").screenshot(path=str(ARTIFACTS / "report-knobs.png"))
        finally:
            browser.close()
    assert requested and all(url.startswith("file://") for url in requested), requested
