"""Running the fake server: in a background thread for tests and benchmarks, in the foreground for the CLI."""

from __future__ import annotations

import socket
import sys
import threading
import time
from types import TracebackType
from typing import Any

from simulator.fake_server._app import FakeServerStats, build_app
from simulator.fake_server._config import HOST, FakeServerConfig

# ---- running it -----------------------------------------------------------------------------


def _listening_socket(port: int, host: str = HOST) -> socket.socket:
    """Bind and listen before uvicorn starts: the port is known (0 = any free one) and early connections queue."""
    # proto must be IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY on accepted
    # connections only then, and without it every response waits ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _uvicorn_server(config: FakeServerConfig, stats: FakeServerStats, *, log_level: str, quiet_logging: bool) -> Any:
    import uvicorn

    uv_config = uvicorn.Config(
        build_app(config, stats),
        log_level=log_level,
        log_config=None if quiet_logging else uvicorn.config.LOGGING_CONFIG,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(uv_config)


class RunningServer:
    """A fake server running in a background thread; a context manager that stops it on exit."""

    def __init__(self, config: FakeServerConfig, port: int = 0) -> None:
        self.config = config
        self.stats_record = FakeServerStats()
        self._socket = _listening_socket(port)
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://{HOST}:{self.port}/v1"
        """What to pass as api_base: http://127.0.0.1:PORT/v1."""
        self._server = _uvicorn_server(config, self.stats_record, log_level="warning", quiet_logging=True)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"fake-server-{self.port}", daemon=True)

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:
            self._error = exc

    def start(self, timeout_s: float = 20.0) -> RunningServer:
        """Start the thread and return once GET /health answers."""
        import httpx

        self._thread.start()
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=1.0) as client:
            while True:
                try:
                    if client.get(f"http://{HOST}:{self.port}/health").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass  # queued in the backlog past the short timeout, or not yet accepted: ask again
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the fake server on port {self.port} did not start: {self._error!r}")

    def stats(self) -> dict[str, Any]:
        """The counters as GET /stats gives them, read directly (no HTTP call)."""
        return self.stats_record.snapshot()

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread (at most a couple of seconds)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_in_thread(config: FakeServerConfig | None = None, port: int = 0) -> RunningServer:
    """Start a fake server in a background thread on `port` (0 = a free one) and wait until it answers.

    Use it as a context manager: `with serve_in_thread(cfg) as server: ... server.base_url ...`.
    """
    return RunningServer(config or FakeServerConfig(), port).start()


def run_server(config: FakeServerConfig, port: int, *, host: str = HOST, log_level: str = "info") -> None:
    """Serve in the foreground until Ctrl-C (the `groundsim fake-server` command)."""
    sock = _listening_socket(port, host)
    bound = sock.getsockname()[1]
    print(
        f"groundsim fake OpenAI-compatible server on http://{host}:{bound}/v1 "
        f"(model ids: {', '.join(config.model_names)}; "
        f"stats at http://{host}:{bound}/stats). Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    try:
        _uvicorn_server(config, FakeServerStats(), log_level=log_level, quiet_logging=False).run(sockets=[sock])
    finally:
        sock.close()
