"""Shared pieces of the benchmarks: a fake server in its own process, CPU clocks, the machine.

The fake server runs in a separate process so its CPU is never counted as ours: every CPU
figure a benchmark prints is `time.process_time()` of the benchmark process alone.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Clarifying questions of realistic length: a scripted cooperative user answers every one, so a
# conversation always lasts exactly `max_turns` assistant turns (a fixed number of calls).
QUESTION_REPLIES: list[str] = [
    "Happy to help with that. Before I suggest anything, could you tell me a bit more about what you need? "
    "For example, what budget do you have in mind, and when are you planning to do this?",
    "Just to check I understood: are you looking for the quickest option or the cheapest one? "
    "And is there anything you definitely want to avoid?",
    "That depends on a few details. Which version or model are you using, and roughly how much experience "
    "do you have with this kind of thing?",
    "Good question. Who is this for, and is there a deadline or a size limit I should keep in mind?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fake_server_process(**config: Any) -> Iterator[str]:
    """Run the fake server (simulator.fake_server) in a child process; yields its /v1 base URL."""
    port = free_port()
    code = (
        "import sys, json\n"
        "from simulator.fake_server import FakeServerConfig, run_server\n"
        "run_server(FakeServerConfig(**json.loads(sys.argv[1])), int(sys.argv[2]), log_level='warning')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, json.dumps(config), str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the fake server process did not start")
            time.sleep(0.05)
        yield f"{base}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def server_stats(base_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(base_url.removesuffix("/v1") + "/stats", timeout=5) as response:
        return json.loads(response.read())


def reset_server_stats(base_url: str) -> None:
    """Zero the fake server's counters (after a warm-up call, so the figures count the measured part only)."""
    request = urllib.request.Request(base_url.removesuffix("/v1") + "/stats/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=5):
        pass


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    """One line describing the machine, for BENCHMARKS.md."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        mem = f"{mem_kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        mem = "RAM unknown"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} CPUs, {mem}, Python {platform.python_version()}, {platform.system()} {platform.release()}; "
            f"load average {load:.1f} at start (other work on the machine slows every figure)")


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


class TimedLabeller:
    """Delegates to a labeller and adds up what its `label` calls take: CPU of the calling thread, wall time, text length.

    The clocks cost well under a microsecond per call, against ~0.3 ms (rules) to ~3 ms
    (hybrid) of labelling on the gold mix.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.version = inner.name, inner.version
        self.cpu_s = 0.0
        self.wall_s = 0.0
        self.calls = 0
        self.chars = 0

    def label(self, text: str, previous: str | None = None) -> Any:
        started, wall_started = time.thread_time(), time.perf_counter()
        try:
            return self.inner.label(text, previous)
        finally:
            self.cpu_s += time.thread_time() - started
            self.wall_s += time.perf_counter() - wall_started
            self.calls += 1
            self.chars += len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
