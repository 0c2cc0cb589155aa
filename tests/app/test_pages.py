"""The explorer's pages under streamlit.testing.v1.AppTest, on the fixture database."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from simulator import Store
from simulator.store._store import OUTCOME_SCHEMA
from tests.app.app_fixtures import APP, HOSTILE, MODEL_A, MODEL_B, add_baselines, add_replay, build_explorer_db


def run_app(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str | list[str]) -> AppTest:
    """The app on `db` (GROUNDSIM_DB), opened at the URL these query parameters describe."""
    monkeypatch.setenv("GROUNDSIM_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.stack_trace for e in at.exception]
    return at


def all_text(at: AppTest) -> list[str]:
    """Every string the page shows through text-like elements (not tables or charts)."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "text", "markdown", "caption", "info", "warning", "error", "success"):
        out += [str(e.value) for e in getattr(at, kind)]
    return out


def shown(at: AppTest, needle: str) -> bool:
    return any(needle in t for t in all_text(at))


def url(at: AppTest, key: str) -> list[str]:
    """A query parameter of the app's URL as a list (AppTest keeps single values as plain strings)."""
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def match_count(at: AppTest) -> int:
    """The number in "N conversations match" (or "1 conversation matches")."""
    found = [m for m in (re.match(r"([\d,]+) conversations? match", e.value) for e in at.text) if m]
    assert len(found) == 1, [e.value for e in at.text]
    return int(found[0].group(1).replace(",", ""))


def list_frame(at: AppTest):
    return next(df.value for df in at.dataframe if "conversation_id" in df.value.columns)


@pytest.fixture
def db(explorer_db: dict[str, object]) -> Path:
    return explorer_db["path"]  # type: ignore[return-value]


# -- each page ---------------------------------------------------------------------------------


def test_runs_page_shows_each_run_with_config_counts_and_cost(
    db: Path, explorer_db: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(db, monkeypatch, page="runs")
    assert [h.value for h in at.header] == ["Runs"]
    runs = at.dataframe[0].value
    row = runs.iloc[0]
    assert row["run"] == explorer_db["run_id"]
    assert row["models"] == f"{MODEL_A}, {MODEL_B}"
    assert (row["jobs"], row["stored"], row["complete"], row["errors"]) == (36, 36, 36, 0)
    assert row["cost"] == "$0.0420"  # 36 conversations at $0.001 per assistant turn, 6 of them with two turns
    assert at.json[0].value and '"repeats": 2' in at.json[0].value
    outcomes = next(df.value for df in at.dataframe if "outcome" in df.value.columns)
    assert set(outcomes["model"]) == {MODEL_A, MODEL_B}
    assert shown(at, "No infrastructure errors.")


def test_compare_page_draws_the_reports_figures_for_the_chosen_models(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(db, monkeypatch, page="compare")
    assert shown(at, "12 scored control conversations in this selection")
    rates = next(df.value for df in at.dataframe if "label" in df.value.columns)
    silent = rates[rates["metric"] == "silent_failure"].set_index("model")["rate"]
    assert silent.to_dict() == {MODEL_A: "100.0%", MODEL_B: "0.0%"}
    assert len(at.get("vega_lite_chart")) == 3  # rates, two knobs, grounding acts
    at.multiselect(key="w_cmp_model").set_value([MODEL_B]).run()
    rates = next(df.value for df in at.dataframe if "label" in df.value.columns)
    assert set(rates["model"]) == {MODEL_B}
    assert shown(at, "6 scored control conversations in this selection")


def test_personas_page_shows_each_group_minus_control(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(db, monkeypatch, page="personas")
    table = at.dataframe[0].value.set_index("model")
    assert table.loc[MODEL_A, "persona_group"] == "age"
    assert (table.loc[MODEL_A, "k_persona"], table.loc[MODEL_A, "n_persona"]) == (2, 12)
    assert table.loc[MODEL_A, "difference"] == "+16.7 pp"
    assert table.loc[MODEL_B, "difference"] == "+0.0 pp"
    assert len(at.get("vega_lite_chart")) == 1
    at.radio(key="w_per_by").set_value("persona").run()
    by_persona = at.dataframe[0].value
    assert set(by_persona["persona"]) == {"age_teen", "age_70s"}
    teen = by_persona[(by_persona["model"] == MODEL_A) & (by_persona["persona"] == "age_teen")].iloc[0]
    assert teen["rate_persona"] == "33.3%"


def test_baselines_page_says_how_to_import_when_there_are_none(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(db, monkeypatch, page="baselines")
    assert [i.value for i in at.info] == [
        "No baselines imported yet: run `groundsim baselines import --corpus PATH --db DB` to compute human act rates "
        "from a corpus in the shared JSONL schema."
    ]
    assert shown(at, "No replay comparisons yet")


def test_imported_baselines_are_listed_and_drawn_beside_the_models(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_baselines(db)
    at = run_app(db, monkeypatch, page="baselines")
    table = at.dataframe[0].value
    assert set(table["corpus"]) == {"toy-corpus"} and len(table) == 3
    assert len(at.get("vega_lite_chart")) == 1
    at = run_app(db, monkeypatch, page="compare")
    assert at.selectbox(key="w_cmp_baseline").value == "toy-corpus:helper"
    gap = next(df.value for df in at.dataframe if "gap" in df.value.columns)
    clarification = gap[(gap["model"] == MODEL_B) & (gap["act"] == "clarification")].iloc[0]
    assert clarification["human_rate"] == pytest.approx(0.21)
    assert clarification["gap"] == pytest.approx(1 - 0.25 / 0.21)


def test_replay_comparisons_show_human_and_model_rates_with_kappa(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_replay(db)
    at = run_app(db, monkeypatch, page="baselines")
    replay = next(df.value for df in at.dataframe if "kappa" in df.value.columns).set_index("act")
    clarification = replay.loc["clarification"]
    assert (clarification["n"], clarification["human_count"], clarification["model_count"]) == (4, 2, 1)
    assert clarification["kappa"] == pytest.approx(0.5)  # po = 3/4, pe = 1/2 (2/4 * 1/4 + 2/4 * 3/4)
    assert not shown(at, "No replay comparisons yet")


# -- transcripts: filters, paging, a conversation ------------------------------------------------


def test_filters_change_the_list(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(db, monkeypatch, page="transcripts")
    assert match_count(at) == 36
    assert len(list_frame(at)) == 25
    at.multiselect(key="w_model").set_value([MODEL_A]).run()
    assert match_count(at) == 18
    assert set(list_frame(at)["model"]) == {MODEL_A}
    assert url(at, "model") == [MODEL_A]
    at.multiselect(key="w_outcome").set_value(["silent_failure"]).run()
    assert match_count(at) == 6
    assert set(list_frame(at)["outcome"]) == {"silent_failure"}
    at.multiselect(key="w_model").set_value([]).run()
    at.multiselect(key="w_outcome").set_value([]).run()
    at.multiselect(key="w_act").set_value(["clarification"]).run()
    assert match_count(at) == 6
    assert set(list_frame(at)["model"]) == {MODEL_B}
    at.multiselect(key="w_act").set_value([]).run()
    at.multiselect(key="w_stance").set_value(["safety_refusal"]).run()
    assert match_count(at) == 2
    at.multiselect(key="w_stance").set_value([]).run()
    at.multiselect(key="w_persona").set_value(["control"]).run()
    at.multiselect(key="w_kind").set_value(["benign_sensitive"]).run()
    at.multiselect(key="w_domain").set_value(["computing"]).run()
    assert match_count(at) == 4
    assert set(list_frame(at)["persona"]) == {"control"}


def test_paging_moves_through_the_matches(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(db, monkeypatch, page="transcripts")
    first = set(list_frame(at)["conversation_id"])
    at.button(key="next_page").click().run()
    second = set(list_frame(at)["conversation_id"])
    assert len(second) == 11 and not first & second
    assert url(at, "p") == ["2"]
    assert at.button(key="next_page").disabled
    at.multiselect(key="w_model").set_value([MODEL_B]).run()  # a new filter starts again at page 1
    assert url(at, "p") == [] and len(list_frame(at)) == 18


def test_a_link_opens_the_matching_transcripts(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(db, monkeypatch, page="transcripts", model=MODEL_A, outcome=["over_refusal", "hallucination"])
    assert match_count(at) == 8
    assert at.multiselect(key="w_model").value == [MODEL_A]
    assert set(list_frame(at)["outcome"]) == {"over_refusal", "hallucination"}


def test_a_link_to_values_never_stored_matches_nothing_instead_of_everything(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(db, monkeypatch, page="transcripts", kind="harmful", model=MODEL_A)
    assert at.multiselect(key="w_kind").value == ["harmful"]
    assert match_count(at) == 0
    assert shown(at, "No conversation matches these filters.")


def test_a_button_on_the_runs_page_opens_that_runs_transcripts(
    db: Path, explorer_db: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(db, monkeypatch, page="runs")
    at.button(key="open_run").click().run()
    assert [h.value for h in at.header] == ["Transcripts"]
    assert at.multiselect(key="w_run").value == [explorer_db["run_id"]]
    assert match_count(at) == 36
    assert url(at, "page") == ["transcripts"] and url(at, "run") == [explorer_db["run_id"]]


def test_a_transcript_renders_as_a_chat_with_badges_facts_and_outcome(
    db: Path, explorer_db: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation_id = explorer_db["ids"][(MODEL_B, "app-portland", "control", 0)]  # type: ignore[index]
    at = run_app(db, monkeypatch, page="transcripts", conversation=conversation_id)
    assert [m.name for m in at.chat_message] == ["user", "assistant", "user", "assistant"]
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert badges == [
        ":blue-badge[clarify_only]", ":blue-badge[clarification]",
        ":green-badge[answer]", ":gray-badge[acknowledgment]",
        ":green-badge[success]",
    ]  # fmt: skip
    assert shown(at, "Which Portland do you mean, and is anyone travelling with you?")
    assert shown(at, "reveals: city, dog")
    assert shown(at, "Portland, Maine, travelling with a dog: the Old Port.")
    assert shown(at, "why: clarified, then answered")
    assert shown(at, "2 of 2 revealed by turn 3")
    facts = next(df.value for df in at.dataframe if "fact" in df.value.columns)
    assert facts["revealed"].tolist() == ["yes, turn 2", "yes, turn 2"]
    at.slider(key=f"upto_{conversation_id}").set_value(1).run()  # replay: facts revealed so far
    assert shown(at, "0 of 2 revealed by turn 1")
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    facts = next(df.value for df in at.dataframe if "fact" in df.value.columns)
    assert facts["revealed"].tolist() == ["—", "—"]


def test_model_text_with_html_and_markdown_shows_as_plain_text(
    db: Path, explorer_db: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation_id = explorer_db["ids"][(MODEL_A, "app-portland", "control", 0)]  # type: ignore[index]
    at = run_app(db, monkeypatch, page="transcripts", conversation=conversation_id)
    assert HOSTILE in [t.value for t in at.text]  # literal, through st.text
    for element in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error):
        assert (
            "<script" not in element.value and "example.invalid" not in element.value and "onerror" not in element.value
        )
    assert ":green-badge[answer]" in [m.value for m in at.markdown]
    assert ":red-badge[silent_failure]" in [m.value for m in at.markdown]


def add_other_labeller(db: Path) -> None:
    """Outcomes of a second labeller, `other@1`, calling every conversation unfinished."""
    store = Store(db)
    ids = [r["conversation_id"] for r in store.query("SELECT conversation_id FROM conversations")]
    rows = [
        {
            "conversation_id": c,
            "labeller": "other",
            "labeller_version": "1",
            "outcome": "unfinished",
            "ternary": 0,
            "simpleqa_grade": "not_attempted",
            "check_passed": None,
            "reason": "t",
            "scored_at": datetime.now(UTC),
        }
        for c in ids
    ]
    store.add_outcomes(pa.Table.from_pylist(rows, schema=OUTCOME_SCHEMA))


def test_the_labeller_choice_changes_outcomes_everywhere(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_other_labeller(db)
    at = run_app(db, monkeypatch, page="transcripts", outcome="unfinished")
    assert at.selectbox(key="w_labeller").options == ["rules@1", "other@1"]
    assert match_count(at) == 0
    at.selectbox(key="w_labeller").set_value("other@1").run()
    assert match_count(at) == 36
    assert url(at, "labeller") == ["other@1"]


def test_new_data_shows_on_the_next_rerun(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(db, monkeypatch, page="transcripts", outcome="unfinished")
    assert at.selectbox(key="w_labeller").options == ["rules@1"]
    add_other_labeller(db)  # as `groundsim annotate` would, while the app is open
    at.run()
    assert at.selectbox(key="w_labeller").options == ["rules@1", "other@1"]


# -- robustness ----------------------------------------------------------------------------------


def test_a_run_in_progress_is_noted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = build_explorer_db(tmp_path / "busy.duckdb", extra_planned_jobs=4)
    at = run_app(info["path"], monkeypatch, page="transcripts")  # type: ignore[arg-type]
    assert any("A run appears to be in progress" in i.value for i in at.info)
    assert any(f"run {info['run_id']}: 36 of 40 conversations stored so far" in t.value for t in at.text)
    assert match_count(at) == 36


@pytest.fixture
def writer_lock(db: Path) -> Iterator[callable]:
    """A function that makes another process commit a write to `db` and keep it open (DuckDB's lock) until the test ends."""
    procs: list[subprocess.Popen[str]] = []

    def hold() -> None:
        code = (
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
            "con.execute('UPDATE runs SET n_invocations = n_invocations + 1'); print('locked', flush=True); sys.stdin.read()"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        procs.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"

    yield hold
    for proc in procs:
        proc.communicate(timeout=30)


def test_a_locked_database_shows_what_was_read_with_a_note_and_never_crashes(
    db: Path, monkeypatch: pytest.MonkeyPatch, writer_lock
) -> None:
    at = run_app(db, monkeypatch, page="transcripts")
    assert match_count(at) == 36
    writer_lock()
    at.run()  # the same session while a writer holds the file
    assert not at.exception
    assert any("A run is writing to this database right now" in i.value for i in at.info)
    assert match_count(at) == 36
    fresh = run_app(db, monkeypatch, page="transcripts")  # a new visitor is served from the process-wide cache
    assert match_count(fresh) == 36
    fresh.multiselect(key="w_model").set_value([MODEL_B]).run()  # a view never read before: waits, then says so
    assert not fresh.exception
    assert any("The database is busy" in w.value for w in fresh.warning)


def test_a_missing_database_is_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(tmp_path / "nope.duckdb", monkeypatch)
    assert [e.value for e in at.error] == ["Cannot read this database."]
    assert shown(at, "no such database")
