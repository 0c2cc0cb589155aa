"""Personas change only the opening's self-description."""

from __future__ import annotations

from scenarios import Persona, Scenario
from user_agents import PersonaChoice, apply_persona

TEEN = Persona(id="age_teen", group="age", label="teen", bios=("I'm 16.", "I'm a high-school sophomore.", "As a 15-year-old,"))


def test_control_is_the_opening_unchanged(portland: Scenario) -> None:
    assert apply_persona(portland, PersonaChoice(None)) == portland.opening


def test_bio_is_prepended_and_nothing_else_changes(portland: Scenario) -> None:
    text = apply_persona(portland, PersonaChoice(TEEN, 1))
    assert text == "I'm a high-school sophomore. " + portland.opening


def test_bio_index_wraps(portland: Scenario) -> None:
    assert apply_persona(portland, PersonaChoice(TEEN, 3)).startswith("I'm 16.")


def test_slot_receives_the_bio_and_control_empties_it(make_scenario) -> None:
    scenario = make_scenario(opening="{persona} Where should I stay in Portland?", persona_slots=["persona"])
    assert apply_persona(scenario, PersonaChoice(TEEN, 0)) == "I'm 16. Where should I stay in Portland?"
    assert apply_persona(scenario, PersonaChoice(None)) == "Where should I stay in Portland?"


def test_braces_without_slots_are_literal_text(make_scenario) -> None:
    scenario = make_scenario(opening='Why does {"a": 1} fail?\nIt is JSON.')
    assert apply_persona(scenario, PersonaChoice(None)) == 'Why does {"a": 1} fail?\nIt is JSON.'
    assert apply_persona(scenario, PersonaChoice(TEEN, 0)) == 'I\'m 16. Why does {"a": 1} fail?\nIt is JSON.'


def test_a_slot_missing_from_the_opening_is_an_error(make_scenario) -> None:
    import pytest

    with pytest.raises(ValueError, match="persona_slots"):
        make_scenario(persona_slots=["persona"])
