"""Schema versions: a file from a newer groundsim is refused with a clear message; a file from an
older one (schema version 1: only migration 1 applied) is migrated and keeps its data."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from simulator import SCHEMA_VERSION, RunConfig, SchemaTooNewError, Store
from simulator.cli.wiring import build_runner
from simulator.store._migrations import MIGRATIONS
from tests.reliability._helpers import GROUNDSIM, cli_env, run_cli


def _version_1_database(path: Path) -> None:
    """What a groundsim with only migration 1 wrote: its tables, a run, a conversation, its turns and labels."""
    version, description, sql = MIGRATIONS[0]
    assert version == 1
    now = datetime(2025, 6, 1, tzinfo=UTC)
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, description VARCHAR, applied_at TIMESTAMPTZ NOT NULL)")
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (1, ?, ?)", [description, now])
        con.execute("INSERT INTO runs VALUES ('r_old', ?, ?, '{}', 'hash', '0.0.1', 1, 1)", [now, now])
        con.execute(
            "INSERT INTO conversations VALUES ('c_old', 'r_old', 'key-old', 'old-scenario', 'ambiguous', 'travel', 'h', "
            "'local/smollm2', 'scripted:cooperative', 'control', 'control', 0, 0, 1, 'complete', 'accepted', NULL, 1, 3, 4, 0.0, "
            "'rules@1', ?, ?)",
            [now, now],
        )
        con.execute("INSERT INTO turns VALUES ('c_old', 0, 'user', 'Where to stay?', NULL, NULL, NULL, NULL, [])")
        con.execute("INSERT INTO turns VALUES ('c_old', 1, 'assistant', 'Which Portland?', 5.0, 3, 4, 0.0, [])")
        con.execute("INSERT INTO turn_labels VALUES ('c_old', 1, 'rules', '1', ['clarification'], 'clarify_only', true, ?)", [now])
    finally:
        con.close()


def test_an_older_database_is_migrated_and_keeps_its_data(tmp_path: Path, scripted_chat) -> None:
    db = tmp_path / "old.duckdb"
    _version_1_database(db)
    store = Store(db)
    assert store.schema_version() == 1
    before = {t: store.query(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in ("runs", "conversations", "turns", "turn_labels")}

    assert store.migrate() == SCHEMA_VERSION
    assert store.schema_version() == SCHEMA_VERSION
    versions = [r["version"] for r in store.query("SELECT version FROM schema_version ORDER BY version")]
    assert versions == [m[0] for m in MIGRATIONS]
    after = {t: store.query(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in before}
    assert after == before == {"runs": 1, "conversations": 1, "turns": 2, "turn_labels": 1}
    assert store.query("SELECT content FROM turns WHERE conversation_id = 'c_old' ORDER BY turn_index") == [
        {"content": "Where to stay?"}, {"content": "Which Portland?"}]
    # The migrated file works for a new run: it adds to the old data and counts its calls.
    config = RunConfig(models=["openai/gpt-4o-mini"], scenarios=["builtin:starter"], limit=2, max_turns=2, db=str(db),
                       preflight=False, progress=False)
    runner = build_runner(config, chat=scripted_chat(["Could you tell me more about what you need?"]))
    summary = asyncio.run(runner.run(runner.prepare()))
    assert summary.completed == 2
    assert store.query("SELECT count(*) AS n FROM conversations")[0]["n"] == 3
    assert store.query("SELECT count(*) AS n FROM run_stats WHERE run_id = ?", [config.run_id])[0]["n"] == 1


def _newer_database(path: Path) -> None:
    Store(path).migrate()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (?, 'from the future', now())", [SCHEMA_VERSION + 1])
    con.close()


def test_a_newer_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    _newer_database(db)
    untouched = db.read_bytes()
    with pytest.raises(SchemaTooNewError, match="newer groundsim"):
        Store(db).migrate()
    with pytest.raises(SchemaTooNewError, match="upgrade groundsim"):
        Store(db).check_readable()
    # Through the command line: one clear line, exit status 2, the file left as it was.
    for args in (["runs", "--db", str(db)], ["run", "--db", str(db), "--model", "openai/fake", "--api-base", "http://127.0.0.1:9/v1",
                                              "--no-preflight", "--limit", "1"]):
        done = run_cli([*GROUNDSIM, *args], env=cli_env())
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "newer" in done.stderr and f"schema version {SCHEMA_VERSION + 1}" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert db.read_bytes() == untouched
