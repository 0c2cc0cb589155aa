"""Navigation state: one `nav` dict in the session, mirrored to the URL's query parameters.

The page, the Transcripts filters, the labeller and the open conversation live in `nav`, so
every view is a link (`?page=transcripts&model=...&outcome=...`), and a chart point or a
table row "opens the matching transcripts" by writing that dict, never by special cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

TRANSCRIPTS = "transcripts"  # the id of the page links open; only its filters go to the URL
# Transcripts filter query parameter -> label. Each takes several values (OR-ed).
FILTER_PARAMS: dict[str, str] = {
    "run": "Run",
    "model": "Model",
    "kind": "Scenario kind",
    "domain": "Domain",
    "outcome": "Outcome",
    "persona": "Persona",
    "act": "Grounding act",
    "stance": "Stance",
}


def _default_nav(page: str) -> dict[str, Any]:
    return {"page": page, "labeller": None, "conversation": None, "p": 1, **{k: [] for k in FILTER_PARAMS}}


def current_nav() -> dict[str, Any]:
    """This session's navigation state (set up by sync_nav_from_url at the top of every rerun)."""
    return st.session_state["nav"]


def _url_snapshot() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((k, tuple(st.query_params.get_all(k))) for k in st.query_params))


def sync_nav_from_url(pages: Sequence[str]) -> None:
    """Adopt the URL's query parameters when they changed since we last wrote or read them.

    `pages` are the page ids in order; a URL naming none of them opens the first.
    """
    snapshot = _url_snapshot()
    if "nav" in st.session_state and st.session_state.get("_url_seen") == snapshot:
        return
    nav = _default_nav(pages[0])
    params = st.query_params
    if params.get("page") in pages:
        nav["page"] = params["page"]
    for key in FILTER_PARAMS:
        nav[key] = [v for v in params.get_all(key) if v]
    nav["labeller"] = params.get("labeller") or None
    nav["conversation"] = params.get("conversation") or None
    try:
        nav["p"] = max(1, int(params.get("p", "1")))
    except ValueError:
        nav["p"] = 1
    nav["_gen"] = st.session_state.get("nav", {}).get("_gen", 0)
    st.session_state["nav"] = nav
    st.session_state["_url_seen"] = snapshot


def sync_url_from_nav() -> None:
    """Write the nav state back to the URL so the current view can be shared or bookmarked."""
    nav = current_nav()
    wanted: dict[str, list[str]] = {"page": [nav["page"]]}
    if nav["page"] == TRANSCRIPTS:
        wanted.update({k: list(nav[k]) for k in FILTER_PARAMS if nav[k]})
        if nav["p"] > 1:
            wanted["p"] = [str(nav["p"])]
        if nav["conversation"]:
            wanted["conversation"] = [nav["conversation"]]
    if nav["labeller"]:
        wanted["labeller"] = [nav["labeller"]]
    if {k: st.query_params.get_all(k) for k in st.query_params} != wanted:
        st.query_params.from_dict(wanted)
    st.session_state["_url_seen"] = _url_snapshot()


def open_transcripts(**filters: list[str] | str | None) -> None:
    """Go to the Transcripts page showing exactly these filters (a link; usable as a callback)."""
    nav = current_nav()
    for key in FILTER_PARAMS:
        value = filters.get(key) or []
        nav[key] = [value] if isinstance(value, str) else [str(v) for v in value]
    nav["conversation"] = filters.get("conversation") if isinstance(filters.get("conversation"), str) else None
    nav["page"], nav["p"] = TRANSCRIPTS, 1
    nav["_gen"] = nav.get("_gen", 0) + 1  # fresh table/chart widgets next time: no stale selection


def set_nav(key: str, widget_key: str, reset_page: bool = False) -> None:
    """Widget callback: copy the widget's value into nav[key] (a new filter starts again at page 1)."""
    nav = current_nav()
    nav[key] = st.session_state[widget_key]
    if reset_page:
        nav["p"] = 1
        nav["conversation"] = None
