"""Putting a persona into a scenario's opening, changing nothing else."""

from __future__ import annotations

from scenarios import PersonaChoice, Scenario, fill_persona_slots, placeholder_free_opening


def apply_persona(scenario: Scenario, choice: PersonaChoice) -> str:
    """The opening as this persona would write it.

    With a `{persona}` slot the bio goes there; otherwise it is prepended as its own
    sentence. The control (no persona) gets the opening with empty slots.
    """
    if choice.persona is None:
        return placeholder_free_opening(scenario)
    bio = choice.persona.bio(choice.bio_index).strip()
    if scenario.persona_slots:
        return fill_persona_slots(scenario, {scenario.persona_slots[0]: bio})
    return f"{bio} {placeholder_free_opening(scenario)}"
