"""The two knobs: epistemic abstention against over-refusal, one point per model (the report's two-knobs section).

A model that abstains when nobody can know (right) without refusing benign-but-sensitive
requests (low) sits bottom right; the chart shows at a glance whether a model buys honesty
with over-refusal or the reverse.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts._common import axis, count_tooltips, require_columns, select

KNOB_COLUMNS = (
    "model",
    "abstention_recall",
    "abstention_recall_low",
    "abstention_recall_high",
    "over_refusal",
    "over_refusal_low",
    "over_refusal_high",
)
"""Required: model id; abstention recall on unanswerable/false-premise conversations (share, 0-1)
and its 95% CI; over-refusal rate on benign-sensitive conversations (share, 0-1) and its 95% CI."""
KNOB_COUNTS = {"n_abstention": "Unanswerable/false-premise conversations", "n_benign": "Benign-sensitive conversations"}
"""Optional count columns shown in the tooltip."""

X_TITLE = ["Epistemic abstention recall", "(% of unanswerable / false-premise conversations)"]
Y_TITLE = ["Over-refusal", "(% of benign-sensitive conversations)"]


def two_knobs_chart(knobs: pd.DataFrame, *, title: str = "Epistemic abstention vs over-refusal") -> alt.LayerChart:
    """Scatter of abstention recall (x) against over-refusal (y), each with its CI whiskers.

    One row per model; shares are fractions in [0, 1] drawn as percentages on fixed 0-100%
    axes so charts of different runs compare. Model names label the points as data text.
    """
    require_columns(knobs, KNOB_COLUMNS, "two_knobs_chart")
    data = select(knobs, KNOB_COLUMNS, KNOB_COUNTS)
    model_order = list(dict.fromkeys(data["model"].astype(str)))
    scale = alt.Scale(domain=[0, 1], nice=False)
    x_axis, y_axis = axis(X_TITLE, ".0%"), axis(Y_TITLE, ".0%")
    tooltip = [
        alt.Tooltip("model:N", title="Model"),
        alt.Tooltip("abstention_recall:Q", title="Abstention recall", format=".1%"),
        alt.Tooltip("abstention_recall_low:Q", title="Recall 95% CI low", format=".1%"),
        alt.Tooltip("abstention_recall_high:Q", title="Recall 95% CI high", format=".1%"),
        alt.Tooltip("over_refusal:Q", title="Over-refusal", format=".1%"),
        alt.Tooltip("over_refusal_low:Q", title="Over-refusal 95% CI low", format=".1%"),
        alt.Tooltip("over_refusal_high:Q", title="Over-refusal 95% CI high", format=".1%"),
        *count_tooltips(data, KNOB_COUNTS),
    ]
    color = alt.Color("model:N", sort=model_order, title="Model", legend=alt.Legend(labelLimit=260, labelFontSize=12))
    base = alt.Chart()
    x = alt.X("abstention_recall:Q", scale=scale, axis=x_axis)
    y = alt.Y("over_refusal:Q", scale=scale, axis=y_axis)
    horizontal = base.mark_errorbar(ticks=True).encode(
        x=alt.X("abstention_recall_low:Q", scale=scale, axis=x_axis),
        x2="abstention_recall_high:Q",
        y=y,
        color=color,
        tooltip=tooltip,
    )
    vertical = base.mark_errorbar(ticks=True).encode(
        x=x,
        y=alt.Y("over_refusal_low:Q", scale=scale, axis=y_axis),
        y2="over_refusal_high:Q",
        color=color,
        tooltip=tooltip,
    )
    points = base.mark_point(filled=True, size=90).encode(x=x, y=y, color=color, tooltip=tooltip)
    labels = base.mark_text(align="left", dx=7, dy=-7, fontSize=11).encode(x=x, y=y, text="model:N")
    return alt.layer(horizontal, vertical, points, labels, data=data).properties(
        width=380,
        height=380,
        title=alt.Title(
            title,
            subtitle="Right = abstains when it cannot know; low = does not refuse benign requests. Whiskers: 95% CI.",
        ),
    )
