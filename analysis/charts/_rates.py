"""A rate per model with its CI: proactive clarification, silent failure, success, ... (the report's clarification section, the explorer)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts._common import BAR_STEP, axis, ci_tooltips, count_tooltips, model_axis, require_columns, select

RATE_COLUMNS = ("model", "rate", "ci_low", "ci_high")
"""Required: model id, the rate as a fraction in [0, 1] and its 95% CI bounds."""
RATE_OPTIONAL = ("metric", "n_conversations")
"""Optional: metric name (one panel per metric) and the conversations behind the rate."""


def rate_by_model_chart(
    rates: pd.DataFrame,
    *,
    title: str,
    y_title: str = "% of conversations",
) -> alt.LayerChart | alt.FacetChart:
    """Bars of a rate per model with CI error bars, on a percentage axis.

    `title` and `y_title` are plain text chosen by the caller (say what the percentage is of,
    e.g. "% of underspecified conversations"). With a `metric` column there is one panel per
    metric, in order of first appearance, sharing the y axis; otherwise a single chart.
    """
    require_columns(rates, RATE_COLUMNS, "rate_by_model_chart")
    data = select(rates, RATE_COLUMNS, RATE_OPTIONAL)
    model_order = list(dict.fromkeys(data["model"].astype(str)))
    x = alt.X("model:N", sort=model_order, axis=model_axis())
    y_axis = axis(y_title, ".0%")
    tooltip = [alt.Tooltip("model:N", title="Model")]
    if "metric" in data.columns:
        tooltip.append(alt.Tooltip("metric:N", title="Metric"))
    tooltip += ci_tooltips("rate", "Rate", ".1%") + count_tooltips(data, {"n_conversations": "Conversations"})
    base = alt.Chart()
    bars = base.mark_bar(opacity=0.85).encode(
        x=x,
        y=alt.Y("rate:Q", axis=y_axis, scale=alt.Scale(domainMin=0)),
        color=alt.Color("model:N", sort=model_order, legend=None),
        tooltip=tooltip,
    )
    error_bars = base.mark_errorbar(ticks=True, color="black").encode(
        x=x, y=alt.Y("ci_low:Q", axis=y_axis), y2="ci_high:Q", tooltip=tooltip
    )
    layered = alt.layer(bars, error_bars, data=data).properties(width=alt.Step(BAR_STEP), height=240)
    chart_title = alt.Title(title, subtitle="Bars: rate per model; error bars: 95% CI.")
    if "metric" in data.columns:
        metric_order = list(dict.fromkeys(data["metric"].astype(str)))
        return layered.facet(
            column=alt.Column(
                "metric:N", sort=metric_order, title=None, header=alt.Header(labelFontSize=13, labelFontWeight="bold")
            )
        ).properties(title=chart_title)
    return layered.properties(title=chart_title)
