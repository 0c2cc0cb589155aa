"""`groundsim annotate`: incremental labelling and scoring; older databases are migrated."""

from __future__ import annotations

import asyncio
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from simulator import RunConfig, Runner, Store
from simulator.cli import app

cli = CliRunner()


def small_run(db: Path, scripted_chat) -> None:
    cfg = RunConfig(models=["openai/gpt-4o-mini"], scenarios=["builtin:starter"], limit=5, db=str(db), max_turns=2, preflight=False, progress=False)
    runner = Runner(cfg, chat=scripted_chat(["Which one do you mean? Could you tell me more about what you need?"]))
    asyncio.run(runner.run(runner.prepare()))


def test_runs_store_live_labels_and_outcomes(db_path: Path, scripted_chat) -> None:
    small_run(db_path, scripted_chat)
    store = Store(db_path)
    n_assistant = store.query("SELECT count(*) AS n FROM turns WHERE role = 'assistant'")[0]["n"]
    assert store.query("SELECT count(*) AS n FROM turn_labels")[0]["n"] == n_assistant
    outcomes = store.query("SELECT outcome FROM outcomes")
    assert len(outcomes) == 5 and all(o["outcome"] for o in outcomes)


def test_annotate_is_incremental(db_path: Path, scripted_chat) -> None:
    small_run(db_path, scripted_chat)
    with duckdb.connect(str(db_path)) as con:  # forget everything: annotate must rebuild it
        con.execute("DELETE FROM turn_labels")
        con.execute("DELETE FROM outcomes")
    first = cli.invoke(app, ["annotate", "--db", str(db_path)])
    assert first.exit_code == 0, first.output
    assert "scored 5 new conversation(s)" in first.output
    again = cli.invoke(app, ["annotate", "--db", str(db_path)])
    assert "labelled 0 new turn(s), scored 0 new conversation(s)" in again.output


def test_a_version_1_database_is_migrated_and_keeps_its_data(db_path: Path, scripted_chat) -> None:
    small_run(db_path, scripted_chat)
    with duckdb.connect(str(db_path)) as con:  # roll the file back to schema version 1
        con.execute("DROP TABLE outcomes")
        con.execute("DELETE FROM schema_version WHERE version > 1")
    assert Store(db_path).schema_version() == 1
    result = cli.invoke(app, ["annotate", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    store = Store(db_path)
    assert store.schema_version() >= 2
    assert store.query("SELECT count(*) AS n FROM conversations")[0]["n"] == 5
    assert store.query("SELECT count(*) AS n FROM outcomes")[0]["n"] == 5
