"""Reshaping metric tables into the frames the charts draw.

One job: the bridge from tables to `analysis.charts`. Kept apart so the charts depend
on a frame shape rather than on how the tables are computed, and the tables stay
free of drawing concerns.
"""

from __future__ import annotations

import pandas as pd


def knobs_for_chart(knobs: pd.DataFrame) -> pd.DataFrame:
    """The wide frame `analysis.charts.two_knobs_chart` draws, from `knob_table`.

    Columns: model, abstention_recall(+_low/_high), over_refusal(+_low/_high), n_abstention,
    n_benign. Models with neither figure defined are left out (nothing to place).
    """
    rows = []
    for model, group in knobs.groupby("model", sort=False):
        by = group.set_index("metric")
        recall, refusal = by.loc["abstention_recall"], by.loc["over_refusal"]
        rows.append(
            {
                "model": model,
                "abstention_recall": recall["rate"], "abstention_recall_low": recall["ci_low"],
                "abstention_recall_high": recall["ci_high"],
                "over_refusal": refusal["rate"], "over_refusal_low": refusal["ci_low"], "over_refusal_high": refusal["ci_high"],
                "n_abstention": int(recall["n_conversations"]), "n_benign": int(refusal["n_conversations"]),
            }
        )
    wide = pd.DataFrame(rows)
    if wide.empty:
        return wide
    return wide[wide["abstention_recall"].notna() & wide["over_refusal"].notna()].reset_index(drop=True)


def grounding_for_chart(grounding: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(rates, baseline) frames for `analysis.charts.grounding_acts_chart` from `grounding_table`."""
    rates = grounding[["model", "act", "rate", "ci_low", "ci_high", "n_conversations", "n_turns"]].copy()
    rates = rates[rates["rate"].notna()]
    with_human = grounding[grounding["human_rate"].notna()]
    if with_human.empty:
        return rates, None
    baseline = with_human.drop_duplicates("act")[["act", "human_rate", "human_ci_low", "human_ci_high", "human_turns"]]
    baseline = baseline.rename(
        columns={"human_rate": "rate", "human_ci_low": "ci_low", "human_ci_high": "ci_high", "human_turns": "n_turns"}
    )
    return rates, baseline.reset_index(drop=True)
