"""A fake OpenAI-compatible chat server for dry runs, reliability tests and benchmarks.

Real HTTP on 127.0.0.1 (starlette + uvicorn), so the whole client path (litellm, the OpenAI
SDK, httpx, retries, timeouts) is exercised exactly as against a real provider, but offline,
fast and reproducibly:

- replies are a pure function of the request messages and a seed (a small built-in set of
  assistant-like replies, or a user-supplied list), with usage token counts;
- latency is fixed, uniform around a mean, or lognormal around a median;
- faults are injected by rate (429 with Retry-After, 500, 503, hang, dropped connection,
  malformed JSON, empty content). Whether a request faults is decided by a hash of the
  request and of how many times the server has already seen that same request, so a run is
  reproducible and a retry of a faulted request can still succeed;
- counters of requests and of each fault served are exposed at GET /stats.

`serve_in_thread` runs it in a background thread for tests and benchmarks;
`run_server` runs it in the foreground for `groundsim fake-server`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

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


# ---- counters -------------------------------------------------------------------------------


@dataclass
class FakeServerStats:
    """What the server has served. Mutated only on the server's event loop; read from anywhere."""

    requests: int = 0
    """Chat completion requests received (valid or not)."""
    replies: int = 0
    """Normal replies served (200 with content)."""
    rejected: int = 0
    """Requests answered 400 (bad JSON, no messages, stream=true)."""
    faults: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULT_KINDS, 0))
    """Faults served, by kind."""
    in_flight: int = 0
    """Chat requests being handled right now."""
    max_in_flight: int = 0
    """Most chat requests handled at once since start or the last reset."""

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "replies": self.replies,
            "rejected": self.rejected,
            "faults": dict(self.faults),
            "faults_total": sum(self.faults.values()),
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
        }

    def reset(self) -> None:
        self.requests = self.replies = self.rejected = 0
        self.faults = dict.fromkeys(FAULT_KINDS, 0)
        self.max_in_flight = self.in_flight


# ---- the app --------------------------------------------------------------------------------


def _error(
    status: int, message: str, error_type: str, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error body in OpenAI's shape, so client libraries map it to their usual exceptions."""
    return JSONResponse(
        {"error": {"message": message, "type": error_type, "param": None, "code": code}}, status, headers=headers
    )


class _FakeChatApp:
    """The request handlers, holding the config, the counters and the per-request attempt counts."""

    def __init__(self, config: FakeServerConfig, stats: FakeServerStats) -> None:
        self.config = config
        self.stats = stats
        self._attempts: dict[str, int] = {}

    def _next_attempt(self, fingerprint: str) -> int:
        attempt = self._attempts.pop(fingerprint, 0)
        self._attempts[fingerprint] = attempt + 1  # re-inserted last: the dict's order is recency
        if len(self._attempts) > _MAX_REMEMBERED_REQUESTS:
            del self._attempts[next(iter(self._attempts))]
        return attempt

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def models(self, request: Request) -> Response:
        data = [
            {"id": name, "object": "model", "created": 0, "owned_by": "groundsim-fake"}
            for name in self.config.model_names
        ]
        return JSONResponse({"object": "list", "data": data})

    async def get_stats(self, request: Request) -> Response:
        return JSONResponse(self.stats.snapshot())

    async def reset_stats(self, request: Request) -> Response:
        self.stats.reset()
        return JSONResponse(self.stats.snapshot())

    async def chat(self, request: Request) -> Response:
        stats = self.stats
        stats.requests += 1
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            return await self._chat(request)
        finally:
            stats.in_flight -= 1

    async def _chat(self, request: Request) -> Response:
        try:
            payload = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return self._reject("the request body is not valid JSON")
        if not isinstance(payload, dict):
            return self._reject("the request body must be a JSON object")
        if payload.get("stream"):
            return self._reject(
                'streaming is not supported by the groundsim fake server; send "stream": false',
                code="stream_not_supported",
            )
        messages = payload.get("messages")
        if (
            not isinstance(messages, list)
            or not messages
            or not all(isinstance(m, dict) and "role" in m for m in messages)
        ):
            return self._reject("'messages' must be a non-empty list of objects with a 'role'")
        model = str(payload.get("model") or self.config.model_names[0])

        fingerprint = request_fingerprint(model, messages)
        attempt = self._next_attempt(fingerprint)
        fault = choose_fault(self.config, fingerprint, attempt)
        if fault is not None:
            self.stats.faults[fault] += 1
        if fault == "hang":
            if await _client_left_within(request, self.config.hang_s):
                return Response(status_code=499)  # nobody is listening; uvicorn drops it
        else:
            delay = choose_latency_s(self.config, fingerprint, attempt)
            if delay > 0:
                await asyncio.sleep(delay)

        if fault == "rate_limit":
            return _error(
                429,
                "Rate limit reached (groundsim fake server).",
                "requests",
                "rate_limit_exceeded",
                headers={"Retry-After": str(self.config.retry_after_s)},
            )
        if fault == "server_error":
            return _error(
                500, "The server had an error while processing your request (groundsim fake server).", "server_error"
            )
        if fault == "unavailable":
            return _error(
                503, "The server is overloaded or not ready yet (groundsim fake server).", "service_unavailable"
            )
        if fault == "drop":
            return await _drop_connection(request)

        reply = "" if fault == "empty_content" else scripted_reply(self.config, messages)
        finish_reason = "stop"
        max_tokens = payload.get("max_tokens") or payload.get("max_completion_tokens")
        if isinstance(max_tokens, int) and max_tokens > 0 and _approx_tokens(reply) > max_tokens:
            reply, finish_reason = reply[: max_tokens * 4], "length"
        prompt_tokens = sum(_approx_tokens(_text_of(m.get("content"))) + 4 for m in messages)
        completion_tokens = _approx_tokens(reply)
        body = {
            "id": f"chatcmpl-fake-{fingerprint[:16]}-{attempt}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "groundsim-fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply},
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        if fault == "malformed_json":
            text = json.dumps(body)
            return Response(text[: len(text) // 2], 200, media_type="application/json")  # cut mid-object
        if fault is None:
            self.stats.replies += 1
        return JSONResponse(body)

    def _reject(self, message: str, code: str | None = None) -> Response:
        self.stats.rejected += 1
        return _error(400, message, "invalid_request_error", code)


async def _client_left_within(request: Request, seconds: float) -> bool:
    """Wait up to `seconds` for the client to disconnect (the body is already read); True if it did."""
    try:
        async with asyncio.timeout(seconds):
            while (await request.receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        return False
    return True


async def _drop_connection(request: Request) -> Response:
    """Close the socket without writing a byte, as a crashed proxy or a network cut would.

    Raising in the app does not do this: uvicorn answers an exception with a 500 when no
    response has started. So the outermost ASGI layer records uvicorn's transport in the scope
    and we close it; the client then sees "server disconnected without sending a response".
    """
    transport = request.scope.get(_TRANSPORT_SCOPE_KEY)
    if transport is None:
        raise RuntimeError("cannot drop the connection: the server's transport is not reachable (run under uvicorn)")
    transport.close()
    await _client_left_within(request, 5.0)  # lets uvicorn notice, so it writes nothing afterwards
    return Response(status_code=499)


class _RecordTransport:
    """Outermost ASGI layer: puts uvicorn's transport (behind its bound `send`) into the scope for drops."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] == "http":
            scope[_TRANSPORT_SCOPE_KEY] = getattr(getattr(send, "__self__", None), "transport", None)
        await self.app(scope, receive, send)


def build_app(config: FakeServerConfig, stats: FakeServerStats | None = None) -> Callable[..., Any]:
    """The ASGI application; `stats` is filled as requests are served (a new one if None)."""
    handlers = _FakeChatApp(config, stats if stats is not None else FakeServerStats())
    routes = [
        Route("/health", handlers.health, methods=["GET"]),
        Route("/v1/models", handlers.models, methods=["GET"]),
        Route("/v1/chat/completions", handlers.chat, methods=["POST"]),
        Route("/stats", handlers.get_stats, methods=["GET"]),
        Route("/stats/reset", handlers.reset_stats, methods=["POST"]),
    ]
    return _RecordTransport(Starlette(routes=routes))


# ---- running it -----------------------------------------------------------------------------


def _listening_socket(port: int, host: str = HOST) -> socket.socket:
    """Bind and listen before uvicorn starts: the port is known (0 = any free one) and early connections queue."""
    # proto must be IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY on accepted
    # connections only then, and without it every response waits ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _uvicorn_server(config: FakeServerConfig, stats: FakeServerStats, *, log_level: str, quiet_logging: bool) -> Any:
    import uvicorn

    uv_config = uvicorn.Config(
        build_app(config, stats),
        log_level=log_level,
        log_config=None if quiet_logging else uvicorn.config.LOGGING_CONFIG,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(uv_config)


class RunningServer:
    """A fake server running in a background thread; a context manager that stops it on exit."""

    def __init__(self, config: FakeServerConfig, port: int = 0) -> None:
        self.config = config
        self.stats_record = FakeServerStats()
        self._socket = _listening_socket(port)
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://{HOST}:{self.port}/v1"
        """What to pass as api_base: http://127.0.0.1:PORT/v1."""
        self._server = _uvicorn_server(config, self.stats_record, log_level="warning", quiet_logging=True)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"fake-server-{self.port}", daemon=True)

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:
            self._error = exc

    def start(self, timeout_s: float = 20.0) -> RunningServer:
        """Start the thread and return once GET /health answers."""
        import httpx

        self._thread.start()
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=1.0) as client:
            while True:
                try:
                    if client.get(f"http://{HOST}:{self.port}/health").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass  # queued in the backlog past the short timeout, or not yet accepted: ask again
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the fake server on port {self.port} did not start: {self._error!r}")

    def stats(self) -> dict[str, Any]:
        """The counters as GET /stats gives them, read directly (no HTTP call)."""
        return self.stats_record.snapshot()

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread (at most a couple of seconds)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_in_thread(config: FakeServerConfig | None = None, port: int = 0) -> RunningServer:
    """Start a fake server in a background thread on `port` (0 = a free one) and wait until it answers.

    Use it as a context manager: `with serve_in_thread(cfg) as server: ... server.base_url ...`.
    """
    return RunningServer(config or FakeServerConfig(), port).start()


def run_server(config: FakeServerConfig, port: int, *, host: str = HOST, log_level: str = "info") -> None:
    """Serve in the foreground until Ctrl-C (the `groundsim fake-server` command)."""
    sock = _listening_socket(port, host)
    bound = sock.getsockname()[1]
    print(
        f"groundsim fake OpenAI-compatible server on http://{host}:{bound}/v1 "
        f"(model ids: {', '.join(config.model_names)}; "
        f"stats at http://{host}:{bound}/stats). Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    try:
        _uvicorn_server(config, FakeServerStats(), log_level=log_level, quiet_logging=False).run(sockets=[sock])
    finally:
        sock.close()
