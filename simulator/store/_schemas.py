"""The Arrow schemas rows are written in, one per table, and the `run_stats` counter columns.

One job: declare each written table's shape once. Labels from `annotate` and from a live
run, and outcomes from either, are built against the same schema here, so they cannot
drift apart; the SQL tables themselves are created by the migrations.
"""

from __future__ import annotations

import pyarrow as pa

from simulator.models import FAILURE_CAUSES, RETRYABLE_CAUSES

_TS = pa.timestamp("us", tz="UTC")

SCENARIO_SCHEMA = pa.schema(
    [(n, pa.string()) for n in ("run_id", "scenario_id", "pack", "kind", "domain", "subtype", "expected", "content_hash", "scenario_json")]
)
CONVERSATION_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("run_id", pa.string()),
        ("job_key", pa.string()),
        ("scenario_id", pa.string()),
        ("scenario_kind", pa.string()),
        ("scenario_domain", pa.string()),
        ("scenario_hash", pa.string()),
        ("model", pa.string()),
        ("user_agent", pa.string()),
        ("persona", pa.string()),
        ("persona_group", pa.string()),
        ("bio_index", pa.int32()),
        ("repeat", pa.int32()),
        ("seed", pa.int64()),
        ("status", pa.string()),
        ("stop_reason", pa.string()),
        ("error", pa.string()),
        ("n_turns", pa.int32()),
        ("prompt_tokens", pa.int64()),
        ("completion_tokens", pa.int64()),
        ("cost_usd", pa.float64()),
        ("live_labeller", pa.string()),
        ("started_at", _TS),
        ("finished_at", _TS),
    ]
)
TURN_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("turn_index", pa.int32()),
        ("role", pa.string()),
        ("content", pa.string()),
        ("latency_ms", pa.float64()),
        ("prompt_tokens", pa.int32()),
        ("completion_tokens", pa.int32()),
        ("cost_usd", pa.float64()),
        ("revealed_facts", pa.list_(pa.string())),
    ]
)
OUTCOME_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("labeller", pa.string()),
        ("labeller_version", pa.string()),
        ("outcome", pa.string()),
        ("ternary", pa.int32()),
        ("simpleqa_grade", pa.string()),
        ("check_passed", pa.bool_()),
        ("reason", pa.string()),
        ("scored_at", _TS),
    ]
)
OUTCOME_COLUMNS = ", ".join(OUTCOME_SCHEMA.names)
LABEL_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("turn_index", pa.int32()),
        ("labeller", pa.string()),
        ("labeller_version", pa.string()),
        ("acts", pa.list_(pa.string())),
        ("stance", pa.string()),
        ("asks_question", pa.bool_()),
        ("labelled_at", _TS),
    ]
)

#: The counters of a `run_stats` row: calls, retries and failures in all, then by cause.
RUN_STATS_COLUMNS = (
    "model_calls", "retries", "failed_calls",
    *(f"retries_{cause}" for cause in RETRYABLE_CAUSES),
    *(f"failures_{cause}" for cause in FAILURE_CAUSES),
)
