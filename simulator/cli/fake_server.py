"""`groundsim fake-server`: an OpenAI-compatible server with latency and faults, for dry runs."""

from __future__ import annotations

from typing import Annotated

import typer


def fake_server(
    port: Annotated[int, typer.Option("--port", "-p", envvar="GROUNDSIM_FAKE_PORT", help="Port on 127.0.0.1.")] = 8000,
    latency_ms: Annotated[float, typer.Option("--latency-ms", envvar="GROUNDSIM_FAKE_LATENCY_MS", help="Delay per response (median with --latency-sigma).")] = 0.0,
    latency_jitter_ms: Annotated[float, typer.Option("--latency-jitter-ms", envvar="GROUNDSIM_FAKE_LATENCY_JITTER_MS", help="Uniform spread around --latency-ms.")] = 0.0,
    latency_sigma: Annotated[float, typer.Option("--latency-sigma", envvar="GROUNDSIM_FAKE_LATENCY_SIGMA", help="Lognormal sigma: a long tail like real APIs.")] = 0.0,
    fault_rate: Annotated[float, typer.Option("--fault-rate", envvar="GROUNDSIM_FAKE_FAULT_RATE", help="Share of requests that fault, spread over 429, 500, 503, hang, dropped connection, malformed JSON and empty content.")] = 0.0,
    hang_s: Annotated[float, typer.Option("--hang-s", envvar="GROUNDSIM_FAKE_HANG_S", help="How long a hang fault waits; set it past the client timeout.")] = 600.0,
    replies: Annotated[str | None, typer.Option("--replies", envvar="GROUNDSIM_FAKE_REPLIES", help="YAML or JSON list of reply texts to choose from.")] = None,
    seed: Annotated[int, typer.Option("--seed", envvar="GROUNDSIM_FAKE_SEED", help="Seed of replies, latencies and faults.")] = 0,
) -> None:
    """Serve deterministic replies at http://127.0.0.1:PORT/v1 with configurable latency and faults.

    Point a run at it to rehearse a big batch without spending anything:

    \b
      groundsim fake-server --port 8000 --latency-ms 300 --fault-rate 0.2 &
      groundsim run -m openai/fake --api-base http://127.0.0.1:8000/v1 -n 3

    GET /stats shows the requests and faults served.
    """
    from simulator.fake_server import FakeServerConfig, load_replies, run_server

    config = FakeServerConfig(
        seed=seed,
        latency_ms=latency_ms,
        latency_jitter_ms=latency_jitter_ms,
        latency_sigma=latency_sigma,
        fault_rate=fault_rate,
        hang_s=hang_s,
        replies=load_replies(replies) if replies else None,
    )
    run_server(config, port)
