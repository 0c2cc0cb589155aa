"""The fake server's ASGI application: OpenAI-shaped handlers, fault injection and counters."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.fake_server._config import (
    _MAX_REMEMBERED_REQUESTS,
    _TRANSPORT_SCOPE_KEY,
    FAULT_KINDS,
    FakeServerConfig,
    _approx_tokens,
    _text_of,
    choose_fault,
    choose_latency_s,
    request_fingerprint,
    scripted_reply,
)

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

