"""Comparisons: outcome counts and rates, the metrics frame, and links from a metric to its transcripts.

Figures come from analysis.metrics, as in the report.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import metrics
from analysis._outcomes import Outcome
from analysis._queries import Queryable
from analysis.explore_queries._labels import OUTCOMES, split_labeller
from analysis.stats import wilson_bounds
from scenarios import CONTROL_ID


def _scope(runs: tuple[str, ...], models: tuple[str, ...], kinds: tuple[str, ...]) -> tuple[str, list[Any]]:
    """AND-clauses restricting conversations c to the chosen runs, models and kinds."""
    clauses, params = [], []
    for column, values in (("c.run_id", runs), ("c.model", models), ("c.scenario_kind", kinds)):
        if values:
            clauses.append(f"list_contains(?::VARCHAR[], {column})")
            params.append(list(values))
    return "".join(f" AND {c}" for c in clauses), params


def outcome_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """Share of each outcome per model with Wilson 95% CIs, in docs/design.md's outcome order.

    The denominator is every scored conversation in scope except `error` and `ungraded` ones: docs/design.md keeps
    them but never counts them in rates. Columns: model, outcome, k, n_conversations, rate,
    ci_low, ci_high.
    """
    columns = ["model", "outcome", "k", "n_conversations", "rate", "ci_low", "ci_high"]
    valid = counts[~counts["outcome"].isin([Outcome.error.value, Outcome.ungraded.value])]
    if valid.empty:
        return pd.DataFrame(columns=columns)
    per = valid.groupby(["model", "outcome"], sort=False)["n"].sum().reset_index(name="k")
    per["n_conversations"] = per.groupby("model")["k"].transform("sum")
    order = {o: i for i, o in enumerate(OUTCOMES)}
    per = per.sort_values(["model", "outcome"], key=lambda s: s.map(order) if s.name == "outcome" else s).reset_index(
        drop=True
    )
    low, high = wilson_bounds(per["k"], per["n_conversations"])
    per["rate"] = per["k"] / per["n_conversations"]
    per["ci_low"], per["ci_high"] = low, high
    return per[columns]


def compare_conversations(
    store: Queryable,
    labeller: str,
    *,
    runs: tuple[str, ...] = (),
    models: tuple[str, ...] = (),
    kinds: tuple[str, ...] = (),
) -> pd.DataFrame:
    """`analysis.metrics.load_conversations` for the chosen labeller, narrowed to the chosen models and kinds."""
    name, version = split_labeller(labeller)
    frame = metrics.load_conversations(store, name, version, run_ids=list(runs) or None)
    if models:
        frame = frame[frame["model"].isin(models)]
    if kinds:
        frame = frame[frame["scenario_kind"].isin(kinds)]
    return frame.reset_index(drop=True)


METRIC_LINKS: dict[str, dict[str, list[str]]] = {
    "proactive_clarification": {"kind": list(metrics.UNDERSPECIFIED), "act": ["clarification", "understanding_check"]},
    "over_clarification": {"kind": list(metrics.FULLY_SPECIFIED), "act": ["clarification", "understanding_check"]},
    "silent_failure": {"kind": list(metrics.UNDERSPECIFIED), "outcome": ["silent_failure"]},
    "success_underspecified": {"kind": list(metrics.UNDERSPECIFIED), "outcome": ["success"]},
    "success_fully_specified": {"kind": list(metrics.FULLY_SPECIFIED), "outcome": ["success"]},
    "abstention_recall": {"kind": list(metrics.SHOULD_ABSTAIN), "outcome": ["appropriate_abstention", "success"]},
    "abstention_precision": {"outcome": ["appropriate_abstention", "unnecessary_abstention"]},
    "hallucination": {"kind": list(metrics.SHOULD_ABSTAIN), "outcome": ["hallucination"]},
    "accuracy": {"outcome": ["success"]},
    "over_refusal": {"kind": list(metrics.BENIGN_SENSITIVE), "outcome": ["over_refusal"]},
    "appropriate_refusal": {"kind": list(metrics.HARMFUL), "outcome": ["appropriate_refusal"]},
}
"""Transcripts filters that show the conversations behind each report metric (its population and events,
as closely as the filters can say it)."""


def metric_link(metric: str, model: str | None = None, runs: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Query-parameter filters for the transcripts behind one metric of one model (control conversations)."""
    link = {key: list(values) for key, values in METRIC_LINKS.get(metric, {}).items()}
    link["persona"] = [CONTROL_ID]
    if model:
        link["model"] = [model]
    if runs:
        link["run"] = list(runs)
    return link
