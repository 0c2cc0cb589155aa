"""Counting model calls: how many were made, and which attempts failed, by cause.

A call's retries happen inside litellm, out of the caller's sight, so the count is kept
per asyncio task in context variables: litellm's failure hook notes each failed attempt
of the call in progress, and the finished call is added to the chat's own tally and to
the conversation's (the runner gives each conversation one). The store adds a batch's
tally to `run_stats` in the same transaction as its conversations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from simulator.models._errors import failure_cause


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


def count_calls_into(tally: CallTally) -> None:
    """Count the model calls the current asyncio task makes from now on into `tally` (the runner
    gives each conversation its own)."""
    _CONVERSATION_TALLY.set(tally)


@contextmanager
def failed_attempts() -> Iterator[list[str]]:
    """Collect the causes of the failed attempts of one call (made inside the `with`)."""
    failed: list[str] = []
    token = _FAILED_ATTEMPTS.set(failed)
    try:
        yield failed
    finally:
        _FAILED_ATTEMPTS.reset(token)


def note_failed_attempt(exc: object) -> None:
    """Record the cause of one failed attempt of the call in progress, if a call is collecting them."""
    failed = _FAILED_ATTEMPTS.get()
    if failed is not None:
        failed.append(failure_cause(exc) if isinstance(exc, BaseException) else "other")


def count_call(tally: CallTally, failed: list[str], final_cause: str | None) -> None:
    """Add one call to `tally` and to the conversation's, if the runner set one.

    `failed` are the causes of its failed attempts; `final_cause` is the cause of the call's
    failure (its last failed attempt, which is then not counted as a retry), or None if it succeeded.
    """
    call = CallTally(calls=1, retries=Counter(failed))
    if final_cause is not None:
        if call.retries[final_cause] > 0:
            call.retries[final_cause] -= 1  # the last failed attempt is the call's failure, not a retry
        call.failures[final_cause] += 1
    call.retries = +call.retries  # drop zero counts
    tally.add(call)
    conversation = _CONVERSATION_TALLY.get()
    if conversation is not None:
        conversation.add(call)
