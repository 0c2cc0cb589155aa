"""Versioned records: the run configuration (input) and what a conversation produces."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scenarios import ScenarioKind, ScoredOutcome, TurnLabel

DEFAULT_MODEL = "local/smollm2"
CONFIG_VERSION = 1

#: Fields of RunConfig that change how a run executes, not what it measures; they are
#: left out of the config hash so a rerun with more concurrency still resumes.
OPERATIONAL_FIELDS = frozenset({"db", "max_concurrency", "per_model_concurrency", "timeout_s", "num_retries", "preflight", "retry_errors", "progress"})


class RunConfig(BaseModel):
    """Everything `groundsim run` takes, from flags or a YAML file (`-c run.yaml`). Version 1.

    Unknown keys are rejected so a misspelt option cannot silently fall back to a default.
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    version: int = CONFIG_VERSION
    """Layout version of this file."""
    models: list[str] = Field(default_factory=lambda: [DEFAULT_MODEL], min_length=1)
    """Assistant model ids in litellm form (`provider/model`); `local/smollm2` is the embedded default."""
    scenarios: list[str] = Field(default_factory=lambda: ["builtin:starter"], min_length=1)
    """Scenario sources: `builtin:NAME`, a YAML file, or a folder of them."""
    users: list[str] = Field(default_factory=lambda: ["scripted:cooperative"], min_length=1)
    """User agents: `scripted:cooperative|sharded|silent` or `llm:MODEL_ID`."""
    personas: str | None = None
    """A persona set (`builtin:identity`, a YAML file): every scenario runs once per persona
    plus the no-persona control. None runs the control only."""
    repeats: int = Field(default=1, ge=1)
    """Conversations per (model, scenario, user, persona); each repeat gets its own seed."""
    seed: int = 0
    """Base seed; a job's seed is derived from it and the job, so runs are reproducible."""
    limit: int | None = Field(default=None, ge=1)
    """Use only the first N scenarios (after loading, in file order)."""
    kinds: list[str] = Field(default_factory=list)
    """Only scenarios of these kinds (empty: all)."""
    max_turns: int = Field(default=6, ge=1, le=100)
    """Most assistant turns per conversation; a conversation that reaches it stops."""
    system_prompt: str | None = None
    """System prompt for the assistant; None sends none (the model's own default)."""
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    """Assistant sampling temperature."""
    max_tokens: int = Field(default=512, ge=1)
    """Most tokens per assistant turn."""
    api_base: str | None = None
    """Base URL of an OpenAI-compatible server, for `openai/NAME` models."""
    max_concurrency: int = Field(default=8, ge=1)
    """Conversations in flight at once, over all models."""
    per_model_concurrency: int | None = Field(default=None, ge=1)
    """Conversations in flight per model (default: max_concurrency). `local/*` models always run one at a time."""
    timeout_s: float = Field(default=120.0, gt=0)
    """Timeout of one model call, in seconds."""
    num_retries: int = Field(default=3, ge=0)
    """Retries of a failed model call (litellm backs off between them)."""
    labeller: str = "hybrid"
    """Labeller used live during the run (the loop needs to know when the assistant asked)."""
    judge_model: str | None = None
    """Model id the `judge` labeller calls (only read when `labeller` is judge)."""
    db: str = "groundsim.duckdb"
    """DuckDB file results go to (created if missing)."""
    preflight: bool = True
    """Send one tiny request per model before starting, to fail fast on a bad id or server."""
    retry_errors: bool = True
    """On a rerun, run again the jobs whose stored conversation ended in `error`."""
    progress: bool = True
    """Show a progress bar."""

    @field_validator("models", "scenarios", "users")
    @classmethod
    def _strip(cls, v: list[str]) -> list[str]:
        cleaned = [x.strip() for x in v if x and x.strip()]
        if not cleaned:
            raise ValueError("needs at least one value")
        return list(dict.fromkeys(cleaned))

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, v: list[str]) -> list[str]:
        unknown = [k for k in v if k not in ScenarioKind.__members__]
        if unknown:
            raise ValueError(f"unknown scenario kind(s) {unknown}; known: {', '.join(ScenarioKind.__members__)}")
        return v

    def semantic_json(self) -> str:
        """The config minus operational fields, canonically serialised."""
        data = self.model_dump(mode="json", exclude=set(OPERATIONAL_FIELDS))
        if data.get("judge_model") is None:
            data.pop("judge_model", None)  # added later: configs without it keep their hash
        return json.dumps(data, sort_keys=True)

    def config_hash(self) -> str:
        return hashlib.sha256(self.semantic_json().encode()).hexdigest()

    @property
    def run_id(self) -> str:
        """Same semantic config, same run: rerunning a command resumes its run."""
        return "r_" + self.config_hash()[:12]


class Job(BaseModel):
    """One conversation to hold: the unit of resume. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    job_key: str
    """sha256 of everything that shapes the conversation; unique in the database."""
    model: str
    """Assistant model id."""
    scenario_id: str
    """Scenario id."""
    user_agent: str
    """User agent spec."""
    persona: str
    """Persona id, or `control`."""
    persona_group: str
    """Persona group (`age`, `politics`, ...), or `control`."""
    bio_index: int
    """Which of the persona's bios the opening uses."""
    repeat: int
    """0-based repeat number."""
    seed: int
    """Seed for the assistant (and any sampling user)."""

    @property
    def conversation_id(self) -> str:
        return "c_" + self.job_key[:16]


class TurnRecord(BaseModel):
    """One stored message. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    turn_index: int
    """0-based position in the conversation (the user's opening is 0)."""
    role: Literal["user", "assistant"]
    """Who wrote it."""
    content: str
    """The text, verbatim (untrusted: never render as HTML)."""
    latency_ms: float | None = None
    """Wall time of the model call that produced it (None for scripted users)."""
    prompt_tokens: int | None = None
    """Input tokens of that call."""
    completion_tokens: int | None = None
    """Output tokens of that call."""
    cost_usd: float | None = None
    """Cost of that call in US dollars, where the price is known."""
    revealed_facts: tuple[str, ...] = ()
    """For user turns: ids of scenario facts this message revealed."""
    label: TurnLabel | None = None
    """For assistant turns: the live label."""


class ConversationRecord(BaseModel):
    """A finished (or failed) conversation, ready to store. Version 1."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    conversation_id: str
    """`c_` + the first 16 hex digits of the job key."""
    run_id: str
    """The run that produced it."""
    job: Job
    """The job it answers."""
    scenario_kind: str
    """Scenario kind, denormalised for fast filtering."""
    scenario_domain: str
    """Scenario domain, denormalised."""
    status: Literal["complete", "error"]
    """`complete` when the dialogue ended by a stop condition, `error` when infrastructure failed."""
    stop_reason: str
    """accepted, gave_up, assistant_declined, answered, user_done, max_turns, or error."""
    error: str | None = None
    """For `error`: the exception type and message (never an API key)."""
    turns: list[TurnRecord]
    """Every message in order."""
    labeller: str
    """Name@version of the live labeller."""
    outcome: ScoredOutcome | None = None
    """The outcome under the live labeller's labels."""
    started_at: datetime
    """When the first call started (UTC)."""
    finished_at: datetime
    """When the conversation ended (UTC)."""

    @property
    def n_turns(self) -> int:
        """Assistant turns: what `--max-turns` bounds."""
        return sum(1 for t in self.turns if t.role == "assistant")
