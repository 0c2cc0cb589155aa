"""The scripted users' choices on tricky assistant turns."""

from __future__ import annotations

import pytest

from analysis import RulesLabeller
from scenarios import Scenario, Stance, TurnLabel
from user_agents import CooperativeUser, DialogueView, Message, ShardedUser, SilentUser
from user_agents._scripted import ACCEPT, CONFIRM, DECLINED, DONT_KNOW, GIVE_UP, REJECT, SILENT

labeller = RulesLabeller()


def view_after(scenario: Scenario, assistant_text: str, *, label: TurnLabel | None = None, revealed: set[str] | None = None, rejections: int = 0) -> DialogueView:
    return DialogueView(
        scenario=scenario,
        messages=[Message(role="user", content=scenario.opening), Message(role="assistant", content=assistant_text)],
        last_label=label or labeller.label(assistant_text, scenario.opening),
        revealed=revealed or set(),
        rejections=rejections,
    )


async def test_cooperative_reveals_both_facts_asked_at_once(portland: Scenario) -> None:
    turn = await CooperativeUser().respond(view_after(portland, "Happy to help! Which Portland do you mean, and are you traveling with anyone, like a pet?"))
    assert set(turn.revealed) == {"city", "dog"}
    assert "Maine" in turn.text and "dog" in turn.text
    assert not turn.done


async def test_cooperative_reveals_facts_asked_in_separate_sentences(portland: Scenario) -> None:
    text = "Sure. What's your budget per night? Also, which city do you mean, Portland, Oregon or Maine?"
    turn = await CooperativeUser().respond(view_after(portland, text))
    assert turn.revealed == ("budget", "city")  # answered in the order asked


async def test_cooperative_says_plainly_it_does_not_know(portland: Scenario) -> None:
    turn = await CooperativeUser().respond(view_after(portland, "What kind of architecture do you prefer?"))
    assert turn.text == DONT_KNOW
    assert turn.revealed == ()
    assert not turn.done


async def test_yes_no_check_that_touches_a_fact_gets_the_fact_as_correction(portland: Scenario) -> None:
    turn = await CooperativeUser().respond(view_after(portland, "Just to confirm: you mean Portland, Oregon, right?"))
    assert turn.revealed == ("city",)
    assert turn.text == "I mean Portland, Maine."


async def test_yes_no_check_restating_the_request_is_confirmed(portland: Scenario) -> None:
    turn = await CooperativeUser().respond(view_after(portland, "So you want a neighborhood to stay in for a weekend, right?"))
    assert turn.text == CONFIRM
    assert turn.revealed == ()


async def test_yes_no_question_about_unknown_detail_is_not_confirmed(portland: Scenario) -> None:
    turn = await CooperativeUser().respond(view_after(portland, "Do you want a place with a rooftop pool?"))
    assert turn.text == DONT_KNOW


async def test_cooperative_accepts_an_answer_that_passes_the_check(portland: Scenario) -> None:
    text = "Stay in the Old Port: walkable, close to the water, and full of dog-friendly cafes and small hotels for the weekend."
    turn = await CooperativeUser().respond(view_after(portland, text))
    assert (turn.text, turn.done, turn.stop_reason) == (ACCEPT, True, "accepted")


async def test_failing_answer_is_rejected_then_abandoned(portland: Scenario) -> None:
    text = "The Pearl District is the best choice: walkable, lively, and packed with restaurants and breweries for a weekend."
    first = await CooperativeUser(patience=1).respond(view_after(portland, text))
    assert (first.text, first.done, first.stop_reason) == (REJECT, False, "rejected")
    second = await CooperativeUser(patience=1).respond(view_after(portland, text, rejections=1))
    assert (second.text, second.done, second.stop_reason) == (GIVE_UP, True, "gave_up")


async def test_answer_with_a_buried_question_gets_the_question_answered(portland: Scenario) -> None:
    text = (
        "Portland has lots of great areas: the Pearl District is walkable and full of galleries, and Alberta Arts has "
        "a fun vibe. What's your budget per night?"
    )
    turn = await CooperativeUser().respond(view_after(portland, text))
    assert turn.revealed == ("budget",)


@pytest.mark.parametrize("stance", [Stance.safety_refusal, Stance.epistemic_abstain, Stance.partial_refusal])
async def test_any_decline_ends_the_dialogue(portland: Scenario, stance: Stance) -> None:
    turn = await CooperativeUser().respond(view_after(portland, "I can't help with that.", label=TurnLabel(stance=stance)))
    assert (turn.text, turn.done, turn.stop_reason) == (DECLINED, True, "assistant_declined")


async def test_answer_without_a_check_ends_as_answered(make_scenario) -> None:
    scenario = make_scenario(kind="unanswerable", expected="abstain", answer_check=None, facts=[])
    turn = await CooperativeUser().respond(view_after(scenario, "The answer is 42, and here is a long explanation of why that is certainly right."))
    assert (turn.done, turn.stop_reason) == (True, "answered")


async def test_sharded_reveals_one_new_fact_per_turn_whatever_is_asked(portland: Scenario) -> None:
    user = ShardedUser()
    first = await user.respond(view_after(portland, "What's your budget?"))
    assert first.revealed == ("city",)
    second = await user.respond(view_after(portland, "Pearl District is nice and walkable for a weekend away in the city.", revealed={"city"}))
    assert second.revealed == ("dog",)
    third = await user.respond(view_after(portland, "Which neighborhood vibe do you like?", revealed={"city", "dog"}))
    assert third.revealed == ("budget",)


async def test_sharded_out_of_shards_rejects_then_gives_up(portland: Scenario) -> None:
    everything = {"city", "dog", "budget"}
    text = "The Pearl District is walkable and lively with many restaurants for your weekend trip."
    first = await ShardedUser().respond(view_after(portland, text, revealed=everything))
    assert first.text == REJECT
    last = await ShardedUser().respond(view_after(portland, text, revealed=everything, rejections=1))
    assert last.done and last.stop_reason == "gave_up"


async def test_silent_never_reveals(portland: Scenario) -> None:
    turn = await SilentUser().respond(view_after(portland, "Which Portland do you mean, Oregon or Maine?"))
    assert turn.text == SILENT
    assert turn.revealed == ()
    later = await SilentUser().respond(view_after(portland, "Could you tell me which Portland?", rejections=1))
    assert later.done and later.revealed == ()


async def test_sharded_reveals_one_member_of_a_group_only(make_scenario) -> None:
    facts = [
        {"id": "a1", "text": "Answer one.", "asked_by": ["alpha"], "group": "crowd"},
        {"id": "a2", "text": "Answer two.", "asked_by": ["beta"], "group": "crowd"},
        {"id": "b", "text": "Another fact.", "asked_by": ["gamma"]},
    ]
    scenario = make_scenario(facts=facts, answer_check={"type": "contains_any", "values": ["Old Port"]})
    text = "The Pearl District is walkable and lively with many restaurants for your weekend trip."
    first = await ShardedUser().respond(view_after(scenario, text))
    second = await ShardedUser().respond(view_after(scenario, text, revealed={"a1"}))
    assert (first.revealed, second.revealed) == (("a1",), ("b",))
