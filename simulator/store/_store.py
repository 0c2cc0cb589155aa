"""The DuckDB store: opening the file, migrating it, and the `Store` API over writes and reads.

One job: own the file. DuckDB allows one writing process and no reader beside it, so
nothing here keeps the file open: a writer opens, writes one batch in one transaction and
closes; a reader opens read-only per query and retries briefly while a writer holds the
lock. What a write puts in its transaction is in `_writes`, the row shapes in `_schemas`
(LABEL_SCHEMA, OUTCOME_SCHEMA and RUN_STATS_COLUMNS stay importable from here).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from scenarios import GroundsimError, Scenario
from simulator.models import CallTally
from simulator.records import ConversationRecord, RunConfig
from simulator.store._migrations import MIGRATIONS, SCHEMA_VERSION
from simulator.store._schemas import LABEL_SCHEMA, OUTCOME_SCHEMA, RUN_STATS_COLUMNS
from simulator.store._writes import conversation_rows, insert_conversations, insert_missing, now_utc, record_run, scenario_rows, transaction

__all__ = ["LABEL_SCHEMA", "OUTCOME_SCHEMA", "RUN_STATS_COLUMNS", "SchemaTooNewError", "Store", "StoreError"]


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
                with transaction(con):
                    con.execute(sql)
                    con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, description, now_utc()])
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
        now = now_utc()
        rows = scenario_rows(config.run_id, scenarios)
        with self.connect() as con, transaction(con):
            record_run(con, config, code_version, rows, n_jobs, now)

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
        now = now_utc()
        rows = conversation_rows(records, scenario_hashes, now)
        with self.connect() as con, transaction(con):
            insert_conversations(con, records, rows, call_stats, now)

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
        with self.connect() as con, transaction(con):
            return insert_missing(con, table, rows, key)

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


def _version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    value = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    return int(value or 0)
