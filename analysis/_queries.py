"""SQL shared by the CLI summaries, the report and the explorer.

Functions take any object with `query(sql, params) -> list[dict]` (the simulator's Store),
so this module needs no import of the simulator and the import graph stays one-way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pyarrow as pa


class Queryable(Protocol):
    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]: ...


class ColumnQueryable(Queryable, Protocol):
    """A store that can also hand a result over column-wise (for frames of 100,000 rows)."""

    def query_arrow(self, sql: str, params: list[Any] | None = None) -> pa.Table: ...


class WritableStore(Queryable, Protocol):
    """What analysis writes through (annotate, baselines, replay): simulator.store.Store fits it.

    The one declaration of the store's shape for analysis; tests may hand in any object that fits.
    """

    def migrate(self) -> int: ...

    def connect(self, *, read_only: bool = False) -> Any: ...

    def add_labels(self, rows: pa.Table) -> int: ...

    def add_outcomes(self, rows: pa.Table) -> int: ...

    def add_label_errors(self, rows: pa.Table) -> None: ...


def has_table(store: Queryable, table: str) -> bool:
    """Whether the database has `table` yet (older files and fresh ones may lack optional tables)."""
    rows = store.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ?", [table])
    return bool(rows[0]["n"])


def summary_by_kind(store: Queryable, run_id: str | None = None, labeller: str = "hybrid") -> list[dict[str, Any]]:
    """Per scenario kind: conversations, mean assistant turns, share of assistant turns that
    ask a question (live labels), errors."""
    where = "WHERE c.run_id = ?" if run_id else ""
    params: list[Any] = [labeller] + ([run_id] if run_id else [])
    return store.query(
        f"""
        WITH asked AS (
            SELECT l.conversation_id,
                   count(*) AS labelled_turns,
                   count(*) FILTER (WHERE l.asks_question) AS asking_turns
            FROM turn_labels l WHERE l.labeller = ?
            GROUP BY l.conversation_id
        )
        SELECT c.scenario_kind AS kind,
               count(*) AS conversations,
               avg(c.n_turns) FILTER (WHERE c.status = 'complete') AS mean_turns,
               sum(a.asking_turns) / nullif(sum(a.labelled_turns), 0) AS question_share,
               count(*) FILTER (WHERE c.status = 'error') AS errors
        FROM conversations c LEFT JOIN asked a USING (conversation_id)
        {where}
        GROUP BY c.scenario_kind ORDER BY c.scenario_kind
        """,
        params,
    )


def list_runs(store: Queryable) -> list[dict[str, Any]]:
    """Every run with its conversation counts, errors, cost, and model calls and retries."""
    rows = store.query(
        """
        SELECT r.run_id, r.created_at, r.updated_at, r.n_invocations, r.n_jobs, r.code_version, r.config_json,
               count(c.conversation_id) AS conversations,
               count(c.conversation_id) FILTER (WHERE c.status = 'complete') AS complete,
               count(c.conversation_id) FILTER (WHERE c.status = 'error') AS errors,
               coalesce(sum(c.cost_usd), 0) AS cost_usd
        FROM runs r LEFT JOIN conversations c USING (run_id)
        GROUP BY ALL ORDER BY r.created_at
        """
    )
    # Retries by cause, where the database has them (schema 4 and later).
    has_stats = has_table(store, "run_stats")
    stats = {r["run_id"]: r for r in store.query("SELECT * FROM run_stats")} if has_stats else {}
    for row in rows:
        stat = stats.get(row["run_id"], {})
        row["model_calls"] = stat.get("model_calls")
        row["retries"] = stat.get("retries")
        row["failed_calls"] = stat.get("failed_calls")
    return rows


def get_conversation(store: Queryable, conversation_id: str) -> dict[str, Any] | None:
    """One conversation with its turns and live labels; accepts a unique id prefix."""
    rows = store.query(
        "SELECT * FROM conversations WHERE starts_with(conversation_id, ?) ORDER BY conversation_id LIMIT 2",
        [conversation_id],
    )
    exact = [r for r in rows if r["conversation_id"] == conversation_id]
    if exact:
        rows = exact
    if len(rows) != 1:
        return None
    conv = rows[0]
    conv["turns"] = store.query(
        """
        SELECT t.*, l.acts, l.stance, l.labeller, l.labeller_version
        FROM turns t LEFT JOIN turn_labels l
          ON l.conversation_id = t.conversation_id AND l.turn_index = t.turn_index
         AND l.labeller || '@' || l.labeller_version = ?
        WHERE t.conversation_id = ? ORDER BY t.turn_index
        """,
        [conv["live_labeller"], conv["conversation_id"]],
    )
    return conv
