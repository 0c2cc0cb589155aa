"""Integration fixtures: the real embedded model, a real llama_cpp.server on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

GROUNDSIM = [sys.executable, "-c", "from simulator.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` serving SmolLM2 as `smollm2`; yields its /v1 base URL."""
    from simulator import gguf_path

    port = free_port()
    # llama.cpp logs a lot while loading: a pipe would fill and block the server, so a file.
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()), "--model_alias", "smollm2",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--seed", "0"],
        stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/models", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("llama_cpp.server did not answer within 120 s") from None
            time.sleep(0.2)  # polling a server that is starting up, not timing a test
    yield base
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def run_groundsim(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GROUNDSIM, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def groundsim_cmd() -> list[str]:
    return list(GROUNDSIM)


@pytest.fixture
def tmp_db(tmp_path: Path) -> Path:
    return tmp_path / "integration.duckdb"
