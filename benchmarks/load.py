"""HTTP load at a fixed concurrency for a fixed time: wrk, or a Python stand-in.

Only ever pointed at servers this process started on 127.0.0.1; every run is bounded by its
duration.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks import stats
from benchmarks.errors import BenchmarkError

TIMEOUT_SECONDS = 10
STATUS_SCRIPT = Path(__file__).with_name("statuses.lua")
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass(frozen=True)
class Load:
    """How hard to push: open connections, seconds, and wrk threads."""

    connections: int
    seconds: float
    threads: int = 1


@dataclass(frozen=True)
class Request:
    """What every request of a run sends: a method, a path, a JSON body, and, when `keyed`, a
    fresh `Idempotency-Key` each time (never seen before: every request creates)."""

    path: str
    method: str = "GET"
    body: str = ""
    keyed: bool = False


@dataclass(frozen=True)
class Sample:
    """One load run: throughput, latency percentiles (milliseconds), refusals (answers other
    than 2xx) and connection errors."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    refused: int
    connection_errors: int = 0
    # Answers other than 2xx, by status.
    refusals: dict[int, int] = field(default_factory=dict)
    # CPU time the server's processes spent per request: steadier than requests/s on a busy
    # machine (measured by the caller, which knows the server's processes).
    cpu_ms_per_request: float = float("nan")


def run(
    base_url: str, request: Request, headers: Mapping[str, str], load: Load, *, wrk: str | None
) -> Sample:
    """Send `request` to the server at `base_url` and measure it; any non-2xx answer or socket
    error is a failure."""
    # A new prefix per run: keys never repeat, so no create is ever a replay.
    prefix = f"bench-{secrets.token_hex(6)}" if request.keyed else ""
    if wrk:
        return _wrk(wrk, base_url + request.path, request, prefix, headers, load)
    return asyncio.run(_python(base_url + request.path, request, prefix, headers, load))


# wrk


def _wrk(
    wrk: str, url: str, request: Request, prefix: str, headers: Mapping[str, str], load: Load
) -> Sample:
    argv = [
        wrk,
        f"--threads={load.threads}",
        f"--connections={load.connections}",
        f"--duration={max(1, round(load.seconds))}s",
        "--latency",
        # A slow answer on a busy machine is a slow answer, not a failure (wrk's default: 2 s).
        f"--timeout={TIMEOUT_SECONDS}s",
        f"--script={STATUS_SCRIPT}",
    ]
    for name, value in headers.items():
        argv += ["--header", f"{name}: {value}"]
    done = subprocess.run(
        [*argv, url, request.method, request.body, prefix],
        capture_output=True,
        text=True,
        timeout=load.seconds + 60,
        check=False,
    )
    if done.returncode != 0:
        raise BenchmarkError(f"wrk failed on {url}: {done.stderr.strip() or done.stdout.strip()}")
    return parse_wrk(done.stdout)


def parse_wrk(output: str) -> Sample:
    """The figures of wrk's `--latency` report."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    if rps is None or total is None:
        raise BenchmarkError(f"cannot read wrk's report:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Sample(
        requests_per_second=float(rps[1]),
        p50_ms=_percentile(output, "50"),
        p99_ms=_percentile(output, "99"),
        requests=int(total[1]),
        refused=int(non_2xx[1]) if non_2xx else 0,
        connection_errors=sum(int(count) for count in errors.groups()) if errors else 0,
        refusals=_refusals(output),
    )


def _refusals(output: str) -> dict[int, int]:
    """The counts printed by statuses.lua, for statuses other than 2xx."""
    counted: dict[int, int] = {}
    for status, count in re.findall(r"^status (\d+) (\d+)$", output, re.MULTILINE):
        if not 200 <= int(status) < 300:
            counted[int(status)] = counted.get(int(status), 0) + int(count)
    return counted


def _percentile(output: str, which: str) -> float:
    found = re.search(rf"^\s+{which}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if found is None:
        raise BenchmarkError(f"wrk's report has no {which}th percentile:\n{output}")
    return float(found[1]) * _UNITS[found[2]]


# The Python stand-in: keep-alive connections, each sending its next request when the last
# answer is in (as wrk does).


@dataclass
class _Tally:
    latencies_ms: list[float]
    refused: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    sent: int = 0


async def _python(
    url: str, request: Request, prefix: str, headers: Mapping[str, str], load: Load
) -> Sample:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    fields = {"Host": f"{host}:{port}", **headers}
    if request.body:
        fields |= {"Content-Type": "application/json", "Content-Length": str(len(request.body))}
    tally = _Tally(latencies_ms=[])
    started = time.perf_counter()
    deadline = started + load.seconds

    def encode(number: int) -> bytes:
        keyed = {"Idempotency-Key": f"{prefix}-{number}"} if prefix else {}
        lines = [f"{request.method} {target} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in (fields | keyed).items()]
        return ("\r\n".join(lines) + "\r\n\r\n" + request.body).encode()

    await asyncio.gather(
        *(_connection(host, port, encode, deadline, tally) for _ in range(load.connections))
    )
    elapsed = time.perf_counter() - started
    latencies = sorted(tally.latencies_ms)
    return Sample(
        requests_per_second=len(latencies) / elapsed,
        p50_ms=_quantile(latencies, 0.50),
        p99_ms=_quantile(latencies, 0.99),
        requests=len(latencies) + sum(tally.refused.values()) + tally.errors,
        refused=sum(tally.refused.values()),
        connection_errors=tally.errors,
        refusals=tally.refused,
    )


async def _connection(
    host: str, port: int, encode: Callable[[int], bytes], deadline: float, tally: _Tally
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            tally.sent += 1
            writer.write(encode(tally.sent))
            status = await asyncio.wait_for(_response(reader), TIMEOUT_SECONDS)
            if 200 <= status < 300:
                tally.latencies_ms.append((time.perf_counter() - sent) * 1000)
            else:
                tally.refused[status] = tally.refused.get(status, 0) + 1
    except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
        tally.errors += 1
    finally:
        writer.close()


async def _response(reader: asyncio.StreamReader) -> int:
    """Read one response with a Content-Length body; return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in header_lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


def _quantile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median_sample(samples: list[Sample]) -> Sample:
    """The median of each figure over several runs of the same configuration."""
    return Sample(
        requests_per_second=stats.median([s.requests_per_second for s in samples]),
        p50_ms=stats.median([s.p50_ms for s in samples]),
        p99_ms=stats.median([s.p99_ms for s in samples]),
        requests=sum(s.requests for s in samples),
        refused=sum(s.refused for s in samples),
        connection_errors=sum(s.connection_errors for s in samples),
        cpu_ms_per_request=stats.median([s.cpu_ms_per_request for s in samples]),
    )
