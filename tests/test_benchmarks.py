"""The benchmark command's options, the load it sends, its parsing of the tools' reports and
its report's verdicts (never timings)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks import __main__ as command
from benchmarks import frameworks, load, machine, profiling, report, stats, throughput

WRK_REPORT = """\
Running 15s test @ http://127.0.0.1:40000/api/v1/products?limit=20
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    42.40ms   31.95ms 208.10ms   86.50%
    Req/Sec   837.53    117.18     1.02k    78.75%
  Latency Distribution
     50%   32.94ms
     75%   50.10ms
     90%   80.00ms
     99%    1.63s
  12563 requests in 15.00s, 55.60MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:    837.53
Transfer/sec:      3.71MB
"""


def test_full_run_is_the_default_and_writes_the_docs() -> None:
    args = command.parse_args([])

    assert (args.rounds, args.duration, args.quick) == (command.FULL.rounds, 3, False)
    assert args.framework == ["fastapi", "flask", "drf"]
    assert args.output == command.DOC
    assert args.output.relative_to(command.REPO) == Path("docs/benchmarks.md")


def test_quick_run_is_short_and_leaves_the_docs_alone() -> None:
    args = command.parse_args(["--quick", "--only", "service"])

    assert (args.rounds, args.duration, args.only) == (1, 2, "service")
    assert args.profile == 0
    assert args.output != command.DOC


def test_a_quick_run_can_still_profile() -> None:
    args = command.parse_args(["--quick", "--profile", "5"])

    assert (args.rounds, args.profile) == (1, 5)
    assert command._command(args) == "uv run python -m benchmarks --quick --profile 5"


def test_frameworks_are_chosen_once_each_in_the_order_given() -> None:
    args = command.parse_args(["--framework", "drf", "--framework", "flask", "--framework", "drf"])

    assert args.framework == ["drf", "flask"]


def test_an_unknown_framework_is_refused() -> None:
    with pytest.raises(SystemExit):
        command.parse_args(["--framework", "django"])


def test_every_bare_app_is_a_module_in_benchmarks_bare() -> None:
    for framework in frameworks.ALL.values():
        for bare in framework.bares:
            assert (throughput.BARE_APPS / f"{bare.module}.py").is_file(), bare


def test_a_template_without_copier_yml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        command.parse_args(["--template", str(tmp_path)])


def test_wrk_report_figures_refusals_and_errors() -> None:
    sample = load.parse_wrk(WRK_REPORT)

    assert sample.requests_per_second == pytest.approx(837.53)
    assert sample.p50_ms == pytest.approx(32.94)
    assert sample.p99_ms == pytest.approx(1630.0)
    assert sample.requests == 12563
    assert (sample.refused, sample.connection_errors) == (3, 3)


def test_ratios_are_paired_round_by_round() -> None:
    ratios = stats.paired_ratios([90.0, 40.0, 80.0], [100.0, 50.0, 100.0])

    assert ratios == pytest.approx([0.9, 0.8, 0.8])
    assert stats.median(ratios) == pytest.approx(0.8)


def test_profile_sums_samples_per_function() -> None:
    collapsed = "\n".join(
        [
            "run (/v/lib/python3.11/asyncio/runners.py:1);"
            "handle (/p/src/svc/api/deps.py:5);decode (/v/site-packages/jwt/api.py:9) 3",
            "run (/v/lib/python3.11/asyncio/runners.py:1);handle (/p/src/svc/api/deps.py:5) 1",
        ]
    )

    profile = profiling.summarize(collapsed, "svc")

    assert profile.samples == 4
    assert profile.inclusive == [(1.0, "svc/api/deps.py:handle")]
    assert profile.own[0] == (0.75, "jwt/api.py:decode")


def test_the_python_load_sends_the_body_and_a_fresh_key_per_request() -> None:
    seen: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                seen.append(head + await reader.readexactly(length))
                writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def measure() -> load.Sample:
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        request = load.Request("/api/v1/products", "POST", '{"name": "x"}', keyed=True)
        async with server:
            return await asyncio.to_thread(
                load.run, f"http://127.0.0.1:{port}", request, {}, load.Load(2, 0.3), wrk=None
            )

    sample = asyncio.run(measure())

    assert sample.requests == len(seen) > 2
    assert sample.refused == sample.connection_errors == 0
    assert all(r.startswith(b"POST /api/v1/products HTTP/1.1\r\n") for r in seen)
    assert all(r.endswith(b'\r\n\r\n{"name": "x"}') for r in seen)
    keys = [line for r in seen for line in r.split(b"\r\n") if line.startswith(b"Idempotency")]
    assert len(keys) == len(seen) == len(set(keys))


def _samples(*rates: float) -> list[load.Sample]:
    return [load.Sample(rate, 1.0, 2.0, 100, 0, cpu_ms_per_request=1000 / rate) for rate in rates]


def _results() -> throughput.Results:
    results = throughput.Results(frameworks.DRF)
    bare, django = (b.name for b in frameworks.DRF.bares)
    series = {
        throughput.LIST: {
            throughput.SERVICE: (90, 80),
            throughput.NO_LIMITS: (100, 90),
            throughput.NO_METRICS: (91, 80),
            bare: (100, 100),
            django: (200, 200),
        },
        throughput.READ: {throughput.SERVICE: (70, 75), bare: (100, 100), django: (100, 100)},
        throughput.CREATE: {throughput.SERVICE: (80, 70), bare: (100, 100), django: (100, 100)},
        throughput.CREATE_KEYED: {throughput.SERVICE: (60, 70)},
    }
    for operation, by_server in series.items():
        for server, rates in by_server.items():
            for sample in _samples(*rates):
                results.add(operation, server, sample)
    return results


def test_the_keyed_create_is_compared_with_the_bare_apps_create() -> None:
    results = _results()
    bare = frameworks.DRF.bare.name

    assert report.throughput_ratio(results, throughput.CREATE_KEYED, throughput.SERVICE, bare) == (
        pytest.approx(0.65)
    )
    assert report.feature_cost(results, throughput.LIST, throughput.NO_LIMITS) == pytest.approx(
        1 - (90 / 100 + 80 / 90) / 2
    )


def test_the_summary_lists_every_goal_with_its_verdict(tmp_path: Path) -> None:
    host = machine.Machine("cpu", 2, 1.0, "Linux", "3.11.7", "0 0 0", "0 0 0", {"wrk": "4"})
    run = report.Run(
        date="today",
        command="uv run python -m benchmarks",
        revision="abc",
        quick=False,
        machine=host,
        tool_notes=[],
        load=load.Load(16, 3),
        warmup_seconds=2,
        rounds=2,
        workers=2,
        generation=None,
        throughput=[_results()],
    )
    written = tmp_path / "benchmarks.md"

    report.write(run, written)

    summary = written.read_text().split("## Summary", 1)[1].split("## Machine", 1)[0]
    rows = [line for line in summary.splitlines() if line.startswith("| DRF")]
    assert len(rows) == 6
    list_row, read_row, create_row, keyed_row, limiter_row, metrics_row = rows
    assert "| 0.85 (" in list_row
    assert "0.43 of plain Django" in list_row
    assert list_row.endswith("**met** |")
    assert "| 0.72 (" in read_row
    assert read_row.endswith("**missed** |")
    assert "| 0.75 (" in create_row
    assert create_row.endswith("**met** |")
    assert "| 0.65 (" in keyed_row
    assert keyed_row.endswith("**missed** |")
    assert "rate limiting (Redis) costs at most 5%" in limiter_row
    assert limiter_row.endswith("**missed** |")
    assert "Prometheus metrics costs at most 3%" in metrics_row
    assert "list 0.5%" in metrics_row
    assert metrics_row.endswith("**met** |")
