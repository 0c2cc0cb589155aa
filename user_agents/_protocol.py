"""What a simulated user is, and what it needs from the rest of groundsim."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from scenarios import Persona, Scenario, TurnLabel

Role = Literal["user", "assistant"]


class Message(BaseModel):
    """One message of the dialogue as the user agent sees it."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    role: Role
    """Who wrote it."""
    content: str
    """What was written."""


class UserTurn(BaseModel):
    """What a user agent says next, and whether it is finished. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    text: str
    """The message to send (a closing line such as "Thanks, that works." when done)."""
    done: bool = False
    """The structured stop signal: the dialogue ends after this message."""
    stop_reason: str | None = None
    """Why the user stopped: accepted, gave_up, assistant_declined, answered, nothing_to_add."""
    revealed: tuple[str, ...] = ()
    """Ids of the scenario facts this message reveals."""


@dataclass
class DialogueView:
    """Everything a user agent may look at when choosing its next message."""

    scenario: Scenario
    messages: list[Message]
    """The dialogue so far, the user's opening first."""
    last_label: TurnLabel | None
    """Live labels of the assistant's last turn (None if it has not spoken)."""
    revealed: set[str] = field(default_factory=set)
    """Fact ids revealed so far."""
    rejections: int = 0
    """How many answers this user has already turned down."""

    @property
    def last_assistant_text(self) -> str:
        for message in reversed(self.messages):
            if message.role == "assistant":
                return message.content
        return ""


@runtime_checkable
class UserAgent(Protocol):
    """A simulated user holding a scenario's hidden intent.

    `open` returns the first message (the scenario's opening, persona applied);
    `respond` returns the reply to the assistant's last turn. Both are async because
    LLM-driven users call a model.
    """

    spec: str
    """The id used on the command line and stored with each conversation, e.g. `scripted:cooperative`."""

    async def open(self, scenario: Scenario, opening: str) -> UserTurn: ...

    async def respond(self, view: DialogueView) -> UserTurn: ...


class Completion(BaseModel):
    """A model's reply with its accounting. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    text: str
    """The reply text ('' if the model returned none)."""
    prompt_tokens: int | None = None
    """Input tokens as the provider counted them."""
    completion_tokens: int | None = None
    """Output tokens as the provider counted them."""
    cost_usd: float | None = None
    """Cost from litellm's price map; None where the model has no known price."""
    latency_ms: float = 0.0
    """Wall time of the call including retries."""


@runtime_checkable
class ChatModel(Protocol):
    """Calls a model by litellm id; the simulator provides the one implementation.

    Declared here so LLM-driven user agents can call models without importing the
    simulator (data flows scenarios -> user_agents -> simulator).
    """

    async def complete(
        self,
        model: str,
        messages: list[dict[str, str]],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> Completion: ...


@dataclass(frozen=True)
class AgentContext:
    """What a user-agent factory may use to build an agent."""

    chat: ChatModel | None = None
    """Model client for LLM-driven users."""
    seed: int = 0
    """Seed of the conversation, for agents that sample."""


@dataclass(frozen=True)
class PersonaChoice:
    """The persona a conversation uses: None for the no-persona control."""

    persona: Persona | None
    bio_index: int = 0

    @property
    def id(self) -> str:
        return self.persona.id if self.persona else "control"

    @property
    def group(self) -> str:
        return self.persona.group if self.persona else "control"
