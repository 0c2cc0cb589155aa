"""Fixtures shared across the suite: scenarios, a fake assistant, a temporary store."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The corpora and data sets live outside the repository (their licences keep their text out of
# it); the suite reads them from the shared folder beside the clone unless told otherwise.
os.environ.setdefault("GROUNDSIM_SHARED_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))

from scenarios import Scenario
from user_agents import Completion

PORTLAND = {
    "id": "test-portland",
    "domain": "travel",
    "kind": "ambiguous",
    "opening": "What's a good neighborhood to stay in for a weekend in Portland?",
    "hidden_intent": "Portland, Maine, with a dog; the Old Port fits.",
    "facts": [
        {"id": "city", "text": "I mean Portland, Maine.", "key_phrase": "Maine", "asked_by": ["which portland", "oregon", "maine", "which city", "what state"]},
        {"id": "dog", "text": "I'm bringing my dog.", "key_phrase": "dog", "asked_by": ["pet", "dog", "travelling with", "traveling with"]},
        {"id": "budget", "text": "About $150 a night.", "key_phrase": "$150", "asked_by": ["budget", "how much", "price range", "spend"]},
    ],
    "expected": "clarify",
    "answer_check": {"type": "contains_all", "values": [["Old Port", "West End"]], "exclude": ["Pearl District"], "depends_on": ["city", "dog", "budget"]},
}


@pytest.fixture
def portland() -> Scenario:
    return Scenario.model_validate(PORTLAND)


@pytest.fixture
def make_scenario() -> Callable[..., Scenario]:
    def make(**overrides: object) -> Scenario:
        return Scenario.model_validate({**PORTLAND, **overrides})

    return make


class ScriptedChat:
    """A fake assistant: replies from a list (cycling on the last), or from a function."""

    def __init__(self, replies: list[str] | Callable[[list[dict[str, str]]], str]) -> None:
        self.replies = replies
        self.calls: list[dict[str, object]] = []

    async def complete(self, model: str, messages: list[dict[str, str]], **params: object) -> Completion:
        self.calls.append({"model": model, "messages": messages, **params})
        if callable(self.replies):
            text = self.replies(messages)
        else:
            n = sum(1 for c in self.calls if c["model"] == model) - 1
            text = self.replies[min(n, len(self.replies) - 1)]
        return Completion(text=text, prompt_tokens=10, completion_tokens=5, cost_usd=0.001, latency_ms=1.0)


@pytest.fixture
def scripted_chat() -> type[ScriptedChat]:
    return ScriptedChat


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "results.duckdb"
