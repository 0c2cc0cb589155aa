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


from simulator.fake_server._app import FakeServerStats, build_app
from simulator.fake_server._config import (
    DEFAULT_REPLIES,
    FAULT_KINDS,
    HOST,
    FakeServerConfig,
    FaultKind,
    choose_fault,
    choose_latency_s,
    load_replies,
    request_fingerprint,
    scripted_reply,
)
from simulator.fake_server._serve import RunningServer, run_server, serve_in_thread

__all__ = [
    "DEFAULT_REPLIES",
    "FAULT_KINDS",
    "HOST",
    "FakeServerConfig",
    "FakeServerStats",
    "FaultKind",
    "RunningServer",
    "build_app",
    "choose_fault",
    "choose_latency_s",
    "load_replies",
    "request_fingerprint",
    "run_server",
    "scripted_reply",
    "serve_in_thread",
]
