"""Concurrency efficiency: conversations per second against a slow model, over the ideal, in one run.

Run: `PYTHONPATH=. .venv/bin/python benchmarks/bench_concurrency.py [--conversations 1000] [--concurrency 50]`
(about 100 s at the defaults).

The fake server (its own process) answers every call after `--latency-ms` and always with a
clarifying question, so each conversation is exactly `--turns` model calls. With `c`
conversations in flight, `k` calls per conversation and latency `L`, no engine can beat
c / (k x L) conversations per second; the figure is achieved / that ideal (target >= 0.9), with
peak memory (target < 1 GB) and the CPU ceiling: model calls per CPU-second of this process,
i.e. the call rate at which one groundsim process would saturate one core.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

from benchmarks._common import QUESTION_REPLIES, fake_server_process, machine, peak_rss_mb, reset_server_stats, server_stats, verdict

TARGET_EFFICIENCY = 0.9
TARGET_PEAK_MB = 1024


async def main_async(args: argparse.Namespace) -> None:
    from scenarios import load_scenarios
    from simulator import RunConfig, preflight
    from simulator.cli.wiring import build_runner

    pack = len(load_scenarios("builtin:core"))
    limit = min(pack, args.conversations)
    repeats = math.ceil(args.conversations / limit)
    with fake_server_process(replies=QUESTION_REPLIES, latency_ms=args.latency_ms) as base_url, tempfile.TemporaryDirectory() as tmp:
        config = RunConfig(
            models=["openai/fake"], scenarios=["builtin:core"], limit=limit, repeats=repeats, max_turns=args.turns,
            api_base=base_url, db=str(Path(tmp) / "bench.duckdb"), preflight=False, progress=False,
            max_concurrency=args.concurrency, timeout_s=60, seed=args.seed,
        )
        runner = build_runner(config)
        planned = runner.prepare()[: args.conversations]
        runner.store.migrate()
        await preflight(runner.chat, config.models)  # as `groundsim run` does: one tiny call, before the clock
        calls_before = runner.chat.tally.calls
        reset_server_stats(base_url)
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        summary = await runner.run(planned)
        wall = time.perf_counter() - wall_started
        cpu = time.process_time() - cpu_started
        stats = server_stats(base_url)
        calls = runner.chat.tally.calls - calls_before
        stored = runner.store.query("SELECT count(*) AS n, count(*) FILTER (WHERE status = 'complete') AS ok, "
                                    "avg(n_turns) AS turns FROM conversations")[0]
    peak = peak_rss_mb()
    achieved = summary.completed / wall
    calls_per_conversation = calls / max(summary.completed + summary.errors, 1)
    ideal = args.concurrency / (calls_per_conversation * args.latency_ms / 1000)
    efficiency = achieved / ideal
    print(f"concurrency efficiency ({machine()})")
    print(f"  {summary.completed} conversations complete, {summary.errors} errors, {stored['n']} stored, "
          f"{calls} model calls ({calls_per_conversation:.2f} per conversation), mean {stored['turns']:.2f} assistant turns")
    print(f"  fake server: {args.latency_ms:.0f} ms per call, {stats['requests']} requests, at most {stats['max_in_flight']} in flight")
    print(f"  wall {wall:.1f} s: {achieved:.2f} conversations/s; ideal {args.concurrency} / ({calls_per_conversation:.2f} x "
          f"{args.latency_ms / 1000:.2f} s) = {ideal:.2f}/s")
    print(f"  efficiency {efficiency:.3f} (ideal 1, target >= {TARGET_EFFICIENCY}): {verdict(efficiency >= TARGET_EFFICIENCY)}")
    print(f"  peak memory {peak:.0f} MB (target < {TARGET_PEAK_MB} MB): {verdict(peak < TARGET_PEAK_MB)}")
    print(f"  CPU {cpu:.1f} s for {calls} calls: CPU ceiling {calls / cpu:.0f} model calls per CPU-second "
          f"(one process saturates one core at about that many calls/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1000, help="conversations (default 1000)")
    parser.add_argument("--concurrency", type=int, default=50, help="conversations in flight (default 50)")
    parser.add_argument("--latency-ms", type=float, default=1000.0, help="fake server latency per call (default 1000)")
    parser.add_argument("--turns", type=int, default=5, help="assistant turns (model calls) per conversation (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
