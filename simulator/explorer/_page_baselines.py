"""The Baselines page: imported human grounding-act rates and replay comparisons."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import metrics
from analysis.charts import grounding_acts_chart
from simulator.explorer._data import Data
from simulator.explorer._widgets import roomy


def page_baselines(data: Data, labeller: str) -> None:
    st.header("Baselines")
    rows = data.get("baseline_rows")
    if not rows:
        st.info(
            "No baselines imported yet: run `groundsim baselines import --corpus PATH --db DB` to compute human act rates "
            "from a corpus in the shared JSONL schema."
        )
    else:
        frame = pd.DataFrame(rows)
        st.caption(
            "Human grounding acts per turn of each role: from the corpus's own tags (through the tag mapping) and from our "
            "labeller run on the same text, with 95% bootstrap CIs over conversations."
        )
        if {"corpus", "role", "source", "act", "rate", "ci_low", "ci_high"} <= set(frame.columns):
            helpers = frame[frame["is_helper"].fillna(False).astype(bool)] if "is_helper" in frame.columns else frame
            chart_rows = (helpers if not helpers.empty else frame).assign(
                model=lambda f: (
                    f["corpus"].astype(str) + ":" + f["role"].astype(str) + " (" + f["source"].astype(str) + ")"
                )
            )
            chart_rows = chart_rows[chart_rows["rate"].notna() & (chart_rows["act"] != metrics.ANY_GROUNDING)]
            if not chart_rows.empty:
                chart = grounding_acts_chart(chart_rows, title="Human grounding acts per helper turn")
                st.altair_chart(roomy(chart, chart_rows["model"].nunique(), chart_rows["act"].nunique()))
        st.dataframe(frame.drop(columns=[c for c in ("computed_at",) if c in frame.columns]), hide_index=True)
    st.subheader("Replay comparisons")
    replay = data.get("replay_rows")
    if not replay:
        st.markdown(
            "No replay comparisons yet: `groundsim replay --corpus PATH --model MODEL --sample 50 --db DB` has the model "
            "write each helper turn of sampled human conversations, so both can be labelled at the same positions."
        )
        return
    st.caption(
        "At each helper turn of a human conversation the model wrote its own turn from the same history; both were labelled "
        "by one labeller. Base rates with 95% CIs and Cohen's kappa between human and model at the same positions."
    )
    st.dataframe(pd.DataFrame(replay), hide_index=True)
