"""Start the servers under test in their own process groups, wait until they answer, stop them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.errors import BenchmarkError

LOCAL = "http://127.0.0.1:"
READY_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 40.0
# Variables of fledge's own environment that must not leak into the generated project's.
_FOREIGN = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH")
# The service's settings: the benchmark sets each of them, never the caller's environment.
_SERVICE_VARIABLES = (
    "APP_ENV",
    "DATABASE_URL",
    "REDIS_URL",
    "JWT_SECRET",
    "PORT",
    "WEB_CONCURRENCY",
    "RATE_LIMIT_ENABLED",
    "RATE_LIMIT_DEFAULT",
    "RATE_LIMIT_AUTH",
    "ACCESS_TOKEN_TTL_SECONDS",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "TRUSTED_PROXIES",
    "CORS_ORIGINS",
    "METRICS_ENABLED",
    "METRICS_ALLOW",
    "PROMETHEUS_MULTIPROC_DIR",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SDK_DISABLED",
)


@dataclass(frozen=True)
class Server:
    """A running server: its name, process (the leader of its own process group) and port."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"{LOCAL}{self.port}"


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without fledge's virtualenv or any service setting, plus `extra`."""
    dropped = {*_FOREIGN, *_SERVICE_VARIABLES}
    return {k: v for k, v in os.environ.items() if k not in dropped} | dict(extra)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Launch:
    """How to start a server: `argv` must answer GET /health/live on `port`."""

    name: str
    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str]
    port: int
    log: Path


@contextmanager
def serving(launches: Sequence[Launch]) -> Iterator[dict[str, Server]]:
    """Run every server (started all at once, then waited for) until the block ends."""
    running: dict[str, Server] = {}
    try:
        for launch in launches:
            running[launch.name] = _start(launch)
        for server in running.values():
            _wait_until_ready(server)
        yield running
    finally:
        _stop([server.process for server in running.values()])


def _start(launch: Launch) -> Server:
    with launch.log.open("wb") as output:
        process = subprocess.Popen(
            launch.argv,
            cwd=launch.cwd,
            env=dict(launch.env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(launch.name, process, launch.port, launch.log)


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchmarkError(
                f"{server.name} exited with status {server.process.returncode}:\n{tail(server.log)}"
            )
        try:
            _request(f"{server.url}/health/live", {})
        except (OSError, BenchmarkError):
            time.sleep(0.25)
        else:
            return
    raise BenchmarkError(f"{server.name} did not answer within {READY_TIMEOUT_SECONDS:.0f} s")


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each server's process group (gunicorn stops gracefully), SIGKILL to those
    that hang."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [process for process in processes if process.poll() is None]
        for process in alive:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in alive:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                continue


def tail(log: Path, lines: int = 25) -> str:
    """The end of a server's log, without its access lines for successful requests."""
    text = log.read_text(errors="replace") if log.is_file() else ""
    kept = [line for line in text.strip().splitlines() if '"status": 2' not in line]
    return "\n".join(kept[-lines:])


def post_json(url: str, body: Mapping[str, str]) -> dict[str, object]:
    loaded = _request(url, {"Content-Type": "application/json"}, json.dumps(body).encode())
    if not isinstance(loaded, dict):
        raise BenchmarkError(f"POST {url}: not a JSON object")
    return loaded


def get_json(url: str, headers: Mapping[str, str]) -> object:
    return _request(url, headers)


def _request(url: str, headers: Mapping[str, str], body: bytes | None = None) -> object:
    """One JSON request to a server of ours (POST when there is a body)."""
    if not url.startswith(LOCAL):
        raise BenchmarkError(f"refusing to send a request off this machine: {url}")
    request = urllib.request.Request(url, data=body, headers=dict(headers))  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")[:300]
        raise BenchmarkError(f"{request.get_method()} {url}: {error.code} {detail}") from error


def children(pid: int) -> list[int]:
    """Every descendant of `pid` (read from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time used so far by `pid` and its descendants (from /proc)."""
    ticks = 0
    for process in (pid, *children(pid)):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
