"""The dialogue loop: a LangGraph state graph, user -> assistant -> live label, each node routing on.

Stop conditions are structured, never substrings: the user agent's `done` flag (which
covers "answer accepted"), the turn cap, or an error. The graph's recursion limit is
derived from the turn cap so long conversations are not cut by LangGraph's default.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from scenarios import Labeller, Scenario, TurnLabel
from simulator.models import scrub_secrets
from simulator.records import TurnRecord
from user_agents import ChatModel, DialogueView, Message, UserAgent

STEPS_PER_EXCHANGE = 3  # user, assistant, label


def recursion_limit(max_turns: int) -> int:
    """Graph steps needed for `max_turns` exchanges plus the user's last word, with slack."""
    return STEPS_PER_EXCHANGE * max_turns + 5


def _merge(left: dict[int, TurnLabel], right: dict[int, TurnLabel]) -> dict[int, TurnLabel]:
    return {**left, **right}


class DialogueState(TypedDict, total=False):
    turns: Annotated[list[TurnRecord], operator.add]
    labels: Annotated[dict[int, TurnLabel], _merge]
    revealed: list[str]
    rejections: int
    n_assistant: int
    done: bool
    stop_reason: str | None
    error: str | None


@dataclass
class DialogueResult:
    """What one conversation produced."""

    turns: list[TurnRecord]
    stop_reason: str
    error: str | None
    started_at: datetime
    finished_at: datetime

    @property
    def status(self) -> str:
        return "error" if self.error else "complete"


@dataclass
class AssistantSettings:
    """How the assistant under test is called."""

    model: str
    system_prompt: str | None = None
    temperature: float = 0.7
    max_tokens: int = 512
    seed: int = 0


@dataclass(frozen=True)
class _Context:
    scenario: Scenario
    opening: str
    user: UserAgent
    assistant: AssistantSettings


def _describe(exc: Exception) -> str:
    return scrub_secrets(f"{type(exc).__name__}: {exc}")[:2000]


def _stop_on_error(exc: Exception) -> Command[Any]:
    """A node's failure ends the conversation, stored as an error with its (scrubbed) reason."""
    return Command(update={"done": True, "error": _describe(exc), "stop_reason": "error"}, goto=END)


class DialogueLoop:
    """Holds one conversation between a user agent and an assistant model."""

    def __init__(self, *, chat: ChatModel, labeller: Labeller, max_turns: int) -> None:
        self.chat = chat
        self.labeller = labeller
        self.max_turns = max_turns
        self._graph = self._compile()

    def _compile(self) -> Any:
        """Build the graph once; each conversation passes its own context through the config."""

        async def user_node(state: DialogueState, config: RunnableConfig) -> Command[Any]:
            ctx: _Context = config["configurable"]["ctx"]
            scenario, user = ctx.scenario, ctx.user
            turns = state.get("turns", [])
            try:
                if not turns:
                    reply = await user.open(scenario, ctx.opening)
                else:
                    view = DialogueView(
                        scenario=scenario,
                        messages=[Message(role=t.role, content=t.content) for t in turns],
                        last_label=state.get("labels", {}).get(turns[-1].turn_index),
                        revealed=set(state.get("revealed", [])),
                        rejections=state.get("rejections", 0),
                    )
                    reply = await user.respond(view)
            except Exception as exc:
                return _stop_on_error(exc)
            at_cap = state.get("n_assistant", 0) >= self.max_turns
            if at_cap and not reply.done:
                # The assistant has used its turns: the user's unanswered message is not kept.
                return Command(update={"done": True, "stop_reason": "max_turns"}, goto=END)
            record = TurnRecord(turn_index=len(turns), role="user", content=reply.text, revealed_facts=reply.revealed)
            update: dict[str, Any] = {
                "turns": [record],
                "revealed": list(dict.fromkeys([*state.get("revealed", []), *reply.revealed])),
                "rejections": state.get("rejections", 0) + (1 if reply.stop_reason == "rejected" else 0),
            }
            if reply.done:
                update |= {"done": True, "stop_reason": reply.stop_reason or "user_done"}
                return Command(update=update, goto=END)
            return Command(update=update, goto="assistant")

        async def assistant_node(state: DialogueState, config: RunnableConfig) -> Command[Any]:
            assistant = config["configurable"]["ctx"].assistant
            turns = state["turns"]
            messages = [{"role": "system", "content": assistant.system_prompt}] if assistant.system_prompt else []
            messages += [{"role": t.role, "content": t.content} for t in turns]
            try:
                completion = await self.chat.complete(
                    assistant.model,
                    messages,
                    temperature=assistant.temperature,
                    max_tokens=assistant.max_tokens,
                    seed=assistant.seed,
                )
            except Exception as exc:
                return _stop_on_error(exc)
            record = TurnRecord(
                turn_index=len(turns),
                role="assistant",
                content=completion.text,
                latency_ms=completion.latency_ms,
                prompt_tokens=completion.prompt_tokens,
                completion_tokens=completion.completion_tokens,
                cost_usd=completion.cost_usd,
            )
            return Command(update={"turns": [record], "n_assistant": state.get("n_assistant", 0) + 1}, goto="label")

        async def label_node(state: DialogueState) -> Command[Any]:
            turns = state["turns"]
            last = turns[-1]
            previous = turns[-2].content if len(turns) > 1 else None
            try:
                alabel = getattr(self.labeller, "alabel", None)
                # Labellers that call a model offer `alabel`, so the event loop is not blocked.
                label = await alabel(last.content, previous) if alabel else self.labeller.label(last.content, previous)
            except Exception as exc:
                return _stop_on_error(exc)
            return Command(update={"labels": {last.turn_index: label}}, goto="user")

        graph = StateGraph(DialogueState)
        # Each node routes itself with a Command (continue, or END once done). Conditional-edge
        # routers are separate traced runnables in LangGraph: each costs its own task and
        # callback hops on the event loop, about 80 of the 170 loop iterations of a 5-turn
        # conversation, and with 50 conversations in flight every iteration waits behind the
        # others' work (BENCHMARKS.md, concurrency).
        graph.add_node("user", user_node, destinations=("assistant", END))
        graph.add_node("assistant", assistant_node, destinations=("label", END))
        graph.add_node("label", label_node, destinations=("user", END))
        graph.add_edge(START, "user")
        return graph.compile()

    async def run(self, scenario: Scenario, opening: str, user: UserAgent, assistant: AssistantSettings) -> DialogueResult:
        started = datetime.now(UTC)
        initial: DialogueState = {"turns": [], "labels": {}, "revealed": [], "rejections": 0, "n_assistant": 0, "done": False}
        config: RunnableConfig = {
            "recursion_limit": recursion_limit(self.max_turns),
            "configurable": {"ctx": _Context(scenario, opening, user, assistant)},
        }
        try:
            final = await self._graph.ainvoke(initial, config=config)
        except Exception as exc:  # a graph-level failure (e.g. recursion) is still one failed conversation
            return DialogueResult([], "error", _describe(exc), started, datetime.now(UTC))
        labels = final.get("labels", {})
        turns = [t.model_copy(update={"label": labels.get(t.turn_index)}) if t.role == "assistant" else t for t in final["turns"]]
        return DialogueResult(
            turns=turns,
            stop_reason=final.get("stop_reason") or "user_done",
            error=final.get("error"),
            started_at=started,
            finished_at=datetime.now(UTC),
        )
