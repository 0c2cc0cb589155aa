"""An LLM-driven user: a model plays the user, holding the hidden intent and facts."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scenarios import AgentContext, ChatModel, DialogueView, GroundsimError, Scenario, UserTurn
from user_agents._registry import USER_AGENTS, UnknownUserAgentError


class UserAgentError(GroundsimError):
    """A user agent could not produce a valid turn (after its own retry)."""

    def __init__(self, spec: str, reason: str) -> None:
        self.spec = spec
        self.reason = reason
        super().__init__(f"user agent {spec}: {reason}")


class LLMUserReply(BaseModel):
    """The JSON the user model must return. Version 1."""

    model_config = ConfigDict(extra="ignore", use_attribute_docstrings=True)

    message: str = Field(min_length=1)
    """What the user says to the assistant."""
    reveal: list[str] = []
    """Ids of facts this message reveals (at most one)."""
    done: bool = False
    """True when the assistant's answer satisfies the goal, or the user gives up."""


REPLY_SCHEMA = {
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "reveal": {"type": "array", "items": {"type": "string"}},
        "done": {"type": "boolean"},
    },
    "required": ["message", "reveal", "done"],
}

SYSTEM_TEMPLATE = """You are role-playing a person who is asking an AI assistant for help. Stay in character.

Your goal (secret, never state it all at once): {hidden_intent}

Facts you know. Reveal a fact only when the assistant asks about it, one fact per message, in your own words close to the text given. Never invent facts that are not listed.
{facts}

Rules:
- Write short, natural messages (one or two sentences).
- Never ask the assistant questions, and never answer on the assistant's behalf.
- If the assistant asks about something not in your facts, say plainly that you don't know or have no preference.
- Set "done" to true only when the assistant has given a final answer that meets your goal, or it refused or said it cannot know. If the assistant just asked you something, answer it and keep "done" false.

Reply with JSON only: {{"message": "...", "reveal": ["fact_id"], "done": false}}"""


def system_prompt(scenario: Scenario) -> str:
    facts = "\n".join(f"- [{f.id}] {f.text}" for f in scenario.facts) or "- (none)"
    return SYSTEM_TEMPLATE.format(hidden_intent=scenario.hidden_intent, facts=facts)


@USER_AGENTS.register("llm")
class LLMUser:
    """A model writes the user's turns as structured JSON.

    Guarded: a `done` right after the assistant asked something is overridden (the
    user must answer the question), reveals are limited to one known fact id, and an
    unparseable reply is retried once and then raised, never guessed at.
    """

    def __init__(self, model: str, chat: ChatModel, *, seed: int = 0, temperature: float = 0.7) -> None:
        self.model = model
        self.chat = chat
        self.seed = seed
        self.temperature = temperature
        self.spec = f"llm:{model}"

    ARG = "MODEL_ID"
    """What follows `llm:` in a spec."""

    @staticmethod
    def check_arg(arg: str) -> str | None:
        return None if arg else "give a model id, e.g. llm:local/smollm2"

    @classmethod
    def from_spec(cls, arg: str, ctx: AgentContext) -> LLMUser:
        if ctx.chat is None:
            raise UnknownUserAgentError(f"llm:{arg}", "no model client available")
        return cls(arg, ctx.chat, seed=ctx.seed)

    async def open(self, scenario: Scenario, opening: str) -> UserTurn:
        return UserTurn(text=opening)

    def _messages(self, view: DialogueView) -> list[dict[str, str]]:
        # Roles are mirrored: the assistant's turns are what the user model reads.
        out = [{"role": "system", "content": system_prompt(view.scenario)}]
        for m in view.messages:
            if m.role == "user":
                out.append({"role": "assistant", "content": json.dumps({"message": m.content, "reveal": [], "done": False})})
            else:
                out.append({"role": "user", "content": m.content})
        return out

    async def _ask(self, messages: list[dict[str, str]], attempt: int) -> LLMUserReply | str:
        completion = await self.chat.complete(
            self.model,
            messages,
            temperature=self.temperature,
            max_tokens=200,
            seed=self.seed + attempt,
            response_format={"type": "json_object", "schema": REPLY_SCHEMA},
        )
        raw = completion.text.strip()
        if raw.startswith("```"):
            raw = raw.strip("`").removeprefix("json").strip()
        try:
            return LLMUserReply.model_validate_json(raw)
        except ValidationError as exc:
            return f"{exc.errors()[0]['msg']} in {completion.text[:200]!r}"

    async def respond(self, view: DialogueView) -> UserTurn:
        messages = self._messages(view)
        reply = await self._ask(messages, 0)
        if isinstance(reply, str):
            retry = [*messages, {"role": "user", "content": "Reply with the JSON object only."}]
            reply = await self._ask(retry, 1)
        if isinstance(reply, str):
            raise UserAgentError(self.spec, f"unparseable reply after one retry: {reply}")
        known = {f.id for f in view.scenario.facts}
        revealed = tuple(r for r in reply.reveal if r in known and r not in view.revealed)[:1]
        done = reply.done
        asked = view.last_label is not None and view.last_label.asks_for_information
        if done and asked:
            done = False
        return UserTurn(text=reply.message, done=done, stop_reason="user_done" if done else None, revealed=revealed)
