"""The batch runner: a plan becomes jobs with deterministic keys; finished keys are skipped.

Conversations run concurrently under a global and a per-model limit. Each finished
conversation is queued to one writer that stores batches in short transactions, so a
killed run loses at most the conversations in flight and a rerun completes the rest.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scenarios import ChatModel, Labeller, OutcomeScorer, Persona, Scenario, ScenarioError, load_persona_set, load_scenarios
from simulator._version import code_version
from simulator.engine._loop import AssistantSettings, DialogueLoop
from simulator.models import (
    CallTally,
    RequestPreparationExecutor,
    count_calls_into,
    install_request_preparation_executor,
    is_local,
    validate_model_id,
)
from simulator.records import ConversationRecord, Job, RunConfig
from simulator.store import Store
from user_agents import AgentContext, PersonaChoice, apply_persona, make_user_agent, validate_user_spec

JOB_KEY_VERSION = 1
FLUSH_INTERVAL_S = 1.0
"""The writer stores finished conversations at most about this often. Opening the DuckDB file
costs ~20 ms of CPU per batch, so batching by time keeps storage cheap at any throughput; a
kill loses at most the conversations in flight plus those finished in the last interval."""
MAX_BATCH = 500


def _stable_int(*parts: object) -> int:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True)
class PlannedJob:
    """A job with what it needs to run."""

    job: Job
    scenario: Scenario
    persona: PersonaChoice
    opening: str


def plan_jobs(config: RunConfig, scenarios: Sequence[Scenario], personas: Sequence[Persona], labeller: Labeller) -> list[PlannedJob]:
    """Expand models x scenarios x users x personas (+ control) x repeats, in that order."""
    choices = [PersonaChoice(None)] + [PersonaChoice(p) for p in personas]
    planned: list[PlannedJob] = []
    for model in config.models:
        for scenario in scenarios:
            for user in config.users:
                for choice in choices:
                    for repeat in range(config.repeats):
                        bio_index = 0
                        if choice.persona is not None:
                            bio_index = (repeat + _stable_int(scenario.id)) % len(choice.persona.bios)
                        chosen = PersonaChoice(choice.persona, bio_index)
                        seed = _stable_int(config.seed, scenario.id, user, chosen.id, bio_index, repeat)
                        payload = {
                            "v": JOB_KEY_VERSION,
                            "model": model,
                            "api_base": None if is_local(model) else config.api_base,
                            "scenario": scenario.id,
                            "scenario_hash": scenario.content_hash(),
                            "user": user,
                            "persona": chosen.id,
                            "bio": chosen.persona.bio(bio_index) if chosen.persona else "",
                            "repeat": repeat,
                            "seed": seed,
                            "system_prompt": config.system_prompt,
                            "temperature": config.temperature,
                            "max_tokens": config.max_tokens,
                            "max_turns": config.max_turns,
                            "labeller": f"{labeller.name}@{labeller.version}",
                        }
                        key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
                        job = Job(
                            job_key=key,
                            model=model,
                            scenario_id=scenario.id,
                            user_agent=user,
                            persona=chosen.id,
                            persona_group=chosen.group,
                            bio_index=bio_index,
                            repeat=repeat,
                            seed=seed,
                        )
                        planned.append(PlannedJob(job, scenario, chosen, apply_persona(scenario, chosen)))
    return planned


def select_scenarios(config: RunConfig) -> list[Scenario]:
    """Load, filter by kind and limit the scenarios a config names."""
    scenarios = load_scenarios(*config.scenarios)
    if config.kinds:
        scenarios = [s for s in scenarios if s.kind.value in config.kinds]
        if not scenarios:
            raise ScenarioError(f"no scenario of kind {', '.join(config.kinds)} in {', '.join(config.scenarios)}")
    if config.limit is not None:
        scenarios = scenarios[: config.limit]
    return scenarios


@dataclass
class Progress:
    """Counters the progress display and the summary read."""

    total: int = 0
    skipped: int = 0
    done: int = 0
    errors: int = 0
    cost_usd: float = 0.0
    started: float = field(default_factory=time.monotonic)

    @property
    def eta_s(self) -> float | None:
        finished = self.done + self.errors
        todo = self.total - self.skipped - finished
        if finished == 0:
            return None
        return (time.monotonic() - self.started) / finished * todo


@dataclass
class RunSummary:
    """What `groundsim run` reports at the end."""

    run_id: str
    db: str
    jobs: int
    skipped: int
    completed: int
    errors: int
    cost_usd: float
    wall_s: float
    interrupted: bool = False


ProgressCallback = Callable[[Progress], None]


class Runner:
    """Runs one RunConfig against one store.

    It receives its collaborators (model client, labeller, outcome scorer) and looks none
    up: `simulator.cli.wiring.build_runner` is where a config becomes them.
    """

    def __init__(
        self,
        config: RunConfig,
        *,
        chat: ChatModel,
        labeller: Labeller,
        scorer: OutcomeScorer,
        flush_interval_s: float = FLUSH_INTERVAL_S,
    ) -> None:
        self.config = config
        self.flush_interval_s = flush_interval_s
        self.store = Store(config.db)
        self.chat = chat
        """The assistant's (and LLM users') model client."""
        self.labeller = labeller
        """Labels every assistant turn live (the CLI builds it from `config.labeller`)."""
        self.scorer = scorer
        """Scores each finished conversation (analysis's scorer, handed in by the CLI)."""
        self.progress = Progress()
        self.executor: RequestPreparationExecutor | None = None
        """The event loop's default executor during the last `run` (it counts inline preparations)."""

    def prepare(self) -> list[PlannedJob]:
        """Validate everything that can be validated before a single call is made."""
        for model in self.config.models:
            validate_model_id(model)
        for spec in self.config.users:
            validate_user_spec(spec)
            if spec.startswith("llm:"):
                validate_model_id(spec.removeprefix("llm:"))
        scenarios = select_scenarios(self.config)
        personas = list(load_persona_set(self.config.personas).personas) if self.config.personas else []
        self.scenarios = scenarios
        return plan_jobs(self.config, scenarios, personas, self.labeller)

    async def run(self, planned: list[PlannedJob], on_progress: ProgressCallback | None = None) -> RunSummary:
        config = self.config
        started = time.monotonic()
        self.store.migrate()
        keys = [p.job.job_key for p in planned]
        finished = self.store.finished_job_keys(keys, include_errors=not config.retry_errors)
        todo = [p for p in planned if p.job.job_key not in finished]
        self.store.begin_run(config, code_version(), self.scenarios, len(planned))
        progress = self.progress
        progress.total, progress.skipped = len(planned), len(planned) - len(todo)
        if on_progress:
            on_progress(progress)
        hashes = {s.id: s.content_hash() for s in self.scenarios}

        loop = DialogueLoop(chat=self.chat, labeller=self.labeller, max_turns=config.max_turns)
        queue: asyncio.Queue[tuple[ConversationRecord, CallTally] | None] = asyncio.Queue()
        global_limit = asyncio.Semaphore(config.max_concurrency)
        per_model = config.per_model_concurrency or config.max_concurrency
        model_limits = {m: asyncio.Semaphore(1 if is_local(m) else per_model) for m in config.models}
        labeller_id = f"{self.labeller.name}@{self.labeller.version}"

        async def converse(p: PlannedJob) -> None:
            calls = CallTally()
            count_calls_into(calls)  # this task's model calls, retries and failures
            async with model_limits[p.job.model], global_limit:
                user = make_user_agent(p.job.user_agent, AgentContext(chat=self.chat, seed=p.job.seed))
                settings = AssistantSettings(
                    model=p.job.model,
                    system_prompt=config.system_prompt,
                    temperature=config.temperature,
                    max_tokens=config.max_tokens,
                    seed=p.job.seed,
                )
                result = await loop.run(p.scenario, p.opening, user, settings)
            assistant = [(t.content, t.label) for t in result.turns if t.role == "assistant" and t.label is not None]
            outcome = self.scorer(p.scenario, "error" if result.error else "complete", assistant)
            record = ConversationRecord(
                conversation_id=p.job.conversation_id,
                run_id=config.run_id,
                job=p.job,
                scenario_kind=p.scenario.kind.value,
                scenario_domain=p.scenario.domain,
                status="error" if result.error else "complete",
                stop_reason=result.stop_reason,
                error=result.error,
                turns=result.turns,
                labeller=labeller_id,
                outcome=outcome,
                started_at=result.started_at,
                finished_at=result.finished_at,
            )
            await queue.put((record, calls))

        async def next_batch() -> list[tuple[ConversationRecord, CallTally] | None]:
            """Wait for a finished conversation, then collect more for up to `flush_interval_s`."""
            batch = [await queue.get()]
            deadline = time.monotonic() + self.flush_interval_s
            while batch[-1] is not None and len(batch) < MAX_BATCH:
                if not queue.empty():
                    batch.append(queue.get_nowait())
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), remaining))
                except TimeoutError:
                    break
            return batch

        async def writer() -> None:
            while True:
                batch = await next_batch()
                items = [item for item in batch if item is not None]
                records = [record for record, _ in items]
                if records:
                    calls = CallTally()
                    for _, tally in items:
                        calls.add(tally)
                    await asyncio.to_thread(self.store.write_conversations, records, hashes, calls)
                    for r in records:
                        if r.status == "error":
                            progress.errors += 1
                        else:
                            progress.done += 1
                        progress.cost_usd += sum(t.cost_usd or 0.0 for t in r.turns)
                    if on_progress:
                        on_progress(progress)
                if any(r is None for r in batch):
                    return

        self.executor = install_request_preparation_executor(asyncio.get_running_loop())
        # Everything alive now (litellm's modules, scenarios, the plan: ~500k objects) lives for the
        # whole run; frozen, the collector stops rescanning it, and a full collection no longer
        # stalls the event loop for 200-400 ms every ~10 s while responses queue up. No
        # gc.collect() first (~0.3 s): garbage frozen here is collected after the unfreeze.
        gc.freeze()
        writer_task = asyncio.create_task(writer())
        tasks = [asyncio.create_task(converse(p)) for p in todo]
        interrupted = False
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            interrupted = True
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await queue.put(None)
            await asyncio.shield(writer_task)
            gc.unfreeze()
        return RunSummary(
            run_id=config.run_id,
            db=str(Path(config.db).resolve()),
            jobs=len(planned),
            skipped=progress.skipped,
            completed=progress.done,
            errors=progress.errors,
            cost_usd=progress.cost_usd,
            wall_s=time.monotonic() - started,
            interrupted=interrupted,
        )
