"""Helpers of the reliability tests: the CLI in a subprocess, and checks of a results database.

Nothing here waits a fixed time: a test that needs something to have happened polls for it
(`wait_until`), so a slow machine makes a test slower, never wrong.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[2]
GROUNDSIM = [sys.executable, "-c", "from simulator.cli import main; main()"]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a `groundsim` subprocess: offline litellm, this checkout importable."""
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env.update({"LITELLM_LOCAL_MODEL_COST_MAP": "True", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)})
    env.update(extra)
    return env


def run_args(db: Path, base_url: str, *, limit: int, max_turns: int = 3, seed: int = 7, concurrency: int = 8, extra: tuple[str, ...] = ()) -> list[str]:
    """`groundsim run` against the fake server: the same arguments always plan the same jobs."""
    return [
        *GROUNDSIM, "run", "--model", "openai/fake", "--api-base", base_url, "--scenarios", "builtin:core",
        "--limit", str(limit), "--max-turns", str(max_turns), "--seed", str(seed), "--db", str(db),
        "--max-concurrency", str(concurrency), "--no-progress", "--timeout", "30", *extra,
    ]


def wait_until(condition: Callable[[], bool], timeout_s: float = 120.0, poll_s: float = 0.01) -> bool:
    """Poll `condition` until it holds (True) or `timeout_s` passes (False). Not a timing assumption."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(poll_s)
    return True


def read_all(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """A read-only query on a file no process is writing (after a run ended or was killed)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def incomplete_conversations(db: Path) -> list[str]:
    """Conversations stored as complete whose turns are not all there: a gap in the turn
    indices, an assistant-turn count that differs from n_turns, an assistant turn without its
    live label, or no outcome."""
    rows = read_all(
        db,
        """
        WITH t AS (
            SELECT conversation_id, count(*) AS n, max(turn_index) AS last, min(turn_index) AS first,
                   count(*) FILTER (WHERE role = 'assistant') AS assistant
            FROM turns GROUP BY conversation_id
        ),
        l AS (SELECT conversation_id, count(*) AS labelled FROM turn_labels GROUP BY conversation_id),
        o AS (SELECT DISTINCT conversation_id FROM outcomes)
        SELECT c.conversation_id
        FROM conversations c
        LEFT JOIN t USING (conversation_id) LEFT JOIN l USING (conversation_id) LEFT JOIN o USING (conversation_id)
        WHERE c.status = 'complete' AND (
            t.n IS NULL OR t.first <> 0 OR t.last <> t.n - 1 OR t.assistant <> c.n_turns
            OR coalesce(l.labelled, 0) <> t.assistant OR o.conversation_id IS NULL)
        """,
    )
    return [r[0] for r in rows]


def transcripts(db: Path) -> dict[str, tuple[tuple[str, str], ...]]:
    """Every complete conversation's turns as (role, content), by job key."""
    rows = read_all(
        db,
        "SELECT c.job_key, t.role, t.content FROM conversations c JOIN turns t USING (conversation_id) "
        "WHERE c.status = 'complete' ORDER BY c.job_key, t.turn_index",
    )
    out: dict[str, list[tuple[str, str]]] = {}
    for key, role, content in rows:
        out.setdefault(key, []).append((role, content))
    return {k: tuple(v) for k, v in out.items()}


def run_cli(args: list[str], env: dict[str, str] | None = None, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, env=env or cli_env(), capture_output=True, text=True, timeout=timeout_s, check=False)
