"""The LangGraph dialogue loop: structured stops, turn cap, errors, long conversations."""

from __future__ import annotations

from analysis import RulesLabeller
from scenarios import Scenario
from simulator import AssistantSettings, DialogueLoop, recursion_limit
from user_agents import CooperativeUser, ShardedUser, SilentUser

GOOD = "Stay in the Old Port: it is walkable, right on the water and full of dog-friendly cafes and small hotels."
ASK = "Which Portland do you mean, Oregon or Maine?"


def loop(chat, max_turns: int = 6) -> DialogueLoop:
    return DialogueLoop(chat=chat, labeller=RulesLabeller(), max_turns=max_turns)


async def test_clarify_then_answer_is_accepted(portland: Scenario, scripted_chat) -> None:
    chat = scripted_chat([ASK, GOOD])
    result = await loop(chat).run(portland, portland.opening, CooperativeUser(), AssistantSettings(model="fake/m"))
    assert result.status == "complete" and result.stop_reason == "accepted"
    assert [t.role for t in result.turns] == ["user", "assistant", "user", "assistant", "user"]
    assert result.turns[2].revealed_facts == ("city",)
    assert result.turns[1].label is not None and result.turns[1].label.stance.value == "clarify_only"
    assert all(t.label is None for t in result.turns if t.role == "user")


async def test_system_prompt_and_seed_reach_the_model(portland: Scenario, scripted_chat) -> None:
    chat = scripted_chat([GOOD])
    await loop(chat).run(portland, portland.opening, CooperativeUser(), AssistantSettings(model="fake/m", system_prompt="Be brief.", seed=7, temperature=0.2, max_tokens=33))
    call = chat.calls[0]
    assert call["messages"][0] == {"role": "system", "content": "Be brief."}
    assert (call["seed"], call["temperature"], call["max_tokens"]) == (7, 0.2, 33)


async def test_turn_cap_stops_without_an_unanswered_user_message(portland: Scenario, scripted_chat) -> None:
    chat = scripted_chat([ASK])
    result = await loop(chat, max_turns=2).run(portland, portland.opening, CooperativeUser(), AssistantSettings(model="fake/m"))
    assert result.stop_reason == "max_turns"
    assert sum(t.role == "assistant" for t in result.turns) == 2
    assert result.turns[-1].role == "assistant"


async def test_long_conversations_are_not_cut_by_langgraph(portland: Scenario, scripted_chat) -> None:
    # 30 turns needs ~90 graph steps: far past LangGraph's default recursion limit of 25.
    chat = scripted_chat(["What kind of architecture do you like?"])
    result = await loop(chat, max_turns=30).run(portland, portland.opening, CooperativeUser(patience=100), AssistantSettings(model="fake/m"))
    assert result.error is None
    assert result.stop_reason == "max_turns"
    assert sum(t.role == "assistant" for t in result.turns) == 30
    assert recursion_limit(30) > 25


async def test_model_failure_is_one_error_conversation_with_its_reason(portland: Scenario) -> None:
    class Failing:
        async def complete(self, *args, **kwargs):
            raise ConnectionError("server went away")

    result = await loop(Failing()).run(portland, portland.opening, CooperativeUser(), AssistantSettings(model="fake/m"))
    assert result.status == "error"
    assert "ConnectionError: server went away" in result.error
    assert [t.role for t in result.turns] == ["user"]


async def test_sharded_user_reveals_in_order_until_accepted(portland: Scenario, scripted_chat) -> None:
    chat = scripted_chat(["Pearl District is great for a weekend: walkable, lively and full of restaurants.",
                          "Pearl District is still my pick: walkable, lively and full of restaurants.", GOOD])
    result = await loop(chat).run(portland, portland.opening, ShardedUser(), AssistantSettings(model="fake/m"))
    revealed = [t.revealed_facts for t in result.turns if t.role == "user" and t.revealed_facts]
    assert revealed == [("city",), ("dog",)]
    assert result.stop_reason == "accepted"


async def test_silent_user_never_reveals(portland: Scenario, scripted_chat) -> None:
    chat = scripted_chat([ASK, ASK, ASK])
    result = await loop(chat).run(portland, portland.opening, SilentUser(), AssistantSettings(model="fake/m"))
    assert all(not t.revealed_facts for t in result.turns)
    assert result.stop_reason == "gave_up"
