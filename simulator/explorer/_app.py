"""The explorer's script body, run on every rerun: sidebar, notes on a busy database, the chosen page."""

from __future__ import annotations

import streamlit as st

from simulator.explorer._args import db_path
from simulator.explorer._data import default_labeller, open_data
from simulator.explorer._registry import PAGES
from simulator.explorer._state import current_nav, set_nav, sync_nav_from_url, sync_url_from_nav
from simulator.store import StoreError


def main() -> None:
    """Draw the explorer for the database named on the command line (the whole of a Streamlit rerun)."""
    st.set_page_config(page_title="groundsim explorer", layout="wide")
    page_ids = PAGES.names()
    sync_nav_from_url(page_ids)
    nav = current_nav()
    db = db_path()
    st.sidebar.title("groundsim explorer")
    st.sidebar.text(f"database:\n{db}")
    try:
        data = open_data(db)
    except (StoreError, OSError) as exc:
        st.error("Cannot read this database.")
        st.text(str(exc))
        st.stop()
        return
    if st.session_state.get("w_page") != nav["page"]:
        st.session_state["w_page"] = nav["page"]
    st.sidebar.radio(
        "Page",
        page_ids,
        format_func=lambda page_id: PAGES.get(page_id).title,
        key="w_page",
        on_change=set_nav,
        args=("page", "w_page"),
    )
    if data.locked:
        st.info(
            "A run is writing to this database right now: showing the data committed so far (as last read). Rerun or reload to update."
        )
    for run in data.in_progress:
        st.info("A run appears to be in progress: showing the data committed so far; reload to update.")
        st.text(
            f"run {run['run_id']}: {run['stored']} of {run['n_jobs']} conversations stored so far "
            f"(last at {str(run['last_activity'])[:19]} UTC)"
        )
    try:
        labellers = data.get("labellers")
        if nav.get("labeller") not in labellers:
            nav["labeller"] = labellers[0] if labellers else default_labeller()
        if labellers:
            if st.session_state.get("w_labeller") != nav["labeller"]:
                st.session_state["w_labeller"] = nav["labeller"]
            st.sidebar.selectbox(
                "Labeller",
                labellers,
                key="w_labeller",
                on_change=set_nav,
                args=("labeller", "w_labeller"),
                help="Whose turn labels and outcomes every page uses.",
            )
        PAGES.get(nav["page"]).render(data, nav["labeller"])
    except StoreError as exc:
        if "lock" not in exc.reason:
            raise
        st.warning("The database is busy (a run is writing) and this view is not cached yet: reload in a moment.")
    sync_url_from_nav()
