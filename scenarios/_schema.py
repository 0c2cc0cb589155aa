"""The scenario record: what a simulated user wants, knows and would accept."""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PrivateAttr,
    SerializeAsAny,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from scenarios._checks import AnswerCheckBase, parse_check

SCENARIO_SCHEMA_VERSION = 1
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class ScenarioKind(StrEnum):
    """What makes the request hard to simply answer."""

    underspecified = "underspecified"
    ambiguous = "ambiguous"
    fully_specified = "fully_specified"
    unanswerable = "unanswerable"
    false_premise = "false_premise"
    benign_sensitive = "benign_sensitive"
    harmful = "harmful"


class Expected(StrEnum):
    """What a good assistant does with the scenario."""

    clarify = "clarify"
    answer = "answer"
    abstain = "abstain"
    refuse = "refuse"
    correct_premise = "correct_premise"


#: Which expectations make sense for each kind; anything else is a mistake in the file.
ALLOWED_EXPECTATIONS: dict[ScenarioKind, frozenset[Expected]] = {
    ScenarioKind.underspecified: frozenset({Expected.clarify}),
    ScenarioKind.ambiguous: frozenset({Expected.clarify}),
    ScenarioKind.fully_specified: frozenset({Expected.answer}),
    ScenarioKind.unanswerable: frozenset({Expected.abstain}),
    ScenarioKind.false_premise: frozenset({Expected.correct_premise, Expected.abstain}),
    ScenarioKind.benign_sensitive: frozenset({Expected.answer}),
    ScenarioKind.harmful: frozenset({Expected.refuse}),
}

#: Expectations whose success is decided by the answer check, which is therefore required.
CHECKED_EXPECTATIONS = frozenset({Expected.clarify, Expected.answer, Expected.correct_premise})


class Fact(BaseModel):
    """One piece of the hidden intent the user can reveal. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    id: str
    """Short identifier, unique within the scenario (e.g. `budget`)."""
    text: str
    """What the user says when revealing it, first person ("My budget is about $800.")."""
    asked_by: tuple[str, ...]
    """Words or phrases a question about this fact contains ("budget", "how much", "spend");
    the scripted user reveals the fact when the assistant's question contains one."""
    key_phrase: str | None = None
    """The words that carry the fact ("Maine", "$800", "vegetarian"); the linter checks that an
    underspecified opening lacks them, a fully specified twin's opening has them, and the
    answer check covers them."""
    optional: bool = False
    """True when the final answer does not depend on it (colour, not substance)."""
    group: str | None = None
    """Facts sharing a group are alternative wordings of one piece of the intent (e.g. several
    crowd answers to different clarifying questions, from imported data): a cooperative user
    reveals only the member whose cues best match the question (most cues found, then the
    largest share of its own cues, then the first). Omit for an ordinary fact."""

    @field_validator("id", "group")
    @classmethod
    def _id_shape(cls, v: str | None) -> str | None:
        if v is not None and not _ID.match(v):
            raise ValueError("must be lower-case letters, digits, '_', '-' or '.'")
        return v

    @model_serializer(mode="wrap")
    def _omit_unset_group(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Leave `group` out when unset, so scenarios written before the field existed keep
        # their content hash (and a rerun still resumes their finished conversations).
        data = handler(self)
        if self.group is None:
            data.pop("group", None)
        return data

    @field_validator("asked_by")
    @classmethod
    def _has_cues(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        cues = tuple(c.strip() for c in v if c.strip())
        if not cues:
            raise ValueError("needs at least one cue phrase")
        return cues


class CheckExamples(BaseModel):
    """Sample final answers the linter runs through the answer check. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    passes: tuple[str, ...] = ()
    """Answers that meet the hidden intent; the check must accept each."""
    fails: tuple[str, ...] = ()
    """Plausible answers that miss it (for underspecified kinds: what an assistant would say
    without the hidden facts); the check must reject each."""


class Scenario(BaseModel):
    """One situation to put an assistant in. Version 1; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    schema_version: int = SCENARIO_SCHEMA_VERSION
    """Version of this record's layout; files may omit it."""
    id: str
    """Unique identifier across all loaded packs (lower-case, digits, '_', '-', '.')."""
    domain: str
    """Topic area, e.g. `travel`, `cooking`, `software_help`."""
    kind: ScenarioKind
    """What makes the request hard; decides which outcomes apply."""
    subtype: str | None = None
    """Finer type: AbstentionBench's scenario (answer_unknown, stale, ...) or XSTest's
    safe/unsafe type (homonyms, figurative_language, ...)."""
    opening: str
    """The user's first message, deliberately short of something (except controls)."""
    hidden_intent: str
    """What the user really wants, in full; never shown to the assistant."""
    facts: tuple[Fact, ...] = ()
    """The pieces of the hidden intent the user can reveal when asked."""
    expected: Expected
    """What a good assistant does here."""
    answer_check: Annotated[SerializeAsAny[AnswerCheckBase] | None, BeforeValidator(lambda v: None if v is None else parse_check(v))] = None
    """How to tell a final answer that meets the hidden intent; required when `expected`
    is clarify, answer or correct_premise."""
    check_examples: CheckExamples | None = None
    """Answers that must pass and fail the check; `groundsim scenarios validate` runs them."""
    persona_slots: tuple[str, ...] = ()
    """Placeholders in `opening` (written `{name}`) where a persona's self-description
    goes; without one, a persona is prepended to the opening. Other braces in the
    opening are literal text (code, JSON)."""
    twin_of: str | None = None
    """For a fully specified control: the id of the underspecified scenario it mirrors."""
    notes: str | None = None
    """Free text for scenario authors; ignored by the tool."""

    _pack: str = PrivateAttr(default="")
    _path: str = PrivateAttr(default="")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("must be lower-case letters, digits, '_', '-' or '.'")
        return v

    @field_validator("opening", "hidden_intent", "domain")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v.strip()

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v > SCENARIO_SCHEMA_VERSION:
            raise ValueError(f"version {v} is newer than this groundsim understands ({SCENARIO_SCHEMA_VERSION}); upgrade groundsim")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        allowed = ALLOWED_EXPECTATIONS[self.kind]
        if self.expected not in allowed:
            raise ValueError(
                f"expected: {self.expected.value!r} does not fit kind={self.kind.value!r} "
                f"(allowed: {', '.join(sorted(e.value for e in allowed))})"
            )
        if self.expected in CHECKED_EXPECTATIONS and self.answer_check is None:
            raise ValueError(f"answer_check: required when expected is {self.expected.value!r}")
        ids = [f.id for f in self.facts]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"facts: duplicate fact ids: {', '.join(dupes)}")
        if self.answer_check is not None:
            missing = sorted(set(self.answer_check.depends_on) - set(ids))
            if missing:
                raise ValueError(f"answer_check.depends_on: names unknown facts: {', '.join(missing)}")
        missing_slots = [slot for slot in self.persona_slots if "{" + slot + "}" not in self.opening]
        if missing_slots:
            raise ValueError(f"persona_slots: not written as {{name}} in the opening: {', '.join(missing_slots)}")
        return self

    @property
    def pack(self) -> str:
        """The pack the scenario was loaded from (`starter`, or a folder name)."""
        return self._pack

    @property
    def path(self) -> str:
        """The file the scenario was loaded from."""
        return self._path

    def fact(self, fact_id: str) -> Fact:
        for f in self.facts:
            if f.id == fact_id:
                return f
        raise KeyError(fact_id)

    def content_hash(self) -> str:
        """A hash of everything that shapes a conversation: an edited scenario is a new experiment."""
        payload = json.dumps(self.model_dump(mode="json", exclude={"notes"}), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def fill_persona_slots(scenario: Scenario, values: dict[str, str]) -> str:
    """The opening with each `{slot}` replaced (missing slots become empty); other text,
    braces and line breaks are kept as written."""
    text = scenario.opening
    for slot in scenario.persona_slots:
        text = text.replace("{" + slot + "}", values.get(slot, ""))
    if scenario.persona_slots:
        # An emptied slot leaves doubled spaces or a leading space on its line.
        text = "\n".join(re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.split("\n"))
    return text


def placeholder_free_opening(scenario: Scenario) -> str:
    """The opening with its persona placeholders removed (the no-persona control)."""
    return fill_persona_slots(scenario, {})


