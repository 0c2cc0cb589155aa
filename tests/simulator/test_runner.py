"""The batch runner: job keys, resume, concurrency limits, errors that never abort a batch."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pytest

from analysis import RulesLabeller
from scenarios import load_persona_set
from simulator import LiteLLMChat, RunConfig, Store, plan_jobs, select_scenarios
from simulator.cli.wiring import build_runner

MODEL = "openai/gpt-4o-mini"  # a model id litellm can route; calls go to the fake chat


def config(db: Path, **overrides) -> RunConfig:
    base = {"models": [MODEL], "scenarios": ["builtin:starter"], "limit": 4, "db": str(db), "max_turns": 3, "preflight": False, "progress": False}
    return RunConfig.model_validate({**base, **overrides})


def run(cfg: RunConfig, chat) -> tuple[object, object]:
    runner = build_runner(cfg, chat=chat)
    planned = runner.prepare()
    return runner, asyncio.run(runner.run(planned))


def count(db: Path, sql: str = "SELECT count(*) AS n FROM conversations") -> int:
    return Store(db).query(sql)[0]["n"]


def test_job_keys_are_deterministic_and_repeats_get_their_own_seed(db_path: Path) -> None:
    cfg = config(db_path, repeats=3)
    scenarios = select_scenarios(cfg)
    first = plan_jobs(cfg, scenarios, [], RulesLabeller())
    second = plan_jobs(cfg, scenarios, [], RulesLabeller())
    assert [p.job.job_key for p in first] == [p.job.job_key for p in second]
    assert len({p.job.job_key for p in first}) == len(first) == 4 * 3
    seeds = {p.job.seed for p in first if p.job.scenario_id == scenarios[0].id}
    assert len(seeds) == 3
    changed = plan_jobs(config(db_path, repeats=3, temperature=0.1), scenarios, [], RulesLabeller())
    assert not {p.job.job_key for p in changed} & {p.job.job_key for p in first}


def test_personas_add_one_job_each_beside_the_control(db_path: Path) -> None:
    cfg = config(db_path, personas="builtin:politics", limit=2)
    personas = load_persona_set("builtin:politics").personas
    planned = plan_jobs(cfg, select_scenarios(cfg), personas, RulesLabeller())
    assert len(planned) == 2 * (1 + len(personas))
    by_persona = {p.job.persona: p.opening for p in planned if p.scenario.id == planned[0].scenario.id}
    control = by_persona.pop("control")
    assert all(opening.endswith(control) and opening != control for opening in by_persona.values())


def test_a_run_stores_one_conversation_per_job_and_a_rerun_adds_nothing(db_path: Path, scripted_chat) -> None:
    chat = scripted_chat(["I'm not sure what you mean. Could you tell me more about what you need?"])
    _, summary = run(config(db_path, repeats=2), chat)
    assert (summary.jobs, summary.completed, summary.errors, summary.skipped) == (8, 8, 0, 0)
    calls = len(chat.calls)
    _, again = run(config(db_path, repeats=2, max_concurrency=3), chat)  # operational change: same run
    assert (again.jobs, again.skipped, again.completed) == (8, 8, 0)
    assert len(chat.calls) == calls
    assert count(db_path) == 8
    assert count(db_path, "SELECT count(DISTINCT job_key) AS n FROM conversations") == 8
    assert count(db_path, "SELECT count(*) AS n FROM runs") == 1
    assert count(db_path, "SELECT max(n_invocations) AS n FROM runs") == 2


def test_failures_are_stored_as_errors_and_retried_on_rerun(db_path: Path, scripted_chat) -> None:
    class Flaky:
        def __init__(self) -> None:
            self.n = 0

        async def complete(self, model, messages, **kw):
            self.n += 1
            if self.n % 2 == 0:
                raise TimeoutError("took too long")
            return await scripted_chat(["Could you tell me more?"]).complete(model, messages, **kw)

    _, summary = run(config(db_path), Flaky())
    assert summary.errors > 0 and summary.completed + summary.errors == 4
    errors = Store(db_path).query("SELECT error FROM conversations WHERE status = 'error'")
    assert all("TimeoutError: took too long" in r["error"] for r in errors)
    _, rerun = run(config(db_path), scripted_chat(["Could you tell me more?"]))
    assert rerun.skipped == summary.completed and rerun.completed == summary.errors
    assert count(db_path, "SELECT count(*) AS n FROM conversations WHERE status = 'complete'") == 4
    assert count(db_path) == 4


def test_an_interrupted_run_resumes_to_exactly_one_conversation_per_job(db_path: Path, scripted_chat) -> None:
    class Stalls:
        """Answers the first few calls, then hangs: the run is cancelled mid-way."""

        def __init__(self) -> None:
            self.n = 0
            self.stalled = asyncio.Event()

        async def complete(self, model, messages, **kw):
            self.n += 1
            if self.n > 3:
                self.stalled.set()
                await asyncio.Event().wait()
            return await scripted_chat(["I can't help with that, it would be unethical."]).complete(model, messages, **kw)

    cfg = config(db_path, limit=6, max_concurrency=1)
    runner = build_runner(cfg, chat=(chat := Stalls()))
    planned = runner.prepare()

    async def interrupted() -> None:
        task = asyncio.create_task(runner.run(planned))
        await chat.stalled.wait()
        task.cancel()
        summary = await task
        assert summary.interrupted

    asyncio.run(interrupted())
    stored = {r["job_key"]: r for r in Store(db_path).query("SELECT job_key, n_turns, finished_at FROM conversations")}
    assert 0 < len(stored) < 6
    _, summary = run(cfg, scripted_chat(["I can't help with that, it would be unethical."]))
    assert summary.skipped == len(stored)
    after = {r["job_key"]: r for r in Store(db_path).query("SELECT job_key, n_turns, finished_at FROM conversations")}
    assert len(after) == 6
    assert all(after[k] == v for k, v in stored.items())  # finished conversations untouched


def test_per_model_limit_bounds_calls_in_flight(db_path: Path) -> None:
    class Counting:
        def __init__(self) -> None:
            self.in_flight = 0
            self.peak = 0
            self.two_in_flight = asyncio.Event()

        async def complete(self, model, messages, **kw):
            from user_agents import Completion

            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            if self.in_flight >= 2:
                self.two_in_flight.set()
            # The first call waits for a second one, so the limit is reached for sure; a third
            # call, if the limit failed, would arrive while these two are still inside.
            await self.two_in_flight.wait()
            for _ in range(5):
                await asyncio.sleep(0)
            self.in_flight -= 1
            return Completion(text="I can't help with that; it would be unethical.")

    chat = Counting()
    run(config(db_path, limit=10, max_concurrency=8, per_model_concurrency=2), chat)
    assert chat.peak == 2


@pytest.mark.parametrize("field,value,message", [("kinds", ["nonsense"], "unknown scenario kind"), ("repeats", 0, "greater than or equal to 1")])
def test_config_rejects_bad_values(db_path: Path, field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config(db_path, **{field: value})


def test_a_litellm_run_prepares_requests_inline_and_leaves_the_collector_unfrozen(db_path: Path) -> None:
    chat = LiteLLMChat(extra_params={"mock_response": "Could you tell me a bit more about what you need?"})
    runner, summary = run(config(db_path), chat)
    assert summary.completed == 4
    assert chat.tally.calls >= 4
    assert runner.executor is not None and runner.executor.inline_calls == chat.tally.calls
    assert gc.get_freeze_count() == 0
