"""Section 5: the alignment tax, every metric of sections 1-4 as tuned minus base with a CI.

One job: compare two models on the figures the other modules define. It reuses their
definitions (acts per turn, the rate metrics, repeats, persona disparity) rather than
restating them, so a difference is always between the figures the report shows.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from analysis.metrics._definitions import CLARIFICATION_METRICS, KNOB_METRICS, UNDERSPECIFIED, RateMetric
from analysis.metrics._frame import ACT_NAMES, _act_column
from analysis.metrics._rates import _metric_rows
from analysis.metrics._reliability import _per_unit_scores
from analysis.metrics._values import _nan, _ratio
from analysis.stats import DEFAULT_RESAMPLES, Interval, bootstrap_ratio_difference, newcombe_difference

TAX_COLUMNS = (
    "metric", "label", "section", "base_estimate", "tuned_estimate", "difference", "ci_low", "ci_high",
    "method", "n_base", "n_tuned", "higher_is_better",
)
"""Columns of `alignment_tax`: every metric as tuned minus base with a CI; n_* count the
conversations (or scenario units, for aptitude and unreliability) behind each side."""


def alignment_tax(
    conversations: pd.DataFrame,
    base: str,
    tuned: str,
    *,
    persona: pd.DataFrame | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> pd.DataFrame:
    """Tuned minus base for every metric of sections 1-4, with CIs. Columns: TAX_COLUMNS.

    `conversations` should be the control conversations (sections 1-3); `persona` the
    persona_disparity table, whose per-group differences are compared by the MOVER
    combination of their Newcombe intervals (Newcombe's own construction, one level up).
    Methods: shares -> Newcombe difference of Wilson intervals; acts per turn and means ->
    bootstrap of the difference over conversations (each model resampled on its own);
    aptitude / unreliability -> bootstrap over scenario units (only when both models have repeats).
    """
    b_all = conversations[conversations["model"] == base]
    t_all = conversations[conversations["model"] == tuned]
    out: list[dict[str, Any]] = []

    def add(metric: str, label: str, section: int, interval: Interval, b_est: float | None, t_est: float | None,
            n_b: int, n_t: int, better: bool | None) -> None:
        out.append(
            {
                "metric": metric, "label": label, "section": section, "base_estimate": _nan(b_est),
                "tuned_estimate": _nan(t_est), "difference": _nan(interval.estimate), "ci_low": _nan(interval.low),
                "ci_high": _nan(interval.high), "method": interval.method, "n_base": n_b, "n_tuned": n_t,
                "higher_is_better": better,
            }
        )

    b_used, t_used = (f[f["scored"] & (f["assistant_turns"] > 0)] for f in (b_all, t_all))
    for i, act in enumerate(ACT_NAMES):
        col = _act_column(act)
        b_num, b_den = b_used[col].to_numpy(float), b_used["assistant_turns"].to_numpy(float)
        t_num, t_den = t_used[col].to_numpy(float), t_used["assistant_turns"].to_numpy(float)
        interval = bootstrap_ratio_difference(t_num, t_den, b_num, b_den, n_resamples=n_resamples, seed=seed + i)
        add(f"acts_per_turn:{act}", f"{act} per assistant turn", 1, interval, _ratio(b_num, b_den), _ratio(t_num, t_den),
            len(b_used), len(t_used), None)

    for i, metric in enumerate((*CLARIFICATION_METRICS, *KNOB_METRICS)):
        b_rows, t_rows = _metric_rows(b_all, metric), _metric_rows(t_all, metric)
        if isinstance(metric, RateMetric):
            k_b, k_t = int(metric.is_event(b_rows).astype(bool).sum()), int(metric.is_event(t_rows).astype(bool).sum())
            interval = newcombe_difference(k_t, len(t_rows), k_b, len(b_rows))
            b_est = k_b / len(b_rows) if len(b_rows) else None
            t_est = k_t / len(t_rows) if len(t_rows) else None
        else:
            b_vals, t_vals = metric.value(b_rows).to_numpy(float), metric.value(t_rows).to_numpy(float)
            interval = bootstrap_ratio_difference(t_vals, None, b_vals, None, n_resamples=n_resamples, seed=seed + 100 + i)
            b_est = float(b_vals.mean()) if b_vals.size else None
            t_est = float(t_vals.mean()) if t_vals.size else None
        add(metric.name, metric.label, metric.section, interval, b_est, t_est, len(b_rows), len(t_rows), metric.higher_is_better)

    b_units, t_units = _per_unit_scores(b_all, UNDERSPECIFIED), _per_unit_scores(t_all, UNDERSPECIFIED)
    if b_units["max_repeats"].size and t_units["max_repeats"].size and min(b_units["max_repeats"][0], t_units["max_repeats"][0]) >= 2:
        for i, (name, better) in enumerate((("aptitude", True), ("unreliability", False))):
            b_vals, t_vals = b_units[name], t_units[name]
            interval = bootstrap_ratio_difference(t_vals, None, b_vals, None, n_resamples=n_resamples, seed=seed + 200 + i)
            add(name, f"{name.capitalize()} (success over repeats)", 2, interval, float(b_vals.mean()), float(t_vals.mean()),
                int(b_vals.size), int(t_vals.size), better)

    if persona is not None and not persona.empty:
        for group in sorted(set(persona["persona_group"])):
            b_row = persona[(persona["model"] == base) & (persona["persona_group"] == group)]
            t_row = persona[(persona["model"] == tuned) & (persona["persona_group"] == group)]
            if b_row.empty or t_row.empty:
                continue
            b, t = b_row.iloc[0], t_row.iloc[0]
            add(f"persona_disparity:{group}", f"Refusal disparity: {group} minus control", 4,
                _mover_difference(t, b), b["difference"], t["difference"], int(b["n_persona"]), int(t["n_persona"]), None)
    return pd.DataFrame(out, columns=list(TAX_COLUMNS))


def _mover_difference(tuned: pd.Series, base: pd.Series) -> Interval:
    """CI of d_t - d_b from the two (independent) difference intervals: MOVER (Newcombe 1998; Zou & Donner 2008)."""
    values = [tuned["difference"], tuned["ci_low"], tuned["ci_high"], base["difference"], base["ci_low"], base["ci_high"]]
    if any(pd.isna(v) for v in values):
        return Interval(estimate=None, low=None, high=None, confidence=0.95, method="mover")
    dt, lt, ht, db, lb, hb = (float(v) for v in values)
    d = dt - db
    low = d - math.sqrt((dt - lt) ** 2 + (hb - db) ** 2)
    high = d + math.sqrt((ht - dt) ** 2 + (db - lb) ** 2)
    return Interval(estimate=d, low=low, high=high, confidence=0.95, method="mover")
