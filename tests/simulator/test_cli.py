"""The command line: bad input gives a clear message, a non-zero exit, and stored data is untouched."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator.cli import app
from tests.simulator.test_store import record

runner = CliRunner()


def groundsim(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point in a subprocess (exercises main()'s error handling)."""
    return subprocess.run([sys.executable, "-c", "from simulator.cli import main; main()", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def stored_db(db_path: Path) -> tuple[Path, str]:
    from simulator import Store

    store = Store(db_path)
    store.migrate()
    store.write_conversations([record("a")], {"s1": "h"})
    return db_path, hashlib.sha256(db_path.read_bytes()).hexdigest()


def unchanged(db: tuple[Path, str]) -> bool:
    return hashlib.sha256(db[0].read_bytes()).hexdigest() == db[1]


def test_malformed_scenario_names_file_field_and_reason(tmp_path: Path, stored_db) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: bad-one\n  domain: travel\n  kind: underspecified\n  opening: Hi\n  hidden_intent: x\n  expected: answer\n  colour: blue\n")
    result = groundsim("run", "--scenarios", str(bad), "--db", str(stored_db[0]), "--no-preflight")
    assert result.returncode == 2
    assert str(bad) in result.stderr and "bad-one" in result.stderr
    assert "colour" in result.stderr and "unknown key" in result.stderr
    assert unchanged(stored_db)


def test_unknown_model_id(stored_db) -> None:
    result = groundsim("run", "--model", "nosuchprovider/x", "--db", str(stored_db[0]))
    assert result.returncode == 2
    assert "unknown model id 'nosuchprovider/x'" in result.stderr
    assert "Traceback" not in result.stderr
    assert unchanged(stored_db)


def test_unreachable_api_base_fails_in_preflight(stored_db) -> None:
    result = groundsim("run", "--model", "openai/some-model", "--api-base", "http://127.0.0.1:9/v1", "--db", str(stored_db[0]), "--timeout", "5")
    assert result.returncode == 2
    assert "openai/some-model" in result.stderr and "reachable" in result.stderr
    assert unchanged(stored_db)


def test_config_file_unknown_key_is_named(tmp_path: Path) -> None:
    cfg = tmp_path / "run.yaml"
    cfg.write_text("models: [local/smollm2]\nrepeat: 3\n")
    result = runner.invoke(app, ["run", "-c", str(cfg)])
    assert result.exit_code != 0
    assert "repeat" in str(result.exception) and "unknown option" in str(result.exception)


def test_config_file_values_and_flag_override(tmp_path: Path, monkeypatch) -> None:
    from simulator.cli.run import _load_config

    cfg = tmp_path / "run.yaml"
    cfg.write_text("models: [openai/gpt-4o-mini]\nrepeats: 3\nmax-turns: 4\n")
    loaded = _load_config(str(cfg), {"repeats": 5, "models": None})
    assert (loaded.models, loaded.repeats, loaded.max_turns) == (["openai/gpt-4o-mini"], 5, 4)


def test_show_and_runs_on_a_stored_conversation(stored_db) -> None:
    db = str(stored_db[0])
    shown = runner.invoke(app, ["show", "c_aaaaaaaa", "--db", db])
    assert shown.exit_code == 0, shown.output
    assert "Stay in the Old Port." in shown.output and "answer" in shown.output
    listed = runner.invoke(app, ["runs", "--db", db, "--json"])
    assert listed.exit_code == 0


def test_show_unknown_id(stored_db) -> None:
    result = groundsim("show", "c_nothing", "--db", str(stored_db[0]))
    assert result.returncode == 2 and "no single conversation matches" in result.stderr


def test_model_text_is_printed_literally(db_path: Path) -> None:
    from simulator import Store

    store = Store(db_path)
    store.migrate()
    store.write_conversations([record("b", text="[bold red]not markup[/] <script>alert(1)</script>")], {})
    shown = runner.invoke(app, ["show", "c_bbbbbbbb", "--db", str(db_path)])
    assert "[bold red]not markup[/] <script>alert(1)</script>" in shown.output
