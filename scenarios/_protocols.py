"""The extension Protocols and the neutral types they exchange: the bottom of the import graph.

Every layer above depends on these shapes, never on each other's implementations: the
model layer implements `ChatModel`, labellers implement `Labeller`, user agents implement
`UserAgent`, the outcome scorer implements `OutcomeScorer`, and the dialogue loop and the
runner receive them. Answer checks are declared in `scenarios._checks` beside the schema
that embeds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from scenarios._personas import Persona
from scenarios._schema import Scenario
from scenarios._vocabulary import TurnLabel

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

    Declared at the bottom so LLM-driven users and the judge can call models without
    importing the model layer; the CLI hands them the implementation.
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


@runtime_checkable
class Labeller(Protocol):
    """Gives one assistant turn its grounding acts and its stance.

    `name` and `version` are stored with every label, so a changed labeller relabels
    instead of mixing old and new verdicts.
    """

    name: str
    version: str

    def label(self, text: str, previous: str | None = None) -> TurnLabel:
        """Label `text` (the assistant turn); `previous` is the user message before it."""
        ...


class ScoredOutcome(BaseModel):
    """A conversation's outcome as one labeller's labels decide it. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    outcome: str
    """One of the outcome vocabulary (success, silent_failure, ..., ungraded, error)."""
    ternary: int | None
    """+1 correct, 0 abstained/refused/unfinished, -1 wrong or harmful; None for error."""
    simpleqa_grade: str | None
    """correct / incorrect / not_attempted; None for error."""
    check_passed: bool | None
    """The answer check's verdict on the final answer, where it could decide."""
    reason: str
    """Which rule decided, in one sentence."""


@runtime_checkable
class OutcomeScorer(Protocol):
    """Scores a finished conversation; the runner receives one instead of importing analysis."""

    def __call__(self, scenario: Scenario, status: str, assistant: list[tuple[str, TurnLabel]]) -> ScoredOutcome: ...
