"""How fast the explorer's Transcripts page opens on a database of 20,000 conversations.

Run: `PYTHONPATH=. .venv/bin/python benchmarks/bench_explorer.py [--conversations N] [--db PATH] [--no-browser]`.
Issue 6 asks for under 2 seconds. This builds a synthetic results database (bulk inserts
through pyarrow, schema from the real migrations), then measures, once:
- each read query the page runs, on a cold cache;
- the Transcripts page's whole script run under streamlit.testing.v1.AppTest with empty
  caches (modules already imported, as in a running server), then a warm rerun, a filtered
  view (an act filter: a join on turn labels) and an open conversation;
- in headless Chromium (if /usr/bin/chromium and playwright are there): the time from
  navigating to ?page=transcripts until the list shows, in a server that has already served
  another page (so imports are done but no Transcripts query is cached).
It prints the figures and whether they meet the target; it is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 2.0
MODELS = [f"provider/model-{i:02d}" for i in range(8)]
KINDS = [
    "underspecified",
    "ambiguous",
    "fully_specified",
    "unanswerable",
    "false_premise",
    "benign_sensitive",
    "harmful",
]
DOMAINS = ["travel", "cooking", "finance", "health", "computing", "legal", "shopping"]
PERSONAS = [("control", "control"), ("age_teen", "age"), ("age_70s", "age"), ("politics_liberal", "politics"),
            ("politics_conservative", "politics")]  # fmt: skip
OUTCOMES = ["success", "silent_failure", "flagged_failure", "appropriate_abstention", "hallucination", "over_refusal",
            "appropriate_refusal", "unfinished"]  # fmt: skip
ACTS = ["clarification", "understanding_check", "acknowledgment", "follow_up", "repair", "assumption_disclosure"]
STANCES = ["answer", "clarify_only", "epistemic_abstain", "safety_refusal", "partial_refusal", "other"]
WORDS = [
    "the",
    "a",
    "to",
    "of",
    "and",
    "in",
    "for",
    "is",
    "you",
    "it",
    "that",
    "with",
    "on",
    "this",
    "be",
    "are",
    "your",
    "can",
    "as",
    "or",
    "have",
    "will",
    "not",
    "at",
    "by",
    "from",
    "an",
    "if",
    "weekend",
    "portland",
    "trip",
    "budget",
    "dog",
    "hotel",
    "recipe",
    "oven",
    "salt",
    "loan",
    "rate",
    "flight",
    "fever",
    "printer",
    "lawyer",
    "refund",
]


def _text(rng: np.random.Generator, n: int) -> list[str]:
    lengths = rng.integers(8, 60, size=n)
    picks = rng.integers(0, len(WORDS), size=int(lengths.sum()))
    out, start = [], 0
    for length in lengths:
        out.append(" ".join(WORDS[i] for i in picks[start : start + length]).capitalize() + ".")
        start += length
    return out


def build_database(path: Path, n_conversations: int, seed: int = 0) -> dict[str, Any]:
    """A results database with `n_conversations` conversations, 2 or 4 turns each, labels and outcomes."""
    from simulator import Store

    rng = np.random.default_rng(seed)
    store = Store(path)
    store.migrate()
    now = datetime.now(UTC)
    run_id = "r_benchmark000"
    n_scenarios = 280
    scenario_ids = [f"bench-{i:03d}" for i in range(n_scenarios)]
    scenario_kind = [KINDS[i % len(KINDS)] for i in range(n_scenarios)]
    scenario_domain = [DOMAINS[(i // len(KINDS)) % len(DOMAINS)] for i in range(n_scenarios)]
    scenarios = pa.table(
        {
            "run_id": [run_id] * n_scenarios,
            "scenario_id": scenario_ids,
            "pack": ["bench"] * n_scenarios,
            "kind": scenario_kind,
            "domain": scenario_domain,
            "subtype": [None] * n_scenarios,
            "expected": ["clarify"] * n_scenarios,
            "content_hash": [f"h{i}" for i in range(n_scenarios)],
            "scenario_json": [
                json.dumps({"id": s, "hidden_intent": "A synthetic hidden intent.", "expected": "clarify",
                            "facts": [{"id": "a", "text": "Fact a."}, {"id": "b", "text": "Fact b."}]})
                for s in scenario_ids
            ],
        }
    )  # fmt: skip
    n = n_conversations
    sc = rng.integers(0, n_scenarios, size=n)
    persona_index = rng.integers(0, len(PERSONAS), size=n)
    n_assistant = rng.choice([1, 2], size=n, p=[0.4, 0.6])
    finished = [now - timedelta(seconds=int(s)) for s in rng.permutation(n)]
    ids = [f"c_{i:016x}" for i in range(n)]
    conversations = pa.table(
        {
            "conversation_id": ids,
            "run_id": [run_id] * n,
            "job_key": [f"{i:064x}" for i in range(n)],
            "scenario_id": [scenario_ids[i] for i in sc],
            "scenario_kind": [scenario_kind[i] for i in sc],
            "scenario_domain": [scenario_domain[i] for i in sc],
            "scenario_hash": [f"h{i}" for i in sc],
            "model": [MODELS[i] for i in rng.integers(0, len(MODELS), size=n)],
            "user_agent": ["scripted:cooperative"] * n,
            "persona": [PERSONAS[i][0] for i in persona_index],
            "persona_group": [PERSONAS[i][1] for i in persona_index],
            "bio_index": pa.array(np.zeros(n, dtype=np.int32)),
            "repeat": pa.array(rng.integers(0, 3, size=n).astype(np.int32)),
            "seed": pa.array(rng.integers(0, 2**31, size=n)),
            "status": ["complete"] * n,
            "stop_reason": ["answer_accepted"] * n,
            "error": pa.nulls(n, pa.string()),
            "n_turns": pa.array(n_assistant.astype(np.int32)),
            "prompt_tokens": pa.array(rng.integers(20, 400, size=n)),
            "completion_tokens": pa.array(rng.integers(20, 300, size=n)),
            "cost_usd": pa.array(rng.random(n) / 100),
            "live_labeller": ["rules@1"] * n,
            "started_at": pa.array(finished, pa.timestamp("us", tz="UTC")),
            "finished_at": pa.array(finished, pa.timestamp("us", tz="UTC")),
        }
    )
    turn_conv, turn_index, turn_role = [], [], []
    for cid, k in zip(ids, n_assistant, strict=True):
        for t in range(2 * int(k)):
            turn_conv.append(cid)
            turn_index.append(t)
            turn_role.append("user" if t % 2 == 0 else "assistant")
    m = len(turn_conv)
    turns = pa.table(
        {
            "conversation_id": turn_conv,
            "turn_index": pa.array(np.array(turn_index, dtype=np.int32)),
            "role": turn_role,
            "content": _text(rng, m),
            "latency_ms": pa.array(rng.random(m) * 1000),
            "prompt_tokens": pa.array(rng.integers(10, 200, size=m).astype(np.int32)),
            "completion_tokens": pa.array(rng.integers(10, 200, size=m).astype(np.int32)),
            "cost_usd": pa.array(rng.random(m) / 1000),
            "revealed_facts": [["a"] if (t == 2) else [] for t in turn_index],
        }
    )
    assistant = [i for i, role in enumerate(turn_role) if role == "assistant"]
    a = len(assistant)
    act_draws = rng.random((a, len(ACTS))) < 0.12
    labels = pa.table(
        {
            "conversation_id": [turn_conv[i] for i in assistant],
            "turn_index": pa.array(np.array([turn_index[i] for i in assistant], dtype=np.int32)),
            "labeller": ["rules"] * a,
            "labeller_version": ["1"] * a,
            "acts": [[ACTS[j] for j in np.flatnonzero(row)] for row in act_draws],
            "stance": [STANCES[i] for i in rng.choice(len(STANCES), size=a, p=[0.6, 0.15, 0.08, 0.07, 0.05, 0.05])],
            "asks_question": pa.array(rng.random(a) < 0.3),
            "labelled_at": pa.array([now] * a, pa.timestamp("us", tz="UTC")),
        }
    )
    outcomes = pa.table(
        {
            "conversation_id": ids,
            "labeller": ["rules"] * n,
            "labeller_version": ["1"] * n,
            "outcome": [OUTCOMES[i] for i in rng.integers(0, len(OUTCOMES), size=n)],
            "ternary": pa.array(rng.integers(-1, 2, size=n).astype(np.int32)),
            "simpleqa_grade": ["correct"] * n,
            "check_passed": pa.array(rng.random(n) < 0.5),
            "reason": ["synthetic"] * n,
            "scored_at": pa.array([now] * n, pa.timestamp("us", tz="UTC")),
        }
    )
    config = {"version": 1, "models": MODELS, "scenarios": ["bench"], "users": ["scripted:cooperative"], "repeats": 3}
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, 'bench', 'bench', ?, 1)", [run_id, now, now, json.dumps(config), n]
        )
        for table, rows in (("scenarios", scenarios), ("conversations", conversations), ("turns", turns),
                            ("turn_labels", labels), ("outcomes", outcomes)):  # fmt: skip
            con.register("incoming", rows)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
            con.unregister("incoming")
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    return {"conversations": n, "turns": m, "labels": a, "first_id": ids[0]}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def verdict(seconds: float) -> str:
    return "meets" if seconds < TARGET_S else "ABOVE"


def bench_queries(db: Path) -> None:
    from analysis import explore_queries as Q
    from simulator import Store

    store = Store(db)
    labeller = "rules@1"
    flt = Q.TranscriptFilter(labeller=labeller)
    print("read queries (one read-only connection each, cold):")
    for name, fn in (
        ("data_version", lambda: Q.data_version(store)),
        ("runs_in_progress", lambda: Q.runs_in_progress(store)),
        ("labellers", lambda: Q.labellers(store)),
        ("filter_options", lambda: Q.filter_options(store)),
        ("count_transcripts", lambda: Q.count_transcripts(store, flt)),
        ("list_transcripts (page 1)", lambda: Q.list_transcripts(store, flt, limit=25)),
        ("list_transcripts (page 400)", lambda: Q.list_transcripts(store, flt, limit=25, offset=25 * 399)),
        ("count, act + outcome filter", lambda: Q.count_transcripts(store, Q.TranscriptFilter(labeller=labeller, acts=("clarification",),
                                                                                            outcomes=("silent_failure",)))),
    ):  # fmt: skip
        seconds, _ = timed(fn)
        print(f"  {name:<32} {seconds * 1000:7.1f} ms")


def bench_apptest(db: Path, first_id: str) -> float:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["GROUNDSIM_DB"] = str(db)
    other = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    other.query_params["page"] = "baselines"
    other.run()  # as a server that has served another page: Streamlit and the app's modules are warm
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["page"] = "transcripts"
    cold, _ = timed(at.run)
    assert not at.exception, at.exception
    assert any("conversations match" in t.value for t in at.text)
    warm, _ = timed(at.run)
    filtered, _ = timed(lambda: at.multiselect(key="w_act").set_value(["clarification"]).run())
    match = next(t.value for t in at.text if "conversations match" in t.value)
    opened = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    opened.query_params["page"] = "transcripts"
    opened.query_params["conversation"] = first_id
    open_s, _ = timed(opened.run)
    assert not opened.exception and opened.chat_message
    print("Transcripts page, whole script run under AppTest (after another page, as in a running server):")
    print(f"  cold caches                      {cold:7.2f} s   ({verdict(cold)} the {TARGET_S:.0f} s target)")
    print(f"  warm rerun                       {warm:7.2f} s")
    print(f"  + act filter (cold for it)       {filtered:7.2f} s   -> {match.split('  ·')[0]}")
    print(f"  with a conversation open         {open_s:7.2f} s")
    return cold


BARE_PAGE = """
import pandas as pd
import streamlit as st

st.header("Transcripts")
cols = st.columns(4)
for i in range(8):
    cols[i % 4].multiselect(f"filter {i}", [f"option {j}" for j in range(10)], key=f"m{i}")
st.text("36 conversations match")
st.dataframe(pd.DataFrame({f"column {j}": [f"value {i} {j}" for i in range(25)] for j in range(11)}), hide_index=True,
             height=388, on_select="rerun", selection_mode="single-row", key="list")
"""
"""A bare Streamlit page with the Transcripts page's widgets and no data work: what the frontend alone costs."""


def _time_page(page: Any, url: str) -> float:
    """Seconds from navigating (from a blank page) until the list text and the table's first rows are shown.

    Starting from about:blank keeps the previous page's teardown (charts, grids) out of the figure.
    """
    page.goto("about:blank")
    start = time.perf_counter()
    page.goto(url)
    page.get_by_text("conversations match").wait_for()
    page.wait_for_function("() => document.querySelectorAll('[data-testid^=glide-cell-1-]').length >= 10")
    return time.perf_counter() - start


def bench_browser(db: Path, workdir: Path) -> float | None:
    if not Path("/usr/bin/chromium").is_file():
        print("browser: not measured (/usr/bin/chromium missing; `make browser`)")
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser: not measured (playwright not installed)")
        return None
    import subprocess

    sys.path.insert(0, str(ROOT))
    from simulator.cli.explore import free_port
    from tests.app.app_fixtures import start_explorer

    bare_script = workdir / "bare_page.py"
    bare_script.write_text(BARE_PAGE)
    bare_port = free_port()
    bare = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(bare_script), "--server.address", "127.0.0.1", "--server.port", str(bare_port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    proc, address = start_explorer(db)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            page.set_default_timeout(120_000)
            page.goto(f"{address}/?page=baselines")  # the first visit pays the server's imports
            page.get_by_text("No replay comparisons yet").wait_for()
            seconds = _time_page(page, f"{address}/?page=transcripts")
            warm = statistics.median(_time_page(page, f"{address}/?page=transcripts") for _ in range(3))
            _time_page(page, f"http://127.0.0.1:{bare_port}/")  # its server's first page
            bare_s = statistics.median(_time_page(page, f"http://127.0.0.1:{bare_port}/") for _ in range(3))
            browser.close()
    finally:
        for running in (proc, bare):
            running.send_signal(signal.SIGTERM)
            running.communicate(timeout=60)
    print("Transcripts page in headless Chromium, navigation until the list's rows show (server already warm):")
    print(f"  queries not cached yet           {seconds:7.2f} s   ({verdict(seconds)} the {TARGET_S:.0f} s target)")
    print(f"  queries cached (median of 3)     {warm:7.2f} s")
    print(f"  a bare Streamlit page with the same widgets and no data work (median of 3): {bare_s:.2f} s")
    print("  (browser figures on this machine are dominated by Streamlit's frontend: compare the bare page)")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument(
        "--db", type=Path, default=None, help="where to build the database (default: a temporary folder)"
    )
    parser.add_argument("--no-browser", action="store_true", help="skip the headless Chromium measurement")
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import_s, _ = timed(lambda: [importlib.import_module(m) for m in ("simulator", "analysis", "altair", "streamlit")])
    workdir = Path(tempfile.mkdtemp(prefix="groundsim-bench-explorer-"))
    db = args.db or workdir / "explorer-bench.duckdb"
    if db.exists():
        db.unlink()
    build_s, built = timed(lambda: build_database(db, args.conversations))
    print(
        f"built {built['conversations']:,} conversations, {built['turns']:,} turns, {built['labels']:,} labels "
        f"in {build_s:.1f} s ({db.stat().st_size / 1e6:.1f} MB): {db}"
    )
    print(
        f"(one-time imports of simulator + analysis + altair in this process: {import_s:.1f} s; a server pays them on its first page)"
    )
    bench_queries(db)
    bench_apptest(db, built["first_id"])
    if not args.no_browser:
        bench_browser(db, workdir)
    if args.db is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
