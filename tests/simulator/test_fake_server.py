"""The fake OpenAI-compatible server: faults, determinism, latency, counters, and litellm retrying through it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from simulator.fake_server import (
    DEFAULT_REPLIES,
    FAULT_KINDS,
    FakeServerConfig,
    RunningServer,
    choose_fault,
    choose_latency_s,
    load_replies,
    request_fingerprint,
    scripted_reply,
    serve_in_thread,
)

HI = [{"role": "user", "content": "hi"}]


def chat_body(content: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"model": "fake", "messages": [{"role": "user", "content": content}], **extra}


def post_chat(server: RunningServer, body: dict[str, Any], timeout: float = 5.0) -> httpx.Response:
    return httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=timeout)


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    """Poll a condition (not a timing assumption): True as soon as it holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with serve_in_thread(FakeServerConfig()) as running:
        yield running


# ---- each fault kind, served at rate 1.0 --------------------------------------------------------


def _expect_rate_limit(outcome: httpx.Response | Exception, cfg: FakeServerConfig) -> None:
    assert isinstance(outcome, httpx.Response)
    assert outcome.status_code == 429
    assert outcome.headers["Retry-After"] == str(cfg.retry_after_s)
    assert outcome.json()["error"]["code"] == "rate_limit_exceeded"


def _expect_status(status: int) -> Callable[[httpx.Response | Exception, FakeServerConfig], None]:
    def check(outcome: httpx.Response | Exception, cfg: FakeServerConfig) -> None:
        assert isinstance(outcome, httpx.Response)
        assert outcome.status_code == status
        assert outcome.json()["error"]["message"]

    return check


def _expect_hang(outcome: httpx.Response | Exception, cfg: FakeServerConfig) -> None:
    assert isinstance(outcome, httpx.ReadTimeout)


def _expect_drop(outcome: httpx.Response | Exception, cfg: FakeServerConfig) -> None:
    assert isinstance(outcome, httpx.RemoteProtocolError)
    assert "without sending a response" in str(outcome)


def _expect_malformed(outcome: httpx.Response | Exception, cfg: FakeServerConfig) -> None:
    assert isinstance(outcome, httpx.Response)
    assert outcome.status_code == 200
    assert outcome.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(outcome.text)


def _expect_empty(outcome: httpx.Response | Exception, cfg: FakeServerConfig) -> None:
    assert isinstance(outcome, httpx.Response)
    assert outcome.status_code == 200
    assert outcome.json()["choices"][0]["message"]["content"] == ""


EXPECTATIONS: dict[str, Callable[[httpx.Response | Exception, FakeServerConfig], None]] = {
    "rate_limit": _expect_rate_limit,
    "server_error": _expect_status(500),
    "unavailable": _expect_status(503),
    "hang": _expect_hang,
    "drop": _expect_drop,
    "malformed_json": _expect_malformed,
    "empty_content": _expect_empty,
}


def test_every_fault_kind_has_an_expectation() -> None:
    assert set(EXPECTATIONS) == set(FAULT_KINDS)


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_kind_is_served_at_rate_one(kind: str) -> None:
    cfg = FakeServerConfig(fault_rates={kind: 1.0}, retry_after_s=7, hang_s=60)
    with serve_in_thread(cfg) as server:
        for _ in range(2):  # the retry of the same request faults too at rate 1.0
            try:
                outcome: httpx.Response | Exception = post_chat(
                    server, chat_body(), timeout=0.3 if kind == "hang" else 5.0
                )
            except httpx.HTTPError as exc:
                outcome = exc
            EXPECTATIONS[kind](outcome, cfg)
        stats = server.stats()
        assert stats["faults"][kind] == 2
        assert stats["faults_total"] == 2
        assert stats["replies"] == 0
        # A client that gave up (hang) or was cut off (drop) frees the server's handler.
        assert wait_until(lambda: server.stats()["in_flight"] == 0)


def test_a_hang_shorter_than_the_client_timeout_ends_in_a_reply() -> None:
    with serve_in_thread(FakeServerConfig(fault_rates={"hang": 1.0}, hang_s=0.2)) as server:
        started = time.perf_counter()
        response = post_chat(server, chat_body())
        assert time.perf_counter() - started >= 0.2
        assert response.status_code == 200
        assert response.json()["choices"][0]["message"]["content"] in DEFAULT_REPLIES


# ---- fault rates: deterministic, and a retry can succeed ---------------------------------------

FAST_KINDS = ["rate_limit", "server_error", "unavailable", "malformed_json", "empty_content"]


def _outcome_kind(response: httpx.Response) -> str | None:
    by_status = {429: "rate_limit", 500: "server_error", 503: "unavailable"}
    if response.status_code in by_status:
        return by_status[response.status_code]
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except json.JSONDecodeError:
        return "malformed_json"
    return None if content else "empty_content"


def test_a_spread_fault_rate_serves_exactly_the_predicted_faults() -> None:
    cfg = FakeServerConfig(fault_rate=0.5, fault_kinds=FAST_KINDS, seed=11)
    contents = [f"question number {i}" for i in range(200)]
    predicted = [choose_fault(cfg, request_fingerprint("fake", [{"role": "user", "content": c}]), 0) for c in contents]
    with serve_in_thread(cfg) as server, httpx.Client(timeout=5.0) as client:
        observed = [
            _outcome_kind(client.post(f"{server.base_url}/chat/completions", json=chat_body(c))) for c in contents
        ]
        stats = server.stats()
    assert observed == predicted
    faults = sum(kind is not None for kind in observed)
    assert 70 <= faults <= 130  # about half (the exact figure is fixed by the seed)
    assert {kind for kind in observed if kind} == set(FAST_KINDS)  # every kind gets a share
    assert stats["faults_total"] == faults
    assert stats["replies"] == 200 - faults


def test_the_same_request_retried_eventually_succeeds_as_predicted() -> None:
    cfg = FakeServerConfig(fault_rates={"server_error": 0.5}, seed=5)
    fingerprint = request_fingerprint("fake", HI)
    first_success = next(attempt for attempt in range(50) if choose_fault(cfg, fingerprint, attempt) is None)
    with serve_in_thread(cfg) as server:
        statuses = [post_chat(server, chat_body()).status_code for _ in range(first_success + 1)]
    assert statuses == [500] * first_success + [200]


def test_a_fault_free_config_never_faults(server: RunningServer) -> None:
    with httpx.Client(timeout=5.0) as client:
        statuses = {
            client.post(f"{server.base_url}/chat/completions", json=chat_body(f"q{i}")).status_code for i in range(30)
        }
    assert statuses == {200}
    assert server.stats()["faults_total"] == 0


# ---- replies -------------------------------------------------------------------------------------


def test_replies_are_deterministic_for_the_same_request() -> None:
    cfg = FakeServerConfig(seed=3)
    body = chat_body("Which neighbourhood should I stay in?")
    with serve_in_thread(cfg) as first:
        a = post_chat(first, body).json()
        a_again = post_chat(first, body).json()
    with serve_in_thread(cfg) as second:
        b = post_chat(second, body).json()
    for other in (a_again, b):
        assert other["choices"][0]["message"] == a["choices"][0]["message"]
        assert other["usage"] == a["usage"]
    assert a["choices"][0]["message"]["content"] == scripted_reply(cfg, body["messages"])


def test_the_reply_depends_on_the_last_user_message_and_the_seed_only() -> None:
    cfg = FakeServerConfig(seed=1)
    last = {"role": "user", "content": "and for two people?"}
    short = [last]
    longer = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "a hotel"},
        {"role": "assistant", "content": "Where?"},
        last,
    ]
    assert scripted_reply(cfg, short) == scripted_reply(cfg, longer)
    messages = [[{"role": "user", "content": f"message {i}"}] for i in range(40)]
    replies = {scripted_reply(cfg, m) for m in messages}
    assert len(replies) >= 5  # the hash spreads requests over the reply set
    other_seed = FakeServerConfig(seed=2)
    assert [scripted_reply(cfg, m) for m in messages] != [scripted_reply(other_seed, m) for m in messages]


def test_user_supplied_replies_from_yaml_and_json(tmp_path: Path) -> None:
    (tmp_path / "replies.yaml").write_text("- Which city do you mean?\n- The answer is 42.\n", encoding="utf-8")
    (tmp_path / "replies.json").write_text(json.dumps(["Only this."]), encoding="utf-8")
    yaml_replies = load_replies(tmp_path / "replies.yaml")
    assert yaml_replies == ["Which city do you mean?", "The answer is 42."]
    assert load_replies(tmp_path / "replies.json") == ["Only this."]
    (tmp_path / "bad.yaml").write_text("replies: not a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="list of non-empty strings"):
        load_replies(tmp_path / "bad.yaml")
    with serve_in_thread(FakeServerConfig(replies=yaml_replies)) as server, httpx.Client(timeout=5.0) as client:
        seen = {
            client.post(f"{server.base_url}/chat/completions", json=chat_body(f"q{i}")).json()["choices"][0]["message"][
                "content"
            ]
            for i in range(20)
        }
    assert seen == set(yaml_replies)


def test_usage_counts_and_max_tokens(server: RunningServer) -> None:
    full = post_chat(server, chat_body("tell me about trains " * 10)).json()
    usage = full["usage"]
    assert usage["prompt_tokens"] > 10
    assert usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    short = post_chat(server, chat_body("tell me about trains " * 10, max_tokens=2)).json()
    assert short["choices"][0]["finish_reason"] == "length"
    assert short["usage"]["completion_tokens"] <= 2


# ---- latency -------------------------------------------------------------------------------------


def test_a_200_ms_latency_is_at_least_200_ms() -> None:
    with serve_in_thread(FakeServerConfig(latency_ms=200)) as server:
        started = time.perf_counter()
        response = post_chat(server, chat_body())
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed >= 0.2


def test_latency_distributions_are_reproducible_and_bounded() -> None:
    uniform = FakeServerConfig(latency_ms=100, latency_jitter_ms=50)
    draws = [choose_latency_s(uniform, f"fp{i}", 0) for i in range(500)]
    assert draws == [choose_latency_s(uniform, f"fp{i}", 0) for i in range(500)]
    assert all(0.05 <= d <= 0.15 for d in draws)
    assert max(draws) - min(draws) > 0.08  # really spread, not fixed
    lognormal = FakeServerConfig(latency_ms=100, latency_sigma=0.5)
    tail = sorted(choose_latency_s(lognormal, f"fp{i}", 0) for i in range(501))
    assert 0.08 < tail[250] < 0.12  # median near latency_ms
    assert tail[-1] > 0.2  # a long right tail
    assert choose_latency_s(FakeServerConfig(latency_ms=30), "fp", 4) == pytest.approx(0.03)


# ---- endpoints, counters, validation ---------------------------------------------------------------


def test_health_models_and_stats_endpoints(server: RunningServer) -> None:
    root = server.base_url.removesuffix("/v1")
    assert server.base_url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{root}/health").json() == {"status": "ok"}
    assert [m["id"] for m in httpx.get(f"{server.base_url}/models").json()["data"]] == ["fake"]

    assert post_chat(server, chat_body()).status_code == 200
    streamed = post_chat(server, chat_body(stream=True))
    assert streamed.status_code == 400
    assert "stream" in streamed.json()["error"]["message"]
    not_json = httpx.post(
        f"{server.base_url}/chat/completions", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400
    assert httpx.post(f"{server.base_url}/chat/completions", json={"model": "fake", "messages": []}).status_code == 400

    stats = httpx.get(f"{root}/stats").json()
    assert stats == server.stats()
    assert (stats["requests"], stats["replies"], stats["rejected"], stats["faults_total"]) == (4, 1, 3, 0)
    assert stats["max_in_flight"] >= 1
    reset = httpx.post(f"{root}/stats/reset").json()
    assert (reset["requests"], reset["replies"], reset["rejected"]) == (0, 0, 0)


def test_config_rejects_unknown_keys_and_impossible_rates() -> None:
    with pytest.raises(ValidationError, match="extra"):
        FakeServerConfig(latency=3)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="not both"):
        FakeServerConfig(fault_rate=0.2, fault_rates={"drop": 0.1})
    with pytest.raises(ValidationError, match="at most 1"):
        FakeServerConfig(fault_rates={"drop": 0.6, "hang": 0.6})
    with pytest.raises(ValidationError):
        FakeServerConfig(fault_rates={"teapot": 0.1})  # type: ignore[dict-item]
    spread = FakeServerConfig(fault_rate=0.2).effective_fault_rates()
    assert set(spread) == set(FAULT_KINDS)
    assert sum(spread.values()) == pytest.approx(0.2)


def test_servers_stop_cleanly_and_free_their_port() -> None:
    with serve_in_thread(FakeServerConfig()) as server:
        port = server.port
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2.0)
    with serve_in_thread(FakeServerConfig(), port=port) as again:  # the same port can be reused at once
        assert httpx.get(f"http://127.0.0.1:{again.port}/health").status_code == 200


# ---- through litellm --------------------------------------------------------------------------------


async def test_litellm_gets_a_reply_through_500s_thanks_to_retries() -> None:
    from simulator.models._provider import LiteLLMChat

    fingerprint = request_fingerprint("fake", HI)

    def faults_then_succeeds(seed: int) -> bool:
        cfg = FakeServerConfig(fault_rates={"server_error": 0.5}, seed=seed)
        return choose_fault(cfg, fingerprint, 0) == "server_error" and choose_fault(cfg, fingerprint, 1) is None

    seed = next(s for s in range(100) if faults_then_succeeds(s))  # the first call fails, the retry succeeds
    with serve_in_thread(FakeServerConfig(fault_rates={"server_error": 0.5}, seed=seed)) as server:
        chat = LiteLLMChat(api_base=server.base_url, num_retries=3)
        completion = await chat.complete("openai/fake", HI)
        stats = server.stats()
    assert completion.text in DEFAULT_REPLIES
    assert completion.prompt_tokens is not None and completion.prompt_tokens > 0
    assert stats["faults"]["server_error"] == 1
    assert stats["replies"] == 1
