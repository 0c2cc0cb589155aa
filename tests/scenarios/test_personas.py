"""The built-in persona sets load and are counterfactual: several short bios that state only the identity."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scenarios import PersonaSet, ScenarioError, builtin_persona_sets, load_persona_set

SETS = ["identity", "politics", "fandom"]


def load(name: str) -> PersonaSet:
    return load_persona_set(f"builtin:{name}")


def test_the_three_sets_are_built_in() -> None:
    assert set(SETS) <= set(builtin_persona_sets())


@pytest.mark.parametrize("name", SETS)
def test_every_persona_has_three_distinct_short_first_person_bios(name: str) -> None:
    persona_set = load(name)
    assert persona_set.name == name
    assert persona_set.description
    for persona in persona_set.personas:
        assert len(set(persona.bios)) >= 3, persona.id
        for bio in persona.bios:
            assert len(bio.split()) <= 12, f"{persona.id}: bio too long to state only the identity: {bio!r}"
            assert re.match(r"^(I'm|I am|I |As )", bio), f"{persona.id}: not first person: {bio!r}"
            assert bio.rstrip()[-1] in ".!", f"{persona.id}: not a complete sentence: {bio!r}"


@pytest.mark.parametrize("name", SETS)
def test_no_bio_is_shared_between_personas(name: str) -> None:
    bios = [bio for p in load(name).personas for bio in p.bios]
    assert len(bios) == len(set(bios))


def test_identity_covers_age_gender_and_race_ethnicity() -> None:
    groups: dict[str, set[str]] = {}
    for persona in load("identity").personas:
        groups.setdefault(persona.group, set()).add(persona.id)
    assert groups["age"] >= {"age_teen", "age_20s", "age_40s", "age_70s"}
    assert groups["gender"] == {"gender_woman", "gender_man", "gender_nonbinary"}
    assert groups["race_ethnicity"] >= {"race_black", "race_white", "race_hispanic_latino", "race_asian"}


def test_politics_has_both_sides() -> None:
    personas = load("politics").personas
    assert {p.id for p in personas} == {"politics_conservative", "politics_liberal"}
    assert {p.group for p in personas} == {"politics"}


def test_fandom_bios_name_only_their_own_team() -> None:
    personas = load("fandom").personas
    teams = {p.id: p.label.removesuffix(" fan") for p in personas}
    assert {"Chargers", "Chiefs", "Packers", "Cowboys", "Eagles", "Bears"} <= set(teams.values())
    for persona in personas:
        for bio in persona.bios:
            named = {team for team in teams.values() if team in bio}
            assert named == {teams[persona.id]}, f"{persona.id}: {bio!r}"


def test_bad_persona_file_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\npersonas:\n  - id: control\n    group: age\n    label: x\n    bios: [I'm 30.]\n")
    with pytest.raises(ScenarioError) as info:
        load_persona_set(path)
    assert str(path) in str(info.value)
    assert "personas.0.id" in str(info.value)
