"""Human baselines: per-turn act rates of human corpora from their tags and from a labeller.

The shared corpora are read at run time from ../shared/data (their text never enters the
repository); the hand-made corpora below are small enough that every rate is known by hand.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.baselines import (
    CorpusFormatError,
    CorpusRoleError,
    build_turns,
    import_corpus,
    list_baselines,
    read_utterances,
)
from analysis.labellers import RulesLabeller
from analysis.labellers._corpus_validation import default_data_dir
from analysis.labellers._tag_mapping import load_tag_mapping
from scenarios import Act, Stance, TurnLabel
from simulator import Store
from simulator.cli import app

cli = CliRunner()
SHARED = default_data_dir()
RESAMPLES = 1000  # enough for the checks below, fast on 200 conversations


class KeywordLabeller:
    """A labeller whose verdicts are known by hand: 'okay' -> acknowledgment, '?' -> clarification."""

    name = "kw"
    version = "1"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def label(self, text: str, previous: str | None = None) -> TurnLabel:
        self.calls.append((text, previous))
        acts = []
        if "?" in text:
            acts.append(Act.clarification)
        if "okay" in text:
            acts.append(Act.acknowledgment)
        return TurnLabel(acts=tuple(a for a in Act if a in acts), stance=Stance.other, asks_question="?" in text)


def row(conv: str, position: int, turn: int, speaker: str, text: str, tags: list[str], *, corpus: str = "mrda", role: str = "participant", split: str = "dev") -> dict:
    return {"corpus": corpus, "split": split, "conversation_id": conv, "position": position, "turn": turn,
            "speaker": speaker, "role": role, "text": text, "tags": tags}


def write_jsonl(path: Path, rows: list[dict], *, gz: bool = False) -> Path:
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# A tiny MRDA-like corpus. Readable turns (x = excluded rows, which leave the denominator):
#   A0 me1 [b, s]        -> acknowledgment          text "okay . so ."
#   A1 me2 [z]           -> excluded turn
#   A2 me1 [s^bu, z]     -> understanding_check     text "you mean the red one ?" (the z row's text is dropped)
#   A3 me2 [s, s^bk]     -> acknowledgment
#   B0 me3 [b, s^bk]     -> acknowledgment, counted once
#   B1 me4 []            -> excluded (untagged placeholder)
#   B2 me3 [qy^br]       -> clarification
# Tags: 5 turns; acknowledgment 3/5, understanding_check 1/5, clarification 1/5, repair 0/5, any 5/5.
TINY_MRDA = [
    row("A", 0, 0, "me1", "okay .", ["b"]),
    row("A", 1, 0, "me1", "so .", ["s"]),
    row("A", 2, 1, "me2", "pre-meeting chatter", ["z"]),
    row("A", 3, 2, "me1", "you mean the red one ?", ["s^bu"]),
    row("A", 4, 2, "me1", "digits digits", ["z"]),
    row("A", 5, 3, "me2", "right", ["s"]),
    row("A", 6, 3, "me2", "yeah got it", ["s^bk"]),
    row("B", 0, 0, "me3", "uh-huh", ["b"]),
    row("B", 1, 0, "me3", "okay", ["s^bk"]),
    row("B", 2, 1, "me4", "DIGIT_TASK", []),
    row("B", 3, 2, "me3", "sorry , what ?", ["qy^br"]),
]


def rates(db: Path, corpus: str, role: str, source: str) -> dict[str, dict]:
    return {r["act"]: r for r in list_baselines(Store(db), corpus) if r["role"] == role and r["source"] == source}


# -- hand-made corpora: rates and turn counting known by hand ------------------------------------


def test_tiny_corpus_rates_and_turn_counting_by_hand(tmp_path: Path, db_path: Path) -> None:
    path = write_jsonl(tmp_path / "tiny.jsonl.gz", TINY_MRDA, gz=True)
    labeller = KeywordLabeller()
    summary = import_corpus(Store(db_path), path, [labeller], n_resamples=RESAMPLES)
    assert summary.corpora == ["mrda"] and summary.utterances == 11 and summary.turns == 7 and summary.labelled_turns == 5

    tags = rates(db_path, "mrda", "participant", "tags")
    assert set(tags) == {"acknowledgment", "understanding_check", "clarification", "repair", "any"}  # MRDA's covered acts
    expected = {"acknowledgment": 3, "understanding_check": 1, "clarification": 1, "repair": 0, "any": 5}
    for act, k in expected.items():
        assert (tags[act]["n_with_act"], tags[act]["n_turns"], tags[act]["n_conversations"]) == (k, 5, 2), act
        assert tags[act]["rate"] == pytest.approx(k / 5)
        assert tags[act]["ci_low"] <= tags[act]["rate"] <= tags[act]["ci_high"]
        assert tags[act]["split"] == "dev" and tags[act]["is_helper"] and tags[act]["labeller_version"] == "1"

    # The labeller sees the readable utterances of a turn joined, and the previous readable turn of another speaker.
    assert ("you mean the red one ?", None) in labeller.calls  # A1 (z only) is no context; A0 is the same speaker
    assert ("right yeah got it", "you mean the red one ?") in labeller.calls
    assert ("okay . so .", None) in labeller.calls
    assert not any("chatter" in text or "digits" in text or "DIGIT_TASK" in text for text, _ in labeller.calls)
    kw = rates(db_path, "mrda", "participant", "kw")
    assert set(kw) == {a.value for a in Act} | {"any"}
    # "okay" in A0 and B0 (B0 = "uh-huh okay": once per turn); "?" in A2 and B2.
    assert (kw["acknowledgment"]["n_with_act"], kw["clarification"]["n_with_act"], kw["any"]["n_with_act"]) == (2, 2, 4)
    assert kw["acknowledgment"]["n_turns"] == 5 and kw["repair"]["rate"] == 0.0

    stored = Store(db_path).query("SELECT turn, readable, text, tag_acts FROM human_turns WHERE conversation_id = 'A' ORDER BY turn")
    assert [r["readable"] for r in stored] == [True, False, True, True]
    assert stored[1]["tag_acts"] is None and stored[2]["tag_acts"] == ["understanding_check"]


def test_every_utterance_of_a_turn_counts_once_and_untagged_roles_count_for_the_labeller(tmp_path: Path, db_path: Path) -> None:
    rows = [
        row("c1", 0, 0, "sys", "Hello, how are you?", ["Question"], corpus="esconv", role="supporter"),
        row("c1", 1, 1, "usr", "okay I guess", [], corpus="esconv", role="seeker"),
        row("c1", 2, 1, "usr", "my job is hard", [], corpus="esconv", role="seeker"),
        row("c1", 3, 2, "sys", "So your job is hard.", ["Restatement or Paraphrasing"], corpus="esconv", role="supporter"),
        row("c1", 4, 2, "sys", "What happened?", ["Question"], corpus="esconv", role="supporter"),
        row("c1", 5, 2, "sys", "Tell me more?", ["Question"], corpus="esconv", role="supporter"),
        row("c2", 0, 0, "usr", "hi", [], corpus="esconv", role="seeker"),
        row("c2", 1, 1, "sys", "That sounds hard.", ["Reflection of feelings"], corpus="esconv", role="supporter"),
    ]
    path = write_jsonl(tmp_path / "esconv_like.jsonl", rows)
    import_corpus(Store(db_path), path, [KeywordLabeller()], n_resamples=RESAMPLES)
    tags = rates(db_path, "esconv", "supporter", "tags")
    # Supporter turns c1/0, c1/2, c2/1: follow_up (Question) in c1/0 and c1/2 (three Questions there count once).
    assert (tags["follow_up"]["n_with_act"], tags["follow_up"]["n_turns"]) == (2, 3)
    assert (tags["understanding_check"]["n_with_act"], tags["any"]["n_with_act"]) == (1, 2)
    assert tags["follow_up"]["is_helper"]
    # Seekers are never tagged: no tags rows, but the labeller counts all their turns (c1/1, c2/0).
    assert rates(db_path, "esconv", "seeker", "tags") == {}
    seeker = rates(db_path, "esconv", "seeker", "kw")
    assert seeker["acknowledgment"]["n_with_act"] == 1 and seeker["acknowledgment"]["n_turns"] == 2
    assert not seeker["acknowledgment"]["is_helper"]


def test_own_corpus_without_mapping_needs_a_role_and_gets_labeller_rows_only(tmp_path: Path, db_path: Path) -> None:
    rows = [
        row("x", 0, 0, "u", "can you help", [], corpus="mychats", role="customer"),
        row("x", 1, 1, "a", "okay, which order?", [], corpus="mychats", role="agent"),
        row("x", 2, 2, "u", "the blue one", [], corpus="mychats", role="customer"),
        row("x", 3, 3, "a", "done", [], corpus="mychats", role="agent"),
    ]
    path = write_jsonl(tmp_path / "mine.jsonl", rows)
    with pytest.raises(CorpusRoleError, match=r"no tag mapping.*--role.*agent, customer"):
        import_corpus(Store(db_path), path, [KeywordLabeller()])
    with pytest.raises(CorpusRoleError, match="no role 'helper'"):
        import_corpus(Store(db_path), path, [KeywordLabeller()], helper_roles=["helper"])
    import_corpus(Store(db_path), path, [KeywordLabeller()], helper_roles=["agent"], n_resamples=RESAMPLES)
    rows_out = list_baselines(Store(db_path), "mychats")
    assert {r["source"] for r in rows_out} == {"kw"}
    agent = rates(db_path, "mychats", "agent", "kw")
    assert agent["clarification"]["rate"] == 0.5 and agent["acknowledgment"]["rate"] == 0.5 and agent["any"]["is_helper"]
    assert list_baselines(Store(db_path), "mychats", helper_only=True) == [r for r in rows_out if r["role"] == "agent"]


def test_splits_are_filtered_and_recorded(tmp_path: Path, db_path: Path) -> None:
    rows = [*TINY_MRDA, *(dict(r, split="train", conversation_id="T" + r["conversation_id"]) for r in TINY_MRDA)]
    path = write_jsonl(tmp_path / "two_splits.jsonl", rows)
    import_corpus(Store(db_path), path, [KeywordLabeller()], n_resamples=RESAMPLES)
    assert rates(db_path, "mrda", "participant", "tags")["any"]["split"] == "dev+train"
    assert rates(db_path, "mrda", "participant", "tags")["any"]["n_turns"] == 10
    import_corpus(Store(db_path), path, [KeywordLabeller()], splits=["train"], n_resamples=RESAMPLES)
    only = rates(db_path, "mrda", "participant", "tags")["any"]
    assert (only["split"], only["n_turns"], only["n_conversations"]) == ("train", 5, 2)
    with pytest.raises(CorpusFormatError, match="no utterances of split test"):
        import_corpus(Store(db_path), path, [KeywordLabeller()], splits=["test"])


def test_rows_in_any_order_give_the_same_turns(tmp_path: Path) -> None:
    ordered = build_turns(read_utterances(write_jsonl(tmp_path / "a.jsonl", TINY_MRDA))[0])
    shuffled = build_turns(read_utterances(write_jsonl(tmp_path / "b.jsonl", list(reversed(TINY_MRDA))))[0])
    strip = [t.model_dump(exclude={"source_path"}) for t in ordered]
    assert strip == [t.model_dump(exclude={"source_path"}) for t in shuffled]


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_line", "field", "reason"),
    [
        ({k: v for k, v in TINY_MRDA[0].items() if k != "turn"}, "turn", "missing required field"),
        (dict(TINY_MRDA[0], position="1"), "position", "valid integer"),
        (dict(TINY_MRDA[0], tags="b"), "tags", "valid list"),
        (dict(TINY_MRDA[0], tags=[1]), "tags.0", "valid string"),
        (dict(TINY_MRDA[0], text=None), "text", "valid string"),
    ],
)
def test_bad_row_names_file_line_and_field(tmp_path: Path, db_path: Path, bad_line: dict, field: str, reason: str) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [*TINY_MRDA[:3], bad_line])
    with pytest.raises(CorpusFormatError) as err:
        import_corpus(Store(db_path), path, [KeywordLabeller()])
    assert (err.value.path, err.value.line, err.value.field) == (str(path), 4, field)
    assert reason in err.value.reason
    assert not db_path.exists()  # checked before the database is touched


def test_bad_json_and_broken_schema_promises(tmp_path: Path) -> None:
    bad_json = tmp_path / "broken.jsonl"
    bad_json.write_text(json.dumps(TINY_MRDA[0]) + "\n{not json\n")
    with pytest.raises(CorpusFormatError, match=r"broken.jsonl, line 2: not valid JSON"):
        read_utterances(bad_json)
    two_speakers = write_jsonl(tmp_path / "speakers.jsonl", [TINY_MRDA[0], dict(TINY_MRDA[1], speaker="me9")])
    with pytest.raises(CorpusFormatError, match=r"line 2, field 'speaker': turn 0 of conversation 'A' has speakers 'me1' and 'me9'"):
        build_turns(read_utterances(two_speakers)[0])
    repeated = write_jsonl(tmp_path / "repeat.jsonl", [TINY_MRDA[0], dict(TINY_MRDA[1], position=0)])
    with pytest.raises(CorpusFormatError, match=r"field 'position': position 0 of conversation 'A' repeats"):
        build_turns(read_utterances(repeated)[0])
    backwards = write_jsonl(tmp_path / "backwards.jsonl", [dict(TINY_MRDA[0], turn=1), dict(TINY_MRDA[1], turn=0)])
    with pytest.raises(CorpusFormatError, match=r"field 'turn': turn 0 comes after turn 1"):
        build_turns(read_utterances(backwards)[0])
    with pytest.raises(CorpusFormatError, match="no such file or folder"):
        read_utterances(tmp_path / "missing.jsonl")


def test_folder_reads_every_utterance_file_and_skips_side_files(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    write_jsonl(folder / "dev.jsonl.gz", TINY_MRDA[:7], gz=True)
    write_jsonl(folder / "sub" / "more.jsonl", TINY_MRDA[7:])
    write_jsonl(folder / "conversations.jsonl.gz", [{"conversation_id": "A", "situation": "x"}], gz=True)
    skipped: list[Path] = []
    rows, used, skipped_files = read_utterances(folder, on_skip=skipped.append)
    assert len(rows) == len(TINY_MRDA) and len(used) == 2
    assert skipped == skipped_files == [folder / "conversations.jsonl.gz"]
    # A file named directly must be in the schema; a folder must hold at least one such file.
    with pytest.raises(CorpusFormatError, match="missing required field"):
        read_utterances(folder / "conversations.jsonl.gz")
    side_only = tmp_path / "side_only"
    side_only.mkdir()
    write_jsonl(side_only / "qulac.jsonl", [{"topic_id": 1, "question": "q"}])
    with pytest.raises(CorpusFormatError, match="no file here is in the utterance schema"):
        read_utterances(side_only)


def test_cli_import_error_is_one_clear_line_and_leaves_the_database_alone(tmp_path: Path, db_path: Path) -> None:
    import subprocess
    import sys

    good = write_jsonl(tmp_path / "good.jsonl", TINY_MRDA)
    assert cli.invoke(app, ["baselines", "import", "--corpus", str(good), "--db", str(db_path), "--resamples", "200"]).exit_code == 0
    before = db_path.read_bytes()
    bad = write_jsonl(tmp_path / "bad.jsonl", [*TINY_MRDA[:2], dict(TINY_MRDA[2], turn="x")])
    result = subprocess.run(
        [sys.executable, "-c", "from simulator.cli import main; main()", "baselines", "import", "--corpus", str(bad), "--db", str(db_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert f"{bad}, line 3, field 'turn'" in result.stderr and "Traceback" not in result.stderr
    assert db_path.read_bytes() == before


# -- the shared corpora -------------------------------------------------------------------------


def independent_turn_counts(corpus: str, split: str) -> tuple[int, dict[str, int]]:
    """Helper-role turns with a readable row, and per act the turns whose tags map to it, counted straight from the file."""
    mapping = load_tag_mapping(corpus)
    acts_by_turn: dict[tuple[str, int], set[str]] = defaultdict(set)
    readable: set[tuple[str, int]] = set()
    with gzip.open(SHARED / corpus / f"{split}.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            r = json.loads(line)
            if r["role"] not in mapping.helper_roles:
                continue
            acts = mapping.acts_from_tags(r["tags"])
            if acts is None:
                continue
            key = (r["conversation_id"], r["turn"])
            readable.add(key)
            acts_by_turn[key] |= {a.value for a in acts}
    counts: dict[str, int] = defaultdict(int)
    for key in readable:
        for act in acts_by_turn[key]:
            counts[act] += 1
    return len(readable), counts


SHARED_SPLITS = [("mrda", "dev", "participant"), ("esconv", "dev", "supporter"), ("persuasion_for_good", "train", "persuader")]


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three shared corpora imported once (whole files: about ten seconds)."""
    db = tmp_path_factory.mktemp("baselines") / "shared.duckdb"
    for corpus, split, _ in SHARED_SPLITS:
        import_corpus(Store(db), SHARED / corpus / f"{split}.jsonl.gz", [RulesLabeller()], n_resamples=RESAMPLES)
    return db


@pytest.mark.parametrize(("corpus", "split", "helper"), SHARED_SPLITS)
def test_shared_corpus_has_both_sources_with_counts_checked_against_the_file(shared_db: Path, corpus: str, split: str, helper: str) -> None:
    n_turns, act_counts = independent_turn_counts(corpus, split)
    mapping = load_tag_mapping(corpus)
    tags = rates(shared_db, corpus, helper, "tags")
    rules = rates(shared_db, corpus, helper, "rules")
    assert set(tags) == {a.value for a in mapping.covered_acts} | {"any"}
    assert set(rules) == {a.value for a in Act} | {"any"}
    for act in mapping.covered_acts:
        row_ = tags[act.value]
        assert (row_["n_turns"], row_["n_with_act"]) == (n_turns, act_counts[act.value])
        assert row_["rate"] == pytest.approx(act_counts[act.value] / n_turns)
        assert row_["ci_low"] <= row_["rate"] <= row_["ci_high"] and row_["ci_high"] - row_["ci_low"] < 0.1
        assert row_["split"] == split and row_["is_helper"]
    assert all(r["n_turns"] == n_turns and r["labeller_version"] == RulesLabeller.version for r in rules.values())
    assert 0 < rules["any"]["rate"] < 1


def test_reimport_replaces_instead_of_duplicating(shared_db: Path) -> None:
    store = Store(shared_db)
    count = "SELECT (SELECT count(*) FROM baselines) AS b, (SELECT count(*) FROM human_turns) AS t, (SELECT count(*) FROM human_turn_labels) AS l"
    before = store.query(count)[0]
    old = [{k: v for k, v in r.items() if k != "computed_at"} for r in list_baselines(store, "esconv")]
    import_corpus(store, SHARED / "esconv" / "dev.jsonl.gz", [RulesLabeller()], n_resamples=RESAMPLES)
    assert store.query(count)[0] == before
    assert [{k: v for k, v in r.items() if k != "computed_at"} for r in list_baselines(store, "esconv")] == old
    assert {r["corpus"] for r in list_baselines(store)} == {"mrda", "esconv", "persuasion_for_good"}


def test_list_json_has_exactly_the_documented_keys(shared_db: Path) -> None:
    result = cli.invoke(app, ["baselines", "list", "--db", str(shared_db), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == len(list_baselines(Store(shared_db)))
    assert all(list(obj) == ["corpus", "role", "act", "source", "rate", "ci_low", "ci_high", "n_turns"] for obj in lines)
    assert {(o["corpus"], o["source"]) for o in lines} >= {(c, s) for c, _, _ in SHARED_SPLITS for s in ("tags", "rules")}
    table = cli.invoke(app, ["baselines", "list", "--db", str(shared_db), "--corpus", "mrda", "--helper-only"])
    assert table.exit_code == 0
    assert "participant *" in table.output and "tags" in table.output and "rules" in table.output and "esconv" not in table.output
