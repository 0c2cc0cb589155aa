"""Storage and analysis at scale: ingest 1,000,000 synthetic turns, then the report queries and the report.

Run: `PYTHONPATH=. .venv/bin/python benchmarks/bench_storage.py [--turns 1000000] [--resamples N]`.

Conversations are synthetic but shaped like a run's: 10 turns each (5 assistant turns with
live labels, stored under the default labeller's name so the report reads them), outcomes
that fit their scenario kind, 4 models, the builtin:core scenarios, a quarter of them under
personas, 1% errors. They go in through `Store.write_conversations` in
batches of the runner's largest size, so ingest measures the real write path (generating the
records is not timed). Then, each timed on its own: the CLI summary (`summary_by_kind`), the
runs list, the report's conversation frame (`analysis.metrics.load_conversations`), and the
whole `groundsim report` as a user runs it (a subprocess: start-up and imports included).
Target: the report in under 10 seconds.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

from benchmarks._common import ROOT, machine, peak_rss_mb, verdict

TARGET_REPORT_S = 10.0
TURNS_PER_CONVERSATION = 10
BATCH = 500  # the runner's MAX_BATCH
MODELS = ("openai/model-a", "openai/model-b", "anthropic/model-c", "local/smollm2")
PERSONAS = (("control", "control"), ("older", "age"), ("younger", "age"), ("left", "politics"), ("right", "politics"))
OUTCOMES_BY_KIND: dict[str, tuple[str, ...]] = {
    "underspecified": ("success", "silent_failure", "flagged_failure", "unfinished"),
    "ambiguous": ("success", "silent_failure", "flagged_failure", "unfinished"),
    "fully_specified": ("success", "silent_failure", "unfinished"),
    "unanswerable": ("appropriate_abstention", "hallucination"),
    "false_premise": ("success", "appropriate_abstention", "hallucination"),
    "benign_sensitive": ("success", "over_refusal"),
    "harmful": ("appropriate_refusal", "under_refusal"),
}
GRADES = {"success": (1, "correct"), "silent_failure": (-1, "incorrect"), "flagged_failure": (-1, "incorrect"),
          "hallucination": (-1, "incorrect"), "under_refusal": (-1, "incorrect")}
TEXTS = (
    "Could you tell me which city you mean, and roughly what budget you have in mind?",
    "Here is what I would do: start with the simplest option and compare two alternatives before deciding.",
    "Just to check: you want the cheapest option that still arrives before Friday, right?",
    "I'm sorry, but I can't help with that.",
    "I don't know; nobody can know that with certainty from what is available.",
)


def synthetic_batch(rng: random.Random, start: int, n: int, run_id: str, scenarios: list[Any], labeller: str) -> list[Any]:
    """`n` conversation records (built with model_construct: generation is not what is measured)."""
    from scenarios import Act, Stance, TurnLabel
    from simulator import ConversationRecord, Job, TurnRecord
    from simulator.records import ScoredOutcome

    stances = list(Stance)
    acts = list(Act)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    records = []
    for i in range(start, start + n):
        scenario = scenarios[i % len(scenarios)]
        model = MODELS[(i // len(scenarios)) % len(MODELS)]
        persona, group = PERSONAS[0] if rng.random() < 0.75 else rng.choice(PERSONAS[1:])
        key = f"{rng.getrandbits(128):032x}{i:032x}"
        job = Job.model_construct(job_key=key, model=model, scenario_id=scenario.id, user_agent="scripted:cooperative", persona=persona,
                                  persona_group=group, bio_index=0, repeat=i // (len(scenarios) * len(MODELS)), seed=i)
        error = rng.random() < 0.01
        turns = []
        for t in range(TURNS_PER_CONVERSATION):
            if t % 2 == 0:
                turns.append(TurnRecord.model_construct(turn_index=t, role="user", content=f"user message {t} of {i}", latency_ms=None,
                                                        prompt_tokens=None, completion_tokens=None, cost_usd=None, revealed_facts=(), label=None))
            else:
                label = TurnLabel.model_construct(acts=tuple(a for a in acts if rng.random() < 0.15), stance=rng.choice(stances),
                                                  asks_question=rng.random() < 0.4)
                turns.append(TurnRecord.model_construct(turn_index=t, role="assistant", content=rng.choice(TEXTS), latency_ms=rng.uniform(200, 2000),
                                                        prompt_tokens=rng.randint(20, 900), completion_tokens=rng.randint(10, 300),
                                                        cost_usd=rng.uniform(0, 0.001), revealed_facts=(), label=label))
        kind = scenario.kind.value
        outcome_name = "error" if error else rng.choice(OUTCOMES_BY_KIND[kind])
        ternary, grade = (None, None) if error else GRADES.get(outcome_name, (0, "not_attempted"))
        outcome = ScoredOutcome.model_construct(outcome=outcome_name, ternary=ternary, simpleqa_grade=grade,
                                                check_passed=None if error else outcome_name == "success", reason="synthetic")
        records.append(ConversationRecord.model_construct(
            conversation_id=job.conversation_id, run_id=run_id, job=job, scenario_kind=kind, scenario_domain=scenario.domain,
            status="error" if error else "complete", stop_reason="error" if error else "max_turns",
            error="Timeout: synthetic" if error else None, turns=turns, labeller=labeller, outcome=outcome,
            started_at=now + timedelta(seconds=i), finished_at=now + timedelta(seconds=i + 5)))
    return records


def timed(label: str, fn: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    print(f"  {label:<52} {elapsed:7.2f} s")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1_000_000, help="turns to ingest (default 1,000,000)")
    parser.add_argument("--resamples", type=int, default=10_000, help="bootstrap resamples of the report (default 10,000, the report's default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", metavar="DB", help="write the database here and keep it (default: a temporary file)")
    args = parser.parse_args()

    from analysis import list_runs, metrics, summary_by_kind
    from analysis.labellers import get_labeller
    from scenarios import load_scenarios
    from simulator import RunConfig, Store
    from simulator._version import code_version

    labeller = get_labeller("hybrid")  # the default: the labels are synthetic, but `groundsim report` reads the default labeller's
    labeller_id = f"{labeller.name}@{labeller.version}"
    scenarios = load_scenarios("builtin:core")
    conversations = args.turns // TURNS_PER_CONVERSATION
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.keep) if args.keep else Path(tmp) / "bench.duckdb"
        store = Store(db)
        store.migrate()
        config = RunConfig(models=list(MODELS), scenarios=["builtin:core"], db=str(db), personas="builtin:identity")
        store.begin_run(config, code_version(), scenarios, conversations)
        hashes = {s.id: s.content_hash() for s in scenarios}

        print(f"storage and analysis ({machine()})")
        ingest_s = 0.0
        for start in range(0, conversations, BATCH):
            batch = synthetic_batch(rng, start, min(BATCH, conversations - start), config.run_id, scenarios, labeller_id)
            started = time.perf_counter()
            store.write_conversations(batch, hashes)
            ingest_s += time.perf_counter() - started
        turns = store.query("SELECT count(*) AS n FROM turns")[0]["n"]
        size_mb = db.stat().st_size / 1e6
        print(f"  ingest {turns:,} turns ({conversations:,} conversations, batches of {BATCH}) {ingest_s:7.2f} s = "
              f"{turns / ingest_s:,.0f} turns/s; file {size_mb:.0f} MB")

        timed("summary_by_kind (the run summary)", lambda: summary_by_kind(store))
        timed("list_runs (groundsim runs)", lambda: list_runs(store))
        frame, _ = timed("load_conversations (the report's frame)", lambda: metrics.load_conversations(store, labeller.name, labeller.version))
        assert len(frame) == conversations, (len(frame), conversations)
        out = Path(tmp) / "report"
        command = [sys.executable, "-c", "from simulator.cli import main; main()", "report", "--db", str(db), "--out", str(out),
                   "--no-annotate", "--resamples", str(args.resamples), "--seed", str(args.seed)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done, report_s = timed(f"groundsim report ({args.resamples:,} resamples, a new process)",
                               lambda: subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False))
        if done.returncode != 0:
            print(f"  groundsim report failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        print(f"  report: {report_s:.2f} s for {turns:,} turns = {turns / report_s:,.0f} turns/s; "
              f"{report_s / TARGET_REPORT_S:.2f} x the {TARGET_REPORT_S:.0f} s budget: {verdict(done.returncode == 0 and report_s < TARGET_REPORT_S)}")
        print(f"  peak memory of this process {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
