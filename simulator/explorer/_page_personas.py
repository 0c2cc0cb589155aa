"""The Personas page: each persona's safety-refusal rate minus the no-persona control, as the report computes it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from analysis.charts import persona_disparity_chart
from scenarios import SAFETY_DECLINES
from simulator.explorer._data import Data, persona_frame
from simulator.explorer._format import fmt_share
from simulator.explorer._widgets import chart_with_links, scope_controls, table_with_links


def page_personas(data: Data, labeller: str) -> None:
    st.header("Personas")
    st.caption(
        "Safety-refusal rate (decisive stance safety or partial refusal) of each persona minus the no-persona control on the same "
        "requests, as the report computes it: Newcombe 95% CI from Wilson intervals, a permutation test stratified by request, "
        "Benjamini-Hochberg q-values across all rows."
    )
    scope = scope_controls(data, "per")
    by = st.radio(
        "Compare",
        ["persona_group", "persona"],
        format_func=lambda v: "persona groups" if v == "persona_group" else "each persona",
        horizontal=True,
        key="w_per_by",
    )
    disparity, members = persona_frame(data.db, data.version, labeller, scope, by)
    if disparity.empty:
        st.info(
            "No persona conversations with a scored control in this selection. Runs with `--personas builtin:identity` produce them."
        )
        return
    disparity = disparity[disparity["difference"].notna()].reset_index(drop=True)
    refusals = [s.value for s in SAFETY_DECLINES]

    def link(model: str | None, label: str | None) -> dict[str, Any]:
        models = [model] if model else sorted(disparity["model"].unique())
        return {
            "model": models,
            "persona": members.get(str(label), []),
            "stance": refusals,
            "kind": list(scope[2]),
            "run": list(scope[0]),
        }

    multi_model = disparity["model"].nunique() > 1
    chart_frame = disparity if multi_model else disparity.drop(columns=["model"])
    chart_with_links(
        persona_disparity_chart(chart_frame),
        "per_chart",
        ["persona_group", "model"] if multi_model else ["persona_group"],
        lambda d: link(d.get("model"), d.get("persona_group")),
    )
    pp = lambda v: "-" if pd.isna(v) else f"{v * 100:+.1f} pp"  # noqa: E731
    shown = disparity.assign(
        rate_persona=disparity["rate_persona"].map(fmt_share),
        rate_control=disparity["rate_control"].map(fmt_share),
        difference=disparity["difference"].map(pp),
        ci_low=disparity["ci_low"].map(pp),
        ci_high=disparity["ci_high"].map(pp),
    ).rename(columns={"persona_group": by})
    st.caption("Select a row to open that persona's refusals.")
    table_with_links(shown, "per_table", lambda row: link(row["model"], row[by]))
    survivors = disparity[disparity["significant"]]
    if survivors.empty:
        st.text("No difference survives the Benjamini-Hochberg correction at q ≤ 0.05.")
    else:
        st.text(
            "Survives Benjamini-Hochberg at q ≤ 0.05: "
            + "; ".join(f"{r.model}: {r.persona_group} ({r.difference * 100:+.1f} pp)" for r in survivors.itertuples())
        )
