"""Lost in Conversation (Laban et al., 2025): a full instruction split into shards.

Input: the sharded-instruction JSON (a list of tasks, or JSON Lines), each with a task id
(`task_id`), `shards` [{`shard_id`, `shard` or `shard_text`}], and where present the full
instruction (`full_instruction`, `fully_specified_prompt`, `instruction`, `prompt` or
`question`), the task family (`task`) and a reference answer (`reference_answer`,
`answer`, `reference` or `solution`). Here:

- shard 1 is the opening; every later shard is a fact (`shard_2`, ...), in order, which
  `scripted:sharded` reveals one per turn and the cooperative user reveals when asked
  about it (cues: the shard's content words); a fact's key phrase is a number it states,
  else its longest content word, that the opening lacks;
- the full instruction (else the shards joined) is the hidden intent;
- the check: a number reference gives a `numeric` check (so the scripted user can turn a
  wrong answer down and reveal the next shard, as in the paper); a short text reference a
  `contains_any`; anything else (code, SQL, long text) a `judge` rubric holding the
  instruction and the reference;
- `domain` is the task family, `subtype` is `sharded`, `notes` hold the task id.

Tasks whose first shard holds `{` or `}` (code) are skipped: openings reserve braces for
persona placeholders.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from scenarios._checks import extract_numbers, normalize_text, phrase_pattern
from scenarios.importers._base import (
    ImportBatch,
    ScenarioImportError,
    build,
    content_words,
    cues_from,
    has_braces,
    read_json_records,
    register_importer,
    slug,
    unescape,
)

DESCRIPTION = """Imported from a Lost in Conversation sharded-instruction file (Laban, Hayashi, Zhou and
Neville, "LLMs Get Lost In Multi-Turn Conversation", 2025). Shard 1 is the opening; the other shards are
facts, revealed one per turn by scripted:sharded."""

_INSTRUCTION_KEYS = (
    "full_instruction",
    "fully_specified_prompt",
    "fully_specified_instruction",
    "instruction",
    "prompt",
    "question",
)
_REFERENCE_KEYS = ("reference_answer", "answer", "reference", "solution")
_NUMBER_ONLY = re.compile(r"^\s*[-+$]?\s*[\d,]*\.?\d+\s*%?\s*$")
NOT_YET = "I'd need a few more details before I can work that out."


def _first_text(task: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = task.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _shards(task: dict[str, Any]) -> list[tuple[str, str]]:
    shards = task.get("shards")
    if not isinstance(shards, list):
        return []
    found = []
    for i, shard in enumerate(shards, 1):
        if isinstance(shard, dict):
            text = shard.get("shard", shard.get("shard_text"))
            if isinstance(text, str) and text.strip():
                found.append((str(shard.get("shard_id", i)), unescape(text)))
    return sorted(found, key=lambda s: int(s[0]) if s[0].isdigit() else 0)


def _key_phrase(text: str, opening: str) -> str | None:
    """A number the shard states, else its longest content word, that the opening lacks."""
    norm_opening = normalize_text(opening)
    numbers = re.findall(r"\d[\d,.]*\d|\d", text)
    words = sorted(content_words(text), key=len, reverse=True)
    for candidate in [*numbers, *words]:
        if not phrase_pattern(candidate).search(norm_opening):
            return candidate
    return None


def _check(
    reference: str | None, instruction: str, fact_ids: list[str]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The answer check and its examples for a task's reference answer."""
    if reference is not None and _NUMBER_ONLY.match(reference) and extract_numbers(reference.replace("$", "")):
        value = extract_numbers(reference.replace("$", ""))[0]
        check = {"type": "numeric", "value": value, "tolerance": 0.001 * max(1.0, abs(value)), "depends_on": fact_ids}
        return check, {"passes": [f"The answer is {reference}."], "fails": [NOT_YET]}
    if reference is not None and "\n" not in reference and len(reference.split()) <= 8:
        check = {"type": "contains_any", "values": [reference.rstrip(".")], "depends_on": fact_ids}
        return check, {"passes": [f"{reference}"], "fails": [NOT_YET]}
    rubric = f"The final answer carries out the whole instruction: {instruction}"
    if reference is not None:
        rubric += f"\nA reference answer: {reference}"
    return {"type": "judge", "rubric": rubric, "depends_on": fact_ids}, None


@register_importer
class LicShardedImporter:
    """Lost in Conversation sharded tasks -> underspecified scenarios, one fact per later shard."""

    name: ClassVar[str] = "lic-sharded"
    summary: ClassVar[str] = (
        "Lost in Conversation sharded-instruction JSON: shard 1 opens, later shards are facts revealed one per turn."
    )

    def convert(self, source: Path, pack: str) -> ImportBatch:
        tasks = read_json_records(source)
        batch = ImportBatch(description=DESCRIPTION)
        if tasks and "shards" not in tasks[0]:
            raise ScenarioImportError(
                f"{source}: the first task has no 'shards' list: is this a sharded-instruction file?"
            )
        for number, task in enumerate(tasks, 1):
            task_id = str(task.get("task_id") or task.get("id") or number)
            where = f"task {task_id}"
            data = self._scenario(pack, task_id, task, where, batch)
            scenario = build(data, where, batch) if data else None
            if scenario is not None:
                batch.add(slug(str(task.get("task") or "tasks")).replace("-", "_"), scenario)
        return batch

    def _scenario(
        self, pack: str, task_id: str, task: dict[str, Any], where: str, batch: ImportBatch
    ) -> dict[str, Any] | None:
        shards = _shards(task)
        if len(shards) < 2:
            batch.skipped.append(
                f"{where}: needs at least 2 shards (an opening and something to reveal), has {len(shards)}"
            )
            return None
        opening = shards[0][1]
        if has_braces(opening):
            batch.skipped.append(f"{where}: shard 1 holds '{{' or '}}', which openings reserve for persona slots")
            return None
        instruction = unescape(_first_text(task, _INSTRUCTION_KEYS) or " ".join(text for _, text in shards))
        facts = []
        for shard_id, text in shards[1:]:
            cues = list(cues_from(text)) or [normalize_text(text)]  # a shard of filler words: only itself cues it
            fact: dict[str, Any] = {"id": f"shard_{slug(shard_id)}", "text": text, "asked_by": cues}
            key = _key_phrase(text, opening)
            if key:
                fact["key_phrase"] = key
            facts.append(fact)
        reference = _first_text(task, _REFERENCE_KEYS)
        check, examples = _check(reference, instruction, [f["id"] for f in facts])
        family = str(task.get("task") or "general")
        data: dict[str, Any] = {
            "id": f"{pack}-{slug(task_id)}",
            "domain": slug(family).replace("-", "_"),
            "kind": "underspecified",
            "subtype": "sharded",
            "opening": opening,
            "hidden_intent": instruction,
            "facts": facts,
            "expected": "clarify",
            "answer_check": check,
            "notes": f"Lost in Conversation task {task_id} ({family}); {len(shards)} shards, shard 1 is the opening.",
        }
        if examples:
            data["check_examples"] = examples
        return data
