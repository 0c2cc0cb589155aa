"""`groundsim explore`: start the Streamlit transcript explorer on this machine only."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Annotated

import typer

from scenarios import GroundsimError
from simulator.cli._common import DbOption, stdout

HOST = "127.0.0.1"
"""The explorer shows model output and file paths: it listens on loopback only, never on the network."""
START_TIMEOUT_S = 60.0
"""How long to wait for Streamlit's health endpoint before giving up."""


class ExplorerStartError(GroundsimError):
    """The explorer could not start (app file missing, port taken, Streamlit exited)."""


def app_path() -> Path:
    """app.py beside the packages (a checkout or editable install), else the installed `app` module."""
    beside = Path(__file__).resolve().parents[2] / "app.py"
    if beside.is_file():
        return beside
    spec = importlib.util.find_spec("app")
    if spec is not None and spec.origin and Path(spec.origin).is_file():
        return Path(spec.origin)
    raise ExplorerStartError("cannot find the explorer's app.py (reinstall groundsim)")


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def streamlit_command(app: Path, db: Path, port: int) -> list[str]:
    """`streamlit run app.py` bound to loopback, headless, without usage statistics or file watching, on `db`."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", HOST,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        # Watching source files costs every new browser session ~0.6 s (Streamlit scans all loaded
        # modules); a user exploring results is not editing app.py, so nothing needs watching.
        "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",  # no "Deploy" button: this is a local research tool
        "--", "--db", str(db),
    ]  # fmt: skip


def _wait_healthy(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    url = f"http://{HOST}:{port}/_stcore/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ExplorerStartError(
                f"streamlit exited with code {proc.returncode} before serving (see its output above)"
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise ExplorerStartError(f"streamlit did not answer on {url} within {START_TIMEOUT_S:.0f}s")


def explore(
    db: DbOption = "groundsim.duckdb",
    port: Annotated[
        int,
        typer.Option(
            "--port", envvar="GROUNDSIM_EXPLORE_PORT", help="Port on 127.0.0.1 (0 picks a free one).", show_default=True
        ),
    ] = 8501,
) -> None:
    """Browse runs, comparisons, transcripts, persona disparity and human baselines in a web app.

    It listens on 127.0.0.1 only and opens the database read-only, one short query at a time.

    It is safe to open while a run is writing: it shows what has been committed so far.

    It prints its address once the app answers; Ctrl+C stops it.

    The same app starts with `streamlit run app.py -- --db results.duckdb`.
    """
    from simulator import Store

    db_file = Path(db).expanduser().resolve()
    Store(db_file).check_readable()
    app = app_path()
    if port == 0:
        port = free_port()
    elif _port_taken(port):
        raise ExplorerStartError(f"port {port} on {HOST} is in use: pass --port N, or --port 0 for a free one")
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    proc = subprocess.Popen(streamlit_command(app, db_file, port), env=env, stdout=subprocess.DEVNULL)
    # A plain `kill` should stop Streamlit too, not orphan it: turn SIGTERM into a normal exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        _wait_healthy(proc, port)
        stdout.print(
            f"groundsim explorer: http://{HOST}:{port}  (database {db_file}; Ctrl+C stops it)",
            markup=False,
            highlight=False,
        )
        sys.stdout.flush()
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
