"""Qulac (Aliannejadi et al., SIGIR 2019): one underspecified scenario per topic facet.

Qulac pairs each facet (sub-intent) of a TREC Web Track topic with crowd-written
clarifying questions and the answer a crowd worker gave with that facet in mind. Here:

- the topic query is the opening ("obama family tree"); the facet description is the
  hidden intent; the check is a `judge` rubric built from the facet (Qulac has no gold
  answer text);
- each crowd answer is a fact in the group `crowd_answers`, cued by the content words of the
  question it answered, so the cooperative user answers the assistant's question with the
  human answer whose question it matches best (Qulac's own offline-evaluation idea);
- a fact's key phrase is the longest answer word missing from the opening (else a question
  word); an answer that adds nothing to the opening ("obama family tree", or no content
  word at all) is optional: it is still said when asked, but nothing depends on it;
- `subtype` is Qulac's topic type (`faceted` or `ambiguous`); `notes` hold topic_id and
  facet_id. Rows with no question (one per facet, the "no clarification" row) are left out.

Input: the shared `qulac.jsonl.gz` (one row per line) or the source's column-oriented
`qulac.json`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from scenarios._checks import normalize_text, phrase_pattern
from scenarios.importers._base import (
    ImportBatch,
    build,
    content_words,
    cues_from,
    read_json_records,
    register_importer,
    require_fields,
    slug,
    unescape,
)

DESCRIPTION = """Imported from Qulac (Aliannejadi et al., "Asking Clarifying Questions in Open-Domain
Information-Seeking Conversations", SIGIR 2019; MIT licence; topics from the TREC Web Track 2009-2012).
Facts are crowd answers to crowd clarifying questions: alternatives in the group `crowd_answers`."""

_FIELDS = ("topic_id", "facet_id", "topic", "topic_type", "facet_type", "facet_desc", "question", "answer")
GROUP = "crowd_answers"


def _contains(text: str, phrase: str) -> bool:
    return bool(phrase.strip()) and bool(phrase_pattern(phrase).search(normalize_text(text)))


def _mentions_word(text: str, word: str) -> bool:
    """Whether `text` has `word`, also as its singular or plural ("obamas" is in "obama family")."""
    return any(_contains(text, form) for form in {word, word.removesuffix("s"), word + "s"} if form)


def _key_phrase(answer: str, question: str, opening: str) -> str | None:
    """The word that carries what this answer adds: the longest content word of the answer absent
    from the opening, else of the question (a bare "yes" takes its meaning from the question)."""
    for text in (answer, question):
        fresh = [w for w in content_words(text) if not _mentions_word(opening, w)]
        if fresh:
            return max(fresh, key=len)
    return None


def _facets(rows: Iterable[dict[str, Any]]) -> dict[tuple[int, int], list[dict[str, Any]]]:
    facets: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for row in rows:
        facets.setdefault((int(row["topic_id"]), int(row["facet_id"])), []).append(row)
    return facets


@register_importer
class QulacImporter:
    """Qulac rows -> one underspecified scenario per (topic, facet)."""

    name: ClassVar[str] = "qulac"
    summary: ClassVar[str] = (
        "Qulac JSON(L): one underspecified scenario per topic facet; crowd answers are what the user says."
    )

    def convert(self, source: Path, pack: str) -> ImportBatch:
        rows = read_json_records(source)
        batch = ImportBatch(description=DESCRIPTION)
        if rows:
            require_fields(source, rows[0], _FIELDS, "the first row")
        for (topic_id, facet_id), facet_rows in _facets(rows).items():
            data = self._scenario(pack, topic_id, facet_id, facet_rows)
            where = f"topic {topic_id} facet {facet_id}"
            if data is None:
                batch.skipped.append(f"{where}: no crowd question with content words, so nothing to reveal")
                continue
            scenario = build(data, where, batch)
            if scenario is not None:
                first = facet_rows[0]
                batch.add(f"topic_{topic_id:03d}_{slug(unescape(str(first['topic'])))[:40]}", scenario)
        return batch

    def _scenario(self, pack: str, topic_id: int, facet_id: int, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
        first = rows[0]
        opening = unescape(str(first["topic"]))
        facet = unescape(str(first["facet_desc"]))
        facts: list[dict[str, Any]] = []
        seen_questions: set[str] = set()
        left_out = 0
        for row in rows:
            question, answer = unescape(str(row["question"] or "")), unescape(str(row["answer"] or ""))
            if not question:
                continue  # Qulac's per-facet row without a clarifying question
            if normalize_text(question) in seen_questions:
                continue
            seen_questions.add(normalize_text(question))
            cues = cues_from(question)
            if not cues or not answer:
                left_out += 1
                continue
            key = _key_phrase(answer, question, opening)
            fact: dict[str, Any] = {
                "id": self._fact_id(row, len(facts), {f["id"] for f in facts}),
                "text": answer,
                "asked_by": list(cues),
                "group": GROUP,
            }
            if key is None or _contains(opening, answer):
                fact["optional"] = True
            else:
                fact["key_phrase"] = key
            facts.append(fact)
        if not facts:
            return None
        required = [f["id"] for f in facts if not f.get("optional")]
        notes = (
            f"Qulac topic_id {topic_id} ({first['topic_type']} topic), facet_id {facet_id} "
            f"({first['facet_type']} facet); {len(facts)} crowd answers"
            + (f", {left_out} left out (question without content words or empty answer)" if left_out else "")
            + "."
        )
        return {
            "id": f"{pack}-{topic_id}-{facet_id}",
            "domain": "web_search",
            "kind": "underspecified",
            "subtype": str(first["topic_type"]),
            "opening": opening,
            "hidden_intent": facet,
            "facts": facts,
            "expected": "clarify",
            "answer_check": {
                "type": "judge",
                "rubric": (
                    f"The final answer serves this specific need: {facet} "
                    f"An answer about '{opening}' in general, or about another aspect of it, fails."
                ),
                "depends_on": required,
            },
            "notes": notes,
        }

    @staticmethod
    def _fact_id(row: dict[str, Any], index: int, used: set[str]) -> str:
        tail = str(row.get("topic_facet_question_id") or "").rsplit("-", 1)[-1]
        fact_id = f"q{slug(tail)}" if tail else f"q{index + 1}"
        while fact_id in used:
            fact_id += "b"
        return fact_id
