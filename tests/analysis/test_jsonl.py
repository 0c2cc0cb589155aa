"""The stable file-in/file-out labelling format and its error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.labellers import RulesLabeller
from analysis.labellers._jsonl import LabelInputError, label_jsonl, read_gold_jsonl, read_turns
from scenarios import GroundsimError


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_label_jsonl_adds_acts_and_stance_and_keeps_other_keys(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "turns.jsonl",
        [
            json.dumps({"id": "a", "text": "Which city do you mean?", "previous": "Find me a hotel.", "model": "m1"}),
            "",
            json.dumps({"id": 7, "text": "I can't help with that.", "previous": None}),
            json.dumps({"id": "c", "text": "Paris is the capital of France.", "stance": "other", "acts": ["repair"]}),
        ],
    )
    out = tmp_path / "out" / "labelled.jsonl"
    assert label_jsonl(src, out, RulesLabeller()) == 3
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0] == {
        "id": "a",
        "text": "Which city do you mean?",
        "previous": "Find me a hotel.",
        "model": "m1",
        "acts": ["clarification"],
        "stance": "clarify_only",
    }
    assert rows[1]["id"] == 7 and rows[1]["stance"] == "safety_refusal" and rows[1]["acts"] == []
    assert rows[2]["stance"] == "answer" and rows[2]["acts"] == []  # input verdicts replaced
    assert list(rows[0])[-2:] == ["acts", "stance"]


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        ('{"text": "hi"}', "line 2, field 'id': missing required field"),
        ('{"id": "x"}', "line 2, field 'text': missing required field"),
        ('{"id": "x", "text": 5}', "line 2, field 'text': must be a string"),
        ('{"id": "x", "text": "hi", "previous": 3}', "line 2, field 'previous': must be a string or null"),
        ('{"id": true, "text": "hi"}', "line 2, field 'id': must be a string or an integer"),
        ('{"id": "ok", "text": "again"}', "line 2, field 'id': duplicate id 'ok' (first on line 1)"),
    ],
)
def test_bad_input_names_file_line_and_field(tmp_path: Path, line: str, needle: str) -> None:
    src = _write(tmp_path / "bad.jsonl", ['{"id": "ok", "text": "fine"}', line])
    out = tmp_path / "out.jsonl"
    with pytest.raises(LabelInputError) as err:
        label_jsonl(src, out, RulesLabeller())
    assert isinstance(err.value, GroundsimError)
    assert str(src) in str(err.value) and needle in str(err.value)
    assert not out.exists()  # nothing is written when the input is bad


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LabelInputError, match="no such file"):
        read_turns(tmp_path / "nope.jsonl")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"acts": ["clarification", "guessing"]}, "acts"),
        ({"acts": "clarification"}, "acts"),
        ({"acts": ["repair", "repair"], "stance": "answer"}, "acts"),
        ({"stance": "maybe"}, "stance"),
        ({}, "stance"),
    ],
)
def test_gold_reader_rejects_bad_labels(tmp_path: Path, extra: dict, field: str) -> None:
    row = {"id": "g1", "text": "Hello!", **extra}
    if "stance" not in extra and field != "stance":
        row["stance"] = "other"
    src = _write(tmp_path / "gold.jsonl", [json.dumps(row)])
    with pytest.raises(LabelInputError) as err:
        read_gold_jsonl(src)
    assert f"line 1, field {field!r}" in str(err.value)


def test_gold_reader_orders_acts_by_vocabulary(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "gold.jsonl",
        [json.dumps({"id": "g", "text": "Got it. Which day?", "acts": ["acknowledgment", "clarification"], "stance": "clarify_only"})],
    )
    (row,) = read_gold_jsonl(src)
    assert [a.value for a in row.acts] == ["clarification", "acknowledgment"]
