"""Analysis: labels, outcomes, baselines, statistics and the queries reports and the app share."""

from analysis._annotate import AnnotateSummary, annotate, outcome_row
from analysis._queries import Queryable, get_conversation, list_runs, summary_by_kind
from analysis.labellers import Labeller, RulesLabeller, get_labeller, known_labellers, register_labeller

__all__ = [
    "AnnotateSummary",
    "annotate",
    "outcome_row",
    "Labeller",
    "Queryable",
    "RulesLabeller",
    "get_conversation",
    "get_labeller",
    "known_labellers",
    "list_runs",
    "register_labeller",
    "summary_by_kind",
]
