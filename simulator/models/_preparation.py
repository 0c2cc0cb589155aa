"""The event loop's default executor: litellm's request preparation runs on the loop thread.

A performance measure only, kept apart from the model calls it speeds up: it recognises
litellm's preparation step by its shape (a `functools.partial` of `litellm.main.completion`)
without importing litellm, and every other submission goes to worker threads as usual.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

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
