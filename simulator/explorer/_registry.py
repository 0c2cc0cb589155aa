"""The explorer's pages, in sidebar order: the one place pages are registered.

Adding a page is one module with a function `page_x(data, labeller)` that draws it, and one
`register` line below. The page id is the `page` query parameter of the page's links; the
first page registered is the one a bare URL opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scenarios import Registry
from simulator.explorer._data import Data
from simulator.explorer._page_baselines import page_baselines
from simulator.explorer._page_compare import page_compare
from simulator.explorer._page_personas import page_personas
from simulator.explorer._page_runs import page_runs
from simulator.explorer._page_transcripts import page_transcripts
from simulator.explorer._state import TRANSCRIPTS


@dataclass(frozen=True)
class Page:
    """One page of the explorer."""

    title: str
    """Its label in the sidebar (our own text: the radio renders it as markdown)."""
    render: Callable[[Data, str], None]
    """Draws the page from the database under the labeller chosen in the sidebar."""


PAGES: Registry[Page] = Registry("explorer page")
"""Page id -> page, in sidebar order."""


def register(page_id: str, title: str, render: Callable[[Data, str], None]) -> None:
    """Add a page to the sidebar, after those registered before it."""
    PAGES.add(page_id, Page(title, render), summary=title)


register("runs", "Runs", page_runs)
register("compare", "Compare", page_compare)
register(TRANSCRIPTS, "Transcripts", page_transcripts)
register("personas", "Personas", page_personas)
register("baselines", "Baselines", page_baselines)
