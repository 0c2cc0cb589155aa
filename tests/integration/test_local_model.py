"""The real embedded model end to end: loop, labels, DuckDB; and the same through HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from simulator import Store
from tests.integration.conftest import run_groundsim

pytestmark = pytest.mark.integration

FAST = ["--max-tokens", "48", "--max-turns", "2", "--no-progress"]


def test_local_model_end_to_end_into_duckdb(tmp_db: Path) -> None:
    result = run_groundsim("run", "--model", "local/smollm2", "--scenarios", "builtin:starter", "--limit", "3", "--db", str(tmp_db), *FAST)
    assert result.returncode == 0, result.stderr
    assert "Conversations by scenario kind" in result.stdout and str(tmp_db) in result.stdout
    store = Store(tmp_db)
    conversations = store.query("SELECT * FROM conversations")
    assert len(conversations) == 3 and all(c["status"] == "complete" for c in conversations)
    turns = store.query("SELECT role, content, latency_ms, completion_tokens, cost_usd FROM turns WHERE role = 'assistant'")
    assert turns and all(t["content"].strip() and t["latency_ms"] > 0 and t["completion_tokens"] > 0 and t["cost_usd"] == 0 for t in turns)
    labels = store.query("SELECT count(*) AS n FROM turn_labels")[0]["n"]
    assert labels == len(turns)
    # Same seed, same model: a fresh database gets the same transcripts (the model is deterministic).
    again = tmp_db.with_name("again.duckdb")
    assert run_groundsim("run", "--model", "local/smollm2", "--limit", "3", "--db", str(again), *FAST).returncode == 0
    first = store.query("SELECT conversation_id, turn_index, content FROM turns ORDER BY 1, 2")
    assert Store(again).query("SELECT conversation_id, turn_index, content FROM turns ORDER BY 1, 2") == first


def test_openai_compatible_server_through_api_base(tmp_db: Path, llama_server: str) -> None:
    result = run_groundsim(
        "run", "--model", "openai/smollm2", "--api-base", llama_server, "--scenarios", "builtin:starter", "--limit", "2", "--db", str(tmp_db), *FAST
    )
    assert result.returncode == 0, result.stderr
    rows = Store(tmp_db).query("SELECT model, status, n_turns FROM conversations")
    assert len(rows) == 2 and all(r["model"] == "openai/smollm2" and r["status"] == "complete" and r["n_turns"] >= 1 for r in rows)
    config = Store(tmp_db).query("SELECT config_json FROM runs")[0]["config_json"]
    assert llama_server in config


def test_llm_user_on_the_local_model(tmp_db: Path) -> None:
    result = run_groundsim(
        "run", "--model", "local/smollm2", "--user", "llm:local/smollm2", "--kind", "underspecified", "--limit", "1", "--db", str(tmp_db), *FAST
    )
    assert result.returncode == 0, result.stderr
    rows = Store(tmp_db).query("SELECT status, error, user_agent FROM conversations")
    assert rows[0]["user_agent"] == "llm:local/smollm2"
    assert rows[0]["status"] == "complete", rows[0]["error"]


def test_kill_9_then_rerun_completes_exactly_one_conversation_per_job(tmp_db: Path, groundsim_cmd: list[str]) -> None:
    args = ["run", "--model", "local/smollm2", "--limit", "6", "--db", str(tmp_db), *FAST]
    proc = subprocess.Popen([*groundsim_cmd, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    store = Store(tmp_db, lock_timeout_s=30)
    stored: list[dict] = []
    deadline = time.monotonic() + 600
    while not stored:
        assert proc.poll() is None, "the run finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.5)  # polling for the first stored conversation, not timing anything
        if tmp_db.exists():
            try:
                stored = store.query("SELECT conversation_id, job_key, n_turns, finished_at FROM conversations")
            except Exception:
                stored = []
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {r["job_key"]: r for r in Store(tmp_db).query("SELECT conversation_id, job_key, n_turns, finished_at FROM conversations")}
    assert 0 < len(before) < 6
    result = run_groundsim(*args)
    assert result.returncode == 0, result.stderr
    assert f"{len(before)} already stored" in result.stdout
    after = {r["job_key"]: r for r in Store(tmp_db).query("SELECT conversation_id, job_key, n_turns, finished_at FROM conversations")}
    assert len(after) == 6
    assert Store(tmp_db).query("SELECT count(*) AS n FROM conversations")[0]["n"] == 6
    assert all(after[k] == v for k, v in before.items())
    orphans = Store(tmp_db).query("SELECT count(*) AS n FROM turns WHERE conversation_id NOT IN (SELECT conversation_id FROM conversations)")
    assert orphans[0]["n"] == 0
