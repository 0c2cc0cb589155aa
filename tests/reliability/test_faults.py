"""200 conversations against a fake server that faults on 20% of requests.

Every job must end stored exactly once, complete or `error` with its reason, and every failed
attempt must be counted by cause in `run_stats`, matching what the server says it served.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from simulator import RunConfig, Store
from simulator.cli.wiring import build_runner
from simulator.fake_server import FakeServerConfig, serve_in_thread
from simulator.models._provider import FAILURE_CAUSES, RETRYABLE_CAUSES

CONVERSATIONS = 200

# What the client sees for each fault the server serves.
CAUSE_OF_FAULT = {
    "rate_limit": "rate_limit",
    "server_error": "server_error",
    "unavailable": "server_error",
    "hang": "timeout",
    "drop": "connection",
    "malformed_json": "malformed",
    "empty_content": "empty",
}


def test_a_faulty_server_loses_no_job_and_every_retry_is_counted_by_cause(tmp_path: Path) -> None:
    db = tmp_path / "faults.duckdb"
    # A hang lasts past the client timeout; Retry-After 0 lets litellm's own short backoff apply.
    server_config = FakeServerConfig(fault_rate=0.2, hang_s=20.0, retry_after_s=0, seed=3)
    with serve_in_thread(server_config) as server:
        config = RunConfig(
            models=["openai/fake"], scenarios=["builtin:core"], limit=CONVERSATIONS, max_turns=3, api_base=server.base_url,
            db=str(db), preflight=False, progress=False, max_concurrency=50, timeout_s=2.0, num_retries=1, seed=11,
        )
        runner = build_runner(config)
        planned = runner.prepare()
        summary = asyncio.run(runner.run(planned))
        served = server.stats()

    store = Store(db)
    rows = store.query("SELECT job_key, status, stop_reason, error, n_turns FROM conversations")
    assert len(planned) == CONVERSATIONS
    assert sorted(r["job_key"] for r in rows) == sorted(p.job.job_key for p in planned)  # each job stored once
    assert summary.completed + summary.errors == CONVERSATIONS
    statuses = Counter(r["status"] for r in rows)
    assert set(statuses) <= {"complete", "error"}
    assert statuses["error"] == summary.errors > 0  # 20% faults with one retry: some calls fail twice
    assert statuses["complete"] > CONVERSATIONS // 2
    for r in rows:
        if r["status"] == "error":
            assert r["stop_reason"] == "error"
            assert r["error"] and ("Error" in r["error"] or "Timeout" in r["error"] or "empty reply" in r["error"]), r["error"]
        else:
            assert r["error"] is None and r["stop_reason"] != "error"

    stats = store.query("SELECT * FROM run_stats WHERE run_id = ?", [config.run_id])
    assert len(stats) == 1
    stats_row = stats[0]
    retries = {cause: stats_row[f"retries_{cause}"] for cause in RETRYABLE_CAUSES}
    failures = {cause: stats_row[f"failures_{cause}"] for cause in FAILURE_CAUSES}
    assert stats_row["retries"] == sum(retries.values()) > 0
    assert stats_row["failed_calls"] == sum(failures.values())
    assert stats_row["model_calls"] == runner.chat.tally.calls
    # Every attempt reached the server, and every fault it served was counted as one failed attempt.
    assert served["requests"] == stats_row["model_calls"] + stats_row["retries"]
    faults_by_cause: Counter[str] = Counter()
    for kind, n in served["faults"].items():
        faults_by_cause[CAUSE_OF_FAULT[kind]] += n
    for cause in RETRYABLE_CAUSES:
        counted = retries[cause] + failures[cause]
        if cause == "timeout":  # a normal reply slower than the client timeout on a busy machine also counts
            assert counted >= faults_by_cause[cause], (cause, counted, faults_by_cause)
        else:
            assert counted == faults_by_cause[cause], (cause, counted, faults_by_cause)
        assert faults_by_cause[cause] > 0, f"the server never served a {cause} fault: the test lost its meaning"
    assert failures["client_error"] == failures["other"] == 0
    # Calls that failed are exactly the conversations stored as errors (a failed call ends its conversation).
    assert stats_row["failed_calls"] == statuses["error"]


@pytest.mark.parametrize("kind", sorted(CAUSE_OF_FAULT))
def test_a_fault_on_every_attempt_ends_as_a_stored_error_counted_by_its_cause(tmp_path: Path, kind: str) -> None:
    """Malformed JSON, an empty reply, a hang...: retried, then one stored `error` conversation, never a crash."""
    db = tmp_path / f"{kind}.duckdb"
    with serve_in_thread(FakeServerConfig(fault_rates={kind: 1.0}, hang_s=20.0, retry_after_s=0)) as server:
        config = RunConfig(models=["openai/fake"], scenarios=["builtin:starter"], limit=1, max_turns=2, api_base=server.base_url,
                           db=str(db), preflight=False, progress=False, timeout_s=1.0, num_retries=1)
        runner = build_runner(config)
        summary = asyncio.run(runner.run(runner.prepare()))
        served = server.stats()
    assert (summary.completed, summary.errors) == (0, 1)
    store = Store(db)
    [row] = store.query("SELECT status, stop_reason, error FROM conversations")
    assert row["status"] == "error" and row["stop_reason"] == "error" and row["error"]
    cause = CAUSE_OF_FAULT[kind]
    [stats] = store.query("SELECT * FROM run_stats")
    assert (stats["model_calls"], stats["retries"], stats["failed_calls"]) == (1, 1, 1)
    assert stats[f"retries_{cause}"] == 1 and stats[f"failures_{cause}"] == 1
    assert served["requests"] == 2 and served["faults"][kind] == 2  # one attempt and one retry, nothing hidden
