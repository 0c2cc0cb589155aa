"""Human-turn replay (the Grounding Gaps method): positions, history, storage, resume, summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis._replay import ReplayError, replay, replay_positions, replay_summary
from analysis.baselines import build_turns, read_utterances
from scenarios import Act, Stance, TurnLabel
from simulator import ModelCallError, Store
from simulator.cli import app
from tests.analysis.test_baselines import row, write_jsonl

cli = CliRunner()


class KeywordLabeller:
    """'?' -> clarification, 'okay' -> acknowledgment: verdicts known by hand."""

    name = "kw"
    version = "1"

    def label(self, text: str, previous: str | None = None) -> TurnLabel:
        acts = {Act.clarification} if "?" in text else set()
        if "okay" in text:
            acts.add(Act.acknowledgment)
        return TurnLabel(acts=tuple(a for a in Act if a in acts), stance=Stance.other)


class OtherKeywordLabeller(KeywordLabeller):
    name = "kw2"


def sup(conv: str, position: int, turn: int, text: str, tag: str) -> dict:
    return row(conv, position, turn, "sys", text, [tag], corpus="esconv", role="supporter")


def seek(conv: str, position: int, turn: int, text: str) -> dict:
    return row(conv, position, turn, "usr", text, [], corpus="esconv", role="seeker")


# Helper (supporter) positions: c1/2, c1/4, c2/1, c2/3 (c1/0 opens the conversation: nothing to answer).
CORPUS = [
    sup("c1", 0, 0, "Hello, how can I help?", "Question"),
    seek("c1", 1, 1, "I lost my job"),
    sup("c1", 2, 2, "I am sorry. What happened?", "Question"),
    seek("c1", 3, 3, "They closed the office"),
    seek("c1", 4, 3, "and I am sad"),
    sup("c1", 5, 4, "okay, that is hard", "Reflection of feelings"),
    seek("c2", 0, 0, "hi"),
    sup("c2", 1, 1, "okay hi", "Others"),
    seek("c2", 2, 2, "bye"),
    sup("c2", 3, 3, "take care", "Others"),
]
# Model turns at the same positions, chosen by the last user message.
MODEL_REPLIES = {
    "I lost my job": "What kind of job?",  # clarification (human: clarification)
    "They closed the office and I am sad": "That is hard.",  # nothing (human: acknowledgment)
    "hi": "okay, what's up?",  # acknowledgment + clarification (human: acknowledgment)
    "bye": "bye",  # nothing (human: nothing)
}
HELPERS = {"esconv": {"supporter"}}


def reply(messages: list[dict[str, str]]) -> str:
    return MODEL_REPLIES[messages[-1]["content"]]


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "esconv_like.jsonl.gz", CORPUS, gz=True)


@pytest.fixture
def turns(corpus_file: Path) -> list:
    return build_turns(read_utterances(corpus_file)[0])


def test_positions_see_the_history_from_the_helpers_side(turns: list) -> None:
    positions = replay_positions(turns, HELPERS, sample=10)
    assert [(p.conversation_id, p.turn) for p in positions] == [("c1", 2), ("c1", 4), ("c2", 1), ("c2", 3)]
    last = positions[1]
    assert last.messages[0] == {"role": "system", "content": last.system_prompt}
    assert "supporter" in (last.system_prompt or "")
    assert list(last.messages[1:]) == [
        {"role": "assistant", "content": "Hello, how can I help?"},
        {"role": "user", "content": "I lost my job"},
        {"role": "assistant", "content": "I am sorry. What happened?"},
        {"role": "user", "content": "They closed the office and I am sad"},
    ]
    assert (last.human_text, last.previous_text, last.history_turns) == ("okay, that is hard", "They closed the office and I am sad", 4)
    bounded = replay_positions(turns, HELPERS, sample=10, history_turns=2, system_prompt=None)[1]
    assert list(bounded.messages) == [
        {"role": "assistant", "content": "I am sorry. What happened?"},
        {"role": "user", "content": "They closed the office and I am sad"},
    ]
    assert bounded.history_turns == 2 and bounded.system_prompt is None


def test_meetings_name_the_other_speakers_and_merge_their_turns(tmp_path: Path) -> None:
    meeting = [
        row("m", 0, 0, "me1", "let us start", ["s"]),
        row("m", 1, 1, "me2", "okay", ["b"]),
        row("m", 2, 2, "me3", "i have a question", ["s"]),
        row("m", 3, 3, "me1", "go ahead", ["s"]),
        row("m", 4, 4, "me2", "noise", ["z"]),
    ]
    meeting_turns = build_turns(read_utterances(write_jsonl(tmp_path / "m.jsonl", meeting))[0])
    positions = replay_positions(meeting_turns, {"mrda": {"participant"}}, sample=1, system_prompt=None)
    assert [(p.speaker, p.turn) for p in positions] == [("me2", 1), ("me3", 2), ("me1", 3)]  # the z-only turn is not replayed
    assert list(positions[2].messages) == [
        {"role": "assistant", "content": "let us start"},
        {"role": "user", "content": "me2: okay\nme3: i have a question"},
    ]


def test_sampling_is_seeded_and_bounded(turns: list) -> None:
    def chosen(**kw: object) -> list[tuple[str, int]]:
        return [(p.conversation_id, p.turn) for p in replay_positions(turns, HELPERS, **kw)]  # type: ignore[arg-type]

    assert chosen(sample=1, seed=3) == chosen(sample=1, seed=3)
    picks = {tuple(chosen(sample=1, seed=s)) for s in range(20)}
    assert picks == {(("c1", 2), ("c1", 4)), (("c2", 1), ("c2", 3))}  # one whole conversation each time, both occur
    limited = chosen(sample=2, max_positions=1, seed=0)
    assert len(limited) == 2 and {c for c, _ in limited} == {"c1", "c2"}
    assert limited == chosen(sample=2, max_positions=1, seed=0)
    with pytest.raises(ReplayError, match="no replayable position"):
        replay_positions(turns, {"esconv": {"nobody"}}, sample=1)


async def test_replay_end_to_end_into_the_database_and_its_summary(turns: list, db_path: Path, scripted_chat) -> None:
    chat = scripted_chat(reply)
    store = Store(db_path)
    positions = replay_positions(turns, HELPERS, sample=10)
    result = await replay(store, chat, positions, model="fake/m", labeller=KeywordLabeller(), seed=7, max_tokens=40)
    assert (result.generated, result.already_stored, result.errors) == (4, 0, 0)
    assert result.cost_usd == pytest.approx(0.004)
    assert all(call["seed"] == 7 and call["max_tokens"] == 40 for call in chat.calls)
    stored = store.query("SELECT conversation_id, turn, human_text, model_text, human_acts, model_acts, seed, labeller FROM replay_turns ORDER BY 1, 2")
    assert [(r["conversation_id"], r["turn"], r["model_text"]) for r in stored] == [
        ("c1", 2, "What kind of job?"), ("c1", 4, "That is hard."), ("c2", 1, "okay, what's up?"), ("c2", 3, "bye"),
    ]
    assert stored[2]["human_acts"] == ["acknowledgment"] and stored[2]["model_acts"] == ["clarification", "acknowledgment"]

    summary = {r["act"]: r for r in replay_summary(store)}
    assert list(summary) == [*(a.value for a in Act), "any"]
    # clarification: human [1,0,0,0], model [1,0,1,0]; acknowledgment: human [0,1,1,0], model [0,0,1,0];
    # any: human [1,1,1,0], model [1,0,1,0]. Each: p_o = 3/4, p_e = 1/2, kappa = 1/2.
    expected = {"clarification": (0.25, 0.5), "acknowledgment": (0.5, 0.25), "any": (0.75, 0.5)}
    for act, (human, model) in expected.items():
        r = summary[act]
        assert (r["human_rate"], r["model_rate"], r["n"], r["n_conversations"]) == (human, model, 4, 2), act
        assert r["kappa"] == pytest.approx(0.5), act
        assert r["human_ci_low"] <= human <= r["human_ci_high"] and r["model_ci_low"] <= model <= r["model_ci_high"]
    assert summary["repair"]["human_rate"] == 0 and summary["repair"]["kappa"] is None
    assert summary["any"]["corpus"] == "esconv" and summary["any"]["model"] == "fake/m" and summary["any"]["labeller"] == "kw@1"
    assert replay_summary(store, model="other/model") == [] and replay_summary(store, corpus="mrda") == []


async def test_rerun_skips_stored_positions_and_another_labeller_reuses_the_model_text(turns: list, db_path: Path, scripted_chat) -> None:
    store = Store(db_path)
    positions = replay_positions(turns, HELPERS, sample=10)
    await replay(store, scripted_chat(reply), positions, model="fake/m", labeller=KeywordLabeller())
    again_chat = scripted_chat(reply)
    again = await replay(store, again_chat, positions, model="fake/m", labeller=KeywordLabeller())
    assert (again.already_stored, again.generated, again_chat.calls) == (4, 0, [])
    other_chat = scripted_chat(reply)
    other = await replay(store, other_chat, positions, model="fake/m", labeller=OtherKeywordLabeller())
    assert (other.relabelled, other.generated, other_chat.calls) == (4, 0, [])
    assert store.query("SELECT count(*) AS n FROM replay_turns")[0]["n"] == 8
    assert {r["labeller"] for r in replay_summary(store)} == {"kw@1", "kw2@1"}
    assert {r["labeller"] for r in replay_summary(store, labeller="kw2")} == {"kw2@1"}


async def test_a_failed_call_is_counted_not_stored_and_a_rerun_fills_it(turns: list, db_path: Path, scripted_chat) -> None:
    class FlakyChat:
        async def complete(self, model: str, messages: list[dict[str, str]], **params: object) -> object:
            if messages[-1]["content"] == "bye":
                raise ModelCallError(model, "RateLimitError: slow down", kind="ratelimit")
            return await scripted_chat(reply).complete(model, messages, **params)

    store = Store(db_path)
    positions = replay_positions(turns, HELPERS, sample=10)
    first = await replay(store, FlakyChat(), positions, model="fake/m", labeller=KeywordLabeller(), flush_every=1)
    assert (first.generated, first.errors) == (3, 1) and "c2 turn 3" in first.error_messages[0]
    assert store.query("SELECT count(*) AS n FROM replay_turns")[0]["n"] == 3
    second = await replay(store, scripted_chat(reply), positions, model="fake/m", labeller=KeywordLabeller())
    assert (second.already_stored, second.generated, second.errors) == (3, 1, 0)


def test_replay_command_through_an_openai_compatible_server(corpus_file: Path, db_path: Path) -> None:
    from simulator.fake_server import FakeServerConfig, serve_in_thread

    with serve_in_thread(FakeServerConfig(replies=["Could you tell me more about that?"])) as server:
        args = ["replay", "--corpus", str(corpus_file), "--model", "openai/fake", "--api-base", server.base_url,
                "--sample", "2", "--db", str(db_path), "--no-progress", "--retries", "0"]
        first = cli.invoke(app, args)
        assert first.exit_code == 0, first.output
        assert "4 written by openai/fake" in first.output and "human rate" in first.output and "kappa" in first.output
        again = cli.invoke(app, args)
        assert again.exit_code == 0 and "0 written by openai/fake, 4 already stored" in again.output
    rows = Store(db_path).query("SELECT model, model_text, model_acts, labeller FROM replay_turns")
    assert len(rows) == 4 and all(r["model"] == "openai/fake" and r["labeller"] == "hybrid" for r in rows)
    assert all("clarification" in r["model_acts"] or "follow_up" in r["model_acts"] for r in rows)


@pytest.mark.integration
def test_replay_on_the_embedded_model(corpus_file: Path, db_path: Path) -> None:
    from tests.integration.conftest import run_groundsim

    result = run_groundsim(
        "replay", "--corpus", str(corpus_file), "--model", "local/smollm2", "--sample", "1", "--seed", "1",
        "--max-positions", "2", "--max-tokens", "32", "--history-turns", "3", "--db", str(db_path), "--no-progress",
    )
    assert result.returncode == 0, result.stderr
    rows = Store(db_path).query("SELECT conversation_id, model_text, completion_tokens, model_stance FROM replay_turns")
    assert len(rows) == 2 and len({r["conversation_id"] for r in rows}) == 1
    assert all(r["model_text"].strip() and 0 < r["completion_tokens"] <= 32 and r["model_stance"] for r in rows)
    assert "human rate" in result.stdout
    summary = replay_summary(Store(db_path), model="local/smollm2")
    assert {r["n"] for r in summary} == {2} and json.dumps(summary, default=str)
