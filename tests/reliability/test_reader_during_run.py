"""A reader (the run summary query, the explorer's queries) during a run neither fails nor blocks it.

DuckDB lets one process write and no other open the file meanwhile, so the runner holds it
only for short batch transactions and readers open read-only per query, retrying while a
batch is being written. Here the test process reads in a tight loop for the whole run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from analysis import list_runs, summary_by_kind
from analysis.explore_queries import TranscriptFilter, list_transcripts, runs_overview
from analysis.labellers import get_labeller
from simulator import Store
from simulator.fake_server import FakeServerConfig, serve_in_thread
from tests.reliability._helpers import ROOT, cli_env, incomplete_conversations, run_args

LIMIT = 40


def test_readers_during_a_run_never_fail_and_never_block_it(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    Store(db).migrate()  # the schema exists before the first read, as for any rerun
    labeller = get_labeller("rules")
    transcripts_filter = TranscriptFilter(labeller=f"{labeller.name}@{labeller.version}")
    seen: list[int] = []
    failures: list[str] = []
    with serve_in_thread(FakeServerConfig(latency_ms=30.0, seed=2)) as server:
        proc = subprocess.Popen(run_args(db, server.base_url, limit=LIMIT, max_turns=3, concurrency=8), cwd=ROOT, env=cli_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        reader = Store(db, lock_timeout_s=30.0)
        while proc.poll() is None:
            try:
                kinds = summary_by_kind(reader)
                seen.append(sum(row["conversations"] for row in kinds))
                runs_overview(reader)
                list_runs(reader)
                list_transcripts(reader, transcripts_filter, limit=10)
            except Exception as exc:  # any failure of a reader is what this test is about
                failures.append(f"{type(exc).__name__}: {exc}")
        _out, err = proc.communicate(timeout=60)
    assert failures == []
    assert proc.returncode == 0, err[-3000:]
    assert len(seen) >= 3, "the reader hardly ran while the run was going"
    assert seen == sorted(seen)  # readers see committed batches only: the count never goes back
    store = Store(db)
    assert store.query("SELECT count(*) AS n FROM conversations WHERE status = 'complete'") == [{"n": LIMIT}]
    assert incomplete_conversations(db) == []
    assert "locked" not in err.lower()
