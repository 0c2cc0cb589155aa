"""Human-corpus tag mappings and the validation that runs on the shared corpora."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from analysis.labellers import RulesLabeller
from analysis.labellers._corpus_validation import validate_on_corpus
from analysis.labellers._tag_mapping import TagMappingError, acts_from_tags, known_corpora, load_tag_mapping
from scenarios import Act


def test_every_corpus_has_a_valid_mapping() -> None:
    assert known_corpora() == ["esconv", "mrda", "persuasion_for_good"]
    for corpus in known_corpora():
        mapping = load_tag_mapping(corpus)
        assert mapping.corpus == corpus and mapping.helper_roles and mapping.covered_acts


@pytest.mark.parametrize(
    ("corpus", "tags", "expected"),
    [
        ("mrda", ["b"], {Act.acknowledgment}),
        ("mrda", ["s^bk", "s"], {Act.acknowledgment}),
        ("mrda", ["s^bk|s"], {Act.acknowledgment}),
        ("mrda", ["s^ba"], {Act.acknowledgment}),
        ("mrda", ["qy^bu^d^rt"], {Act.understanding_check}),
        ("mrda", ["s^bs"], {Act.understanding_check}),
        ("mrda", ["qw^br"], {Act.clarification}),
        ("mrda", ["s^bc"], {Act.repair}),
        ("mrda", ["s^bsc.%-"], {Act.repair}),
        ("mrda", ["s"], set()),
        ("mrda", ["qy^rt"], set()),
        ("mrda", ["s:qy^br"], set()),  # the right of ':' labels only a quotation
        ("mrda", ["s.%--"], set()),
        ("mrda", ["z"], None),
        ("mrda", ["s^x"], None),
        ("mrda", ["x"], None),
        ("mrda", [], None),
        ("esconv", ["Restatement or Paraphrasing"], {Act.understanding_check}),
        ("esconv", ["Question"], {Act.follow_up}),
        ("esconv", ["Providing Suggestions"], set()),
        ("esconv", [], None),
        ("persuasion_for_good", ["acknowledgement"], {Act.acknowledgment}),
        ("persuasion_for_good", ["greeting", "acknowledgement"], {Act.acknowledgment}),
        ("persuasion_for_good", ["credibility-appeal"], set()),
    ],
)
def test_acts_from_tags(corpus: str, tags: list[str], expected: set[Act] | None) -> None:
    assert acts_from_tags(corpus, tags) == expected


def test_unknown_corpus_is_an_error() -> None:
    with pytest.raises(TagMappingError, match="no tag mapping for corpus 'swda'"):
        acts_from_tags("swda", ["b"])


def _write_corpus(folder: Path, rows: list[dict]) -> Path:
    (folder / "mrda").mkdir(parents=True)
    with gzip.open(folder / "mrda" / "dev.jsonl.gz", "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return folder


def _row(pos: int, speaker: str, text: str, tags: list[str], conv: str = "m1") -> dict:
    return {"corpus": "mrda", "split": "dev", "conversation_id": conv, "position": pos, "turn": pos, "speaker": speaker,
            "role": "participant", "text": text, "tags": tags}


def test_validate_on_corpus_with_a_synthetic_file(tmp_path: Path) -> None:
    data = _write_corpus(
        tmp_path,
        [
            _row(0, "a", "we should start with the budget .", ["s"]),
            _row(1, "b", "okay .", ["b"]),
            _row(2, "a", "nice .", ["z"]),
            _row(3, "b", "sorry , which budget ?", ["qw^br"]),
            _row(4, "a", "DIGIT_TASK", []),
            _row(5, "a", "the travel one .", ["s"]),
        ],
    )
    report = validate_on_corpus(RulesLabeller(), "mrda", data_dir=data)
    assert report.items == 4  # z and untagged rows excluded
    assert report.gold_source.startswith("mrda/dev")
    assert [r.label for r in report.acts] == ["clarification", "understanding_check", "acknowledgment", "repair"]
    assert report.act(Act.acknowledgment).gold_count == 1
    assert report.act(Act.clarification).true_positives == 1


def test_missing_corpus_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TagMappingError, match="corpus file not found"):
        validate_on_corpus(RulesLabeller(), "mrda", data_dir=tmp_path)


@pytest.mark.parametrize("corpus", ["mrda", "esconv", "persuasion_for_good"])
def test_validate_on_the_shared_corpora(corpus: str) -> None:
    """Reads ../shared/data at run time (never copied into the repository)."""
    report = validate_on_corpus(RulesLabeller(), corpus, limit=300)
    assert report.items == 300
    mapping = load_tag_mapping(corpus)
    assert {r.label for r in report.acts} == {a.value for a in mapping.covered_acts}
    assert sum(r.gold_count for r in report.acts) > 0
