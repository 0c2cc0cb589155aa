"""`groundsim explore`: starts the app on loopback, prints its address, refuses clearly when it cannot."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.cli.explore import HOST, app_path, free_port, streamlit_command
from tests.app.app_fixtures import start_explorer

GROUNDSIM = str(Path(sys.executable).with_name("groundsim"))


@pytest.fixture
def explorer(explorer_db: dict[str, object]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc, address = start_explorer(explorer_db["path"])  # type: ignore[arg-type]
    yield proc, address
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def test_explore_serves_the_app_on_loopback_and_stops_cleanly(explorer: tuple[subprocess.Popen[str], str]) -> None:
    proc, address = explorer
    assert address.startswith(f"http://{HOST}:")
    port = int(address.rsplit(":", 1)[1])
    with urllib.request.urlopen(f"{address}/_stcore/health", timeout=10) as response:
        assert response.status == 200
    with urllib.request.urlopen(address, timeout=10) as response:
        assert response.status == 200 and b'<div id="root">' in response.read()
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    with socket.socket() as sock:  # Streamlit went down with it: nothing listens any more
        assert sock.connect_ex((HOST, port)) != 0


def test_a_missing_database_is_refused_before_starting(tmp_path: Path) -> None:
    result = subprocess.run(
        [GROUNDSIM, "explore", "--db", str(tmp_path / "none.duckdb")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "no such database" in result.stderr


def test_a_taken_port_is_refused_with_what_to_do(explorer_db: dict[str, object]) -> None:
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [GROUNDSIM, "explore", "--db", str(explorer_db["path"]), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr and "--port 0" in result.stderr


def test_the_streamlit_command_is_loopback_headless_quiet_and_unwatched(tmp_path: Path) -> None:
    command = streamlit_command(app_path(), tmp_path / "r.duckdb", 8765)
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(command[4]).name == "app.py" and Path(command[4]).is_file()
    options = dict(zip(command[5:-3:2], command[6:-3:2], strict=True))
    assert options == {
        "--server.address": "127.0.0.1",
        "--server.port": "8765",
        "--server.headless": "true",
        "--browser.gatherUsageStats": "false",
        "--server.fileWatcherType": "none",
        "--client.toolbarMode": "minimal",
    }
    assert command[-3:] == ["--", "--db", str(tmp_path / "r.duckdb")]
    assert 0 < free_port() < 65536
