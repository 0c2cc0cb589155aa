"""The explorer's read queries (analysis.explore_queries), against the fixture database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from analysis import explore_queries as Q
from analysis import metrics
from analysis.stats import wilson_interval
from simulator import Store
from simulator.store._store import OUTCOME_SCHEMA
from tests.app.app_fixtures import MODEL_A, MODEL_B, build_explorer_db

LABELLER = "rules@1"


@pytest.fixture
def store(explorer_db: dict[str, object]) -> Store:
    return Store(explorer_db["path"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, 36),
        ({"models": (MODEL_A,)}, 18),
        ({"models": (MODEL_A, MODEL_B)}, 36),
        ({"kinds": ("ambiguous",)}, 12),
        ({"domains": ("finance", "travel")}, 24),
        ({"personas": ("control",)}, 12),
        ({"outcomes": ("silent_failure",)}, 6),
        ({"outcomes": ("over_refusal", "hallucination")}, 8),
        ({"acts": ("clarification",)}, 6),
        ({"acts": ("acknowledgment", "repair")}, 6),
        ({"stances": ("safety_refusal",)}, 2),
        ({"stances": ("epistemic_abstain",), "models": (MODEL_A,)}, 0),
        ({"models": (MODEL_B,), "kinds": ("unanswerable",), "outcomes": ("appropriate_abstention",)}, 6),
        ({"outcomes": (Q.NOT_SCORED,)}, 0),
    ],
)
def test_each_filter_narrows_the_list_to_the_known_count(
    store: Store, filters: dict[str, tuple[str, ...]], expected: int
) -> None:
    flt = Q.TranscriptFilter(labeller=LABELLER, **filters)
    assert Q.count_transcripts(store, flt) == expected
    rows = Q.list_transcripts(store, flt, limit=100)
    assert len(rows) == expected
    for row in rows:
        if "models" in filters:
            assert row["model"] in filters["models"]
        if "outcomes" in filters:
            assert row["outcome"] in filters["outcomes"]


def test_the_run_filter_matches_the_run(store: Store, explorer_db: dict[str, object]) -> None:
    assert Q.count_transcripts(store, Q.TranscriptFilter(labeller=LABELLER, runs=(str(explorer_db["run_id"]),))) == 36
    assert Q.count_transcripts(store, Q.TranscriptFilter(labeller=LABELLER, runs=("r_other",))) == 0


def test_pages_are_disjoint_ordered_and_cover_every_match(store: Store) -> None:
    flt = Q.TranscriptFilter(labeller=LABELLER)
    pages = [Q.list_transcripts(store, flt, limit=10, offset=offset) for offset in range(0, 40, 10)]
    assert [len(p) for p in pages] == [10, 10, 10, 6]
    ids = [r["conversation_id"] for page in pages for r in page]
    assert len(set(ids)) == 36
    keys = [(r["finished_at"], r["conversation_id"]) for page in pages for r in page]
    assert keys == sorted(keys, key=lambda k: (-k[0].timestamp(), k[1]))


def test_a_labeller_that_scored_nothing_leaves_every_conversation_not_scored(store: Store) -> None:
    flt = Q.TranscriptFilter(labeller="judge@7", outcomes=(Q.NOT_SCORED,))
    assert Q.count_transcripts(store, flt) == 36
    assert {r["outcome"] for r in Q.list_transcripts(store, flt, limit=50)} == {Q.NOT_SCORED}


def test_a_transcript_has_its_labels_facts_revealed_and_outcome(store: Store, explorer_db: dict[str, object]) -> None:
    conversation_id = explorer_db["ids"][(MODEL_B, "app-portland", "control", 0)]  # type: ignore[index]
    transcript = Q.get_transcript(store, conversation_id, LABELLER)
    assert transcript is not None
    assert [(t["role"], t["stance"], t["acts"]) for t in transcript.turns] == [
        ("user", None, None),
        ("assistant", "clarify_only", ["clarification"]),
        ("user", None, None),
        ("assistant", "answer", ["acknowledgment"]),
    ]
    assert {f["id"]: f["revealed_at"] for f in transcript.facts} == {"city": 2, "dog": 2}
    assert transcript.scenario["hidden_intent"].startswith("Portland, Maine")
    assert transcript.outcome is not None and transcript.outcome["outcome"] == "success"
    assert transcript.labels_from == LABELLER


def test_a_transcript_falls_back_to_the_live_labeller_when_the_chosen_one_did_not_label_it(
    store: Store, explorer_db: dict[str, object]
) -> None:
    conversation_id = explorer_db["ids"][(MODEL_A, "app-lottery", "control", 1)]  # type: ignore[index]
    transcript = Q.get_transcript(store, conversation_id, "judge@7")
    assert transcript is not None
    assert transcript.labels_from == LABELLER
    assert transcript.outcome is not None and transcript.outcome["outcome"] == "hallucination"
    assert transcript.facts == []
    assert Q.get_transcript(store, "c_missing", LABELLER) is None


def test_filter_options_list_what_is_stored_and_the_whole_vocabulary(
    store: Store, explorer_db: dict[str, object]
) -> None:
    options = Q.filter_options(store)
    assert options["models"] == [MODEL_A, MODEL_B]
    assert options["kinds"] == ["ambiguous", "benign_sensitive", "unanswerable"]
    assert options["personas"] == ["age_70s", "age_teen", "control"]
    assert options["runs"] == [explorer_db["run_id"]]
    assert options["acts"] == list(Q.ACTS) and "clarification" in options["acts"]
    assert options["outcomes"][-1] == Q.NOT_SCORED
    assert Q.labellers(store) == [LABELLER]


def _other_labeller_outcomes(store: Store, outcome: str) -> None:
    ids = [r["conversation_id"] for r in store.query("SELECT conversation_id FROM conversations")]
    now = datetime.now(UTC)
    rows = [
        {
            "conversation_id": c,
            "labeller": "other",
            "labeller_version": "1",
            "outcome": outcome,
            "ternary": 0,
            "simpleqa_grade": "not_attempted",
            "check_passed": None,
            "reason": "test",
            "scored_at": now,
        }
        for c in ids
    ]
    store.add_outcomes(pa.Table.from_pylist(rows, schema=OUTCOME_SCHEMA))


def test_outcome_filters_follow_the_chosen_labeller_and_the_data_version_moves(store: Store) -> None:
    before = Q.data_version(store)
    _other_labeller_outcomes(store, "unfinished")
    assert Q.data_version(store) != before
    assert "other@1" in Q.labellers(store)
    assert Q.count_transcripts(store, Q.TranscriptFilter(labeller="other@1", outcomes=("unfinished",))) == 36
    assert Q.count_transcripts(store, Q.TranscriptFilter(labeller=LABELLER, outcomes=("unfinished",))) == 0


def test_outcome_rates_use_wilson_and_leave_errors_out() -> None:
    counts = pd.DataFrame(
        [
            {"model": "m", "kind": "ambiguous", "outcome": "success", "n": 3},
            {"model": "m", "kind": "ambiguous", "outcome": "silent_failure", "n": 7},
            {"model": "m", "kind": "ambiguous", "outcome": "error", "n": 5},
        ]
    )
    rates = Q.outcome_rates(counts).set_index("outcome")
    assert list(rates.index) == ["success", "silent_failure"]  # docs/design.md order, no error row
    expected = wilson_interval(3, 10)
    assert rates.loc["success", "n_conversations"] == 10
    assert rates.loc["success", "rate"] == pytest.approx(0.3)
    assert rates.loc["success", "ci_low"] == pytest.approx(expected.low)
    assert rates.loc["success", "ci_high"] == pytest.approx(expected.high)


def test_every_report_rate_metric_links_to_valid_transcript_filters() -> None:
    valid = {
        "kind": set(
            metrics.UNDERSPECIFIED
            + metrics.FULLY_SPECIFIED
            + metrics.SHOULD_ABSTAIN
            + metrics.BENIGN_SENSITIVE
            + metrics.HARMFUL
        ),
        "act": set(Q.ACTS),
        "outcome": set(Q.OUTCOMES),
    }
    for metric in (*metrics.CLARIFICATION_METRICS, *metrics.KNOB_METRICS):
        if not isinstance(metric, metrics.RateMetric):
            continue
        link = Q.metric_link(metric.name, "m", ("r1",))
        assert metric.name in Q.METRIC_LINKS, f"{metric.name} has no transcripts link"
        assert link["model"] == ["m"] and link["run"] == ["r1"] and link["persona"] == ["control"]
        for key, values in link.items():
            if key in valid:
                assert set(values) <= valid[key], (metric.name, key, values)


def test_a_run_short_of_its_jobs_is_in_progress_only_while_recent(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    store = Store(build_explorer_db(tmp_path / "busy.duckdb", extra_planned_jobs=4, now=now)["path"])  # type: ignore[arg-type]
    [run] = Q.runs_in_progress(store, now=now)
    assert (run["stored"], run["n_jobs"]) == (36, 40)
    assert Q.runs_in_progress(store, now=now + Q.IN_PROGRESS_WINDOW + timedelta(minutes=1)) == []


def test_a_finished_run_is_not_in_progress(store: Store) -> None:
    assert Q.runs_in_progress(store) == []


def test_runs_overview_has_config_counts_and_cost(store: Store, explorer_db: dict[str, object]) -> None:
    [run] = Q.runs_overview(store)
    assert run["run_id"] == explorer_db["run_id"]
    assert run["config"]["models"] == [MODEL_A, MODEL_B]
    assert (run["stored"], run["complete"], run["errors"]) == (36, 36, 0)
    assert run["cost_usd"] == pytest.approx(
        sum(0.001 * (2 if key[0] == MODEL_B and key[1] == "app-portland" else 1) for key in explorer_db["ids"])
    )  # type: ignore[attr-defined]
    counts = {
        (r["model"], r["outcome"]): r["conversations"]
        for r in Q.run_outcome_counts(store, str(run["run_id"]), LABELLER)
    }
    assert counts[(MODEL_A, "over_refusal")] == 2 and counts[(MODEL_B, "success")] == 12
    assert Q.run_errors(store, str(run["run_id"])) == []
