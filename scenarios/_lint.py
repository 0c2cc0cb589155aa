"""The scenario linter: authoring rules that make a scenario measure what it claims to.

The loader only checks that a file is well-formed. A well-formed scenario can still be
useless: an "underspecified" opening that already states the hidden fact, an answer check
that a generic answer passes, a control that is not really the same request. These rules
(numbered as in docs/writing-scenarios.md) catch those mistakes before a run wastes money
on them. Every built-in pack must lint clean; user packs are linted on request.

Each problem is a ScenarioError naming the file, the scenario id, the field and the rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from scenarios._checks import AnswerCheckBase, normalize_text, phrase_pattern
from scenarios._errors import ScenarioError
from scenarios._loader import PACKS_DIR
from scenarios._schema import (
    ALLOWED_EXPECTATIONS,
    CHECKED_EXPECTATIONS,
    Expected,
    Fact,
    Scenario,
    ScenarioKind,
    placeholder_free_opening,
)

#: Kinds whose opening deliberately withholds facts the assistant should ask for.
WITHHOLDING_KINDS = frozenset({ScenarioKind.underspecified, ScenarioKind.ambiguous})

#: AbstentionBench's scenario types (the `subtype` of unanswerable and false_premise scenarios).
ABSTENTIONBENCH_SUBTYPES = frozenset(
    {"answer_unknown", "underspecified_context", "underspecified_intent", "false_premise", "subjective", "stale"}
)

#: XSTest's safe prompt types (the `subtype` of benign_sensitive scenarios).
XSTEST_SAFE_SUBTYPES = frozenset(
    {
        "homonyms",
        "figurative_language",
        "safe_targets",
        "safe_contexts",
        "definitions",
        "real_discrimination_nonsense_group",
        "nonsense_discrimination_real_group",
        "historical_events",
        "privacy_public",
        "privacy_fictional",
    }
)

#: XSTest's unsafe contrast types (an optional `subtype` of harmful scenarios).
XSTEST_CONTRAST_SUBTYPES = frozenset(
    {
        "contrast_homonyms",
        "contrast_figurative_language",
        "contrast_safe_targets",
        "contrast_safe_contexts",
        "contrast_definitions",
        "contrast_discrimination",
        "contrast_historical_events",
        "contrast_privacy",
    }
)

#: Kinds whose subtype is required, and the values it may take.
REQUIRED_SUBTYPES: dict[ScenarioKind, frozenset[str]] = {
    ScenarioKind.unanswerable: ABSTENTIONBENCH_SUBTYPES,
    ScenarioKind.false_premise: ABSTENTIONBENCH_SUBTYPES,
    ScenarioKind.benign_sensitive: XSTEST_SAFE_SUBTYPES,
}

#: Cue words that occur in nearly every question an assistant asks; a fact revealed by one
#: of them is revealed by any question at all, which hides whether the assistant asked well.
GENERIC_CUES = frozenset(
    {
        "a", "about", "any", "anything", "can", "could", "detail", "details", "do", "does", "else", "help",
        "how", "info", "information", "is", "it", "know", "like", "more", "need", "please", "question",
        "should", "tell", "the", "want", "what", "which", "who", "why", "would", "you", "your",
    }
)  # fmt: skip

#: Fewest cue phrases a withheld fact needs; fewer and a reasonable question misses it.
MIN_CUES = 3


def lint_scenarios(scenarios: list[Scenario]) -> list[ScenarioError]:
    """Every authoring-rule violation in `scenarios` (empty when clean): duplicate ids first, then per scenario.

    Lint a whole collection at once: uniqueness of ids (rule 4) and fully specified twins
    (rule 5) are only decidable across scenarios.
    """
    by_id: dict[str, Scenario] = {}
    for scenario in scenarios:
        by_id.setdefault(scenario.id, scenario)
    problems = _unique_ids(scenarios)
    for scenario in scenarios:
        problems.extend(_withheld_facts(scenario))  # rule 1
        problems.extend(_facts_covered(scenario))  # rule 2
        problems.extend(_check_examples(scenario))  # rule 3
        problems.extend(_pack_prefix(scenario))  # rule 4
        problems.extend(_twin(scenario, by_id))  # rule 5
        problems.extend(_subtype(scenario))  # rule 6
        problems.extend(_expectation(scenario))  # rule 7
    return problems


def _error(scenario: Scenario, field: str, rule: int, reason: str) -> ScenarioError:
    return ScenarioError(f"rule {rule}: {reason}", path=scenario.path or None, scenario_id=scenario.id, field=field)


def _kind(scenario: Scenario) -> ScenarioKind:
    # model_construct() leaves plain strings; accept both so tests and importers can lint unvalidated records.
    return ScenarioKind(scenario.kind)


def _contains(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole words, ignoring case and typography."""
    return bool(phrase.strip()) and bool(phrase_pattern(phrase).search(normalize_text(text)))


def _required_facts(scenario: Scenario) -> list[tuple[int, Fact]]:
    return [(i, f) for i, f in enumerate(scenario.facts) if not f.optional]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# Rule 1 ---------------------------------------------------------------------------------


def _withheld_facts(scenario: Scenario) -> list[ScenarioError]:
    """Rule 1: an underspecified/ambiguous opening really withholds >= 2 askable facts."""
    problems = []
    for i, fact in enumerate(scenario.facts):
        for cue in fact.asked_by:
            if normalize_text(cue) in GENERIC_CUES:
                reason = f"cue {cue!r} is too generic: nearly every question contains it"
                problems.append(_error(scenario, f"facts.{i}.asked_by", 1, reason))
    if _kind(scenario) not in WITHHOLDING_KINDS:
        return problems
    required = _required_facts(scenario)
    if len(required) < 2:
        reason = f"{scenario.kind} scenarios need at least 2 non-optional facts, found {len(required)}"
        problems.append(_error(scenario, "facts", 1, reason))
    opening = placeholder_free_opening(scenario)
    for i, fact in required:
        if not fact.key_phrase:
            reason = f"non-optional fact {fact.id!r} needs a key_phrase"
            problems.append(_error(scenario, f"facts.{i}.key_phrase", 1, reason))
        elif _contains(opening, fact.key_phrase):
            reason = f"key phrase {fact.key_phrase!r} appears in the opening, so the fact is not withheld"
            problems.append(_error(scenario, f"facts.{i}.key_phrase", 1, reason))
        if _contains(opening, fact.text):
            reason = f"fact {fact.id!r} is already stated in the opening"
            problems.append(_error(scenario, f"facts.{i}.text", 1, reason))
        if len(fact.asked_by) < MIN_CUES:
            reason = f"fact {fact.id!r} has {len(fact.asked_by)} cue(s); give at least {MIN_CUES} (6-12 is better)"
            problems.append(_error(scenario, f"facts.{i}.asked_by", 1, reason))
    return problems


# Rule 2 ---------------------------------------------------------------------------------


def _facts_covered(scenario: Scenario) -> list[ScenarioError]:
    """Rule 2: the answer check depends on every non-optional fact, so revealing it matters."""
    check = scenario.answer_check
    if check is None:
        return []
    problems = []
    for _, fact in _required_facts(scenario):
        if fact.id in check.depends_on or (fact.key_phrase and check.mentions(fact.key_phrase)):
            continue
        reason = (
            f"fact {fact.id!r} is not covered by the answer check: "
            "list it in depends_on or make the check look for its key phrase"
        )
        problems.append(_error(scenario, "answer_check.depends_on", 2, reason))
    return problems


# Rule 3 ---------------------------------------------------------------------------------


def _needs_model(check: AnswerCheckBase) -> bool:
    return bool(getattr(type(check), "requires_model", False))


def _check_examples(scenario: Scenario) -> list[ScenarioError]:
    """Rule 3: a mechanical check is shown to accept good answers and reject plausible bad ones."""
    check = scenario.answer_check
    if check is None or _needs_model(check) or getattr(type(check), "decided_by_stance", False):
        return []
    examples = scenario.check_examples
    passes = examples.passes if examples else ()
    fails = examples.fails if examples else ()
    problems = []
    if not passes:
        problems.append(_error(scenario, "check_examples.passes", 3, "give at least one answer the check must accept"))
    if not fails:
        reason = "give at least one plausible answer the check must reject"
        problems.append(_error(scenario, "check_examples.fails", 3, reason))
    for i, text in enumerate(passes):
        if check.evaluate(text) is not True:
            reason = f"the answer check rejects this passing example: {_short(text)!r}"
            problems.append(_error(scenario, f"check_examples.passes.{i}", 3, reason))
    for i, text in enumerate(fails):
        if check.evaluate(text) is not False:
            reason = f"the answer check accepts this failing example: {_short(text)!r}"
            problems.append(_error(scenario, f"check_examples.fails.{i}", 3, reason))
    if fails and _kind(scenario) in WITHHOLDING_KINDS:
        phrases = [f.key_phrase for _, f in _required_facts(scenario) if f.key_phrase]
        if phrases and all(any(_contains(text, p) for p in phrases) for text in fails):
            reason = (
                "every failing example mentions a hidden fact; "
                "add one an assistant would plausibly give without the hidden facts"
            )
            problems.append(_error(scenario, "check_examples.fails", 3, reason))
    return problems


# Rule 4 ---------------------------------------------------------------------------------


def _unique_ids(scenarios: Iterable[Scenario]) -> list[ScenarioError]:
    """Rule 4a: ids are unique across every pack loaded together."""
    seen: dict[str, Scenario] = {}
    problems = []
    for scenario in scenarios:
        first = seen.setdefault(scenario.id, scenario)
        if first is not scenario:
            where = first.path or "another scenario"
            problems.append(_error(scenario, "id", 4, f"duplicate id, also in {where}"))
    return problems


def pack_name(scenario: Scenario) -> str:
    """The pack whose name prefixes the id: the built-in folder for shipped files, else the loaded pack."""
    if scenario.path:
        try:
            relative = Path(scenario.path).resolve().relative_to(PACKS_DIR.resolve())
        except ValueError:
            pass
        else:
            if len(relative.parts) > 1:
                return relative.parts[0]
    return scenario.pack


def _pack_prefix(scenario: Scenario) -> list[ScenarioError]:
    """Rule 4b: ids start with the pack name, so packs never collide when combined."""
    pack = pack_name(scenario)
    if not pack or scenario.id.startswith(f"{pack}-"):
        return []
    return [_error(scenario, "id", 4, f"id must start with the pack name: '{pack}-...'")]


# Rule 5 ---------------------------------------------------------------------------------


def _twin(scenario: Scenario, by_id: dict[str, Scenario]) -> list[ScenarioError]:
    """Rule 5: a fully specified control is its twin's request with every withheld fact stated."""
    if _kind(scenario) is not ScenarioKind.fully_specified:
        if scenario.twin_of:
            return [_error(scenario, "twin_of", 5, "only fully_specified scenarios name a twin")]
        return []
    if not scenario.twin_of:
        reason = "a fully specified control must name its underspecified or ambiguous twin"
        return [_error(scenario, "twin_of", 5, reason)]
    twin = by_id.get(scenario.twin_of)
    if twin is None:
        reason = f"names {scenario.twin_of!r}, which is not among the loaded scenarios"
        return [_error(scenario, "twin_of", 5, reason)]
    problems = []
    if _kind(twin) not in WITHHOLDING_KINDS:
        reason = f"twin {twin.id!r} is {twin.kind}, not underspecified or ambiguous"
        problems.append(_error(scenario, "twin_of", 5, reason))
    if pack_name(twin) != pack_name(scenario):
        reason = f"twin {twin.id!r} is in pack {pack_name(twin)!r}, not {pack_name(scenario)!r}"
        problems.append(_error(scenario, "twin_of", 5, reason))
    opening = placeholder_free_opening(scenario)
    for _, fact in _required_facts(twin):
        if fact.key_phrase and not _contains(opening, fact.key_phrase):
            reason = f"twin's key phrase {fact.key_phrase!r} (fact {fact.id!r}) is missing from the opening"
            problems.append(_error(scenario, "opening", 5, reason))
    return problems


# Rule 6 ---------------------------------------------------------------------------------


def _subtype(scenario: Scenario) -> list[ScenarioError]:
    """Rule 6: subtypes use the source benchmarks' names, so results line up with them."""
    kind = _kind(scenario)
    allowed = REQUIRED_SUBTYPES.get(kind)
    if allowed is None and kind is ScenarioKind.harmful and scenario.subtype is not None:
        allowed = XSTEST_CONTRAST_SUBTYPES
    if allowed is None:
        return []
    choices = ", ".join(sorted(allowed))
    if scenario.subtype is None:
        return [_error(scenario, "subtype", 6, f"required for kind {kind.value}; one of: {choices}")]
    if scenario.subtype not in allowed:
        reason = f"{scenario.subtype!r} is not a {kind.value} subtype; one of: {choices}"
        return [_error(scenario, "subtype", 6, reason)]
    return []


# Rule 7 ---------------------------------------------------------------------------------


def _expectation(scenario: Scenario) -> list[ScenarioError]:
    """Rule 7: the expectation fits the kind, and checks exist exactly where they are scored."""
    kind = _kind(scenario)
    expected = Expected(scenario.expected)
    problems = []
    allowed = ALLOWED_EXPECTATIONS[kind]
    if expected not in allowed:
        fitting = " or ".join(sorted(e.value for e in allowed))
        reason = f"{expected.value!r} does not fit kind {kind.value}; use {fitting}"
        problems.append(_error(scenario, "expected", 7, reason))
    if expected in CHECKED_EXPECTATIONS and scenario.answer_check is None:
        reason = f"expected={expected.value} is scored by an answer check; add one"
        problems.append(_error(scenario, "answer_check", 7, reason))
    if kind is ScenarioKind.harmful:
        if scenario.answer_check is not None:
            reason = "a harmful scenario is scored on refusal alone; remove the check so no compliant answer is encoded"
            problems.append(_error(scenario, "answer_check", 7, reason))
        if scenario.check_examples is not None:
            reason = "a harmful scenario must not carry example answers: nothing harmful is written down"
            problems.append(_error(scenario, "check_examples", 7, reason))
    return problems
