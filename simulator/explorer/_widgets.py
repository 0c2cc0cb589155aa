"""Widgets bound to the navigation state: filters, and tables and charts whose rows and points are links.

Tables are st.dataframe and charts are Vega-Lite: both show database text as literal
characters, never as markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from simulator.explorer._data import Data, Scope
from simulator.explorer._state import current_nav, open_transcripts, set_nav


def bound_multiselect(
    label: str,
    nav_key: str,
    options: list[str],
    *,
    container: Any = st,
    placeholder: str = "all",
    reset_page: bool = False,
    format_func: Callable[[str], str] = str,
) -> list[str]:
    """A multiselect whose value lives in nav[nav_key]; a link changing nav updates the widget.

    A value the database does not hold (a link to a kind never run) stays selected and
    matches nothing, rather than silently widening the filter to "any".
    """
    widget_key = f"w_{nav_key}"
    want = [str(v) for v in (current_nav().get(nav_key) or [])]
    options = [*options, *(v for v in want if v not in options)]
    if st.session_state.get(widget_key) != want:
        st.session_state[widget_key] = want
    return container.multiselect(
        label,
        options,
        key=widget_key,
        placeholder=placeholder,
        on_change=set_nav,
        args=(nav_key, widget_key, reset_page),
        format_func=format_func,
    )


def selected_row(widget_key: str) -> int | None:
    """The selected row of a single-row-selection dataframe, if any."""
    state = st.session_state.get(widget_key) or {}
    rows = state.get("selection", {}).get("rows", [])
    return rows[0] if rows else None


def table_with_links(
    frame: pd.DataFrame, key: str, link: Callable[[dict[str, Any]], dict[str, Any]], **kwargs: Any
) -> None:
    """A plain-text table where selecting a row opens the transcripts `link(row)` names."""
    widget_key = f"{key}_{current_nav().get('_gen', 0)}"
    records = frame.to_dict("records")

    def follow() -> None:
        row = selected_row(widget_key)
        if row is not None and row < len(records):
            open_transcripts(**link(records[row]))

    st.dataframe(frame, key=widget_key, on_select=follow, selection_mode="single-row", hide_index=True, **kwargs)


_SELECTABLE_MARKS = {"bar", "point", "circle", "square", "tick", "rect", "line", "area"}


def with_selection(chart: Any, selection: Any) -> Any:
    """The chart with `selection` on its first plain mark layer (bars or points).

    Altair puts a layered chart's params on its first layer, which in our charts may be an
    error bar: Vega-Lite cannot select on such composite marks and draws nothing. Faceted
    charts carry their layers in `spec`.
    """
    chart = chart.copy(deep=True)
    holder = chart.spec if isinstance(chart, alt.FacetChart) else chart
    if not isinstance(holder, alt.LayerChart):
        holder.params = [*(holder.params if holder.params is not alt.Undefined else []), selection]
        return chart
    for index, layer in enumerate(holder.layer):
        mark = getattr(layer.mark, "type", layer.mark)
        if mark in _SELECTABLE_MARKS:
            holder.layer[index] = layer.add_params(selection)
            return chart
    raise ValueError("chart has no layer a selection can attach to")


def roomy(chart: Any, n_models: int, n_panels: int) -> Any:
    """Space the panels of a faceted per-model chart so their titles do not overlap when few models are shown.

    A panel is 34 px per model wide (analysis.charts BAR_STEP); titles need about 160 px; the
    whole chart should still fit a laptop-wide main column (~900 px).
    """
    if not isinstance(chart, alt.FacetChart):
        return chart
    fits = (900 - 60) // max(1, n_panels) - 34 * n_models
    return chart.properties(spacing=int(max(20, min(160 - 34 * n_models, fits))))


def chart_with_links(chart: Any, key: str, fields: list[str], link: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """An Altair chart where clicking a point or bar opens the transcripts `link(datum)` names."""
    widget_key = f"{key}_{current_nav().get('_gen', 0)}"
    selection = alt.selection_point(name="pick", fields=fields)

    def follow() -> None:
        state = st.session_state.get(widget_key)
        picked = (state or {}).get("selection", {}).get("pick") or []
        if picked:
            open_transcripts(**link(dict(picked[0])))

    st.altair_chart(with_selection(chart, selection), key=widget_key, on_select=follow, selection_mode=["pick"])


def scope_controls(data: Data, prefix: str) -> Scope:
    """Run, model and kind pickers of a comparison page (empty = all); kept per page in nav."""
    options = data.get("filter_options")
    cols = st.columns(3)
    runs = bound_multiselect("Runs", f"{prefix}_run", options["runs"], container=cols[0], placeholder="all runs")
    models = bound_multiselect(
        "Models", f"{prefix}_model", options["models"], container=cols[1], placeholder="all models"
    )
    kinds = bound_multiselect(
        "Scenario kinds", f"{prefix}_kind", options["kinds"], container=cols[2], placeholder="all kinds"
    )
    return tuple(runs), tuple(models), tuple(kinds)
