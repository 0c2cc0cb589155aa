"""Analysis: labels, outcomes, baselines, statistics and the queries reports and the app share.

Names are imported on first use (PEP 562), as in `simulator`: the CLI builds its
`--labeller` help from the labeller registry at start-up, and that must not load pandas,
pyarrow and DuckDB for a command like `groundsim runs --help`. Heavier parts are
subpackages imported on use: `analysis.report`, `analysis.charts`, `analysis.metrics`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, tuple[str, str]] = {
    "AnnotateSummary": ("analysis._annotate", "AnnotateSummary"),
    "ImportSummary": ("analysis.baselines", "ImportSummary"),
    "JudgeError": ("analysis.labellers", "JudgeError"),
    "LABELLERS": ("analysis.labellers", "LABELLERS"),
    "Labeller": ("analysis.labellers", "Labeller"),
    "LabellerContext": ("analysis.labellers", "LabellerContext"),
    "Outcome": ("analysis._outcomes", "Outcome"),
    "OutcomeRecord": ("analysis._outcomes", "OutcomeRecord"),
    "Queryable": ("analysis._queries", "Queryable"),
    "REPLAY_SYSTEM_PROMPT": ("analysis._replay", "DEFAULT_SYSTEM_PROMPT"),
    "RulesLabeller": ("analysis.labellers", "RulesLabeller"),
    "SimpleQAGrade": ("analysis._outcomes", "SimpleQAGrade"),
    "SourceFigures": ("analysis._validation", "SourceFigures"),
    "ValidationReport": ("analysis._agreement", "ValidationReport"),
    "annotate": ("analysis._annotate", "annotate"),
    "benjamini_hochberg": ("analysis.stats", "benjamini_hochberg"),
    "bootstrap_gap": ("analysis.stats", "bootstrap_gap"),
    "bootstrap_gap_to_reported_rate": ("analysis.stats", "bootstrap_gap_to_reported_rate"),
    "bootstrap_ratio": ("analysis.stats", "bootstrap_ratio"),
    "bootstrap_ratio_difference": ("analysis.stats", "bootstrap_ratio_difference"),
    "cmh_test": ("analysis.stats", "cmh_test"),
    "cohen_kappa": ("analysis._agreement", "cohen_kappa"),
    "figures_table": ("analysis._validation", "figures_table"),
    "get_conversation": ("analysis._queries", "get_conversation"),
    "get_labeller": ("analysis.labellers", "get_labeller"),
    "import_corpus": ("analysis.baselines", "import_corpus"),
    "known_labellers": ("analysis.labellers", "known_labellers"),
    "list_baselines": ("analysis.baselines", "list_baselines"),
    "list_runs": ("analysis._queries", "list_runs"),
    "load_figures": ("analysis._validation", "load_figures"),
    "newcombe_difference": ("analysis.stats", "newcombe_difference"),
    "outcome_row": ("analysis._annotate", "outcome_row"),
    "replay": ("analysis._replay", "replay"),
    "replay_positions": ("analysis._replay", "replay_positions"),
    "replay_summary": ("analysis._replay", "replay_summary"),
    "save_figures": ("analysis._validation", "save_figures"),
    "score_conversation": ("analysis._outcomes", "score_conversation"),
    "stratified_permutation_test": ("analysis.stats", "stratified_permutation_test"),
    "summary_by_kind": ("analysis._queries", "summary_by_kind"),
    "validate_by_source": ("analysis._validation", "validate_by_source"),
    "validate_labeller": ("analysis._agreement", "validate_labeller"),
    "wilson_interval": ("analysis.stats", "wilson_interval"),
}
"""Public name -> (module, name in it)."""

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



def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
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
