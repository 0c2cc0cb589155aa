"""What a write does inside its one transaction: rows built from records, inserted, counted.

One job: turn records into Arrow rows of the `_schemas` shapes and insert them on a
connection the `Store` opened, all of a batch or none of it. Kept apart from `Store`,
which owns opening the file, so the write rules (a complete conversation is never
overwritten, an `error` one is replaced, `run_stats` counts match the stored rows) read
in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from scenarios import Scenario
from simulator.models import FAILURE_CAUSES, RETRYABLE_CAUSES, CallTally
from simulator.records import ConversationRecord, RunConfig
from simulator.store._schemas import (
    CONVERSATION_SCHEMA,
    LABEL_SCHEMA,
    OUTCOME_COLUMNS,
    OUTCOME_SCHEMA,
    RUN_STATS_COLUMNS,
    SCENARIO_SCHEMA,
    TURN_SCHEMA,
)


def now_utc() -> datetime:
    return datetime.now(UTC)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN, then COMMIT if the block succeeds, else ROLLBACK and re-raise."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


# -- runs ------------------------------------------------------------------------------


def scenario_rows(run_id: str, scenarios: Sequence[Scenario]) -> pa.Table:
    """The run's snapshot of its scenarios, one row each."""
    return pa.Table.from_pylist(
        [
            {
                "run_id": run_id,
                "scenario_id": s.id,
                "pack": s.pack,
                "kind": s.kind.value,
                "domain": s.domain,
                "subtype": s.subtype,
                "expected": s.expected.value,
                "content_hash": s.content_hash(),
                "scenario_json": json.dumps(s.to_json_dict(), sort_keys=True),
            }
            for s in scenarios
        ],
        schema=SCENARIO_SCHEMA,
    )


def record_run(con: duckdb.DuckDBPyConnection, config: RunConfig, code_version: str, scenarios: pa.Table, n_jobs: int,
               now: datetime) -> None:
    """Insert the run (or count another invocation of it) and the scenarios it does not have yet."""
    exists = con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [config.run_id]).fetchone()[0]
    if exists:
        con.execute(
            "UPDATE runs SET updated_at = ?, n_invocations = n_invocations + 1, code_version = ?, n_jobs = ? WHERE run_id = ?",
            [now, code_version, n_jobs, config.run_id],
        )
    else:
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
            [config.run_id, now, now, config.model_dump_json(exclude={"db"}), config.config_hash(), code_version, n_jobs],
        )
    con.register("new_scenarios", scenarios)
    con.execute(
        "INSERT INTO scenarios SELECT * FROM new_scenarios n WHERE NOT EXISTS "
        "(SELECT 1 FROM scenarios s WHERE s.run_id = n.run_id AND s.scenario_id = n.scenario_id)"
    )
    con.unregister("new_scenarios")


# -- conversations ---------------------------------------------------------------------


@dataclass
class ConversationRows:
    """A batch of records as rows of the four tables a conversation fills."""

    conversations: list[dict[str, Any]] = field(default_factory=list)
    turns: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)


def conversation_rows(records: Sequence[ConversationRecord], scenario_hashes: dict[str, str], now: datetime) -> ConversationRows:
    rows = ConversationRows()
    for r in records:
        assistant = [t for t in r.turns if t.role == "assistant"]
        rows.conversations.append(
            {
                "conversation_id": r.conversation_id,
                "run_id": r.run_id,
                "job_key": r.job.job_key,
                "scenario_id": r.job.scenario_id,
                "scenario_kind": r.scenario_kind,
                "scenario_domain": r.scenario_domain,
                "scenario_hash": scenario_hashes.get(r.job.scenario_id, ""),
                "model": r.job.model,
                "user_agent": r.job.user_agent,
                "persona": r.job.persona,
                "persona_group": r.job.persona_group,
                "bio_index": r.job.bio_index,
                "repeat": r.job.repeat,
                "seed": r.job.seed,
                "status": r.status,
                "stop_reason": r.stop_reason,
                "error": r.error,
                "n_turns": r.n_turns,
                "prompt_tokens": _sum(t.prompt_tokens for t in assistant),
                "completion_tokens": _sum(t.completion_tokens for t in assistant),
                "cost_usd": _sum(t.cost_usd for t in r.turns),
                "live_labeller": r.labeller,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
            }
        )
        name, _, version = r.labeller.partition("@")
        if r.outcome is not None:
            rows.outcomes.append({"conversation_id": r.conversation_id, "labeller": name, "labeller_version": version,
                                  **r.outcome.model_dump(), "scored_at": now})
        for t in r.turns:
            rows.turns.append(
                {
                    "conversation_id": r.conversation_id,
                    "turn_index": t.turn_index,
                    "role": t.role,
                    "content": t.content,
                    "latency_ms": t.latency_ms,
                    "prompt_tokens": t.prompt_tokens,
                    "completion_tokens": t.completion_tokens,
                    "cost_usd": t.cost_usd,
                    "revealed_facts": list(t.revealed_facts),
                }
            )
            if t.label is not None:
                rows.labels.append(
                    {
                        "conversation_id": r.conversation_id,
                        "turn_index": t.turn_index,
                        "labeller": name,
                        "labeller_version": version,
                        "acts": [a.value for a in t.label.acts],
                        "stance": t.label.stance.value,
                        "asks_question": t.label.asks_question,
                        "labelled_at": now,
                    }
                )
    return rows


def insert_conversations(con: duckdb.DuckDBPyConnection, records: Sequence[ConversationRecord], rows: ConversationRows,
                         call_stats: CallTally | None, now: datetime) -> None:
    """Insert a batch inside the caller's transaction: jobs already complete are skipped, jobs
    stored as errors are replaced, and `call_stats` is added to the run's `run_stats` row."""
    stored = con.execute(
        "SELECT job_key, conversation_id, status FROM conversations WHERE job_key IN (SELECT unnest(?::VARCHAR[]))",
        [[r.job.job_key for r in records]],
    ).fetchall()
    complete_keys = {key for key, _, status in stored if status != "error"}
    replaced = [cid for _, cid, status in stored if status == "error"]
    if replaced:
        for table in ("outcomes", "turn_labels", "turns", "conversations"):
            con.execute(f"DELETE FROM {table} WHERE conversation_id IN (SELECT unnest(?::VARCHAR[]))", [replaced])
    keep: set[str] = set()
    for r in records:
        if r.job.job_key not in complete_keys:
            keep.add(r.conversation_id)
            complete_keys.add(r.job.job_key)  # a job twice in one batch: its first record wins
    for table, table_rows, schema, columns in (
        ("conversations", rows.conversations, CONVERSATION_SCHEMA, "*"),
        ("turns", rows.turns, TURN_SCHEMA, "*"),
        ("turn_labels", rows.labels, LABEL_SCHEMA, "*"),
        ("outcomes", rows.outcomes, OUTCOME_SCHEMA, OUTCOME_COLUMNS),
    ):
        kept = [row for row in table_rows if row["conversation_id"] in keep]
        if kept:
            con.register("incoming", pa.Table.from_pylist(kept, schema=schema))
            target = table if columns == "*" else f"{table} ({columns})"
            con.execute(f"INSERT INTO {target} SELECT {columns} FROM incoming")
            con.unregister("incoming")
    if call_stats is not None:
        add_run_stats(con, records[0].run_id, call_stats, now)


def add_run_stats(con: duckdb.DuckDBPyConnection, run_id: str, tally: CallTally, now: datetime) -> None:
    """Add a batch's model-call counts to the run's row of `run_stats` (created at the first batch)."""
    values = {
        "model_calls": tally.calls,
        "retries": sum(tally.retries.values()),
        "failed_calls": sum(tally.failures.values()),
        **{f"retries_{cause}": tally.retries.get(cause, 0) for cause in RETRYABLE_CAUSES},
        **{f"failures_{cause}": tally.failures.get(cause, 0) for cause in FAILURE_CAUSES},
    }
    values["failures_other"] += sum(n for cause, n in tally.failures.items() if cause not in FAILURE_CAUSES)
    deltas = [values[c] for c in RUN_STATS_COLUMNS]
    # UPDATE, then INSERT if there was no row: a third of the CPU of INSERT ... ON CONFLICT here.
    updates = ", ".join(f"{c} = {c} + ?" for c in RUN_STATS_COLUMNS)
    updated = con.execute(f"UPDATE run_stats SET {updates}, updated_at = ? WHERE run_id = ?", [*deltas, now, run_id]).fetchone()
    if not updated or not updated[0]:
        placeholders = ", ".join("?" for _ in RUN_STATS_COLUMNS)
        con.execute(f"INSERT INTO run_stats (run_id, {', '.join(RUN_STATS_COLUMNS)}, updated_at) VALUES (?, {placeholders}, ?)",
                    [run_id, *deltas, now])


# -- labels and outcomes ---------------------------------------------------------------


def insert_missing(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table, key: list[str]) -> int:
    """Insert the rows whose `key` is not in `table` yet, inside the caller's transaction; returns how many."""
    cols = ", ".join(rows.column_names)
    match = " AND ".join(f"t.{k} = n.{k}" for k in key)
    con.register("incoming", rows)
    before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming n WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})")
    after = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return int(after - before)


def _sum(values: Any) -> Any:
    present = [v for v in values if v is not None]
    return sum(present) if present else None
