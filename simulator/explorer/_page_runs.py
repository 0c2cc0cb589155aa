"""The Runs page: every run with its configuration, counts and cost; a run's outcomes and errors link to its transcripts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.explorer._data import Data
from simulator.explorer._format import fmt_cost
from simulator.explorer._state import open_transcripts
from simulator.explorer._widgets import table_with_links


def page_runs(data: Data, labeller: str) -> None:
    st.header("Runs")
    runs = data.get("runs_overview")
    if not runs:
        st.info("No runs in this database yet: `groundsim run --db DB` starts one.")
        return
    table = pd.DataFrame(
        [
            {
                "run": r["run_id"],
                "created": str(r["created_at"])[:19],
                "models": ", ".join(r["config"].get("models", [])),
                "scenarios": ", ".join(r["config"].get("scenarios", [])),
                "users": ", ".join(r["config"].get("users", [])),
                "personas": r["config"].get("personas") or "-",
                "repeats": r["config"].get("repeats"),
                "jobs": r["n_jobs"],
                "stored": r["stored"],
                "complete": r["complete"],
                "errors": r["errors"],
                "cost": fmt_cost(r["cost_usd"]),
                "tokens in/out": f"{r['prompt_tokens']:,} / {r['completion_tokens']:,}",
                "code": r["code_version"],
            }
            for r in runs
        ]
    )
    st.caption("Select a row to open that run's transcripts.")
    table_with_links(table, "runs_table", lambda row: {"run": row["run"]})
    run_ids = [r["run_id"] for r in runs]
    chosen = st.selectbox("Run details", run_ids, key="w_run_details")
    run = next(r for r in runs if r["run_id"] == chosen)
    left, right = st.columns(2)
    with left:
        st.subheader("Configuration")
        st.json(run["config"], expanded=1)
        st.text(
            f"config hash: {run['config_hash']}\ninvocations: {run['n_invocations']}\nlast conversation: {run['last_finished']}"
        )
    with right:
        st.subheader("Outcomes by model")
        st.caption("Under the labeller chosen in the sidebar. Select a row to open those transcripts.")
        counts = pd.DataFrame(
            data.get("run_outcome_counts", chosen, labeller), columns=["model", "outcome", "conversations"]
        )
        if counts.empty:
            st.text("No conversations stored yet.")
        else:
            table_with_links(
                counts, "run_outcomes", lambda row: {"run": chosen, "model": row["model"], "outcome": row["outcome"]}
            )
        st.subheader("Errors")
        errors = data.get("run_errors", chosen)
        if not errors:
            st.text("No infrastructure errors.")
        else:
            frame = pd.DataFrame([{**e, "models": ", ".join(e["models"])} for e in errors])
            table_with_links(frame, "run_errors", lambda row: {"run": chosen, "outcome": "error"})
        st.button("Open this run's transcripts", key="open_run", on_click=open_transcripts, kwargs={"run": chosen})
