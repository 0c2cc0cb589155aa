"""The DuckDB store: migrations, atomic batches, resume semantics."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from scenarios import Stance, TurnLabel
from simulator import SCHEMA_VERSION, ConversationRecord, Job, SchemaTooNewError, Store, StoreError, TurnRecord

REQUIRED_COLUMNS = {
    "runs": {"run_id", "created_at", "config_json", "config_hash", "code_version"},
    "conversations": {
        "conversation_id", "run_id", "job_key", "scenario_id", "scenario_kind", "model", "user_agent", "persona",
        "repeat", "status", "error", "n_turns", "started_at", "finished_at",
    },
    "turns": {"conversation_id", "turn_index", "role", "content", "latency_ms", "prompt_tokens", "completion_tokens", "cost_usd"},
    "turn_labels": {"conversation_id", "turn_index", "labeller", "acts", "stance"},
}


def record(key: str, status: str = "complete", text: str = "Stay in the Old Port.") -> ConversationRecord:
    job = Job(job_key=key * 8, model="local/smollm2", scenario_id="s1", user_agent="scripted:cooperative", persona="control",
              persona_group="control", bio_index=0, repeat=0, seed=1)
    now = datetime.now(UTC)
    turns = [TurnRecord(turn_index=0, role="user", content="Where to stay?")]
    if status == "complete":
        turns.append(TurnRecord(turn_index=1, role="assistant", content=text, latency_ms=5.0, prompt_tokens=3, completion_tokens=4,
                                cost_usd=0.01, label=TurnLabel(stance=Stance.answer)))
    return ConversationRecord(conversation_id=job.conversation_id, run_id="r_test", job=job, scenario_kind="ambiguous",
                              scenario_domain="travel", status=status, stop_reason="accepted" if status == "complete" else "error",
                              error=None if status == "complete" else "APIConnectionError: refused", turns=turns,
                              labeller="rules@1", started_at=now, finished_at=now)


def test_migrate_creates_the_required_tables_and_columns(db_path: Path) -> None:
    store = Store(db_path)
    assert store.migrate() == SCHEMA_VERSION
    for table, columns in REQUIRED_COLUMNS.items():
        found = {r["column_name"] for r in store.query("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table])}
        assert columns <= found, f"{table} lacks {columns - found}"
    assert store.migrate() == SCHEMA_VERSION  # idempotent


def test_newer_schema_is_refused_with_a_clear_message(db_path: Path) -> None:
    Store(db_path).migrate()
    con = duckdb.connect(str(db_path))
    con.execute("INSERT INTO schema_version VALUES (?, 'future', now())", [SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(SchemaTooNewError, match="newer groundsim"):
        Store(db_path).migrate()


def test_a_batch_is_stored_whole_and_a_rewrite_never_duplicates(db_path: Path) -> None:
    store = Store(db_path)
    store.migrate()
    store.write_conversations([record("a"), record("b")], {"s1": "h"})
    store.write_conversations([record("a", text="A different answer.")], {"s1": "h"})
    rows = store.query("SELECT conversation_id, n_turns, cost_usd FROM conversations ORDER BY 1")
    assert len(rows) == 2
    contents = store.query("SELECT content FROM turns WHERE role = 'assistant' ORDER BY conversation_id")
    assert [r["content"] for r in contents] == ["Stay in the Old Port.", "Stay in the Old Port."]  # complete jobs never overwritten
    labels = store.query("SELECT acts, stance, labeller, labeller_version FROM turn_labels")
    assert labels == [{"acts": [], "stance": "answer", "labeller": "rules", "labeller_version": "1"}] * 2


def test_an_error_conversation_is_replaced_by_its_retry(db_path: Path) -> None:
    store = Store(db_path)
    store.migrate()
    store.write_conversations([record("a", status="error")], {})
    assert store.finished_job_keys(["a" * 8]) == set()
    assert store.finished_job_keys(["a" * 8], include_errors=True) == {"a" * 8}
    store.write_conversations([record("a")], {})
    rows = store.query("SELECT status, n_turns FROM conversations")
    assert rows == [{"status": "complete", "n_turns": 1}]
    assert store.finished_job_keys(["a" * 8, "zzz"]) == {"a" * 8}


def test_a_failed_batch_leaves_nothing_behind(db_path: Path) -> None:
    store = Store(db_path)
    store.migrate()
    bad = record("c")
    bad.turns.append(TurnRecord(turn_index=1, role="user", content="duplicate index"))  # violates the turns primary key
    with pytest.raises(duckdb.ConstraintException):
        store.write_conversations([record("d"), bad], {})
    assert store.query("SELECT count(*) AS n FROM conversations") == [{"n": 0}]
    assert store.query("SELECT count(*) AS n FROM turns") == [{"n": 0}]


def test_reader_on_a_missing_file_gets_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such database"):
        Store(tmp_path / "nope.duckdb").check_readable()


def test_lock_held_by_another_process_times_out_with_a_message(db_path: Path) -> None:
    import subprocess
    import sys

    Store(db_path).migrate()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(db_path)!r}); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError, match="locked by another process"):
            Store(db_path, lock_timeout_s=0.3).query("SELECT 1")
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    assert Store(db_path).query("SELECT 1 AS one") == [{"one": 1}]
