"""Numbered schema migrations. Append only: never edit a migration that has shipped."""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "runs, scenarios, conversations, turns, turn labels",
        """
        CREATE TABLE runs (
            run_id VARCHAR PRIMARY KEY,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            config_json VARCHAR NOT NULL,
            config_hash VARCHAR NOT NULL,
            code_version VARCHAR NOT NULL,
            n_jobs INTEGER NOT NULL,
            n_invocations INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE scenarios (
            run_id VARCHAR NOT NULL,
            scenario_id VARCHAR NOT NULL,
            pack VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            domain VARCHAR NOT NULL,
            subtype VARCHAR,
            expected VARCHAR NOT NULL,
            content_hash VARCHAR NOT NULL,
            scenario_json VARCHAR NOT NULL,
            PRIMARY KEY (run_id, scenario_id)
        );
        CREATE TABLE conversations (
            conversation_id VARCHAR PRIMARY KEY,
            run_id VARCHAR NOT NULL,
            job_key VARCHAR NOT NULL UNIQUE,
            scenario_id VARCHAR NOT NULL,
            scenario_kind VARCHAR NOT NULL,
            scenario_domain VARCHAR NOT NULL,
            scenario_hash VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            user_agent VARCHAR NOT NULL,
            persona VARCHAR NOT NULL,
            persona_group VARCHAR NOT NULL,
            bio_index INTEGER NOT NULL,
            repeat INTEGER NOT NULL,
            seed BIGINT NOT NULL,
            status VARCHAR NOT NULL,
            stop_reason VARCHAR NOT NULL,
            error VARCHAR,
            n_turns INTEGER NOT NULL,
            prompt_tokens BIGINT,
            completion_tokens BIGINT,
            cost_usd DOUBLE,
            live_labeller VARCHAR NOT NULL,
            started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE turns (
            conversation_id VARCHAR NOT NULL,
            turn_index INTEGER NOT NULL,
            role VARCHAR NOT NULL,
            content VARCHAR NOT NULL,
            latency_ms DOUBLE,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cost_usd DOUBLE,
            revealed_facts VARCHAR[] NOT NULL,
            PRIMARY KEY (conversation_id, turn_index)
        );
        CREATE TABLE turn_labels (
            conversation_id VARCHAR NOT NULL,
            turn_index INTEGER NOT NULL,
            labeller VARCHAR NOT NULL,
            labeller_version VARCHAR NOT NULL,
            acts VARCHAR[] NOT NULL,
            stance VARCHAR NOT NULL,
            asks_question BOOLEAN NOT NULL,
            labelled_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (conversation_id, turn_index, labeller, labeller_version)
        );
        CREATE INDEX conversations_run ON conversations (run_id);
        CREATE INDEX conversations_model ON conversations (model);
        """,
    ),
    (
        2,
        "outcomes per conversation and labeller",
        """
        CREATE TABLE outcomes (
            conversation_id VARCHAR NOT NULL,
            labeller VARCHAR NOT NULL,
            labeller_version VARCHAR NOT NULL,
            outcome VARCHAR NOT NULL,
            ternary INTEGER,
            simpleqa_grade VARCHAR,
            check_passed BOOLEAN,
            reason VARCHAR NOT NULL,
            scored_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (conversation_id, labeller, labeller_version)
        );
        """,
    ),
    (
        3,
        "human corpus turns, their labels, human baselines, replay turns",
        """
        CREATE TABLE IF NOT EXISTS human_turns (
            corpus VARCHAR NOT NULL,
            split VARCHAR NOT NULL,
            conversation_id VARCHAR NOT NULL,
            turn INTEGER NOT NULL,
            speaker VARCHAR NOT NULL,
            role VARCHAR NOT NULL,
            text VARCHAR NOT NULL,
            n_utterances INTEGER NOT NULL,
            readable BOOLEAN NOT NULL,
            tags VARCHAR[] NOT NULL,
            tag_acts VARCHAR[],
            source_path VARCHAR NOT NULL,
            imported_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (corpus, conversation_id, turn)
        );
        CREATE TABLE IF NOT EXISTS human_turn_labels (
            corpus VARCHAR NOT NULL,
            conversation_id VARCHAR NOT NULL,
            turn INTEGER NOT NULL,
            labeller VARCHAR NOT NULL,
            labeller_version VARCHAR NOT NULL,
            acts VARCHAR[] NOT NULL,
            stance VARCHAR NOT NULL,
            asks_question BOOLEAN NOT NULL,
            labelled_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (corpus, conversation_id, turn, labeller, labeller_version)
        );
        CREATE TABLE IF NOT EXISTS baselines (
            corpus VARCHAR NOT NULL,
            split VARCHAR NOT NULL,
            role VARCHAR NOT NULL,
            is_helper BOOLEAN NOT NULL,
            act VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            rate DOUBLE,
            ci_low DOUBLE,
            ci_high DOUBLE,
            n_with_act INTEGER NOT NULL,
            n_turns INTEGER NOT NULL,
            n_conversations INTEGER NOT NULL,
            labeller_version VARCHAR NOT NULL,
            computed_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (corpus, role, act, source)
        );
        CREATE TABLE IF NOT EXISTS replay_turns (
            corpus VARCHAR NOT NULL,
            split VARCHAR NOT NULL,
            conversation_id VARCHAR NOT NULL,
            turn INTEGER NOT NULL,
            speaker VARCHAR NOT NULL,
            role VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            seed BIGINT NOT NULL,
            temperature DOUBLE,
            max_tokens INTEGER,
            history_turns INTEGER NOT NULL,
            system_prompt VARCHAR,
            human_text VARCHAR NOT NULL,
            model_text VARCHAR NOT NULL,
            labeller VARCHAR NOT NULL,
            labeller_version VARCHAR NOT NULL,
            human_acts VARCHAR[] NOT NULL,
            human_stance VARCHAR NOT NULL,
            model_acts VARCHAR[] NOT NULL,
            model_stance VARCHAR NOT NULL,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cost_usd DOUBLE,
            latency_ms DOUBLE,
            created_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (corpus, conversation_id, turn, model, labeller, labeller_version)
        );
        """,
    ),
    (
        4,
        "model calls, retries and failures by cause, per run",
        """
        CREATE TABLE IF NOT EXISTS run_stats (
            run_id VARCHAR PRIMARY KEY,
            model_calls BIGINT NOT NULL DEFAULT 0,
            retries BIGINT NOT NULL DEFAULT 0,
            failed_calls BIGINT NOT NULL DEFAULT 0,
            retries_rate_limit BIGINT NOT NULL DEFAULT 0,
            retries_timeout BIGINT NOT NULL DEFAULT 0,
            retries_server_error BIGINT NOT NULL DEFAULT 0,
            retries_connection BIGINT NOT NULL DEFAULT 0,
            retries_malformed BIGINT NOT NULL DEFAULT 0,
            retries_empty BIGINT NOT NULL DEFAULT 0,
            failures_rate_limit BIGINT NOT NULL DEFAULT 0,
            failures_timeout BIGINT NOT NULL DEFAULT 0,
            failures_server_error BIGINT NOT NULL DEFAULT 0,
            failures_connection BIGINT NOT NULL DEFAULT 0,
            failures_malformed BIGINT NOT NULL DEFAULT 0,
            failures_empty BIGINT NOT NULL DEFAULT 0,
            failures_client_error BIGINT NOT NULL DEFAULT 0,
            failures_other BIGINT NOT NULL DEFAULT 0,
            updated_at TIMESTAMPTZ NOT NULL
        );
        """,
    ),
    (
        5,
        "labelling errors (an unreadable judge verdict is recorded, never mapped to a label)",
        """
        CREATE TABLE IF NOT EXISTS label_errors (
            conversation_id VARCHAR NOT NULL,
            turn_index INTEGER NOT NULL,
            labeller VARCHAR NOT NULL,
            labeller_version VARCHAR NOT NULL,
            error VARCHAR NOT NULL,
            raw VARCHAR,
            created_at TIMESTAMPTZ NOT NULL
        );
        """,
    ),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]
