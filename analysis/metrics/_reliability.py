"""Section 2 (repeats): aptitude and unreliability of success over repeated runs, per model.

One job: Laban et al.'s P, A^90 and U^90_10 on the conversation frame. A unit is one
scenario with one user agent and its runs are the repeats; models without repeats get
no row, since with single runs unreliability is 0 by construction and says nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.metrics._definitions import UNDERSPECIFIED
from analysis.metrics._frame import _scored, models_in
from analysis.metrics._values import _nan
from analysis.stats import DEFAULT_RESAMPLES, Interval, reliability_summary

RELIABILITY_COLUMNS = (
    "model", "n_scenarios", "n_runs", "min_repeats", "max_repeats",
    "average", "average_low", "average_high", "aptitude", "aptitude_low", "aptitude_high",
    "unreliability", "unreliability_low", "unreliability_high",
)
"""Columns of `reliability_table`: Laban et al.'s P, A^90 and U^90_10 (means over scenarios) with CIs."""


def _reliability_units(frame: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    rows = _scored(frame)
    rows = rows[rows["scenario_kind"].isin(kinds)]
    return rows.assign(unit=rows["scenario_id"].astype(str) + "|" + rows["user_agent"].astype(str),
                       success=(rows["outcome"] == "success").astype(float))


def reliability_table(
    conversations: pd.DataFrame,
    *,
    kinds: Sequence[str] = UNDERSPECIFIED,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> pd.DataFrame:
    """Aptitude and unreliability of success over repeats, per model (Laban et al., Lost in Conversation).

    A unit is one scenario with one user agent; its runs are the repeats. Only models with
    some unit run at least twice get a row (with single runs, unreliability is 0 by
    construction and says nothing). Columns: RELIABILITY_COLUMNS.
    """
    out = []
    for model in models_in(conversations):
        rows = _reliability_units(conversations[conversations["model"] == model], kinds)
        if rows.empty or rows.groupby("unit").size().max() < 2:
            continue
        summary = reliability_summary(rows["unit"].to_numpy(), rows["success"].to_numpy(), n_resamples=n_resamples, seed=seed)
        counts = rows.groupby("unit").size()
        row: dict[str, Any] = {
            "model": model, "n_scenarios": summary.n_scenarios, "n_runs": summary.n_runs,
            "min_repeats": summary.min_repeats, "max_repeats": int(counts.max()),
        }
        for name in ("average", "aptitude", "unreliability"):
            interval: Interval = getattr(summary, name)
            row.update({name: _nan(interval.estimate), f"{name}_low": _nan(interval.low), f"{name}_high": _nan(interval.high)})
        out.append(row)
    return pd.DataFrame(out, columns=list(RELIABILITY_COLUMNS))


def _per_unit_scores(conversations: pd.DataFrame, kinds: Sequence[str]) -> dict[str, np.ndarray]:
    """Per unit: A_i (90th percentile) and U_i (90th - 10th) of success, for tuned-minus-base differences.

    `max_repeats` holds one number, the most runs any unit has (empty without units): with
    fewer than 2 the figures are 0 by construction and the alignment tax leaves them out.
    """
    rows = _reliability_units(conversations, kinds)
    if rows.empty:
        return {"aptitude": np.empty(0), "unreliability": np.empty(0), "max_repeats": np.empty(0, dtype=int)}
    grouped = rows.groupby("unit")["success"]
    p90, p10 = grouped.quantile(0.9).to_numpy(), grouped.quantile(0.1).to_numpy()
    return {"aptitude": p90, "unreliability": p90 - p10, "max_repeats": np.array([int(grouped.size().max())])}
