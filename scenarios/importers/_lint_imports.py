"""The linter as it applies to imported packs: the built-in rules, with one documented relaxation.

Imported benchmarks state a hidden intent through people's own answers to their own
clarifying questions (Qulac's crowd answers, Abg-CoQA's clarifications). Those answers are
alternatives (`group`), and each is cued by the words of the one question it answered,
which often has only two content words ("are you looking for bundles or deals"). Inventing
more cues would put words in the annotators' mouths, so for grouped facts outside the
built-in packs rule 1's minimum number of cues applies to the group as a whole: the group's
cues together must reach it, since a question that hits any of them reveals a member.

Nothing else is relaxed, and built-in packs are linted exactly as `lint_scenarios` does
(their files must not rely on this).
"""

from __future__ import annotations

from pathlib import Path

from scenarios._errors import ScenarioError
from scenarios._lint import lint_scenarios
from scenarios._loader import PACKS_DIR
from scenarios._schema import Fact, Scenario


def is_builtin(scenario: Scenario) -> bool:
    """Whether the scenario was loaded from one of the packs shipped with groundsim."""
    if not scenario.path:
        return False
    return Path(scenario.path).resolve().is_relative_to(PACKS_DIR.resolve())


def _pooled_cues(scenario: Scenario) -> Scenario:
    """A copy of `scenario` in which each grouped fact carries its whole group's cues."""
    pooled: dict[str, list[str]] = {}
    for fact in scenario.facts:
        if fact.group is not None:
            cues = pooled.setdefault(fact.group, [])
            cues.extend(c for c in fact.asked_by if c not in cues)
    if not pooled:
        return scenario
    facts: list[Fact] = [
        f if f.group is None else f.model_copy(update={"asked_by": tuple(pooled[f.group])}) for f in scenario.facts
    ]
    # model_copy keeps the private pack and path, so problems still name the right file.
    return scenario.model_copy(update={"facts": tuple(facts)})


def lint_pack(scenarios: list[Scenario]) -> list[ScenarioError]:
    """`lint_scenarios`, with grouped facts of non-built-in scenarios linted on their group's cues."""
    return lint_scenarios([s if is_builtin(s) else _pooled_cues(s) for s in scenarios])
