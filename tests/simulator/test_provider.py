"""The litellm module: ids, mock responses, local provider registration, secrets."""

from __future__ import annotations

import pytest

from simulator import LiteLLMChat, ModelCallError, ModelConfigError, scrub_secrets, validate_model_id


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
