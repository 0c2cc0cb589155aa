"""Model calls through litellm. The only module that imports litellm (lazily: the import costs seconds).

One job: turn a `ChatModel.complete` call into litellm calls, with retries, timeouts, cost
and the local provider, plus the checks that a model id can work (`validate_model_id`,
`preflight`). The errors, the failure classifier, the call tally and the executor live in
their own modules (`_errors`, `_tally`, `_preparation`); their names are importable from
here too, as before.

`LITELLM_LOCAL_MODEL_COST_MAP=True` is set before the import so litellm never fetches its
price map from the network. The embedded `local/*` models are registered as a litellm
custom provider, so every model, local or remote, goes through one code path.
"""

from __future__ import annotations

import asyncio
import os
import time
from contextvars import ContextVar
from functools import cache
from typing import Any

from simulator.models._errors import (
    EMPTY_REPLY,
    FAILURE_CAUSES,
    RETRYABLE_CAUSES,
    ModelCallError,
    ModelConfigError,
    classify_failure,
    failure_cause,
    scrub_secrets,
)
from simulator.models._local_model import LOCAL_MODELS, LocalModel, LocalModelError
from simulator.models._preparation import INLINE_PREPARATION_PROVIDERS, RequestPreparationExecutor, install_request_preparation_executor
from simulator.models._tally import CallTally, count_call, count_calls_into, failed_attempts, note_failed_attempt
from user_agents import Completion

# Names defined in _errors, _tally and _preparation stay importable from here (the engine does).
__all__ = [
    "EMPTY_REPLY",
    "FAILURE_CAUSES",
    "INLINE_PREPARATION_PROVIDERS",
    "LOCAL_PROVIDER",
    "RETRYABLE_CAUSES",
    "CallTally",
    "LiteLLMChat",
    "ModelCallError",
    "ModelConfigError",
    "RequestPreparationExecutor",
    "count_calls_into",
    "failure_cause",
    "install_request_preparation_executor",
    "is_local",
    "litellm_module",
    "preflight",
    "scrub_secrets",
    "validate_model_id",
]

LOCAL_PROVIDER = "local"
_REJECT_EMPTY: ContextVar[bool] = ContextVar("groundsim_reject_empty", default=False)


def _reject_empty_reply(text: str) -> bool | dict[str, Any]:
    """A litellm post-call rule: inside `LiteLLMChat.complete`, an empty reply is a failed attempt
    (litellm raises, and the retry router retries it) rather than an empty assistant turn."""
    if _REJECT_EMPTY.get() and not text.strip():
        return {"decision": False, "message": EMPTY_REPLY}
    return True


def _attempt_observer_class() -> type:
    from litellm.integrations.custom_logger import CustomLogger

    class AttemptObserver(CustomLogger):
        """Records the cause of every failed attempt of the call in progress (litellm awaits this
        hook inline, once per attempt, before it retries or raises)."""

        async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            note_failed_attempt(kwargs.get("exception"))

    return AttemptObserver


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
    observer = _attempt_observer_class()
    litellm.callbacks = [*[c for c in litellm.callbacks if type(c).__name__ != observer.__name__], observer()]
    litellm.post_call_rules = [*[r for r in litellm.post_call_rules if r is not _reject_empty_reply], _reject_empty_reply]
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


class LiteLLMChat:
    """The one `ChatModel` implementation: litellm with retries, timeouts and cost.

    Retries: the first attempt is a plain `litellm.acompletion` with `num_retries=0` (which also
    turns off the OpenAI SDK's own hidden retries). If it fails for a transient reason, a litellm
    `Router` retries it: it backs off (honouring Retry-After) and runs litellm's failure hook on
    every attempt, so each failed attempt is counted by cause (`tally`, and the conversation's
    tally when the runner set one). `litellm.acompletion(num_retries=N)` cannot be observed like
    that: its failure hook fires for the first attempt only, and it passes N to the SDK too, which
    retries invisibly first. The happy path never pays for the Router.

    An empty reply from a remote model is a failed attempt (cause `empty`), retried like the others;
    if every attempt is empty the call fails. The in-process local model's empty output is kept.
    """

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
        self.tally = CallTally()
        """Every call this instance made, with retries and failures by cause."""
        self._router: Any = None

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
        allow_empty: bool = False,
    ) -> Completion:
        litellm = litellm_module()
        kwargs: dict[str, Any] = {
            **self.extra_params,
            "model": model,
            "messages": messages,
            "timeout": timeout_s or self.timeout_s,
            "num_retries": 0,  # one attempt; retries go through the router (see the class docstring)
        }
        retries = self.num_retries if num_retries is None else num_retries
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
        remote = not is_local(model)
        empty_token = _REJECT_EMPTY.set(remote and not allow_empty)
        started = time.perf_counter()
        with failed_attempts() as failed:
            try:
                try:
                    response = await litellm.acompletion(**kwargs)
                except Exception as first:
                    if not remote or retries <= 0 or classify_failure(first).cause not in RETRYABLE_CAUSES:
                        raise
                    await asyncio.sleep(_retry_delay_s(litellm, first, retries))
                    response = await self._retry_router(litellm).acompletion(**{**kwargs, "num_retries": retries - 1})
                choice = response.choices[0]
                text = (choice.message.content or "") if choice.message else ""
                if remote and not allow_empty and not text.strip():  # null content: the post-call rule never saw it
                    raise ModelCallError(model, f"{EMPTY_REPLY} (finish_reason={choice.finish_reason})", kind="empty")
            except Exception as exc:
                failure = classify_failure(exc)
                count_call(self.tally, failed, failure.cause)
                if isinstance(exc, ModelCallError):
                    raise
                raise ModelCallError(model, f"{type(exc).__name__}: {exc}", kind=failure.kind) from exc
            finally:
                _REJECT_EMPTY.reset(empty_token)
        count_call(self.tally, failed, None)
        latency_ms = (time.perf_counter() - started) * 1000
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

    def _retry_router(self, litellm: Any) -> Any:
        """A litellm Router that accepts any model id; built on the first retry only."""
        if self._router is None:
            self._router = litellm.Router(model_list=[{"model_name": "*", "litellm_params": {"model": "*"}}], disable_cooldowns=True)
        return self._router


def _retry_delay_s(litellm: Any, exc: Exception, retries: int) -> float:
    """litellm's backoff before the first retry: the server's Retry-After if any, else its exponential start."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    try:
        return float(litellm.utils._calculate_retry_after(remaining_retries=retries, max_retries=retries, response_headers=headers))
    except Exception:  # a litellm without the helper: its documented starting delay
        return 0.5


async def preflight(chat: LiteLLMChat, models: list[str]) -> None:
    """One tiny call per model: a wrong id, key or server fails here, before anything is stored."""
    for model in models:
        try:
            await chat.complete(model, [{"role": "user", "content": "Say OK."}], max_tokens=2, num_retries=0, timeout_s=min(chat.timeout_s, 30.0), allow_empty=True)
        except ModelCallError as exc:
            hint = ""
            if exc.kind in ("apiconnection", "timeout"):
                hint = f" (is the server at {chat.api_base or 'the provider'} reachable?)"
            elif exc.kind == "authentication":
                hint = " (set the provider's API key in the environment)"
            elif exc.kind in ("notfound", "badrequest"):
                hint = " (check the model id)"
            raise ModelConfigError(f"model {model!r} is not usable{hint}: {exc.reason}") from exc
