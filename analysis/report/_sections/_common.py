"""Helpers several report sections share: table rows, the database as typed, facet panel widths."""

from __future__ import annotations

import math
import shlex
from typing import Any

import altair as alt
import pandas as pd

from analysis import metrics
from analysis import number_format as fmt
from analysis.report._context import ReportContext

HEADER_PX_PER_CHAR = 7.5
"""Approximate width of one character of a 13px bold facet header, to keep neighbouring headers apart."""
MIN_STEP = 34
"""The chart builders' own band step per model (px)."""

SHARE_METRICS = {m.name for m in metrics.CLARIFICATION_METRICS} | {
    m.name for m in metrics.KNOB_METRICS if isinstance(m, metrics.RateMetric)
}
"""Rate metrics that are shares of conversations (shown as k/n and a percentage)."""

RATE_HEADERS = ("Model", "Metric", "Of", "k/n", "Value (95% CI)")
"""Columns of a `rate_rows` table."""


def fit_panels(chart: alt.FacetChart, labels: list[str], n_models: int) -> alt.FacetChart:
    """Widen each facet panel so its header fits: with one or two models the builders' 34 px per model
    is narrower than a title like 'assumption_disclosure', and neighbouring titles would overprint."""
    longest = max((len(str(label)) for label in labels), default=0)
    step = max(MIN_STEP, math.ceil((longest * HEADER_PX_PER_CHAR + 14) / max(1, n_models)))
    chart.spec.width = alt.Step(step)
    return chart


def db(ctx: ReportContext) -> str:
    """The database path as the reader would type it (quoted when it needs quoting)."""
    return shlex.quote(ctx.options.db_label or "results.duckdb")


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dict("records")


def rate_rows(table: pd.DataFrame) -> tuple[tuple[str, ...], ...]:
    """Cells of a `metrics.rate_table`-shaped table under RATE_HEADERS."""
    out = []
    for r in rows(table):
        if r["metric"] in SHARE_METRICS:
            value, k = fmt.share(r["rate"], r["ci_low"], r["ci_high"]), fmt.fraction(r["k"], r["n_conversations"])
        else:
            value, k = fmt.number(r["rate"], r["ci_low"], r["ci_high"], signed=True), fmt.count(r["n_conversations"])
        out.append((r["model"], r["label"], r["population"], k, value))
    return tuple(out)
