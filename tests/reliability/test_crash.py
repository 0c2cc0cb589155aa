"""Crash safety: `groundsim run` killed with SIGKILL at three random points and resumed each time
ends with the same jobs and the same transcripts as a run that was never interrupted.

Each kill point is drawn from a seeded generator as (conversations the invocation must have
stored first, further requests the fake model server must then receive), so every kill lands
mid-run, with part of the work stored and more in flight, at a different offset from the batch
writes, on any machine and without any timing assumption. After every kill the file must hold
no conversation stored as complete with missing turns.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
from pathlib import Path

import duckdb

from simulator import RunConfig, Store
from simulator.cli.wiring import build_runner
from simulator.fake_server import FakeServerConfig, serve_in_thread
from tests.reliability._helpers import ROOT, cli_env, incomplete_conversations, read_all, run_args, transcripts, wait_until

LIMIT = 40
MAX_TURNS = 3
CONCURRENCY = 2
SEED = 7
KILL_SEED = 20240601


def stored(db: Path) -> int:
    """Conversations stored so far, read while the run may be writing (read-only, retrying on its lock)."""
    if not db.exists():
        return 0
    try:
        return int(Store(db, lock_timeout_s=30).query("SELECT count(*) AS n FROM conversations")[0]["n"])
    except duckdb.CatalogException:  # the run has created the file but not yet its tables
        return 0


def test_killed_three_times_and_resumed_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    server_config = FakeServerConfig(latency_ms=80.0, seed=5)
    rng = random.Random(KILL_SEED)
    kill_points = [(rng.randint(1, 6), rng.randint(0, 12)) for _ in range(3)]
    whole_db, killed_db = tmp_path / "whole.duckdb", tmp_path / "killed.duckdb"
    env = cli_env()
    with serve_in_thread(server_config) as server:  # one server: its URL is part of every job key
        # The uninterrupted run: the same configuration `groundsim run` builds from the flags below.
        whole_config = RunConfig(models=["openai/fake"], api_base=server.base_url, scenarios=["builtin:core"], limit=LIMIT,
                                 max_turns=MAX_TURNS, seed=SEED, db=str(whole_db), max_concurrency=CONCURRENCY, timeout_s=30,
                                 preflight=False, progress=False)
        whole = build_runner(whole_config)
        whole_summary = asyncio.run(whole.run(whole.prepare()))
        args = run_args(killed_db, server.base_url, limit=LIMIT, max_turns=MAX_TURNS, seed=SEED, concurrency=CONCURRENCY)
        killed_mid_run = 0
        for stored_first, then_requests in kill_points:
            before = stored(killed_db)
            proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            assert wait_until(lambda proc=proc, before=before, n=stored_first: proc.poll() is not None
                              or stored(killed_db) - before >= n, timeout_s=240, poll_s=0.05)
            requests = server.stats()["requests"]
            assert wait_until(lambda proc=proc, requests=requests, n=then_requests: proc.poll() is not None
                              or server.stats()["requests"] - requests >= n, timeout_s=240)
            if proc.poll() is None:
                proc.kill()  # SIGKILL: no handler runs, nothing is flushed
                killed_mid_run += 1
            proc.wait(timeout=60)
            if killed_db.exists():
                assert incomplete_conversations(killed_db) == []
        resumed = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert whole_summary.completed == LIMIT
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert killed_mid_run >= 2, f"only {killed_mid_run} of the kills landed while the run was going"

    whole_keys = {r[0] for r in read_all(whole_db, "SELECT job_key FROM conversations")}
    killed_keys = {r[0] for r in read_all(killed_db, "SELECT job_key FROM conversations")}
    assert len(whole_keys) == LIMIT
    assert killed_keys == whole_keys
    assert read_all(killed_db, "SELECT count(*), count(DISTINCT job_key) FROM conversations") == [(LIMIT, LIMIT)]
    assert incomplete_conversations(killed_db) == [] and incomplete_conversations(whole_db) == []
    whole_transcripts, killed_transcripts = transcripts(whole_db), transcripts(killed_db)
    assert len(whole_transcripts) == LIMIT  # a fault-free server: every conversation completes
    assert killed_transcripts == whole_transcripts
    # The interrupted run was resumed: the same run, invoked once per start.
    assert read_all(killed_db, "SELECT n_invocations FROM runs") == [(1 + len(kill_points),)]
