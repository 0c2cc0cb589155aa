"""The litellm module: ids, mock responses, local provider registration, secrets."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from functools import partial

import pytest

from simulator import LiteLLMChat, ModelCallError, ModelConfigError, scrub_secrets, validate_model_id
from simulator.models._preparation import (
    RequestPreparationExecutor,
    _litellm_preparation_provider,
    install_request_preparation_executor,
)


def test_unknown_provider_is_refused_before_any_call() -> None:
    with pytest.raises(ModelConfigError, match="unknown model id 'nosuchprovider/model'"):
        validate_model_id("nosuchprovider/model")


def test_unknown_local_model_is_refused() -> None:
    with pytest.raises(ModelConfigError, match=r"unknown local model 'local/nope'.*local/smollm2"):
        validate_model_id("local/nope")


def test_known_ids_pass() -> None:
    assert validate_model_id("openai/gpt-4o-mini") == "openai/gpt-4o-mini"
    assert validate_model_id("local/smollm2") == "local/smollm2"


async def test_mock_response_flows_through_litellm_with_usage() -> None:
    chat = LiteLLMChat(extra_params={"mock_response": "Which Portland do you mean?"})
    completion = await chat.complete("openai/gpt-4o-mini", [{"role": "user", "content": "Where to stay in Portland?"}], temperature=0.0, seed=3)
    assert completion.text == "Which Portland do you mean?"
    assert completion.completion_tokens and completion.completion_tokens > 0
    assert completion.latency_ms >= 0


async def test_provider_errors_become_model_call_errors_without_secrets(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-value-123456")
    chat = LiteLLMChat(num_retries=0, extra_params={"mock_response": Exception("boom sk-test-secret-value-123456")})
    with pytest.raises(ModelCallError) as info:
        await chat.complete("openai/gpt-4o-mini", [{"role": "user", "content": "hi"}])
    assert "sk-test-secret-value-123456" not in str(info.value)
    assert "[redacted]" in str(info.value)


def test_scrub_secrets_only_touches_secret_variables(monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "abcdefghijkl")
    monkeypatch.setenv("HOME_DIR_NAME", "abcdefghijkl-not-secret")
    assert scrub_secrets("key=abcdefghijkl") == "key=[redacted]"


@pytest.fixture
async def preparation_executor() -> RequestPreparationExecutor:
    """The runner's default executor, installed on the test's event loop."""
    return install_request_preparation_executor(asyncio.get_running_loop())


async def test_litellm_request_preparation_runs_on_the_loop_thread(preparation_executor) -> None:
    chat = LiteLLMChat(extra_params={"mock_response": "Which Portland do you mean?"})
    completion = await chat.complete("openai/gpt-4o-mini", [{"role": "user", "content": "Where to stay?"}])
    assert completion.text == "Which Portland do you mean?"
    assert preparation_executor.inline_calls == 1


async def test_an_error_in_inline_preparation_reaches_the_caller(preparation_executor) -> None:
    chat = LiteLLMChat(num_retries=0, extra_params={"mock_response": Exception("boom")})
    with pytest.raises(ModelCallError, match="boom"):
        await chat.complete("openai/gpt-4o-mini", [{"role": "user", "content": "hi"}])
    assert preparation_executor.inline_calls == 1


async def test_other_providers_and_to_thread_still_use_worker_threads(preparation_executor) -> None:
    chat = LiteLLMChat(extra_params={"mock_response": "ok"})
    completion = await chat.complete("cohere/command-r", [{"role": "user", "content": "hi"}])
    assert completion.text == "ok"
    worker = await asyncio.to_thread(threading.get_ident)
    assert worker != threading.get_ident()
    assert preparation_executor.inline_calls == 0


def test_only_litellm_completion_partials_are_recognised() -> None:
    def completion(**kwargs: object) -> None:  # same name, wrong module
        return None

    ctx = contextvars.copy_context()
    assert _litellm_preparation_provider(partial(ctx.run, partial(completion, model="openai/x", acompletion=True))) is None
    assert _litellm_preparation_provider(partial(print, "x")) is None
    assert _litellm_preparation_provider(print) is None
