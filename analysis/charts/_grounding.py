"""Grounding acts per assistant turn, by model, beside the human baseline (the report's grounding section)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts._common import BAR_STEP, axis, ci_tooltips, count_tooltips, model_axis, require_columns, select

RATE_COLUMNS = ("model", "act", "rate", "ci_low", "ci_high")
"""Required in `rates`: model id, act name, acts per assistant turn and its 95% CI bounds."""
RATE_COUNTS = {"n_conversations": "Conversations", "n_turns": "Assistant turns"}
"""Optional count columns of `rates` shown in the tooltip."""
BASELINE_COLUMNS = ("act", "rate")
"""Required in `baseline`: act name and the human rate per helper turn."""
BASELINE_OPTIONAL = ("ci_low", "ci_high", "corpus", "n_turns")
"""Optional in `baseline`: its CI (drawn as a band), the corpus/role label, helper turns."""

Y_TITLE = "acts per assistant turn"


def grounding_acts_chart(
    rates: pd.DataFrame, baseline: pd.DataFrame | None = None, *, title: str = "Grounding acts per assistant turn"
) -> alt.FacetChart:
    """One panel per act: a bar per model with its CI, and the human baseline as a dashed rule.

    `rates` has one row per (model, act); `baseline` one row per act (acts without a row get
    no rule). Models and acts keep the order of their first appearance in `rates`. The human
    baseline's CI, when given, is a shaded band behind the rule; its `corpus` label is drawn
    beside the rule as data text. Returns a top-level faceted chart (not for concatenation).
    """
    require_columns(rates, RATE_COLUMNS, "grounding_acts_chart rates")
    models = select(rates, RATE_COLUMNS, RATE_COUNTS)
    models["series"] = "model"
    frames = [models]
    if baseline is not None and not baseline.empty:
        require_columns(baseline, BASELINE_COLUMNS, "grounding_acts_chart baseline")
        human = select(baseline, BASELINE_COLUMNS, BASELINE_OPTIONAL).rename(
            columns={
                "rate": "human_rate",
                "ci_low": "human_low",
                "ci_high": "human_high",
                "corpus": "human_label",
                "n_turns": "human_turns",
            }
        )
        if "human_label" not in human.columns:
            human["human_label"] = "human"
        human["human_label"] = "human: " + human["human_label"].astype(str)
        human["series"] = "human"
        human = human[human["act"].astype(str).isin(set(rates["act"].astype(str)))]  # no panel without models
        frames.append(human)
    data = pd.concat(frames, ignore_index=True)
    model_order = list(dict.fromkeys(rates["model"].astype(str)))
    act_order = list(dict.fromkeys(rates["act"].astype(str)))

    base = alt.Chart()
    is_model = alt.datum.series == "model"
    is_human = alt.datum.series == "human"
    x = alt.X("model:N", sort=model_order, axis=model_axis())
    y_axis = axis(Y_TITLE, ".2f")
    tooltip = [alt.Tooltip("model:N", title="Model"), alt.Tooltip("act:N", title="Act")]
    tooltip += ci_tooltips("rate", "Acts per assistant turn", ".3f") + count_tooltips(rates, RATE_COUNTS)
    bars = (
        base.transform_filter(is_model)
        .mark_bar(opacity=0.85)
        .encode(
            x=x,
            y=alt.Y("rate:Q", axis=y_axis),
            color=alt.Color("model:N", sort=model_order, legend=None),
            tooltip=tooltip,
        )
        .properties(width=alt.Step(BAR_STEP), height=260)
    )
    error_bars = (
        base.transform_filter(is_model)
        .mark_errorbar(ticks=True, color="black")
        .encode(x=x, y=alt.Y("ci_low:Q", axis=y_axis), y2="ci_high:Q", tooltip=tooltip)
    )
    layers: list[alt.Chart] = [bars, error_bars]
    if len(frames) > 1:
        human_tooltip = [alt.Tooltip("act:N", title="Act"), alt.Tooltip("human_label:N", title="Baseline")]
        human_tooltip.append(alt.Tooltip("human_rate:Q", title="Human acts per turn", format=".3f"))
        if "human_low" in data.columns:
            human_tooltip += [
                alt.Tooltip("human_low:Q", title="95% CI low", format=".3f"),
                alt.Tooltip("human_high:Q", title="95% CI high", format=".3f"),
            ]
            layers.insert(
                0,
                base.transform_filter(is_human & alt.expr.isValid(alt.datum.human_low))
                .mark_rect(color="gray", opacity=0.18)
                .encode(y=alt.Y("human_low:Q", axis=y_axis), y2="human_high:Q", tooltip=human_tooltip),
            )
        baseline_rows = base.transform_filter(is_human & alt.expr.isValid(alt.datum.human_rate))
        layers.append(
            baseline_rows.mark_rule(color="black", strokeDash=[6, 4], size=2).encode(
                y=alt.Y("human_rate:Q", axis=y_axis), tooltip=human_tooltip
            )
        )
        layers.append(
            baseline_rows.mark_text(align="left", baseline="bottom", dx=3, dy=-3, fontSize=11).encode(
                y=alt.Y("human_rate:Q", axis=y_axis), x=alt.value(0), text="human_label:N"
            )
        )
    return (
        alt.layer(*layers, data=data)
        .facet(
            column=alt.Column(
                "act:N", sort=act_order, title=None, header=alt.Header(labelFontSize=13, labelFontWeight="bold")
            )
        )
        .properties(
            title=alt.Title(
                title, subtitle="Bars: models with 95% CI. Dashed line: human baseline (shaded: its 95% CI)."
            )
        )
    )
