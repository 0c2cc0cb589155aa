"""Section 1: grounding acts per assistant turn by model, beside the human rate, and the gap.

One job: the grounding table. Rates are per assistant turn with intervals that resample
conversations (turns of one conversation move together); the gap 1 - model/human is
bootstrapped on both sides when the human conversations are at hand, else against the
human rate's stored interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.metrics._baseline_choice import HumanClusters
from analysis.metrics._frame import ACT_NAMES, _act_column, _scored, models_in
from analysis.metrics._values import _float, _nan
from analysis.stats import DEFAULT_RESAMPLES, Interval, bootstrap_gap, bootstrap_gap_to_reported_rate, bootstrap_ratio

GROUNDING_COLUMNS = (
    "model", "act", "n_conversations", "n_turns", "n_with_act", "rate", "ci_low", "ci_high",
    "human_rate", "human_ci_low", "human_ci_high", "human_turns", "gap", "gap_low", "gap_high", "gap_method",
)
"""Columns of `grounding_table`; the human_* and gap* columns are NaN without a baseline row for the act."""


def grounding_table(
    conversations: pd.DataFrame,
    baseline: pd.DataFrame | None = None,
    *,
    clusters: HumanClusters | None = None,
    acts: Sequence[str] = ACT_NAMES,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> pd.DataFrame:
    """Acts per assistant turn by model and act, beside the human rate, and the gap 1 - model/human.

    Population: scored conversations with at least one labelled assistant turn, all kinds.
    rate = turns with the act / assistant turns (a turn holds an act at most once, so this is
    both "acts per turn" and "share of turns with the act"); CI: percentile bootstrap over
    conversations. `baseline` (BaselineChoice.rows) has act, rate, ci_low, ci_high, n_turns.

    The gap's interval (`gap_method`): with the human conversations' counts (`clusters`,
    from `human_clusters`) both sides are resampled by conversation (`bootstrap_gap`);
    otherwise the human rate is drawn from a normal with the spread of its stored 95% CI
    (`cluster_bootstrap+normal_human`). Draws with a human rate <= 0 are dropped.
    """
    human = {} if baseline is None else {str(r["act"]): r for r in baseline.to_dict("records")}
    clusters = clusters or {}
    out: list[dict[str, Any]] = []
    usable = _scored(conversations)
    usable = usable[usable["assistant_turns"] > 0]
    for m_index, model in enumerate(models_in(usable)):
        frame = usable[usable["model"] == model]
        den = frame["assistant_turns"].to_numpy(dtype=float)
        for a_index, act in enumerate(acts):
            num = frame[_act_column(act)].to_numpy(dtype=float)
            stream = seed + 1009 * m_index + a_index
            interval = bootstrap_ratio(num, den, n_resamples=n_resamples, seed=stream)
            row: dict[str, Any] = {
                "model": model, "act": act, "n_conversations": len(frame), "n_turns": int(den.sum()),
                "n_with_act": int(num.sum()), "rate": _nan(interval.estimate), "ci_low": _nan(interval.low),
                "ci_high": _nan(interval.high),
            }
            h = human.get(act)
            if h is not None:
                if act in clusters:
                    h_num, h_den = clusters[act]
                    gap = bootstrap_gap(num, den, h_num, h_den, n_resamples=n_resamples, seed=stream)
                else:
                    gap = _gap_interval(num, den, h, n_resamples=n_resamples, seed=stream)
                row.update(
                    human_rate=_float(h.get("rate")), human_ci_low=_float(h.get("ci_low")),
                    human_ci_high=_float(h.get("ci_high")), human_turns=h.get("n_turns"),
                    gap=_nan(gap.estimate), gap_low=_nan(gap.low), gap_high=_nan(gap.high), gap_method=gap.method,
                )
            out.append(row)
    return pd.DataFrame(out, columns=list(GROUNDING_COLUMNS))


def _gap_interval(num: np.ndarray, den: np.ndarray, human: dict[str, Any], *, n_resamples: int, seed: int) -> Interval:
    """1 - model/human against a baseline known only by its figures (rate and CI)."""
    return bootstrap_gap_to_reported_rate(
        num, den, _float(human.get("rate")), _float(human.get("ci_low")), _float(human.get("ci_high")),
        n_resamples=n_resamples, seed=seed,
    )
