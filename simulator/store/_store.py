"""The DuckDB store: migrations, short write transactions, read-only readers.

DuckDB allows one writing process and no reader beside it, so nothing here keeps the
file open: a writer opens, writes one batch in one transaction and closes; a reader
opens read-only per query and retries briefly while a writer holds the lock.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from scenarios import GroundsimError, Scenario
from simulator.models._provider import FAILURE_CAUSES, RETRYABLE_CAUSES, CallTally
from simulator.records import ConversationRecord, RunConfig
from simulator.store._migrations import MIGRATIONS, SCHEMA_VERSION


class StoreError(GroundsimError):
    """The database cannot be used (locked too long, newer schema, not a DuckDB file)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class SchemaTooNewError(StoreError):
    """The file was written by a newer groundsim; refusing beats corrupting it."""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "being used by another process" in text or "conflicting" in text


class Store:
    """One DuckDB file. Cheap to construct; every method opens and closes its own connection."""

    def __init__(self, path: str | Path, *, lock_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s

    # -- connections -------------------------------------------------------------------

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection that waits up to `lock_timeout_s` for another process's lock."""
        if read_only and not self.path.exists():
            raise StoreError(self.path, "no such database (run `groundsim run` first, or check --db)")
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.02
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.IOException as exc:
                if not _is_lock_error(exc) or time.monotonic() > deadline:
                    if _is_lock_error(exc):
                        raise StoreError(self.path, f"locked by another process for over {self.lock_timeout_s:.0f}s") from exc
                    raise StoreError(self.path, f"cannot open: {exc}") from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except duckdb.Error as exc:
                raise StoreError(self.path, f"cannot open as a DuckDB database: {exc}") from exc
        try:
            yield con
        finally:
            con.close()

    # -- schema ------------------------------------------------------------------------

    def schema_version(self) -> int:
        """0 for a new or empty file."""
        if not self.path.exists():
            return 0
        with self.connect(read_only=True) as con:
            return _version(con)

    def migrate(self) -> int:
        """Bring the file to the current schema; refuse a newer one. Returns the version."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as con:
            con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, description VARCHAR, applied_at TIMESTAMPTZ NOT NULL)")
            current = _version(con)
            if current > SCHEMA_VERSION:
                raise SchemaTooNewError(
                    self.path,
                    f"written by a newer groundsim (schema version {current}; this one knows up to {SCHEMA_VERSION}). "
                    "Upgrade groundsim to use this file.",
                )
            for version, description, sql in MIGRATIONS:
                if version <= current:
                    continue
                con.execute("BEGIN TRANSACTION")
                try:
                    con.execute(sql)
                    con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, description, _now()])
                    con.execute("COMMIT")
                except Exception:
                    con.execute("ROLLBACK")
                    raise
            return max(current, SCHEMA_VERSION)

    def check_readable(self) -> None:
        """Raise if the file is missing or written by a newer groundsim."""
        if not self.path.exists():
            raise StoreError(self.path, "no such database (run `groundsim run` first, or check --db)")
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise SchemaTooNewError(self.path, f"schema version {version} is newer than this groundsim ({SCHEMA_VERSION}); upgrade groundsim")
        if version == 0:
            raise StoreError(self.path, "not a groundsim database (no schema_version table)")

    # -- writes ------------------------------------------------------------------------

    def begin_run(self, config: RunConfig, code_version: str, scenarios: Sequence[Scenario], n_jobs: int) -> None:
        """Record the run (or count another invocation of it) and snapshot its scenarios."""
        now = _now()
        rows = pa.Table.from_pylist(
            [
                {
                    "run_id": config.run_id,
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
            schema=pa.schema(
                [(n, pa.string()) for n in ("run_id", "scenario_id", "pack", "kind", "domain", "subtype", "expected", "content_hash", "scenario_json")]
            ),
        )
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
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
                con.register("new_scenarios", rows)
                con.execute(
                    "INSERT INTO scenarios SELECT * FROM new_scenarios n WHERE NOT EXISTS "
                    "(SELECT 1 FROM scenarios s WHERE s.run_id = n.run_id AND s.scenario_id = n.scenario_id)"
                )
                con.unregister("new_scenarios")
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise

    def write_conversations(
        self, records: Sequence[ConversationRecord], scenario_hashes: dict[str, str], call_stats: CallTally | None = None
    ) -> None:
        """Store finished conversations in one transaction: all of a batch or none of it.

        A conversation replaces an earlier `error` conversation of the same job; a
        `complete` one already stored is never overwritten (resume never duplicates).
        `call_stats` (the batch's model calls, retries and failures) is added to the run's
        `run_stats` row in the same transaction, so the counts match the stored conversations.

        Opening a DuckDB file costs ~20 ms of CPU whatever the batch size, so the runner hands
        over batches, and this does one lookup and one insert per table (no temp tables).
        """
        if not records:
            return
        conv_rows: list[dict[str, Any]] = []
        turn_rows: list[dict[str, Any]] = []
        label_rows: list[dict[str, Any]] = []
        outcome_rows: list[dict[str, Any]] = []
        now = _now()
        for r in records:
            assistant = [t for t in r.turns if t.role == "assistant"]
            conv_rows.append(
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
                outcome_rows.append({"conversation_id": r.conversation_id, "labeller": name, "labeller_version": version,
                                     **r.outcome.model_dump(), "scored_at": now})
            for t in r.turns:
                turn_rows.append(
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
                    label_rows.append(
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
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                # Jobs already complete are skipped; jobs stored as errors are replaced.
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
                for table, rows, schema, columns in (
                    ("conversations", conv_rows, _CONVERSATION_SCHEMA, "*"),
                    ("turns", turn_rows, _TURN_SCHEMA, "*"),
                    ("turn_labels", label_rows, LABEL_SCHEMA, "*"),
                    ("outcomes", outcome_rows, OUTCOME_SCHEMA, _OUTCOME_COLUMNS),
                ):
                    kept = [row for row in rows if row["conversation_id"] in keep]
                    if kept:
                        con.register("incoming", pa.Table.from_pylist(kept, schema=schema))
                        target = table if columns == "*" else f"{table} ({columns})"
                        con.execute(f"INSERT INTO {target} SELECT {columns} FROM incoming")
                        con.unregister("incoming")
                if call_stats is not None:
                    _add_run_stats(con, records[0].run_id, call_stats, now)
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise

    def add_labels(self, rows: pa.Table) -> int:
        """Insert turn labels not stored yet (same turn, labeller and version); returns how many."""
        return self._insert_missing("turn_labels", rows, ["conversation_id", "turn_index", "labeller", "labeller_version"])

    def add_outcomes(self, rows: pa.Table) -> int:
        """Insert outcomes not stored yet (same conversation, labeller and version); returns how many."""
        return self._insert_missing("outcomes", rows, ["conversation_id", "labeller", "labeller_version"])

    def add_label_errors(self, rows: pa.Table) -> None:
        """Record turns a labeller could not label (e.g. an unreadable judge verdict)."""
        cols = ", ".join(rows.column_names)
        with self.connect() as con:
            con.register("incoming", rows)
            con.execute(f"INSERT INTO label_errors ({cols}) SELECT {cols} FROM incoming")

    def _insert_missing(self, table: str, rows: pa.Table, key: list[str]) -> int:
        if rows.num_rows == 0:
            return 0
        cols = ", ".join(rows.column_names)
        match = " AND ".join(f"t.{k} = n.{k}" for k in key)
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.register("incoming", rows)
                before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming n WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})")
                after = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return int(after - before)

    # -- reads -------------------------------------------------------------------------

    def finished_job_keys(self, job_keys: Sequence[str], *, include_errors: bool = False) -> set[str]:
        """Which of these jobs already have a stored conversation (complete, or any status)."""
        if not self.path.exists() or not job_keys:
            return set()
        keys = pa.table({"job_key": pa.array(list(job_keys), pa.string())})
        status_filter = "" if include_errors else "AND c.status = 'complete'"
        with self.connect(read_only=True) as con:
            con.register("wanted", keys)
            rows = con.execute(f"SELECT c.job_key FROM conversations c JOIN wanted w USING (job_key) WHERE TRUE {status_filter}").fetchall()
        return {r[0] for r in rows}

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run a read-only query and return rows as dicts."""
        with self.connect(read_only=True) as con:
            cur = con.execute(sql, params or [])
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def query_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a read-only query and return its result column-wise, as an Arrow table.

        For large results (the report's 100,000-row conversation frame): `query` builds a
        Python object per value (a datetime per timestamp), which costs seconds there;
        Arrow hands whole columns over, and pandas reads them without a per-row step.
        """
        with self.connect(read_only=True) as con:
            return con.sql(sql, params=list(params or [])).to_arrow_table()


RUN_STATS_COLUMNS = (
    "model_calls", "retries", "failed_calls",
    *(f"retries_{cause}" for cause in RETRYABLE_CAUSES),
    *(f"failures_{cause}" for cause in FAILURE_CAUSES),
)


def _add_run_stats(con: duckdb.DuckDBPyConnection, run_id: str, tally: CallTally, now: datetime) -> None:
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


def _version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    value = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    return int(value or 0)


def _now() -> datetime:
    return datetime.now(UTC)


def _sum(values: Any) -> Any:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


_TS = pa.timestamp("us", tz="UTC")
_CONVERSATION_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("run_id", pa.string()),
        ("job_key", pa.string()),
        ("scenario_id", pa.string()),
        ("scenario_kind", pa.string()),
        ("scenario_domain", pa.string()),
        ("scenario_hash", pa.string()),
        ("model", pa.string()),
        ("user_agent", pa.string()),
        ("persona", pa.string()),
        ("persona_group", pa.string()),
        ("bio_index", pa.int32()),
        ("repeat", pa.int32()),
        ("seed", pa.int64()),
        ("status", pa.string()),
        ("stop_reason", pa.string()),
        ("error", pa.string()),
        ("n_turns", pa.int32()),
        ("prompt_tokens", pa.int64()),
        ("completion_tokens", pa.int64()),
        ("cost_usd", pa.float64()),
        ("live_labeller", pa.string()),
        ("started_at", _TS),
        ("finished_at", _TS),
    ]
)
_TURN_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("turn_index", pa.int32()),
        ("role", pa.string()),
        ("content", pa.string()),
        ("latency_ms", pa.float64()),
        ("prompt_tokens", pa.int32()),
        ("completion_tokens", pa.int32()),
        ("cost_usd", pa.float64()),
        ("revealed_facts", pa.list_(pa.string())),
    ]
)
OUTCOME_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("labeller", pa.string()),
        ("labeller_version", pa.string()),
        ("outcome", pa.string()),
        ("ternary", pa.int32()),
        ("simpleqa_grade", pa.string()),
        ("check_passed", pa.bool_()),
        ("reason", pa.string()),
        ("scored_at", _TS),
    ]
)
_OUTCOME_COLUMNS = ", ".join(OUTCOME_SCHEMA.names)
LABEL_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("turn_index", pa.int32()),
        ("labeller", pa.string()),
        ("labeller_version", pa.string()),
        ("acts", pa.list_(pa.string())),
        ("stance", pa.string()),
        ("asks_question", pa.bool_()),
        ("labelled_at", _TS),
    ]
)
