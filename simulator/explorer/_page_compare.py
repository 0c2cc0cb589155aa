"""The Compare page: the report's rates, two knobs and grounding acts per model, each bar or row a link to its transcripts."""

from __future__ import annotations

import streamlit as st

from analysis import explore_queries as Q
from analysis import metrics
from analysis.charts import grounding_acts_chart, rate_by_model_chart, two_knobs_chart
from simulator.explorer._data import ALL_METRICS, Data, conversations_frame, grounding_rates, knob_points, metric_rates
from simulator.explorer._format import fmt_value
from simulator.explorer._state import current_nav
from simulator.explorer._widgets import bound_multiselect, chart_with_links, roomy, scope_controls, table_with_links

DEFAULT_METRICS = ("proactive_clarification", "silent_failure", "abstention_recall", "over_refusal")


def page_compare(data: Data, labeller: str) -> None:
    st.header("Compare")
    st.caption(
        "Figures as the report computes them, on the no-persona control conversations, under the labeller chosen in the "
        "sidebar. Click a bar or point, or select a table row, to open the transcripts behind it."
    )
    scope = scope_controls(data, "cmp")
    runs = scope[0]
    nav = current_nav()
    rate_metrics = [m for m in ALL_METRICS if isinstance(m, metrics.RateMetric)]
    nav.setdefault("cmp_metrics", list(DEFAULT_METRICS))
    labels = {m.name: m.label for m in ALL_METRICS}
    picked = bound_multiselect(
        "Metrics",
        "cmp_metrics",
        [m.name for m in ALL_METRICS],
        placeholder="choose metrics",
        format_func=labels.__getitem__,
    )
    baselines = data.get("baseline_table")
    options = Q.baseline_options(baselines)
    cols = st.columns(2)
    baseline = cols[0].selectbox(
        "Human baseline (corpus:role)",
        [None, *options],
        index=1 if options else 0,
        key="w_cmp_baseline",
        format_func=lambda v: "none" if v is None else v,
    )
    source = cols[1].radio(
        "Human acts from",
        ["labeller", "tags"],
        horizontal=True,
        key="w_cmp_source",
        format_func=lambda v: "our labeller on the human text" if v == "labeller" else "the corpus's own tags",
    )
    scored = int(metrics.control_only(conversations_frame(data.db, data.version, labeller, scope))["scored"].sum())
    if scored == 0:
        st.info(
            "No scored control conversations in this selection. `groundsim annotate --db DB` scores stored conversations."
        )
        return
    st.text(f"{scored:,} scored control conversations in this selection")

    st.subheader("Rates per model")
    rates = metric_rates(data.db, data.version, labeller, scope, tuple(picked))
    shares = rates[rates["metric"].isin([m.name for m in rate_metrics]) & rates["rate"].notna()]
    if shares.empty:
        st.text("Choose a metric with conversations in this selection.")
    else:
        chart = roomy(
            rate_by_model_chart(
                shares.assign(metric=shares["label"]), title="Rates per model", y_title="% of the metric's population"
            ),
            shares["model"].nunique(),
            shares["metric"].nunique(),
        )
        by_label = {m.label: m.name for m in ALL_METRICS}
        chart_with_links(
            chart,
            "cmp_rates_chart",
            ["model", "metric"],
            lambda d: Q.metric_link(by_label.get(d.get("metric", ""), ""), d.get("model"), runs),
        )
    if not rates.empty:
        table = rates.assign(
            rate=[fmt_value(r, m) for r, m in zip(rates["rate"], rates["method"], strict=True)],
            ci_low=[fmt_value(r, m) for r, m in zip(rates["ci_low"], rates["method"], strict=True)],
            ci_high=[fmt_value(r, m) for r, m in zip(rates["ci_high"], rates["method"], strict=True)],
        )[["model", "label", "rate", "ci_low", "ci_high", "k", "n_conversations", "population", "metric"]]
        table_with_links(table, "cmp_rates_table", lambda row: Q.metric_link(row["metric"], row["model"], runs))

    st.subheader("The two knobs")
    knobs = knob_points(data.db, data.version, labeller, scope)
    if knobs.empty:
        st.text("Needs scored unanswerable/false-premise and benign-sensitive control conversations of the same model.")
    else:
        chart_with_links(
            two_knobs_chart(knobs),
            "cmp_knobs",
            ["model"],
            lambda d: {
                "model": [d.get("model")],
                "kind": [*metrics.SHOULD_ABSTAIN, *metrics.BENIGN_SENSITIVE],
                "persona": ["control"],
                "run": list(runs),
            },
        )

    st.subheader("Grounding acts per assistant turn")
    grounding, notes = grounding_rates(data.db, data.version, labeller, scope, baseline, source)
    for note in notes:
        st.text(note)  # names corpora and labellers from the database: plain text
    if baselines is None or baselines.empty:
        st.caption("No human baseline to draw: none imported yet (`groundsim baselines import --corpus PATH --db DB`).")
    model_rates, human = metrics.grounding_for_chart(grounding)
    model_rates = model_rates[model_rates["act"] != metrics.ANY_GROUNDING]
    if model_rates.empty:
        st.text("No labelled assistant turns in this selection.")
        return
    if human is not None and baseline:
        human = human.assign(corpus=baseline)
    chart_with_links(
        roomy(grounding_acts_chart(model_rates, human), model_rates["model"].nunique(), model_rates["act"].nunique()),
        "cmp_acts",
        ["model", "act"],
        lambda d: {"model": [d.get("model")], "act": [d.get("act")], "persona": ["control"], "run": list(runs)},
    )
    gap = grounding[grounding["human_rate"].notna()]
    if not gap.empty:
        st.caption("Gap = 1 - model rate / human rate (the Grounding Gaps figure), 95% CI.")
        three = st.column_config.NumberColumn(format="%.3f")
        st.dataframe(
            gap[["model", "act", "rate", "human_rate", "gap", "gap_low", "gap_high", "n_conversations", "human_turns"]],
            hide_index=True,
            column_config={c: three for c in ("rate", "human_rate", "gap", "gap_low", "gap_high")},
        )
