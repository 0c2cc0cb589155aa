"""The fake server's settings, its replies and its deterministic choice of faults and latency."""

from __future__ import annotations

import hashlib
import json
import math
import random
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

FaultKind = Literal["rate_limit", "server_error", "unavailable", "hang", "drop", "malformed_json", "empty_content"]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)

HOST = "127.0.0.1"
_TRANSPORT_SCOPE_KEY = "groundsim.transport"
_MAX_REMEMBERED_REQUESTS = 200_000

# Our own wording, one per stance the labellers distinguish, so a dry run produces a mix of
# clarifications, answers, refusals and abstentions.
DEFAULT_REPLIES: tuple[str, ...] = (
    "Before I answer, could you tell me a bit more about what you need? For example, your budget and your dates.",
    "Just to check I understood: do you want the quickest option or the cheapest one?",
    "Here is a straightforward answer: start with the simplest option, compare two or three alternatives, "
    "and pick the one that fits your constraints best.",
    "Sure. The short answer is yes, and the main thing to watch is the deadline.",
    "Assuming you mean the standard version, the answer is the second option; tell me if you meant something else.",
    "I'm sorry, but I can't help with that request.",
    "I don't know. Nobody can know that with certainty from the information available.",
    "Thanks, got it. The best choice here is the first option, for the reasons you gave.",
)


class FakeServerConfig(BaseModel):
    """How the fake server behaves. Every field has a default that gives a fast, fault-free server."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    seed: int = 0
    """Seed of every deterministic choice (reply, latency draw, fault); change it to get another reproducible run."""
    model_names: list[str] = Field(default_factory=lambda: ["fake"], min_length=1)
    """Model ids listed by GET /v1/models. Chat requests for any model id are answered."""
    latency_ms: float = Field(default=0.0, ge=0)
    """Delay before each response: the mean with uniform jitter, the median with a lognormal sigma, else fixed."""
    latency_jitter_ms: float = Field(default=0.0, ge=0)
    """Half-width of a uniform spread around `latency_ms` (clipped at zero). 0 means no spread."""
    latency_sigma: float = Field(default=0.0, ge=0)
    """If > 0, the delay is lognormal with median `latency_ms` and this sigma of its log: a long tail like real APIs."""
    replies: list[str] | None = Field(default=None, min_length=1)
    """Replies to choose from (by a hash of the seed and the last user message); None uses DEFAULT_REPLIES."""
    fault_rate: float = Field(default=0.0, ge=0, le=1)
    """Total probability that a request faults, spread evenly over `fault_kinds`. Exclusive with `fault_rates`."""
    fault_kinds: list[FaultKind] = Field(default_factory=lambda: list(FAULT_KINDS), min_length=1)
    """The fault kinds `fault_rate` is spread over."""
    fault_rates: dict[FaultKind, float] = Field(default_factory=dict)
    """Probability of each fault kind on its own (sum at most 1). Exclusive with `fault_rate`."""
    retry_after_s: int = Field(default=1, ge=0)
    """Value of the Retry-After header sent with a 429."""
    hang_s: float = Field(default=600.0, gt=0)
    """How long a `hang` fault waits before answering (less if the client gives up). Set it past the client timeout."""

    @model_validator(mode="after")
    def _rates_make_sense(self) -> FakeServerConfig:
        if self.fault_rate > 0 and self.fault_rates:
            raise ValueError("give either fault_rate (spread over fault_kinds) or fault_rates (one per kind), not both")
        if any(not 0 <= rate <= 1 for rate in self.fault_rates.values()):
            raise ValueError("every entry of fault_rates must be between 0 and 1")
        if sum(self.fault_rates.values()) > 1 + 1e-9:
            raise ValueError(f"fault_rates sum to {sum(self.fault_rates.values()):.3f}; the total must be at most 1")
        if len(set(self.fault_kinds)) != len(self.fault_kinds):
            raise ValueError("fault_kinds has duplicates")
        if self.latency_jitter_ms > 0 and self.latency_sigma > 0:
            raise ValueError("give either latency_jitter_ms (uniform) or latency_sigma (lognormal), not both")
        return self

    def effective_fault_rates(self) -> dict[FaultKind, float]:
        """Probability of each fault kind, in the fixed order of FAULT_KINDS (kinds at 0 left out)."""
        spread = {kind: self.fault_rate / len(self.fault_kinds) for kind in self.fault_kinds}
        rates = self.fault_rates or spread
        return {kind: rates[kind] for kind in FAULT_KINDS if rates.get(kind, 0) > 0}


def load_replies(path: str | Path) -> list[str]:
    """Read scripted replies from a YAML or JSON file holding a list of strings."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list) or not data or not all(isinstance(item, str) and item for item in data):
        raise ValueError(f"{path}: expected a non-empty list of non-empty strings (the replies)")
    return data


# ---- deterministic choices ------------------------------------------------------------------


def _unit_hash(*parts: object) -> float:
    """A float in [0, 1) that depends only on `parts`: the source of every 'random' choice here."""
    digest = hashlib.blake2b("\x1f".join(str(part) for part in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _text_of(content: Any) -> str:
    """Message content as text: a string, or the text parts of an OpenAI content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def request_fingerprint(model: str, messages: list[dict[str, Any]]) -> str:
    """Identity of a request for fault decisions: the same model and messages give the same fingerprint."""
    canonical = json.dumps([model, messages], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


def choose_fault(config: FakeServerConfig, fingerprint: str, attempt: int) -> FaultKind | None:
    """The fault served to the `attempt`-th sighting (0-based) of a request, or None for a normal reply."""
    draw = _unit_hash(config.seed, fingerprint, attempt, "fault")
    cumulative = 0.0
    for kind, rate in config.effective_fault_rates().items():
        cumulative += rate
        if draw < cumulative:
            return kind
    return None


def choose_latency_s(config: FakeServerConfig, fingerprint: str, attempt: int) -> float:
    """The delay before answering, drawn reproducibly from the request and attempt."""
    if config.latency_ms <= 0:
        return 0.0
    rng = random.Random(_unit_hash(config.seed, fingerprint, attempt, "latency"))
    if config.latency_sigma > 0:
        return config.latency_ms * math.exp(config.latency_sigma * rng.gauss(0.0, 1.0)) / 1000
    if config.latency_jitter_ms > 0:
        return max(0.0, config.latency_ms + rng.uniform(-config.latency_jitter_ms, config.latency_jitter_ms)) / 1000
    return config.latency_ms / 1000


def scripted_reply(config: FakeServerConfig, messages: list[dict[str, Any]]) -> str:
    """The reply to `messages`: chosen by a hash of the seed and the last user message, nothing else."""
    last_user = next((_text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    replies = config.replies or DEFAULT_REPLIES
    return replies[int(_unit_hash(config.seed, last_user, "reply") * len(replies))]


def _approx_tokens(text: str) -> int:
    """About four characters per token, the usual rule of thumb for English."""
    return math.ceil(len(text) / 4)

