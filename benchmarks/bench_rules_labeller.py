"""Throughput of the `rules` labeller on one core: turns per second over the gold texts.

Run: `PYTHONPATH=. .venv/bin/python benchmarks/bench_rules_labeller.py [--repeat N]`.
Issue 4 asks for at least 5,000 turns/s; this prints the figure measured in this run and
whether it meets that target, and is a benchmark, not a test (timing varies by machine).
The labeller is single-threaded Python, so the process uses one core.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from analysis.labellers._jsonl import read_gold_jsonl
from analysis.labellers._rules import RulesLabeller

GOLD_DIR = Path(__file__).resolve().parent.parent / "analysis" / "gold"
TARGET_TURNS_PER_SECOND = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="passes over the gold texts (default 20)")
    args = parser.parse_args()
    rows = [r for name in ("assistant_turns_dev.jsonl", "assistant_turns_test.jsonl") for r in read_gold_jsonl(GOLD_DIR / name)]
    pairs = [(r.text, r.previous) for r in rows] * args.repeat
    labeller = RulesLabeller()
    for text, previous in pairs[: len(rows)]:  # warm up regex caches
        labeller.label(text, previous)
    start, cpu_start = time.perf_counter(), time.process_time()
    for text, previous in pairs:
        labeller.label(text, previous)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    # CPU time of this (single-threaded) process: the one-core figure even on a busy machine.
    rate = len(pairs) / cpu
    chars = sum(len(t) for t, _ in pairs) / len(pairs)
    verdict = "meets" if rate >= TARGET_TURNS_PER_SECOND else "BELOW"
    print(f"rules@{labeller.version}: {len(pairs)} turns (mean {chars:.0f} chars) in {cpu:.2f} s CPU, {elapsed:.2f} s wall")
    print(f"{rate:,.0f} turns/second on one core, by CPU time ({verdict} the {TARGET_TURNS_PER_SECOND:,}/s target)")
    print(f"{len(pairs) / elapsed:,.0f} turns/second by wall-clock time (lower when other processes share the core)")


if __name__ == "__main__":
    main()
