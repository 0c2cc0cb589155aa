"""Runs: the data fingerprint the explorer caches by, runs in progress, and each run's overview."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from analysis._queries import Queryable
from analysis.explore_queries._labels import NOT_SCORED, split_labeller

IN_PROGRESS_WINDOW = timedelta(minutes=10)
"""A run short of its jobs counts as in progress only if it stored something this recently."""


# -- freshness and progress ----------------------------------------------------------------


def data_version(store: Queryable) -> tuple[Any, ...]:
    """A cheap fingerprint that changes whenever a run, `annotate` or an import writes.

    The app keys its caches by it, so a refresh after new data recomputes and an unchanged
    database is served from the cache. Counts come from table metadata in DuckDB (fast).
    """
    row = store.query(
        """
        SELECT (SELECT count(*) FROM runs) AS runs,
               (SELECT max(updated_at) FROM runs) AS runs_updated,
               (SELECT count(*) FROM conversations) AS conversations,
               (SELECT max(finished_at) FROM conversations) AS last_finished,
               (SELECT count(*) FROM turn_labels) AS labels,
               (SELECT count(*) FROM outcomes) AS outcomes,
               (SELECT max(version) FROM schema_version) AS schema_version,
               (SELECT count(*) FROM information_schema.tables) AS tables
        """
    )[0]
    return tuple(str(v) for v in row.values())


def runs_in_progress(store: Queryable, now: datetime | None = None) -> list[dict[str, Any]]:
    """Runs that have stored fewer conversations than they planned and stored one recently.

    A run killed half-way looks the same until the window passes; the note this feeds says
    "appears to be in progress" for that reason.
    """
    now = now or datetime.now(UTC)
    rows = store.query(
        """
        SELECT r.run_id, r.n_jobs, count(c.conversation_id) AS stored,
               greatest(max(c.finished_at), r.updated_at) AS last_activity
        FROM runs r LEFT JOIN conversations c USING (run_id)
        GROUP BY r.run_id, r.n_jobs, r.updated_at
        HAVING count(c.conversation_id) < r.n_jobs
        ORDER BY last_activity DESC
        """
    )
    return [
        r for r in rows if r["last_activity"] is not None and now - _aware(r["last_activity"]) <= IN_PROGRESS_WINDOW
    ]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# -- runs ------------------------------------------------------------------------------------


def runs_overview(store: Queryable) -> list[dict[str, Any]]:
    """Every run: its config (parsed), job and conversation counts, errors, tokens and cost."""
    rows = store.query(
        """
        SELECT r.run_id, r.created_at, r.updated_at, r.n_invocations, r.n_jobs, r.code_version, r.config_hash, r.config_json,
               count(c.conversation_id) AS stored,
               count(c.conversation_id) FILTER (WHERE c.status = 'complete') AS complete,
               count(c.conversation_id) FILTER (WHERE c.status = 'error') AS errors,
               count(DISTINCT c.model) AS models_stored,
               count(DISTINCT c.scenario_id) AS scenarios_stored,
               coalesce(sum(c.prompt_tokens), 0) AS prompt_tokens,
               coalesce(sum(c.completion_tokens), 0) AS completion_tokens,
               coalesce(sum(c.cost_usd), 0) AS cost_usd,
               max(c.finished_at) AS last_finished
        FROM runs r LEFT JOIN conversations c USING (run_id)
        GROUP BY ALL ORDER BY r.created_at DESC
        """
    )
    for row in rows:
        try:
            row["config"] = json.loads(row.pop("config_json"))
        except (TypeError, ValueError):
            row["config"] = {}
    return rows


def run_errors(store: Queryable, run_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The run's infrastructure errors grouped by message, most frequent first."""
    return store.query(
        """
        SELECT coalesce(error, '(no message)') AS error, count(*) AS conversations, list(DISTINCT model ORDER BY model) AS models
        FROM conversations WHERE run_id = ? AND status = 'error'
        GROUP BY 1 ORDER BY conversations DESC, error LIMIT ?
        """,
        [run_id, limit],
    )


def run_outcome_counts(store: Queryable, run_id: str, labeller: str) -> list[dict[str, Any]]:
    """Conversations per model and outcome in one run (NOT_SCORED where the labeller has not scored)."""
    name, version = split_labeller(labeller)
    return store.query(
        f"""
        SELECT c.model, coalesce(o.outcome, '{NOT_SCORED}') AS outcome, count(*) AS conversations
        FROM conversations c LEFT JOIN outcomes o
          ON o.conversation_id = c.conversation_id AND o.labeller = ? AND o.labeller_version = ?
        WHERE c.run_id = ? GROUP BY ALL ORDER BY c.model, outcome
        """,
        [name, version, run_id],
    )
