"""Per-model tables of the share (or mean) metrics of sections 2 and 3, with intervals.

One job: evaluate the metric definitions per model. Shares of conversations get Wilson
intervals (good coverage at small n and near 0 or 1); means get cluster-bootstrap
intervals over conversations (analysis.stats).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from analysis.metrics._definitions import CLARIFICATION_METRICS, KNOB_METRICS, MeanMetric, RateMetric
from analysis.metrics._frame import _scored, models_in
from analysis.metrics._values import _nan
from analysis.stats import DEFAULT_RESAMPLES, Interval, bootstrap_ratio, wilson_interval

RATE_TABLE_COLUMNS = (
    "model", "metric", "label", "section", "population", "k", "n_conversations", "rate", "ci_low", "ci_high", "method",
)
"""Columns of `rate_table`: k is the event count (None for means), rate the share or mean."""


def _metric_rows(frame: pd.DataFrame, metric: RateMetric | MeanMetric) -> pd.DataFrame:
    """The scored conversations in a metric's population."""
    return _in_population(_scored(frame), metric)


def _in_population(scored: pd.DataFrame, metric: RateMetric | MeanMetric) -> pd.DataFrame:
    """The rows of already-scored conversations in a metric's population."""
    return scored[metric.in_population(scored).astype(bool)]


def _metric_interval(rows: pd.DataFrame, metric: RateMetric | MeanMetric, n_resamples: int, seed: int) -> tuple[int | None, Interval]:
    if isinstance(metric, RateMetric):
        k = int(metric.is_event(rows).astype(bool).sum())
        return k, wilson_interval(k, len(rows))
    values = metric.value(rows).astype(float).to_numpy()
    return None, bootstrap_ratio(values, None, n_resamples=n_resamples, seed=seed)


def rate_table(
    conversations: pd.DataFrame,
    metrics: Sequence[RateMetric | MeanMetric],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (model, metric), in model order then metric order. Columns: RATE_TABLE_COLUMNS.

    rate / ci_low / ci_high are NaN where the population is empty (n_conversations 0).
    method is `wilson` for shares and `cluster_bootstrap` for means.
    """
    out: list[dict[str, Any]] = []
    scored = _scored(conversations)  # once, not per metric: each selection copies every column
    for model in models_in(conversations):
        frame = scored[scored["model"] == model]
        for metric in metrics:
            rows = _in_population(frame, metric)
            k, interval = _metric_interval(rows, metric, n_resamples, seed)
            out.append(
                {
                    "model": model, "metric": metric.name, "label": metric.label, "section": metric.section,
                    "population": metric.population, "k": k, "n_conversations": len(rows),
                    "rate": _nan(interval.estimate), "ci_low": _nan(interval.low), "ci_high": _nan(interval.high),
                    "method": interval.method,
                }
            )
    table = pd.DataFrame(out, columns=list(RATE_TABLE_COLUMNS))
    table["k"] = table["k"].astype("Int64")  # counts stay integers beside the means' missing k
    return table


def clarification_table(conversations: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """Section 2 rates (CLARIFICATION_METRICS) per model; columns as `rate_table`."""
    return rate_table(conversations, CLARIFICATION_METRICS, **kwargs)


def knob_table(conversations: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """Section 3 rates (KNOB_METRICS) per model; columns as `rate_table`."""
    return rate_table(conversations, KNOB_METRICS, **kwargs)
