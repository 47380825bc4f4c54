"""docs/benchmarks.md: method, machine, figures and date, written from one run's results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import generation, load, machine, stats, throughput

FINDINGS = Path(__file__).with_name("findings.md")
GENERATION_GOAL = 0.10  # fledge adds at most 10% to copier copy
THROUGHPUT_GOAL = 0.80  # the service keeps at least 80% of the baseline's throughput
RATE_LIMIT_GOAL = 0.10  # rate limiting costs at most 10%


@dataclass(frozen=True)
class Run:
    """Everything one benchmark run produced."""

    date: str
    command: str
    revision: str
    quick: bool
    machine: machine.Machine
    tool_notes: Sequence[str]
    load: load.Load
    warmup_seconds: float
    rounds: int
    workers: int
    generation: generation.Results | None
    throughput: throughput.Results | None


def write(run: Run, path: Path) -> None:
    sections = [
        _title(run),
        _summary(run),
        _machine(run),
        _method(run),
        _generation(run.generation),
        _throughput(run),
        _profile(run.throughput),
        FINDINGS.read_text().strip() if FINDINGS.is_file() else "",
    ]
    path.write_text("\n\n".join(section for section in sections if section) + "\n")


# Goals


def generation_overhead(pair: generation.Pair) -> float:
    return stats.median(pair.fledge) / stats.median(pair.copier) - 1


def throughput_ratio(results: throughput.Results, endpoint: str, name: str, base: str) -> float:
    """The median of the round-by-round ratios of `name`'s and `base`'s requests per second."""
    samples = results.samples.get(endpoint, {})
    ours = [s.requests_per_second for s in samples.get(name, [])]
    theirs = [s.requests_per_second for s in samples.get(base, [])]
    return stats.median(stats.paired_ratios(ours, theirs))


def cpu_ratio(results: throughput.Results, endpoint: str, name: str, base: str) -> float:
    """`name`'s median server CPU time per request over `base`'s."""
    samples = results.samples.get(endpoint, {})
    ours = stats.median([s.cpu_ms_per_request for s in samples.get(name, [])])
    theirs = stats.median([s.cpu_ms_per_request for s in samples.get(base, [])])
    return ours / theirs if theirs else float("nan")


def _verdict(met: bool) -> str:
    return "**met**" if met else "**missed**"


def _summary(run: Run) -> str:
    rows = ["| goal | measured | |", "|---|---|---|"]
    for pair in run.generation.pairs if run.generation else []:
        added = generation_overhead(pair)
        rows.append(
            f"| `fledge new` (no git, no lock) adds at most 10% to `copier copy`, {pair.name} "
            f"| {added:+.1%} | {_verdict(added <= GENERATION_GOAL)} |"
        )
    page = throughput.PRODUCTS_PAGE
    if run.throughput and run.throughput.samples:
        ratio = throughput_ratio(run.throughput, page, throughput.SERVICE, throughput.BASELINE)
        cpu = cpu_ratio(run.throughput, page, throughput.BASELINE, throughput.SERVICE)
        rows.append(
            f"| the service serves at least 0.8 of the baseline's requests/s on `{page}` "
            f"| {ratio:.2f} (CPU per request, baseline / service: {cpu:.2f}) "
            f"| {_verdict(ratio >= THROUGHPUT_GOAL)} |"
        )
    if run.throughput and throughput.NO_LIMITS in run.throughput.samples.get(page, {}):
        kept = throughput_ratio(run.throughput, page, throughput.SERVICE, throughput.NO_LIMITS)
        rows.append(
            f"| rate limiting (Redis) costs at most 10% on `{page}` "
            f"| {1 - kept:.1%} | {_verdict(1 - kept <= RATE_LIMIT_GOAL)} |"
        )
    return "## Summary\n\n" + "\n".join(rows)


# Sections


def _title(run: Run) -> str:
    kind = "a quick smoke run (`--quick`): too short to trust" if run.quick else "a full run"
    return (
        "# Benchmarks\n\n"
        "<!-- Written by the benchmark command: edit benchmarks/ (findings.md for the last "
        "section), not this file. -->\n\n"
        f"Measured on {run.date}, fledge at {run.revision}, by {kind} of\n\n"
        f"```console\n{run.command}\n```\n\n"
        "which renders projects, starts servers on 127.0.0.1, measures, and rewrites this page. "
        "The machine is shared and noisy: compare the **ratios**, measured side by side, rather "
        "than the absolute figures."
    )


def _machine(run: Run) -> str:
    m = run.machine
    lines = [
        "## Machine",
        "",
        f"- CPU: {m.cpu}, {m.cores} cores; memory: {m.memory_gib:.1f} GiB",
        f"- system: {m.system}; Python {m.python}",
        f"- load average (1, 5, 15 min) before: {m.load_before}; after: {m.load_after}",
        "- versions: " + ", ".join(f"{name} {value}" for name, value in m.versions.items()),
    ]
    if run.throughput and run.throughput.versions:
        service = ", ".join(f"{k} {v}" for k, v in run.throughput.versions.items())
        lines.append(f"- the generated service's packages (from its uv.lock): {service}")
    lines += [f"- note: {note}" for note in run.tool_notes]
    return "\n".join(lines)


def _method(run: Run) -> str:
    timer = "hyperfine" if "hyperfine" in run.machine.versions else "a Python timer (no hyperfine)"
    loader = "wrk" if "wrk" in run.machine.versions else "a Python asyncio load generator (no wrk)"
    lo = run.load
    return f"""## Method

**Generation.** `fledge new --defaults --no-git --no-lock` and `copier copy --defaults --quiet`
render the same template with the same answers (`project_name`, `python_version` given to both,
every other question at its default), each into a fresh directory, timed by {timer} with both
tools' console scripts from fledge's environment, byte-compiled first as `pip install` leaves
an environment (these machines set `PYTHONDONTWRITEBYTECODE`, so without it every run would
compile each module it imports, from source). Each round runs one tool's batch, then the
other's, the order swapped every round; the figure is the median wall time, and the ratio is
fledge's median over copier's. Both renders are compared file by file first (all equal but
`.env`, whose secret is random). Two sources: a plain copy of `copier.yml` and `template/` (what
an installed fledge renders) and this git checkout at `HEAD` (Copier clones it and applies
uncommitted changes; what fledge renders when run from a checkout). Then the full `fledge new`
(with `uv lock` against PyPI with a warm uv cache, `git init` and the first commit), and
`fledge new --verify` (also `uv sync` and the generated project's own test suite on SQLite).

**Service throughput.** fledge renders the FastAPI service and `make install` installs it; a
fresh PostgreSQL database is created, migrated with `make migrate`, filled with
{throughput.PRODUCTS:,} products by one SQL statement over `generate_series`, and dropped at the
end. Three servers run at once, each with gunicorn, the `uvicorn_worker.UvicornWorker` class and
{run.workers} workers:

1. *service*: `make serve` (the Dockerfile's command, `gunicorn.conf.py`) with `APP_ENV=production`,
   PostgreSQL, Redis and rate limiting on. `RATE_LIMIT_DEFAULT` is raised to
   `{throughput.UNLIMITED_RATE}` so that no request is refused, yet each one still runs the
   token-bucket script in Redis; one JSON access-log line per request goes to a file.
2. *service, rate limiting off*: the same with `RATE_LIMIT_ENABLED=false`.
3. *baseline*: `benchmarks/baseline_app.py`, a minimal FastAPI app in the service's own
   environment (same package versions), without middleware, authentication or logging, that
   runs the same products query (SQLAlchemy asyncio session on asyncpg, the service's pool
   settings) over the same table and returns the same JSON.

A user is registered through the service's API; every request carries its bearer token
(the baseline ignores it). The servers must answer the same 20 products before anything is
timed. After a {run.warmup_seconds:.0f} s warm-up of each, {loader} loads `GET /health/live`
and `GET /api/v1/products?limit=20` with {lo.connections} connections ({lo.threads} load
thread, 10 s timeout) for {lo.seconds:.0f} s per run, {run.rounds} rounds; each round measures
every server once, the order rotated round by round. More than 0.1% of answers other than 2xx
or connection errors in a run, or any 429, stops the benchmark; fewer are listed in a note.
Figures are medians over the rounds; a ratio is the median of the round-by-round ratios. The
load generator shares the machine's two cores with the servers, PostgreSQL and Redis, so
absolute figures move with the machine's load; the ratios much less.

*Server CPU per request* is the CPU time (user and system, from /proc) that a server's
processes, the gunicorn master and its workers, used during a run, divided by the requests it
answered. It is steadier than requests/s when other jobs compete for the cores, and leaves out
PostgreSQL's and Redis's CPU. Last, py-spy samples one worker of the *service* while it serves
the products page (the profile below)."""


def _seconds(values: Sequence[float]) -> str:
    return f"{stats.median(values):.2f}"


def _generation(results: generation.Results | None) -> str:
    if results is None:
        return ""
    rows = [
        "## Generation",
        "",
        "| source | fledge (s) | copier (s) | fledge / copier | runs each | same files |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for pair in results.pairs:
        ratio = stats.median(pair.fledge) / stats.median(pair.copier)
        rows.append(
            f"| {pair.name} | {_seconds(pair.fledge)} ({stats.spread(pair.fledge)}) "
            f"| {_seconds(pair.copier)} ({stats.spread(pair.copier)}) | {ratio:.3f} "
            f"| {len(pair.fledge)} | {'yes' if pair.same_files else '**no**'} |"
        )
    rows += ["", "| command | median (s) | min..max (s) | runs |", "|---|---:|---:|---:|"]
    for label, values in (
        ("`fledge new --defaults` (render, `uv lock`, `git init` + commit)", results.full),
        ("`fledge new --defaults --verify` (and `uv sync`, `make test`)", results.verify),
    ):
        if values:
            rows.append(
                f"| {label} | {_seconds(values)} | {stats.spread(values)} | {len(values)} |"
            )
    rows.append("")
    rows.append("Times in seconds: median (min..max).")
    return "\n".join(rows)


def _throughput(run: Run) -> str:
    results = run.throughput
    if results is None or not results.samples:
        return ""
    parts = ["## Service throughput"]
    for endpoint, by_name in results.samples.items():
        rows = [
            f"### `{endpoint}`",
            "",
            "| server | requests/s | p50 (ms) | p99 (ms) | / baseline "
            "| server CPU per request (ms) | rounds |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, samples in by_name.items():
            med = load.median_sample(samples)
            ratio = throughput_ratio(results, endpoint, name, throughput.BASELINE)
            rows.append(
                f"| {name} | {med.requests_per_second:.0f} "
                f"({stats.spread([s.requests_per_second for s in samples])}) "
                f"| {med.p50_ms:.1f} | {med.p99_ms:.1f} | {ratio:.2f} "
                f"| {med.cpu_ms_per_request:.2f} | {len(samples)} |"
            )
        parts.append("\n".join(rows))
    page = throughput.PRODUCTS_PAGE
    if throughput.NO_LIMITS in results.samples.get(page, {}):
        kept = throughput_ratio(results, page, throughput.SERVICE, throughput.NO_LIMITS)
        parts.append(_rate_limiting(page, kept))
    parts += [f"Note: {note}" for note in results.notes]
    return "\n\n".join(parts)


def _rate_limiting(page: str, kept: float) -> str:
    return (
        f"Rate limiting on `{page}`: the service with it serves {kept:.2f} of the requests/s "
        f"it serves without it (median of the rounds' ratios), a cost of {1 - kept:.1%}. "
        "`/health/live` is never rate limited: its two service rows differ by noise only."
    )


def _profile(results: throughput.Results | None) -> str:
    profile = results.profile if results else None
    if profile is None or not profile.samples:
        return ""
    inclusive = "\n".join(f"| {share:.1%} | `{frame}` |" for share, frame in profile.inclusive)
    own = "\n".join(f"| {share:.1%} | `{frame}` |" for share, frame in profile.own)
    return f"""## Profile of a service worker

py-spy sampled one worker of the *service* for a while under the same load on
`{throughput.PRODUCTS_PAGE}` ({profile.samples} samples; idle time in the event loop's
`select` is not sampled). Share of the samples in which the service's own functions were
running or waiting on a callee:

| share | function |
|---:|---|
{inclusive}

The functions with most samples of their own, anywhere:

| share | function |
|---:|---|
{own}"""
