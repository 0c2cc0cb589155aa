"""What a failed model call is: the errors callers see, and the one classifier of failures.

A failed attempt is classified once, by `classify_failure`, into two views: its `cause`
(one of FAILURE_CAUSES: whether it is retried, and which `run_stats` column counts it)
and its `kind` (litellm's finer exception family, kept on `ModelCallError` so preflight
can say "set the API key" rather than "client error"). Keeping both in one function means
the retry decision, the tallies and the error a user reads cannot disagree.
Error text passes through `scrub_secrets`, so an API key never reaches a log or the store.
"""

from __future__ import annotations

import json
import os
import re
from typing import NamedTuple

from scenarios import GroundsimError

_SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)$")

#: Why a model call attempt failed. The first six are transient and retried; the last two are not.
RETRYABLE_CAUSES = ("rate_limit", "timeout", "server_error", "connection", "malformed", "empty")
FAILURE_CAUSES = (*RETRYABLE_CAUSES, "client_error", "other")
EMPTY_REPLY = "empty reply: the model returned no text"

_TIMEOUT_NAMES = frozenset({"Timeout", "APITimeoutError", "ReadTimeout", "ConnectTimeout", "WriteTimeout", "PoolTimeout",
                            "TimeoutException", "SocketTimeoutError", "TimeoutError"})
_CONNECTION_NAMES = frozenset({"APIConnectionError", "ConnectError", "ReadError", "RemoteProtocolError", "ServerDisconnectedError",
                               "ClientConnectionError", "ConnectionError", "ConnectionResetError", "ConnectionRefusedError"})
#: litellm exception families, by a fragment of the class name; `kind` is the fragment lower-cased.
_KIND_FRAGMENTS = ("RateLimit", "Timeout", "APIConnection", "Authentication", "NotFound", "BadRequest", "ServiceUnavailable",
                   "InternalServer")


def scrub_secrets(text: str) -> str:
    """Remove the values of secret-looking environment variables from `text`."""
    for name, value in os.environ.items():
        if value and len(value) >= 8 and _SECRET_ENV.search(name.upper()) and value in text:
            text = text.replace(value, "[redacted]")
    return text


class ModelCallError(GroundsimError):
    """A model call failed after litellm's retries."""

    def __init__(self, model: str, reason: str, *, kind: str = "error") -> None:
        self.model = model
        self.kind = kind
        self.reason = scrub_secrets(reason)
        super().__init__(f"{model}: {self.reason}")


class ModelConfigError(GroundsimError):
    """A model id or server that cannot work, found before the run starts."""


class Failure(NamedTuple):
    """One failed attempt, classified."""

    cause: str
    """One of FAILURE_CAUSES, from the exception and everything it wraps: retried or not, and counted where."""
    kind: str
    """The outermost exception's family (`ratelimit`, `authentication`, `apiconnection`, ...; else its class name)."""


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(found) < 10:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def classify_failure(exc: BaseException) -> Failure:
    """Classify a failed attempt from litellm's exception and what it wraps."""
    message = str(exc)
    if EMPTY_REPLY in message or (isinstance(exc, ModelCallError) and exc.kind == "empty"):
        return Failure("empty", "empty")

    name = type(exc).__name__
    lowered = message.lower()
    if "connection error" in lowered or "connection refused" in lowered or "connecterror" in lowered:
        kind = "apiconnection"  # litellm reports a refused connection as InternalServerError
    else:
        kind = next((fragment.lower() for fragment in _KIND_FRAGMENTS if fragment in name), name)

    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    status = getattr(exc, "status_code", None)
    if any(isinstance(e, json.JSONDecodeError) for e in chain):  # a 200 whose body is not JSON
        cause = "malformed"
    elif names & _TIMEOUT_NAMES:
        cause = "timeout"
    elif names & _CONNECTION_NAMES:
        cause = "connection"
    elif "RateLimitError" in names or status == 429:
        cause = "rate_limit"
    elif (isinstance(status, int) and status >= 500) or names & {"InternalServerError", "ServiceUnavailableError"}:
        cause = "server_error"
    elif isinstance(status, int) and 400 <= status < 500:
        cause = "client_error"
    else:
        cause = "other"
    return Failure(cause, kind)


def failure_cause(exc: BaseException) -> str:
    """The cause of a failed attempt (one of FAILURE_CAUSES): `classify_failure(exc).cause`."""
    return classify_failure(exc).cause
