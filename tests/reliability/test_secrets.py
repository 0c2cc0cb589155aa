"""Secrets: with an API key in the environment, a run sends it to the model server and writes it
nowhere else: not in the database (its bytes and every text column), the logs, or the report."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import duckdb
import pytest

import simulator.fake_server._serve as fake_server
from simulator.fake_server import FakeServerConfig, serve_in_thread
from tests.reliability._helpers import GROUNDSIM, cli_env, run_args, run_cli


@pytest.fixture
def header_log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Authorization headers the fake server receives (its app wrapped for this test only)."""
    seen: list[str] = []
    build = fake_server.build_app

    def recording_build_app(*args: Any, **kwargs: Any) -> Any:
        app = build(*args, **kwargs)

        async def recording(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                seen.extend(v.decode() for k, v in scope["headers"] if k.lower() == b"authorization")
            await app(scope, receive, send)

        return recording

    monkeypatch.setattr(fake_server, "build_app", recording_build_app)
    return seen


def _text_columns_containing(db: Path, needle: str) -> list[str]:
    """Every table.column whose text (any type, cast to text) contains `needle`."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = []
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'").fetchall()
        for table, column in columns:
            hits = con.execute(f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS VARCHAR) LIKE ?', [f"%{needle}%"]).fetchone()[0]
            if hits:
                found.append(f"{table}.{column}")
        return found
    finally:
        con.close()


def test_the_api_key_reaches_the_server_and_nothing_else(tmp_path: Path, header_log: list[str]) -> None:
    key = f"sk-test-SECRET-{secrets.token_hex(16)}"
    db = tmp_path / "secret.duckdb"
    env = cli_env(OPENAI_API_KEY=key)
    # Faults make the run write error messages too: the path where a key most often leaks.
    with serve_in_thread(FakeServerConfig(fault_rate=0.3, hang_s=10.0, retry_after_s=0, seed=9)) as server:
        done = run_cli(run_args(db, server.base_url, limit=12, max_turns=2, extra=("--retries", "0", "--timeout", "2", "--no-preflight")), env=env)
    assert done.returncode in (0, 1), done.stderr[-3000:]  # 1: every conversation failed, still a clean exit
    assert f"Bearer {key}" in header_log, "the fake server never saw the key: the test would prove nothing"
    assert duckdb.connect(str(db), read_only=True).execute("SELECT count(*) FROM conversations WHERE status = 'error'").fetchone()[0] > 0

    report_dir = tmp_path / "report"
    report = run_cli([*GROUNDSIM, "report", "--db", str(db), "--out", str(report_dir), "--resamples", "200"], env=env)
    show = run_cli([*GROUNDSIM, "runs", "--db", str(db)], env=env)
    logs = {"run stdout": done.stdout, "run stderr": done.stderr, "report stdout": report.stdout, "report stderr": report.stderr,
            "runs stdout": show.stdout, "runs stderr": show.stderr}
    assert report.returncode == 0, report.stderr[-3000:]
    for name, text in logs.items():
        assert key not in text, f"the key is in the {name}"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in files) and any(p.name.startswith("secret.duckdb") for p in files)
    for path in files:
        assert key.encode() not in path.read_bytes(), f"the key is in {path.relative_to(tmp_path)}"
    assert _text_columns_containing(db, key) == []
    assert _text_columns_containing(db, key[-12:]) == []  # not even a fragment
