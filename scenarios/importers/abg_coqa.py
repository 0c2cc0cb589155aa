"""Abg-CoQA (Guo et al., AKBC 2021): ambiguous questions over a story passage.

Each ambiguous example is a story, a short question-answer history and a target question
that can be read more than one way; annotators wrote a clarifying question with an answer
per reading, and a second clarifying question likewise. Here:

- the opening is the passage, the history and the target question;
- the reading the original asker meant is the one whose answers share words with the
  original (CoQA) answer; the user's clarification for that reading, under each of the two
  clarifying questions, is a fact in the group `reading` (cued by the words of that question
  and of all its readings), so the cooperative user answers whichever clarifying question
  the assistant's resembles; a bare "Yes"/"No" is restated from the question ("Do you mean
  before the accident?" + "Yes" -> "Yes, I mean before the accident.");
- the check is `contains_any` over the original answer and the chosen reading's answers that
  agree with it; the other readings' answers are the failing examples (what an assistant
  that guessed the other reading would say);
- `subtype` is the story's source (race, mctest, gutenberg, cnn, wikipedia); `notes` hold
  the example id.

Examples where no reading's answers match the original answer are skipped (listed).
`non_ambiguous` examples are not imported: they are not twins of an ambiguous scenario
(rule 5 needs that of a fully specified control), and as plain reading-comprehension
questions they measure nothing this tool is for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from scenarios._checks import ContainsAny, normalize_text, phrase_pattern
from scenarios.importers._base import (
    ImportBatch,
    build,
    cues_from,
    has_braces,
    read_json_records,
    register_importer,
    require_fields,
    slug,
    tidy_block,
    unescape,
)

DESCRIPTION = """Imported from Abg-CoQA (Guo, Zhang, Wu and Liu, "Abg-CoQA: Clarifying Ambiguity in
Conversational Question Answering", AKBC 2021; MIT licence; passages from CoQA, whose sources carry
their own licences). Facts are the asker's clarifications: alternatives in the group `reading`."""

_FIELDS = ("id", "story", "history_turns", "target_turn", "ambiguity", "clarification_turn")
GROUP = "reading"
_TOKEN = re.compile(r"[a-z0-9]+")
_MINOR = frozenset(
    {"a", "an", "the", "of", "to", "in", "on", "and", "or", "is", "was", "were", "be", "by", "for", "at"}
)
_YES = frozenset({"yes", "yeah", "yep", "correct", "right", "yes i do", "yes i am", "that's right"})
_NO = frozenset({"no", "nope", "no i don't", "no i am not", "no i'm not"})
#: Clarifying-question frames and how the asker restates them, affirmed and denied.
_FRAMES = (
    (re.compile(r"^(?:do|did) you mean\b"), "I mean", "I don't mean"),
    (re.compile(r"^are you asking\b"), "I am asking", "I am not asking"),
    (re.compile(r"^do you want to know\b"), "I want to know", "I don't want to know"),
    (re.compile(r"^do you want\b"), "I want", "I don't want"),
    (re.compile(r"^are you talking\b"), "I am talking", "I am not talking"),
    (re.compile(r"^are you referring\b"), "I am referring", "I am not referring"),
    (re.compile(r"^are you wondering\b"), "I am wondering", "I am not wondering"),
)


def _tokens(text: str) -> set[str]:
    return {t for t in _TOKEN.findall(normalize_text(text)) if t not in _MINOR}


def _overlap(a: str, b: str) -> float:
    """Token Jaccard similarity: enough to tell which reading an answer belongs to."""
    ta, tb = _tokens(a), _tokens(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def _clean_answer(text: str) -> str:
    """An answer as a check phrase: no surrounding quotes or final stop, "brush- wood" joined."""
    cleaned = re.sub(r"(\w)- (\w)", r"\1-\2", unescape(str(text)))
    return cleaned.strip(" \"'\u201c\u201d").rstrip(".,;:!?").strip()


def _org_answers(reading: dict[str, Any]) -> list[str]:
    """A reading's answers (org_ans, org_ans_2, ...), cleaned, without "Unknown" and repeats."""
    found: dict[str, str] = {}
    for key in sorted(k for k in reading if k.startswith("org_ans")):
        answer = _clean_answer(reading[key])
        if answer and normalize_text(answer) not in {"unknown", "unkown"}:
            found.setdefault(normalize_text(answer), answer)
    return list(found.values())


def _restated(question: str, affirm: bool) -> str | None:
    norm = normalize_text(question).rstrip("?. ")
    for pattern, yes, no in _FRAMES:
        match = pattern.match(norm)
        if match:
            rest = norm[match.end() :].strip()
            return f"{yes if affirm else no} {rest}".strip()
    return None


def clarification_text(answer: str, question: str) -> str:
    """What the asker says to `question`: their answer, with a bare yes/no spelled out."""
    said = unescape(answer)
    bare = normalize_text(said).strip(" .!,")
    if bare in _YES or bare in _NO:
        affirm = bare in _YES
        restated = _restated(question, affirm)
        if restated:
            return f"{'Yes' if affirm else 'No'}, {restated}."
        return (
            f"{'Yes' if affirm else 'No'}: {unescape(question).rstrip('?')}{'' if affirm else ' is not what I mean'}."
        )
    return said


def _agrees(answer: str, accepted: list[str]) -> bool:
    return any(_overlap(answer, a) > 0 for a in accepted)


def _agreement(text: str, accepted: list[str]) -> float:
    return max((_overlap(text, a) for a in accepted), default=0.0)


def _chosen_reading(turn: dict[str, Any], accepted: list[str]) -> int:
    """The reading whose answers agree best with the accepted answers on average (annotators
    sometimes slip another reading's answer in), its clarification breaking ties; -1 if none
    shares a word."""
    best, score = -1, 0.0
    for index, reading in enumerate(turn.get("answers") or []):
        answers = _org_answers(reading)
        mean = sum(_agreement(a, accepted) for a in answers) / len(answers) if answers else 0.0
        s = mean + 0.5 * _agreement(str(reading.get("clr_ans", "")), accepted)
        if s > score:
            best, score = index, s
    return best


def _opening(example: dict[str, Any]) -> str:
    lines = ["Read this passage, then answer my question.", "", tidy_block(str(example["story"])), ""]
    history = example.get("history_turns") or []
    if history:
        lines.append("What we went over already:")
        for turn in history:
            lines += [f"Q: {unescape(str(turn['question']))}", f"A: {unescape(str(turn['answer']))}"]
        lines.append("")
    lines.append(f"My question: {unescape(str(example['target_turn']['question']))}")
    return "\n".join(lines)


@register_importer
class AbgCoqaImporter:
    """Abg-CoQA examples -> one ambiguous scenario per ambiguous example."""

    name: ClassVar[str] = "abg-coqa"
    summary: ClassVar[str] = (
        "Abg-CoQA JSON(L): ambiguous questions over a story passage -> ambiguous scenarios; the asker's "
        "clarifications are what the user says."
    )

    def convert(self, source: Path, pack: str) -> ImportBatch:
        examples = read_json_records(source)
        if isinstance(examples, list) and len(examples) == 1 and isinstance(examples[0].get("data"), list):
            examples = examples[0]["data"]  # the source's own file: {"version": ..., "data": [...]}
        batch = ImportBatch(description=DESCRIPTION)
        if examples:
            require_fields(source, examples[0], _FIELDS, "the first example")
        plain = 0
        for example in examples:
            if example.get("ambiguity") != "ambiguous":
                plain += 1
                continue
            where = f"example {example['id']}"
            data = self._scenario(pack, example, where, batch)
            scenario = build(data, where, batch) if data else None
            if scenario is not None:
                batch.add(slug(str(example.get("source") or "stories")), scenario)
        if plain:
            batch.skipped.append(f"{plain} non-ambiguous example(s) not imported (no ambiguous twin to control for)")
        return batch

    def _scenario(self, pack: str, example: dict[str, Any], where: str, batch: ImportBatch) -> dict[str, Any] | None:
        opening = _opening(example)
        if has_braces(opening):
            batch.skipped.append(f"{where}: the passage holds '{{' or '}}', which openings reserve for persona slots")
            return None
        gold = _clean_answer(example["target_turn"]["answer"])
        turns = [t for t in (example.get("clarification_turn"), example.get("clarification_turn_2")) if t]
        accepted: list[str] = [gold]
        chosen: dict[int, int] = {}
        # Two passes: a turn none of whose readings matches the original answer may still match
        # the answers of the reading chosen under the other clarifying question.
        for _ in range(2):
            for number, turn in enumerate(turns, 1):
                if number not in chosen:
                    index = _chosen_reading(turn, accepted)
                    if index >= 0:
                        chosen[number] = index
                        reading = turn["answers"][index]
                        seen = {normalize_text(a) for a in accepted}
                        accepted += [
                            a for a in _org_answers(reading) if _agrees(a, accepted) and normalize_text(a) not in seen
                        ]
        facts: list[dict[str, Any]] = []
        others: list[str] = []
        for number, turn in enumerate(turns, 1):
            question = unescape(str(turn.get("question", "")))
            readings = turn.get("answers") or []
            cues = cues_from(question, *(str(r.get("clr_ans", "")) for r in readings))
            if number not in chosen:
                continue
            others += [a for i, r in enumerate(readings) if i != chosen[number] for a in _org_answers(r)]
            if not question or not cues:
                continue
            text = clarification_text(str(readings[chosen[number]].get("clr_ans", "")), question)
            if phrase_pattern(text.rstrip(".!?")).search(normalize_text(opening)):
                text = f"I mean {text}"  # a bare name from the passage ("Jamey Rodemeyer") withholds nothing
            facts.append(
                {
                    "id": f"reading_{number}",
                    "text": text,
                    "key_phrase": text.rstrip(".!?"),
                    "group": GROUP,
                    "asked_by": list(cues),
                }
            )
        if not facts:
            batch.skipped.append(f"{where}: no reading's answers match the original answer {gold!r}")
            return None
        check = ContainsAny(values=tuple(accepted), depends_on=tuple(f["id"] for f in facts))
        # Another reading's answer is a failing example unless it mostly agrees with the accepted ones.
        fails = list(dict.fromkeys(a for a in others if _agreement(a, accepted) < 0.5 and check.evaluate(a) is False))[
            :3
        ]
        question = unescape(str(example["target_turn"]["question"]))
        reading = re.sub(r"^(Yes|No)[,:] ", "", facts[0]["text"])
        data: dict[str, Any] = {
            "id": f"{pack}-{slug(str(example['id']))}",
            "domain": "reading_comprehension",
            "kind": "ambiguous",
            "subtype": str(example.get("source") or "") or None,
            "opening": opening,
            "hidden_intent": f'The answer to my question "{question}" in the sense I mean: {reading}',
            "facts": facts,
            "expected": "clarify",
            "answer_check": check.model_dump(mode="json", exclude_defaults=True) | {"type": check.type},
            "check_examples": {"passes": accepted[:2], "fails": fails},
            "notes": f"Abg-CoQA example {example['id']} ({example.get('source', '?')} story); original answer: {gold}.",
        }
        return data
