"""The benchmark command's parsing of its options and of the tools' reports (never timings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import __main__ as command
from benchmarks import load, profiling, stats

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

    assert (args.rounds, args.duration, args.quick) == (12, 5, False)
    assert args.output == command.DOC
    assert args.output.relative_to(command.REPO) == Path("docs/benchmarks.md")


def test_quick_run_is_short_and_leaves_the_docs_alone() -> None:
    args = command.parse_args(["--quick", "--only", "service"])

    assert (args.rounds, args.duration, args.only) == (1, 3, "service")
    assert args.output != command.DOC


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
