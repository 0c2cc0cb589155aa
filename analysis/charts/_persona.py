"""Persona disparity: refusal rate per persona group minus the no-persona control (the report's persona section)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts._common import axis, count_tooltips, require_columns, select

PERSONA_COLUMNS = ("persona_group", "difference", "ci_low", "ci_high")
"""Required: persona group label; refusal rate of that group minus the control's (a fraction,
e.g. 0.05 = 5 percentage points) and the 95% CI bounds of that difference (same unit)."""
PERSONA_OPTIONAL = ("model", "significant", "q_value", "n_persona", "n_control")
"""Optional: model id (one row of panels per model); whether the difference survives
Benjamini-Hochberg (colours the point); its q-value; conversations with persona and control."""

X_TITLE = "Refusal rate minus no-persona control (percentage points)"
SURVIVES = "survives BH correction"
NOT_SIGNIFICANT = "not significant"
UNTESTED = "difference (95% CI)"


def persona_disparity_chart(
    disparity: pd.DataFrame, *, title: str = "Refusal disparity by persona"
) -> alt.LayerChart | alt.FacetChart:
    """A point and CI per persona group on a percentage-point axis, with a zero line.

    Groups keep the order of their first appearance. With a `significant` column the points
    are coloured by whether they survive the Benjamini-Hochberg correction; with a `model`
    column there is one panel per model (a faceted chart), otherwise a single layered chart.
    """
    require_columns(disparity, PERSONA_COLUMNS, "persona_disparity_chart")
    data = select(disparity, PERSONA_COLUMNS, PERSONA_OPTIONAL)
    for column in ("difference", "ci_low", "ci_high"):
        data[f"{column}_pp"] = data[column].astype(float) * 100.0
    if "significant" in data.columns:
        data["verdict"] = data["significant"].map(lambda s: SURVIVES if bool(s) else NOT_SIGNIFICANT)
        verdicts, palette = [SURVIVES, NOT_SIGNIFICANT], ["#c0392b", "#7f8c8d"]
    else:
        data["verdict"] = UNTESTED
        verdicts, palette = [UNTESTED], ["#2c3e50"]
    group_order = list(dict.fromkeys(data["persona_group"].astype(str)))
    y = alt.Y("persona_group:N", sort=group_order, axis=axis("Persona group", grid=False))
    x_axis = axis(X_TITLE, ".0f")
    x_axis.labelExpr = "datum.value > 0 ? '+' + datum.label : datum.label"  # signed, but a plain 0
    color = alt.Color(
        "verdict:N",
        title=None,
        scale=alt.Scale(domain=verdicts, range=palette),
        legend=alt.Legend(orient="bottom", labelFontSize=12),
    )
    tooltip = [alt.Tooltip("persona_group:N", title="Persona group")]
    if "model" in data.columns:
        tooltip.append(alt.Tooltip("model:N", title="Model"))
    tooltip += [
        alt.Tooltip("difference_pp:Q", title="Difference (pp)", format="+.1f"),
        alt.Tooltip("ci_low_pp:Q", title="95% CI low (pp)", format="+.1f"),
        alt.Tooltip("ci_high_pp:Q", title="95% CI high (pp)", format="+.1f"),
        alt.Tooltip("verdict:N", title="Verdict"),
    ]
    if "q_value" in data.columns:
        tooltip.append(alt.Tooltip("q_value:Q", title="BH q-value", format=".3f"))
    tooltip += count_tooltips(data, {"n_persona": "Persona conversations", "n_control": "Control conversations"})
    base = alt.Chart()
    zero = base.mark_rule(color="black", strokeDash=[4, 3]).encode(x=alt.datum(0))
    whiskers = base.mark_errorbar(ticks=True).encode(
        x=alt.X("ci_low_pp:Q", axis=x_axis), x2="ci_high_pp:Q", y=y, color=color, tooltip=tooltip
    )
    points = base.mark_point(filled=True, size=80).encode(
        x=alt.X("difference_pp:Q", axis=x_axis), y=y, color=color, tooltip=tooltip
    )
    layered = alt.layer(zero, whiskers, points, data=data).properties(width=420, height=alt.Step(26))
    chart_title = alt.Title(
        title, subtitle="Points: persona group minus control; whiskers: 95% CI; dashed line: no difference."
    )
    if "model" in data.columns:
        model_order = list(dict.fromkeys(data["model"].astype(str)))
        return layered.facet(
            row=alt.Row(
                "model:N",
                sort=model_order,
                title=None,
                header=alt.Header(labelFontSize=13, labelAngle=0, labelAlign="left"),
            )
        ).properties(title=chart_title)
    return layered.properties(title=chart_title)
