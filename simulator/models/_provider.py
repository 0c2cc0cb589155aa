"""Model calls. The only module that imports litellm (lazily: the import costs seconds).

`LITELLM_LOCAL_MODEL_COST_MAP=True` is set before the import so litellm never fetches its
price map from the network. The embedded `local/*` models are registered as a litellm
custom provider, so every model, local or remote, goes through one code path.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from scenarios import GroundsimError
from simulator.models._local_model import LOCAL_MODELS, LocalModel, LocalModelError
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


#: Why a model call attempt failed. The first six are transient and retried; the last two are not.
RETRYABLE_CAUSES = ("rate_limit", "timeout", "server_error", "connection", "malformed", "empty")
FAILURE_CAUSES = (*RETRYABLE_CAUSES, "client_error", "other")
EMPTY_REPLY = "empty reply: the model returned no text"


@dataclass
class CallTally:
    """Model calls and their failed attempts, for one conversation or one whole run."""

    calls: int = 0
    """Calls made (each may have taken several attempts)."""
    retries: Counter[str] = field(default_factory=Counter)
    """Failed attempts that were retried, by cause (RETRYABLE_CAUSES)."""
    failures: Counter[str] = field(default_factory=Counter)
    """Calls that still failed after their retries, by the cause of the last attempt (FAILURE_CAUSES)."""

    def add(self, other: CallTally) -> None:
        self.calls += other.calls
        self.retries.update(other.retries)
        self.failures.update(other.failures)


# Per asyncio task (each conversation runs in its own task, so each gets its own value).
_CONVERSATION_TALLY: ContextVar[CallTally | None] = ContextVar("groundsim_conversation_tally", default=None)
_FAILED_ATTEMPTS: ContextVar[list[str] | None] = ContextVar("groundsim_failed_attempts", default=None)
_REJECT_EMPTY: ContextVar[bool] = ContextVar("groundsim_reject_empty", default=False)


def count_calls_into(tally: CallTally) -> None:
    """Count the model calls the current asyncio task makes from now on into `tally` (the runner
    gives each conversation its own)."""
    _CONVERSATION_TALLY.set(tally)


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(found) < 10:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def failure_cause(exc: BaseException) -> str:
    """Classify a failed attempt from litellm's exception and what it wraps (one of FAILURE_CAUSES)."""
    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    if EMPTY_REPLY in str(exc):
        return "empty"
    if any(isinstance(e, json.JSONDecodeError) for e in chain):  # a 200 whose body is not JSON
        return "malformed"
    if names & {"Timeout", "APITimeoutError", "ReadTimeout", "ConnectTimeout", "WriteTimeout", "PoolTimeout",
                "TimeoutException", "SocketTimeoutError", "TimeoutError"}:
        return "timeout"
    if names & {"APIConnectionError", "ConnectError", "ReadError", "RemoteProtocolError", "ServerDisconnectedError",
                "ClientConnectionError", "ConnectionError", "ConnectionResetError", "ConnectionRefusedError"}:
        return "connection"
    status = getattr(exc, "status_code", None)
    if "RateLimitError" in names or status == 429:
        return "rate_limit"
    if (isinstance(status, int) and status >= 500) or names & {"InternalServerError", "ServiceUnavailableError"}:
        return "server_error"
    if isinstance(status, int) and 400 <= status < 500:
        return "client_error"
    return "other"


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
            failed = _FAILED_ATTEMPTS.get()
            if failed is not None:
                exc = kwargs.get("exception")
                failed.append(failure_cause(exc) if isinstance(exc, BaseException) else "other")

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


#: Providers litellm serves with async HTTP clients: for these, the synchronous `completion()` that
#: `litellm.acompletion` runs first only maps parameters and returns the coroutine that does the I/O.
INLINE_PREPARATION_PROVIDERS = frozenset({
    "openai", "azure", "anthropic", "gemini", "vertex_ai", "mistral", "groq", "together_ai", "deepseek",
    "fireworks_ai", "openrouter", "hosted_vllm", "xai", "ollama_chat", "lm_studio",
})


def _litellm_preparation_provider(fn: Callable[..., Any]) -> str | None:
    """The provider prefix if `fn` is the `ctx.run(completion(..., acompletion=True))` partial that
    `litellm.acompletion` hands to the loop's executor; None for anything else."""
    if not isinstance(fn, partial) or len(fn.args) != 1 or fn.keywords:
        return None
    inner = fn.args[0]
    if not isinstance(inner, partial) or inner.keywords.get("acompletion") is not True:
        return None
    function = inner.func
    if getattr(function, "__name__", "") != "completion" or getattr(function, "__module__", "") != "litellm.main":
        return None
    model = inner.keywords.get("model")
    return model.split("/", 1)[0] if isinstance(model, str) and "/" in model else None


class RequestPreparationExecutor(ThreadPoolExecutor):
    """An event loop default executor that runs litellm's request preparation on the loop thread.

    `litellm.acompletion` first runs its synchronous `completion()` (parameter mapping, client
    lookup: 1-2 ms of CPU, no I/O for the providers in INLINE_PREPARATION_PROVIDERS) in the loop's
    default executor. With dozens of calls in flight those thread hand-offs fight the event loop for
    the GIL, and every response waiting to be read waits longer: at 50 conversations in flight
    against a 1 s model this cost about 5 points of concurrency efficiency and ~1.5 ms of CPU per
    call (BENCHMARKS.md). Everything else submitted here (`asyncio.to_thread`, the local model,
    other providers, whose `completion()` may block) still runs in worker threads.
    """

    def __init__(self, max_workers: int | None = None) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="groundsim")
        self.inline_calls = 0
        """Preparations run on the loop thread (tests check the fast path is really taken)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if args or kwargs or _litellm_preparation_provider(fn) not in INLINE_PREPARATION_PROVIDERS:
            return super().submit(fn, *args, **kwargs)
        self.inline_calls += 1
        future: Future[Any] = Future()
        try:
            future.set_result(fn())
        except BaseException as exc:  # delivered to the awaiting task exactly as a thread would
            future.set_exception(exc)
        return future


def install_request_preparation_executor(loop: asyncio.AbstractEventLoop) -> RequestPreparationExecutor:
    """Make RequestPreparationExecutor the default executor of `loop` (the runner does this per run)."""
    executor = RequestPreparationExecutor()
    loop.set_default_executor(executor)
    return executor


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
    if EMPTY_REPLY in str(exc):
        return "empty"
    name = type(exc).__name__
    text = str(exc).lower()
    if "connection error" in text or "connection refused" in text or "connecterror" in text:
        return "apiconnection"  # litellm reports a refused connection as InternalServerError
    for kind in ("RateLimit", "Timeout", "APIConnection", "Authentication", "NotFound", "BadRequest", "ServiceUnavailable", "InternalServer"):
        if kind in name:
            return kind.lower()
    return name


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
        failed: list[str] = []
        failed_token = _FAILED_ATTEMPTS.set(failed)
        empty_token = _REJECT_EMPTY.set(remote and not allow_empty)
        started = time.perf_counter()
        try:
            try:
                response = await litellm.acompletion(**kwargs)
            except Exception as first:
                if not remote or retries <= 0 or failure_cause(first) not in RETRYABLE_CAUSES:
                    raise
                await asyncio.sleep(_retry_delay_s(litellm, first, retries))
                response = await self._retry_router(litellm).acompletion(**{**kwargs, "num_retries": retries - 1})
            choice = response.choices[0]
            text = (choice.message.content or "") if choice.message else ""
            if remote and not allow_empty and not text.strip():  # null content: the post-call rule never saw it
                raise ModelCallError(model, f"{EMPTY_REPLY} (finish_reason={choice.finish_reason})", kind="empty")
        except Exception as exc:
            self._count(failed, exc)
            if isinstance(exc, ModelCallError):
                raise
            raise ModelCallError(model, f"{type(exc).__name__}: {exc}", kind=_error_kind(exc)) from exc
        finally:
            _FAILED_ATTEMPTS.reset(failed_token)
            _REJECT_EMPTY.reset(empty_token)
        self._count(failed, None)
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

    def _count(self, failed: list[str], final: Exception | None) -> None:
        """Add one call to this instance's tally and to the conversation's, if the runner set one."""
        call = CallTally(calls=1, retries=Counter(failed))
        if final is not None:
            cause = "empty" if isinstance(final, ModelCallError) and final.kind == "empty" else failure_cause(final)
            if call.retries[cause] > 0:
                call.retries[cause] -= 1  # the last failed attempt is the call's failure, not a retry
            call.failures[cause] += 1
        call.retries = +call.retries  # drop zero counts
        self.tally.add(call)
        conversation = _CONVERSATION_TALLY.get()
        if conversation is not None:
            conversation.add(call)

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
