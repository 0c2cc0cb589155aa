"""The explorer in a real headless Chromium (Debian's /usr/bin/chromium driven by Python Playwright).

`groundsim explore` serves the fixture database on a free port; each page is visited, its
content awaited (never a fixed sleep) and asserted, and a screenshot saved under
test-artifacts/ (gitignored) for a human to look at. Links are exercised the way a user
follows them: clicking a table row and a chart bar.
"""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.app.app_fixtures import HOSTILE, MODEL_A, MODEL_B, build_explorer_db, start_explorer
from tests.browser_settings import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    info = build_explorer_db(tmp_path_factory.mktemp("browser") / "explorer.duckdb")
    proc, address = start_explorer(info["path"])  # type: ignore[arg-type]
    yield {**info, "address": address}
    proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run `make browser` (scripts/install-browser.sh)"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={
                "width": 1400,
                "height": 2600,
            },  # tall: Streamlit scrolls inside the page, so this is what a screenshot holds
        )
        context.set_default_timeout(TIMEOUT_MS)
        tab = context.pages[0] if context.pages else context.new_page()
        yield tab
        context.close()


def visit(page: Page, address: str, query: str) -> None:
    """Open the app at `?query` and wait until Streamlit has finished running the script."""
    page.goto(f"{address}/?{query}")
    page.locator("[data-testid='stMainBlockContainer'] h2").first.wait_for()
    settle(page)


def settle(page: Page) -> None:
    """Wait until no script run is in progress (Streamlit's running indicator is gone)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def wait_table_cell(page: Page, text: str) -> None:
    """Wait until a dataframe (a canvas grid with an accessible table behind it) has a cell with `text`."""
    page.wait_for_function(
        "(text) => Array.from(document.querySelectorAll('[data-testid^=\"glide-cell-\"]')).some(c => c.textContent === text)",
        arg=text,
    )


def main_text(page: Page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def shot(page: Page, name: str) -> Path:
    path = ARTIFACTS / f"explorer-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def test_runs_page(page: Page, served: dict[str, object]) -> None:
    visit(page, str(served["address"]), "page=runs")
    expect(page.get_by_role("heading", name="Runs")).to_be_visible()
    wait_table_cell(page, str(served["run_id"]))
    wait_table_cell(page, f"{MODEL_A}, {MODEL_B}")
    expect(page.get_by_text("No infrastructure errors.")).to_be_visible()
    shot(page, "runs")


def test_compare_page(page: Page, served: dict[str, object]) -> None:
    visit(page, str(served["address"]), "page=compare")
    expect(page.get_by_text("12 scored control conversations in this selection")).to_be_visible()
    bars = page.locator("[data-testid='stVegaLiteChart'] svg path[aria-roledescription='bar']")
    bars.first.wait_for(state="attached")
    assert bars.count() >= 8  # 2 models x 4 default metrics in the first chart alone
    page.locator("[data-testid='stVegaLiteChart'] svg [aria-roledescription='point']").first.wait_for(
        state="attached"
    )  # two knobs
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(3)  # waits for the third chart to draw
    shot(page, "compare")


def test_transcripts_page(page: Page, served: dict[str, object]) -> None:
    visit(page, str(served["address"]), "page=transcripts")
    expect(page.get_by_text("36 conversations match")).to_be_visible()
    wait_table_cell(page, "appropriate_abstention")
    shot(page, "transcripts")


def test_personas_page(page: Page, served: dict[str, object]) -> None:
    visit(page, str(served["address"]), "page=personas")
    expect(page.get_by_text("Select a row to open that persona's refusals.")).to_be_visible()
    wait_table_cell(page, "+16.7 pp")
    page.locator("[data-testid='stVegaLiteChart'] svg [aria-roledescription='point']").first.wait_for(state="attached")
    shot(page, "personas")


def test_baselines_page(page: Page, served: dict[str, object]) -> None:
    visit(page, str(served["address"]), "page=baselines")
    expect(page.get_by_text("No baselines imported yet")).to_be_visible()
    expect(page.get_by_text("No replay comparisons yet")).to_be_visible()
    shot(page, "baselines")


def test_a_conversation_reads_as_a_chat_with_badges_and_revealed_facts(page: Page, served: dict[str, object]) -> None:
    conversation_id = served["ids"][(MODEL_B, "app-portland", "control", 0)]  # type: ignore[index]
    visit(page, str(served["address"]), f"page=transcripts&conversation={conversation_id}")
    expect(page.get_by_text("Which Portland do you mean, and is anyone travelling with you?")).to_be_visible()
    for badge in ("clarify_only", "clarification", "acknowledgment", "success"):
        expect(page.locator("[data-testid='stMain'] span", has_text=re.compile(f"^{badge}$")).first).to_be_visible()
    expect(page.get_by_text("2 of 2 revealed by turn 3")).to_be_visible()
    wait_table_cell(page, "yes, turn 2")
    expect(page.get_by_text("why: clarified, then answered")).to_be_visible()
    shot(page, "transcript")


def test_hostile_model_text_stays_inert_text(page: Page, served: dict[str, object]) -> None:
    conversation_id = served["ids"][(MODEL_A, "app-portland", "control", 0)]  # type: ignore[index]
    visit(page, str(served["address"]), f"page=transcripts&conversation={conversation_id}")
    expect(page.get_by_text("Stay in the Pearl District.", exact=False)).to_be_visible()
    text = main_text(page)
    for fragment in (
        "<script>window.__pwned = 1</script>",
        '<img src=x onerror="window.__pwned = 2">',
        "![tracker](http://example.invalid/pixel.png)",
        "[click me](http://example.invalid/phish)",
    ):
        assert fragment in text, fragment
    assert " ".join(HOSTILE.split()) in " ".join(text.split())
    assert page.evaluate("() => window.__pwned === undefined")
    live = page.locator(
        "[data-testid='stMain'] img[src*='example.invalid'], [data-testid='stMain'] img[src='x'], "
        "[data-testid='stMain'] a[href*='example.invalid'], [data-testid='stMain'] script"
    )
    assert live.count() == 0
    shot(page, "transcript-hostile-text")


def test_selecting_a_table_row_opens_its_transcripts(page: Page, served: dict[str, object]) -> None:
    visit(page, str(served["address"]), "page=runs")
    wait_table_cell(page, str(served["run_id"]))
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the selection box of the first row, under the 35 px header
    expect(page.get_by_role("heading", name="Transcripts")).to_be_visible()
    expect(page.get_by_text("36 conversations match")).to_be_visible()
    settle(page)
    page.wait_for_url(re.compile(r"page=transcripts.*run=" + re.escape(str(served["run_id"]))))


def test_clicking_a_chart_bar_opens_the_transcripts_behind_it(page: Page, served: dict[str, object]) -> None:
    visit(page, str(served["address"]), "page=compare")
    bar = page.locator(
        "[data-testid='stVegaLiteChart'] svg path[aria-roledescription='bar']"
        f"[aria-label*='model: {MODEL_A};'][aria-label*='Metric: Silent failure;']"
    ).first
    bar.wait_for(state="visible")
    bar.click(position={"x": 3, "y": 30})  # beside the error bar drawn down the bar's middle
    expect(page.get_by_role("heading", name="Transcripts")).to_be_visible()
    expect(page.get_by_text("2 conversations match")).to_be_visible()
    settle(page)
    page.wait_for_url(re.compile(r"outcome=silent_failure"))
    wait_table_cell(page, "silent_failure")
    shot(page, "transcripts-from-chart")
