"""Engine overhead: CPU per assistant turn on top of a bare `litellm.acompletion`, measured in one run.

Run: `PYTHONPATH=. .venv/bin/python benchmarks/bench_engine.py [--conversations N] [--calls N]`.

The fake server answers at zero latency in its own process, so every CPU millisecond counted
here is spent by this process. Three phases, interleaved so drift hits them alike:

- floor: `litellm.acompletion` to the fake server with the same parameters a run sends, as
  litellm ships (its request preparation in a worker thread), and again as a run makes the call
  (preparation on the loop thread, `RequestPreparationExecutor`);
- model client: `LiteLLMChat.complete` with the same messages (our wrapper around litellm);
- the whole engine: `Runner` holding 5-turn conversations (scripted cooperative user, DuckDB
  store), once with the default live labeller (`hybrid`) and once with `rules` in every round,
  with the labeller and the store timed from inside.

Per assistant turn: model client = client phase - the run-style floor; live labelling is timed from inside
(thread CPU time); storage is the CPU of writing the run's own batches again, alone, into a fresh
file (DuckDB works in its own threads, which a per-thread clock inside the run would miss);
dialogue loop = engine total - client phase - labelling - storage (LangGraph, the user agent,
records, the runner's tasks and queue). Targets: everything on top of the floor costs at most half
of it; live labelling adds at most 20% to the engine's CPU per turn (labeller CPU / engine CPU
without the labeller <= 0.20). The fake server answers with short clarifying questions (so
the cooperative user answers every one), shorter than the gold mix bench_labellers.py labels.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

from benchmarks._common import QUESTION_REPLIES, TimedLabeller, fake_server_process, machine, verdict

MODEL = "openai/fake"
MAX_TURNS = 5
TARGET_RATIO = 0.5
TARGET_LABELLING_SHARE = 0.20  # live labelling CPU / engine CPU without it, per assistant turn
LABELLERS = ("hybrid", "rules")  # the default first
USER_TEXTS = [
    "What's a good neighborhood to stay in for a weekend?",
    "I don't know, I haven't thought about that.",
    "About $150 a night.",
    "I'm bringing my dog.",
    "I mean the one in Maine.",
]


def sample_messages() -> list[list[dict[str, str]]]:
    """The message lists of one 5-turn conversation: what the assistant is sent at each turn."""
    lists = []
    history: list[dict[str, str]] = []
    for turn in range(MAX_TURNS):
        history = [*history, {"role": "user", "content": USER_TEXTS[turn]}]
        lists.append(list(history))
        history = [*history, {"role": "assistant", "content": QUESTION_REPLIES[turn % len(QUESTION_REPLIES)]}]
    return lists


async def cpu_per_call(call: Any, messages: list[list[dict[str, str]]], n: int) -> float:
    """CPU milliseconds per call over `n` sequential calls cycling through `messages`."""
    started = time.process_time()
    for i in range(n):
        await call(messages[i % len(messages)])
    return (time.process_time() - started) / n * 1000


def replay_batches(batches: list[tuple[Any, ...]], db: Path) -> float:
    """CPU seconds (all threads) to write these batches again, one by one, into a fresh file."""
    from simulator import Store

    store = Store(db)
    store.migrate()
    started = time.process_time()
    for args in batches:
        store.write_conversations(*args)
    return time.process_time() - started


async def engine_run(base_url: str, db: Path, conversations: int, concurrency: int, seed: int, labeller_name: str) -> dict[str, float]:
    """One Runner run with this live labeller; returns CPU seconds in total, in the labeller, in the store, and the turn count."""
    from analysis import get_labeller
    from simulator import RunConfig
    from simulator.cli.wiring import build_runner

    config = RunConfig(
        models=[MODEL], scenarios=["builtin:core"], limit=conversations, max_turns=MAX_TURNS, api_base=base_url,
        db=str(db), preflight=False, progress=False, max_concurrency=concurrency, seed=seed, timeout_s=60,
    )
    labeller = TimedLabeller(get_labeller(labeller_name))
    runner = build_runner(config, labeller=labeller)
    planned = runner.prepare()
    store_cpu = [0.0]
    write = runner.store.write_conversations
    batches: list[tuple[Any, ...]] = []

    def recording_write(*args: Any) -> None:
        batches.append(args)
        write(*args)

    runner.store.write_conversations = recording_write  # type: ignore[method-assign]
    runner.store.migrate()  # schema creation is a one-off, not a per-turn cost
    started = time.process_time()
    summary = await runner.run(planned)
    total = time.process_time() - started
    store_cpu[0] = replay_batches(batches, db.with_name(db.stem + "-replay.duckdb"))
    turns = runner.store.query("SELECT count(*) AS n FROM turns WHERE role = 'assistant' AND conversation_id IN "
                               "(SELECT conversation_id FROM conversations WHERE run_id = ?)", [summary.run_id])[0]["n"]
    if summary.errors:
        raise RuntimeError(f"{summary.errors} conversations failed against a fault-free server")
    if labeller.calls != turns:
        raise RuntimeError(f"the labeller labelled {labeller.calls} of {turns} assistant turns")
    return {"total_s": total, "label_s": labeller.cpu_s, "store_s": store_cpu[0], "turns": float(turns), "batches": float(len(batches)),
            "chars": float(labeller.chars)}


async def main_async(args: argparse.Namespace) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from simulator.models._provider import LiteLLMChat, RequestPreparationExecutor, litellm_module

    litellm = litellm_module()
    loop = asyncio.get_running_loop()
    stock_executor, run_executor = ThreadPoolExecutor(), RequestPreparationExecutor()
    messages = sample_messages()
    with fake_server_process(replies=QUESTION_REPLIES) as base_url, tempfile.TemporaryDirectory() as tmp:
        chat = LiteLLMChat(api_base=base_url, timeout_s=60, num_retries=3)
        params = {"temperature": 0.7, "max_tokens": 512, "seed": 1}

        async def bare(msgs: list[dict[str, str]]) -> Any:
            return await litellm.acompletion(model=MODEL, messages=msgs, api_base=base_url, api_key="not-needed",
                                             timeout=60, num_retries=3, **params)

        ours = (list(litellm.callbacks), list(litellm.post_call_rules))

        async def floor_per_call(n: int, executor: ThreadPoolExecutor) -> float:
            """The floor without what groundsim registers in litellm (its attempt observer and empty-reply rule).

            With `stock_executor` litellm runs as shipped (its request preparation in a worker
            thread); with `run_executor` as during a run (preparation on the loop thread)."""
            litellm.callbacks, litellm.post_call_rules = [], []
            loop.set_default_executor(executor)
            try:
                return await cpu_per_call(bare, messages, n)
            finally:
                litellm.callbacks, litellm.post_call_rules = list(ours[0]), list(ours[1])

        async def client(msgs: list[dict[str, str]]) -> Any:
            return await chat.complete(MODEL, msgs, **params)

        async def client_per_call(n: int) -> float:
            loop.set_default_executor(run_executor)  # as in a run
            return await cpu_per_call(client, messages, n)

        await floor_per_call(50, stock_executor)  # warm every path: imports, connection pools, caches
        await floor_per_call(50, run_executor)
        await client_per_call(50)
        for name in LABELLERS:
            await engine_run(base_url, Path(tmp) / f"warm-{name}.duckdb", 10, args.concurrency, seed=999, labeller_name=name)

        floors, inline_floors, clients = [], [], []
        engines: dict[str, list[dict[str, float]]] = {name: [] for name in LABELLERS}
        chunk = 25  # the three call phases alternate in small chunks, so drift in the machine's speed hits them alike
        chunks = max(1, args.calls // chunk)
        for rnd in range(args.rounds):
            floor_ms = inline_ms = client_ms = 0.0
            for _ in range(chunks):
                floor_ms += await floor_per_call(chunk, stock_executor)
                inline_ms += await floor_per_call(chunk, run_executor)
                client_ms += await client_per_call(chunk)
            floors.append(floor_ms / chunks)
            inline_floors.append(inline_ms / chunks)
            clients.append(client_ms / chunks)
            # both labellers hold the same conversations (same seed); which goes first alternates by round
            for name in (LABELLERS if rnd % 2 == 0 else tuple(reversed(LABELLERS))):
                engines[name].append(await engine_run(base_url, Path(tmp) / f"run{rnd}-{name}.duckdb", args.conversations,
                                                      args.concurrency, seed=rnd, labeller_name=name))

    floor = statistics.median(floors)
    inline_floor = statistics.median(inline_floors)
    client_ms = statistics.median(clients)
    per_turn: dict[str, dict[str, float]] = {}
    for name, runs in engines.items():
        turns = sum(e["turns"] for e in runs)
        total_ms = sum(e["total_s"] for e in runs) / turns * 1000
        label_ms = sum(e["label_s"] for e in runs) / turns * 1000
        store_ms = sum(e["store_s"] for e in runs) / turns * 1000
        per_turn[name] = {
            "total": total_ms, "label": label_ms, "store": store_ms, "loop": total_ms - client_ms - label_ms - store_ms,
            "ours": total_ms - inline_floor,  # what we add, not counting the preparation saving (the conservative figure)
            "share": label_ms / (total_ms - label_ms), "chars": sum(e["chars"] for e in runs) / turns, "turns": turns,
        }
    names = list(per_turn)
    heads = "".join(f"{(n + ' (default)' if i == 0 else n):>18}" for i, n in enumerate(names))

    def row(title: str, key: str) -> str:
        return f"  {title:<40}" + "".join(f"{per_turn[n][key]:15.2f} ms" for n in names)

    print(f"engine overhead ({machine()})")
    print(f"  {args.rounds} rounds x ({args.calls} bare calls, {args.calls} client calls, {args.conversations} conversations x {MAX_TURNS} turns "
          f"with each live labeller), concurrency {args.concurrency}, fake server at 0 ms in its own process")
    print(f"  floor: bare litellm.acompletion       {floor:6.2f} ms CPU per call   (rounds: {', '.join(f'{f:.2f}' for f in floors)})")
    print(f"  the same call as a run makes it        {inline_floor:6.2f} ms CPU per call   "
          f"(litellm's request preparation on the loop thread, not a worker thread: {floor - inline_floor:+.2f} ms saved)")
    print(f"  CPU per assistant turn, by live labeller{heads}")
    print(row("engine total", "total"))
    print(f"  {'  model client (ours, on top of that)':<40}" + "".join(f"{client_ms - inline_floor:15.2f} ms" for _ in names))
    print(row("  dialogue loop", "loop"))
    print(row("  live labelling", "label"))
    print(row("  storage", "store"))
    print(f"  {'(labelled text: mean chars per turn)':<40}" + "".join(f"{per_turn[n]['chars']:18.0f}" for n in names))
    for name in names:
        p = per_turn[name]
        ratio = p["ours"] / floor
        print(f"  {name}: ours (client + loop + labelling + storage): {p['ours']:.2f} ms = {ratio:.2f} x the floor "
              f"(ideal 0, target <= {TARGET_RATIO}): {verdict(ratio <= TARGET_RATIO)}")
    for name in names:
        p = per_turn[name]
        print(f"  {name}: live labelling adds {p['label']:.2f} ms to {p['total'] - p['label']:.2f} ms of engine CPU per turn without it = "
              f"{p['share']:.0%} (target <= {TARGET_LABELLING_SHARE:.0%}): {verdict(p['share'] <= TARGET_LABELLING_SHARE)}")
    print("  net of the preparation saving: " + ", ".join(f"{n} {per_turn[n]['total'] - floor:+.2f} ms" for n in names)
          + " per turn against the bare call")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100, help="conversations per round (default 100)")
    parser.add_argument("--calls", type=int, default=300, help="bare and client calls per round (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--concurrency", type=int, default=8, help="conversations in flight (default 8, the run default)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
