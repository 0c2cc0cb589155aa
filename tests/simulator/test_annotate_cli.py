"""`groundsim annotate`: incremental labelling and scoring; older databases are migrated."""

from __future__ import annotations

import asyncio
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from simulator import RunConfig, Store
from simulator.cli import app
from simulator.cli.wiring import build_runner

cli = CliRunner()


def small_run(db: Path, scripted_chat) -> None:
    cfg = RunConfig(models=["openai/gpt-4o-mini"], scenarios=["builtin:starter"], limit=5, db=str(db), max_turns=2, preflight=False, progress=False)
    runner = build_runner(cfg, chat=scripted_chat(["Which one do you mean? Could you tell me more about what you need?"]))
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


def test_unreadable_judge_verdicts_are_recorded_and_retried(db_path: Path, scripted_chat) -> None:
    from analysis import annotate
    from analysis.labellers import JudgeError
    from scenarios import Stance, TurnLabel

    class HalfBroken:
        name, version = "half-broken", "1"

        def __init__(self, fail: bool) -> None:
            self.fail = fail

        def label(self, text: str, previous: str | None = None) -> TurnLabel:
            if self.fail:
                raise JudgeError("m/x", "unparseable verdict: not JSON", raw="nonsense")
            return TurnLabel(stance=Stance.clarify_only)

    small_run(db_path, scripted_chat)
    store = Store(db_path)
    first = annotate(store, HalfBroken(fail=True))
    n_turns = store.query("SELECT count(*) AS n FROM turns WHERE role = 'assistant'")[0]["n"]
    assert (first.labelled_turns, first.label_errors, first.scored_conversations) == (0, n_turns, 0)
    assert store.query("SELECT count(*) AS n FROM label_errors WHERE raw = 'nonsense'")[0]["n"] == n_turns
    assert store.query("SELECT count(*) AS n FROM turn_labels WHERE labeller = 'half-broken'")[0]["n"] == 0
    second = annotate(store, HalfBroken(fail=False))
    assert (second.labelled_turns, second.label_errors, second.scored_conversations) == (n_turns, 0, 5)
