"""The read queries and small tables behind the explorer (app.py).

Why a package of its own: the app must stay fast on big databases, so every list here is
paged in SQL (LIMIT/OFFSET) and every aggregate is computed by DuckDB, never by pulling
rows into Python; and the app caches each result keyed by the database path plus
`data_version`, so the functions are pure reads of a `Queryable` (the simulator's Store,
which opens one read-only connection per query and retries briefly on a writer's lock).
Nothing here renders anything, so it is tested without Streamlit.

Labels and outcomes exist per labeller name and version; a labeller is named here as one
string `name@version` (as conversations.live_labeller stores it).

One private module per job, every name re-exported here (the app looks queries up by name):
`_labels` (vocabulary, labeller names), `_runs` (freshness, progress, runs), `_transcripts`
(the filter, its options, the list, one transcript), `_comparisons` (outcome rates, the
metrics frame, metric links) and `_baselines` (human baselines and replay).
"""

from __future__ import annotations

from analysis.explore_queries._baselines import baseline_options, baseline_rows, baseline_table, replay_rows
from analysis.explore_queries._comparisons import (
    METRIC_LINKS,
    compare_conversations,
    metric_link,
    outcome_rates,
)
from analysis.explore_queries._comparisons import _scope as _scope
from analysis.explore_queries._labels import ACTS, NOT_SCORED, OUTCOMES, STANCES, labellers, split_labeller
from analysis.explore_queries._runs import IN_PROGRESS_WINDOW, data_version, run_errors, run_outcome_counts, runs_in_progress, runs_overview
from analysis.explore_queries._runs import _aware as _aware
from analysis.explore_queries._transcripts import _FROM as _FROM
from analysis.explore_queries._transcripts import (
    Transcript,
    TranscriptFilter,
    count_transcripts,
    filter_options,
    get_transcript,
    list_transcripts,
)
from analysis.explore_queries._transcripts import _pick_labeller as _pick_labeller

__all__ = [
    "ACTS",
    "IN_PROGRESS_WINDOW",
    "METRIC_LINKS",
    "NOT_SCORED",
    "OUTCOMES",
    "STANCES",
    "Transcript",
    "TranscriptFilter",
    "baseline_options",
    "baseline_rows",
    "baseline_table",
    "compare_conversations",
    "count_transcripts",
    "data_version",
    "filter_options",
    "get_transcript",
    "labellers",
    "list_transcripts",
    "metric_link",
    "outcome_rates",
    "replay_rows",
    "run_errors",
    "run_outcome_counts",
    "runs_in_progress",
    "runs_overview",
    "split_labeller",
]
