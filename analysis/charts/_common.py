"""What every chart builder shares: column checks, readable axes, tooltips, SVG rendering.

Text that comes from data (model names, persona groups, corpus names) only ever travels
as data values: Vega draws them as SVG text nodes, which it escapes, so a model called
`<script>` shows up as those characters and is never markup. Builders copy just the columns
they use, so nothing else from a caller's frame is embedded in the spec.
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd
import vl_convert as vlc

LABEL_FONT_SIZE = 12
"""Axis label size in px: readable in a report printed to A4 and in the explorer."""
TITLE_FONT_SIZE = 13
"""Axis title size in px."""
LABEL_LIMIT = 260
"""Longest axis label in px before Vega truncates it with an ellipsis (long model ids)."""
BAR_STEP = 34
"""Width in px given to each model's bar, so a chart grows with the number of models."""


def require_columns(frame: pd.DataFrame, required: Iterable[str], chart: str) -> None:
    """Fail early, naming the missing columns, instead of drawing an empty chart."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{chart}: missing column(s) {', '.join(missing)}; got {', '.join(map(str, frame.columns))}")


def select(frame: pd.DataFrame, required: Iterable[str], optional: Iterable[str] = ()) -> pd.DataFrame:
    """A copy of just the columns a chart uses (required first, then the optional ones present)."""
    columns = list(required) + [c for c in optional if c in frame.columns]
    return frame.loc[:, columns].reset_index(drop=True).copy()


def axis(title: str | list[str], fmt: str | None = None, *, grid: bool = True) -> alt.Axis:
    """An axis with a title (units included by the caller), readable fonts and long labels kept."""
    kwargs: dict[str, object] = {
        "title": title,
        "labelFontSize": LABEL_FONT_SIZE,
        "titleFontSize": TITLE_FONT_SIZE,
        "labelLimit": LABEL_LIMIT,
        "grid": grid,
    }
    if fmt is not None:
        kwargs["format"] = fmt
    return alt.Axis(**kwargs)  # type: ignore[arg-type]


def model_axis(title: str = "Model") -> alt.Axis:
    """The categorical model axis: labels slanted so long provider/model ids stay legible."""
    return alt.Axis(
        title=title,
        labelFontSize=LABEL_FONT_SIZE,
        titleFontSize=TITLE_FONT_SIZE,
        labelLimit=LABEL_LIMIT,
        labelAngle=-30,
        labelAlign="right",
    )


def ci_tooltips(value: str, title: str, fmt: str, low: str = "ci_low", high: str = "ci_high") -> list[alt.Tooltip]:
    """Tooltip rows for a value and its interval, in one number format."""
    return [
        alt.Tooltip(f"{value}:Q", title=title, format=fmt),
        alt.Tooltip(f"{low}:Q", title="95% CI low", format=fmt),
        alt.Tooltip(f"{high}:Q", title="95% CI high", format=fmt),
    ]


def count_tooltips(frame: pd.DataFrame, titles: dict[str, str]) -> list[alt.Tooltip]:
    """Tooltip rows for the count columns the frame actually has (e.g. conversations)."""
    return [
        alt.Tooltip(f"{column}:Q", title=title, format=",d")
        for column, title in titles.items()
        if column in frame.columns
    ]


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to a standalone SVG string, offline.

    vl-convert bundles Vega and Vega-Lite, so nothing is fetched: no CDN, no data URLs
    (external data loading is disabled with an empty allow-list), and the result is an
    `<svg>` element with no scripts that can be inlined in a self-contained HTML report.
    """
    return vlc.vegalite_to_svg(chart.to_dict(), allowed_base_urls=[])
