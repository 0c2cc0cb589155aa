"""The LLM-driven user: structured output, guards, no invented facts."""

from __future__ import annotations

import json

import pytest

from scenarios import Act, Scenario, Stance, TurnLabel
from user_agents import DialogueView, LLMUser, Message, UserAgentError, system_prompt


def view(scenario: Scenario, assistant_text: str, label: TurnLabel) -> DialogueView:
    return DialogueView(
        scenario=scenario,
        messages=[Message(role="user", content=scenario.opening), Message(role="assistant", content=assistant_text)],
        last_label=label,
    )


ASKED = TurnLabel(acts=(Act.clarification,), stance=Stance.clarify_only, asks_question=True)
ANSWERED = TurnLabel(stance=Stance.answer)


def test_system_prompt_holds_intent_and_facts_but_not_the_check(portland: Scenario) -> None:
    prompt = system_prompt(portland)
    assert portland.hidden_intent in prompt
    assert all(f"[{f.id}] {f.text}" in prompt for f in portland.facts)
    assert "Pearl District" not in prompt  # the answer check stays hidden from the user model


async def test_reveal_is_limited_to_one_known_fact(portland: Scenario, scripted_chat) -> None:
    chat = scripted_chat([json.dumps({"message": "Portland, Maine, with my dog.", "reveal": ["invented", "city", "dog"], "done": False})])
    turn = await LLMUser("local/smollm2", chat).respond(view(portland, "Which Portland?", ASKED))
    assert turn.revealed == ("city",)
    assert turn.text == "Portland, Maine, with my dog."
    assert chat.calls[0]["response_format"]["type"] == "json_object"


async def test_done_right_after_a_question_is_overridden(portland: Scenario, scripted_chat) -> None:
    chat = scripted_chat([json.dumps({"message": "Yes, Maine.", "reveal": ["city"], "done": True})])
    turn = await LLMUser("m/x", chat).respond(view(portland, "Do you mean Portland, Maine?", ASKED))
    assert turn.done is False


async def test_done_after_an_answer_is_kept(portland: Scenario, scripted_chat) -> None:
    chat = scripted_chat([json.dumps({"message": "Great, thanks!", "reveal": [], "done": True})])
    turn = await LLMUser("m/x", chat).respond(view(portland, "Stay in the Old Port.", ANSWERED))
    assert (turn.done, turn.stop_reason) == (True, "user_done")


async def test_unparseable_reply_is_retried_once_then_raised(portland: Scenario, scripted_chat) -> None:
    chat = scripted_chat(["not json", "still not json"])
    with pytest.raises(UserAgentError, match="unparseable"):
        await LLMUser("m/x", chat).respond(view(portland, "Which Portland?", ASKED))
    assert len(chat.calls) == 2


async def test_retry_recovers(portland: Scenario, scripted_chat) -> None:
    chat = scripted_chat(["oops", "```json\n" + json.dumps({"message": "Maine.", "reveal": ["city"], "done": False}) + "\n```"])
    turn = await LLMUser("m/x", chat).respond(view(portland, "Which Portland?", ASKED))
    assert turn.revealed == ("city",)


async def test_roles_are_mirrored_for_the_user_model(portland: Scenario, scripted_chat) -> None:
    chat = scripted_chat([json.dumps({"message": "Maine.", "reveal": [], "done": False})])
    await LLMUser("m/x", chat).respond(view(portland, "Which Portland?", ASKED))
    roles = [m["role"] for m in chat.calls[0]["messages"]]
    assert roles == ["system", "assistant", "user"]
