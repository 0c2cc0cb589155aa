"""Analysis: labels, outcomes, baselines, statistics and the queries reports and the app share.

Heavier parts are subpackages imported on use: `analysis.report` (the alignment-tax
report), `analysis.charts` (Altair charts) and `analysis.metrics` via the report, so the
simulator's live labelling does not pay for pandas and Altair at start-up.
"""

from analysis._agreement import ValidationReport, cohen_kappa, validate_labeller
from analysis._annotate import AnnotateSummary, annotate, outcome_row
from analysis._outcomes import Outcome, OutcomeRecord, SimpleQAGrade, score_conversation
from analysis._queries import Queryable, get_conversation, list_runs, summary_by_kind
from analysis._replay import DEFAULT_SYSTEM_PROMPT as REPLAY_SYSTEM_PROMPT
from analysis._replay import replay, replay_positions, replay_summary
from analysis._validation import SourceFigures, figures_table, load_figures, save_figures, validate_by_source
from analysis.baselines import ImportSummary, import_corpus, list_baselines
from analysis.labellers import LABELLERS, JudgeError, Labeller, LabellerContext, RulesLabeller, get_labeller, known_labellers
from analysis.stats import (
    benjamini_hochberg,
    bootstrap_gap,
    bootstrap_gap_to_reported_rate,
    bootstrap_ratio,
    bootstrap_ratio_difference,
    cmh_test,
    newcombe_difference,
    stratified_permutation_test,
    wilson_interval,
)

__all__ = [
    "LABELLERS",
    "REPLAY_SYSTEM_PROMPT",
    "AnnotateSummary",
    "ImportSummary",
    "JudgeError",
    "Labeller",
    "LabellerContext",
    "Outcome",
    "OutcomeRecord",
    "Queryable",
    "RulesLabeller",
    "SimpleQAGrade",
    "SourceFigures",
    "ValidationReport",
    "annotate",
    "benjamini_hochberg",
    "bootstrap_gap",
    "bootstrap_gap_to_reported_rate",
    "bootstrap_ratio",
    "bootstrap_ratio_difference",
    "cmh_test",
    "cohen_kappa",
    "figures_table",
    "get_conversation",
    "get_labeller",
    "import_corpus",
    "known_labellers",
    "list_baselines",
    "list_runs",
    "load_figures",
    "newcombe_difference",
    "outcome_row",
    "replay",
    "replay_positions",
    "replay_summary",
    "save_figures",
    "score_conversation",
    "stratified_permutation_test",
    "summary_by_kind",
    "validate_by_source",
    "validate_labeller",
    "wilson_interval",
]
