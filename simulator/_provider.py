"""Model calls. The only module that imports litellm (lazily: the import costs seconds).

`LITELLM_LOCAL_MODEL_COST_MAP=True` is set before the import so litellm never fetches its
price map from the network. The embedded `local/*` models are registered as a litellm
custom provider, so every model, local or remote, goes through one code path.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from functools import cache
from typing import Any

from scenarios import GroundsimError
from simulator._local_model import LOCAL_MODELS, LocalModel, LocalModelError
from user_agents import Completion

LOCAL_PROVIDER = "local"
_SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)$")


class ModelCallError(GroundsimError):
    """A model call failed after litellm's retries."""

    def __init__(self, model: str, reason: str, *, kind: str = "error") -> None:
        self.model = model
        self.kind = kind
        self.reason = scrub_secrets(reason)
        super().__init__(f"{model}: {self.reason}")


class ModelConfigError(GroundsimError):
    """A model id or server that cannot work, found before the run starts."""


def scrub_secrets(text: str) -> str:
    """Remove the values of secret-looking environment variables from `text`."""
    for name, value in os.environ.items():
        if value and len(value) >= 8 and _SECRET_ENV.search(name.upper()) and value in text:
            text = text.replace(value, "[redacted]")
    return text


def _local_handler_class(litellm: Any) -> type:
    from litellm import CustomLLM
    from litellm.types.utils import ModelResponse

    class LocalHandler(CustomLLM):
        """Runs `local/NAME` in-process in a worker thread."""

        def _call(self, model: str, messages: list, optional_params: dict) -> ModelResponse:
            name = model.split("/", 1)[-1]
            try:
                local = LocalModel.get(name)
            except LocalModelError as exc:
                raise litellm.exceptions.BadRequestError(str(exc), model=model, llm_provider=LOCAL_PROVIDER) from exc
            fmt = optional_params.get("response_format")
            raw = local.chat(
                messages,
                temperature=optional_params.get("temperature", 0.7),
                max_tokens=optional_params.get("max_tokens") or 512,
                seed=optional_params.get("seed"),
                response_format=fmt,
            )
            response = ModelResponse(**raw)
            response.model = f"{LOCAL_PROVIDER}/{name}"
            return response

        def completion(self, model: str, messages: list, api_base: str, custom_prompt_dict: dict, model_response: Any,
                       print_verbose: Any, encoding: Any, api_key: Any, logging_obj: Any, optional_params: dict,
                       *args: Any, **kwargs: Any) -> ModelResponse:
            return self._call(model, messages, optional_params)

        async def acompletion(self, model: str, messages: list, api_base: str, custom_prompt_dict: dict,
                              model_response: Any, print_verbose: Any, encoding: Any, api_key: Any, logging_obj: Any,
                              optional_params: dict, *args: Any, **kwargs: Any) -> ModelResponse:
            return await asyncio.to_thread(self._call, model, messages, optional_params)

    return LocalHandler


@cache
def litellm_module() -> Any:
    """Import litellm offline-safe and register the local provider (once per process)."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    os.environ.setdefault("LITELLM_LOG", "ERROR")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    litellm.drop_params = True
    handler = _local_handler_class(litellm)()
    litellm.custom_provider_map = [
        *[p for p in litellm.custom_provider_map if p.get("provider") != LOCAL_PROVIDER],
        {"provider": LOCAL_PROVIDER, "custom_handler": handler},
    ]
    from litellm.utils import custom_llm_setup

    custom_llm_setup()
    return litellm


def is_local(model: str) -> bool:
    return model.split("/", 1)[0] == LOCAL_PROVIDER


def validate_model_id(model: str) -> str:
    """Reject ids litellm cannot route, before anything is stored."""
    if is_local(model):
        name = model.split("/", 1)[1] if "/" in model else ""
        if name not in LOCAL_MODELS:
            raise ModelConfigError(
                f"unknown local model {model!r}; available: {', '.join(LOCAL_PROVIDER + '/' + n for n in LOCAL_MODELS)}"
            )
        return model
    litellm = litellm_module()
    try:
        litellm.get_llm_provider(model)
    except Exception as exc:  # litellm raises BadRequestError with a long hint
        raise ModelConfigError(
            f"unknown model id {model!r}: litellm cannot tell its provider. Use provider/model, "
            f"e.g. openai/gpt-4o-mini, anthropic/claude-3-5-haiku-latest, or local/smollm2"
        ) from exc
    return model


def _error_kind(exc: Exception) -> str:
    name = type(exc).__name__
    text = str(exc).lower()
    if "connection error" in text or "connection refused" in text or "connecterror" in text:
        return "apiconnection"  # litellm reports a refused connection as InternalServerError
    for kind in ("RateLimit", "Timeout", "APIConnection", "Authentication", "NotFound", "BadRequest", "ServiceUnavailable", "InternalServer"):
        if kind in name:
            return kind.lower()
    return name


class LiteLLMChat:
    """The one `ChatModel` implementation: litellm with retries, timeouts and cost."""

    def __init__(
        self,
        *,
        api_base: str | None = None,
        timeout_s: float = 120.0,
        num_retries: int = 3,
        extra_params: dict[str, Any] | None = None,
    ) -> None:
        self.api_base = api_base
        self.timeout_s = timeout_s
        self.num_retries = num_retries
        self.extra_params = dict(extra_params or {})
        """Passed to every litellm call (e.g. top_p, or mock_response in tests)."""

    async def complete(
        self,
        model: str,
        messages: list[dict[str, str]],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
        response_format: dict[str, Any] | None = None,
        num_retries: int | None = None,
        timeout_s: float | None = None,
    ) -> Completion:
        litellm = litellm_module()
        kwargs: dict[str, Any] = {
            **self.extra_params,
            "model": model,
            "messages": messages,
            "timeout": timeout_s or self.timeout_s,
            "num_retries": self.num_retries if num_retries is None else num_retries,
        }
        if temperature is not None:
            kwargs["temperature"] = temperature
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        if seed is not None:
            kwargs["seed"] = seed
        if response_format is not None:
            # Remote APIs take json_object without a schema; the local model turns the schema
            # into a grammar, which guarantees parseable output.
            kwargs["response_format"] = response_format if is_local(model) else {"type": "json_object"}
        if self.api_base and not is_local(model):
            kwargs["api_base"] = self.api_base
            if model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
                kwargs["api_key"] = "not-needed"
        started = time.perf_counter()
        try:
            response = await litellm.acompletion(**kwargs)
        except Exception as exc:
            raise ModelCallError(model, f"{type(exc).__name__}: {exc}", kind=_error_kind(exc)) from exc
        latency_ms = (time.perf_counter() - started) * 1000
        choice = response.choices[0]
        text = (choice.message.content or "") if choice.message else ""
        usage = getattr(response, "usage", None)
        cost = None
        hidden = getattr(response, "_hidden_params", {}) or {}
        if is_local(model):
            cost = 0.0
        elif hidden.get("response_cost") is not None:
            cost = float(hidden["response_cost"])
        return Completion(
            text=text,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            cost_usd=cost,
            latency_ms=latency_ms,
        )


async def preflight(chat: LiteLLMChat, models: list[str]) -> None:
    """One tiny call per model: a wrong id, key or server fails here, before anything is stored."""
    for model in models:
        try:
            await chat.complete(model, [{"role": "user", "content": "Say OK."}], max_tokens=2, num_retries=0, timeout_s=min(chat.timeout_s, 30.0))
        except ModelCallError as exc:
            hint = ""
            if exc.kind in ("apiconnection", "timeout"):
                hint = f" (is the server at {chat.api_base or 'the provider'} reachable?)"
            elif exc.kind == "authentication":
                hint = " (set the provider's API key in the environment)"
            elif exc.kind in ("notfound", "badrequest"):
                hint = " (check the model id)"
            raise ModelConfigError(f"model {model!r} is not usable{hint}: {exc.reason}") from exc
