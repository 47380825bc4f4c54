"""docs/benchmarks.md: method, machine, figures and date, written from one run's results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import generation, load, machine, stats, throughput

FINDINGS = Path(__file__).with_name("findings.md")
GENERATION_GOAL = 0.05  # fledge adds at most 5% to copier copy
VERIFY_GOAL_SECONDS = 30.0  # fledge new --verify, warm
# The service keeps at least this share of its bare app's requests/s.
THROUGHPUT_GOALS = {
    throughput.LIST: 0.80,
    throughput.READ: 0.80,
    throughput.CREATE: 0.70,
    throughput.CREATE_KEYED: 0.70,
}
# What a feature may cost, as a share of the service's requests/s: the variant with it off, and
# the feature's name in the report.
FEATURE_GOALS = {
    throughput.NO_LIMITS: ("rate limiting (Redis)", 0.05),
    throughput.NO_METRICS: ("Prometheus metrics", 0.03),
}
# The operations a feature's cost is measured on (the variants take no Idempotency-Key).
FEATURE_OPERATIONS = (throughput.LIST, throughput.READ, throughput.CREATE)


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
    throughput: Sequence[throughput.Results]


def write(run: Run, path: Path) -> None:
    sections = [
        _title(run),
        _summary(run),
        _machine(run),
        _method(run),
        _generation(run.generation),
        *(_throughput(results) for results in run.throughput),
        *(_profiles(results) for results in run.throughput),
        FINDINGS.read_text().strip() if FINDINGS.is_file() else "",
    ]
    path.write_text("\n\n".join(section for section in sections if section) + "\n")


# Goals


def generation_overhead(pair: generation.Pair) -> float:
    return stats.median(pair.fledge) / stats.median(pair.copier) - 1


def throughput_ratio(results: throughput.Results, operation: str, name: str, base: str) -> float:
    """The median of the round-by-round ratios of `name`'s and `base`'s requests per second."""
    ours = [s.requests_per_second for s in results.series(operation, name)]
    theirs = [s.requests_per_second for s in results.series(operation, base)]
    if len(ours) != len(theirs):
        return float("nan")
    return stats.median(stats.paired_ratios(ours, theirs))


def cpu_ratio(results: throughput.Results, operation: str, name: str, base: str) -> float:
    """`name`'s median server CPU time per request over `base`'s."""
    ours = stats.median([s.cpu_ms_per_request for s in results.series(operation, name)])
    theirs = stats.median([s.cpu_ms_per_request for s in results.series(operation, base)])
    return ours / theirs if theirs else float("nan")


def feature_cost(results: throughput.Results, operation: str, variant: str) -> float:
    """The share of requests/s the service loses to the feature `variant` turns off (round by
    round)."""
    return 1 - throughput_ratio(results, operation, throughput.SERVICE, variant)


def feature_costs(results: throughput.Results, variant: str) -> dict[str, float]:
    """The feature's cost per operation, for the operations the variant was measured on."""
    return {
        operation: feature_cost(results, operation, variant)
        for operation in FEATURE_OPERATIONS
        if results.series(operation, variant)
    }


def _verdict(met: bool) -> str:
    return "**met**" if met else "**missed**"


def _summary(run: Run) -> str:
    rows = ["| goal | measured | |", "|---|---|---|"]
    for pair in run.generation.pairs if run.generation else []:
        added = generation_overhead(pair)
        rows.append(
            f"| `fledge new` (no git, no lock) adds at most {GENERATION_GOAL:.0%} to "
            f"`copier copy`, {pair.name} | {added:+.1%} | {_verdict(added <= GENERATION_GOAL)} |"
        )
    if run.generation:
        verify = f"| `fledge new --verify` takes at most {VERIFY_GOAL_SECONDS:.0f} s (warm) "
        took = stats.median(run.generation.verify)
        if run.generation.verify:
            rows.append(f"{verify}| {took:.1f} s | {_verdict(took <= VERIFY_GOAL_SECONDS)} |")
        else:
            rows.append(f"{verify}| not measured (`--quick`) | |")
    for results in run.throughput:
        rows += _throughput_goals(results)
    return "## Summary\n\n" + "\n".join(rows)


def _throughput_goals(results: throughput.Results) -> list[str]:
    framework = results.framework
    rows = []
    for operation, goal in THROUGHPUT_GOALS.items():
        if not results.series(operation, throughput.SERVICE):
            continue
        ratio = throughput_ratio(results, operation, throughput.SERVICE, framework.bare.name)
        cpu = cpu_ratio(results, operation, framework.bare.name, throughput.SERVICE)
        also = [
            f"{throughput_ratio(results, operation, throughput.SERVICE, other.name):.2f} "
            f"of {other.name}"
            for other in framework.bares[1:]
        ]
        rows.append(
            f"| {framework.label} service, {operation}: at least {goal:.2f} of "
            f"{framework.bare.name}'s requests/s | {ratio:.2f} (CPU per request, bare / service: "
            f"{cpu:.2f}{''.join(f'; {text}' for text in also)}) "
            f"| {_verdict(ratio >= goal)} |"
        )
    for variant, (feature, goal) in FEATURE_GOALS.items():
        costs = feature_costs(results, variant)
        if not costs:
            continue
        measured = ", ".join(f"{operation} {cost:.1%}" for operation, cost in costs.items())
        met = all(cost <= goal for cost in costs.values())
        rows.append(
            f"| {framework.label}: {feature} costs at most {goal:.0%} "
            f"| {measured} | {_verdict(met)} |"
        )
    return rows


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
    for results in run.throughput:
        service = ", ".join(f"{k} {v}" for k, v in results.versions.items())
        lines.append(f"- the {results.framework.label} service's packages (its uv.lock): {service}")
    lines += [f"- note: {note}" for note in run.tool_notes]
    return "\n".join(lines)


def _method(run: Run) -> str:
    timer = "hyperfine" if "hyperfine" in run.machine.versions else "a Python timer (no hyperfine)"
    loader = "wrk" if "wrk" in run.machine.versions else "a Python asyncio load generator (no wrk)"
    lo = run.load
    measured = ", ".join(results.framework.label for results in run.throughput) or "none"
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

**Service throughput** (frameworks measured: {measured}). For each framework in turn, fledge
renders the service (`--framework`, every other answer at its default) and `make install`
installs it; a fresh PostgreSQL database is created, migrated with `make migrate`, filled with
{throughput.PRODUCTS:,} products by one SQL statement over `generate_series`, and dropped at the
end. Then these servers run at once, each under gunicorn with {run.workers} workers of uvicorn's
worker class (`{throughput.WORKER_CLASS}`, which the services' own worker class extends to bound
request heads), the WSGI apps (Flask, Django) in a2wsgi's pool of 8 threads per worker as the
services' `asgi.py` does:

1. *service*: `make serve` (the Dockerfile's command, the project's `gunicorn.conf.py`) with
   `APP_ENV=production`, PostgreSQL, Redis and rate limiting on. `RATE_LIMIT_DEFAULT` is raised
   to `{throughput.UNLIMITED_RATE}` so that no request is refused, yet each one still runs the
   token-bucket script in Redis; Prometheus metrics are recorded for every request (in
   gunicorn's multiprocess mode, as in production); one JSON access-log line per request goes
   to a file. Tracing is off (no OTLP endpoint), as it costs nothing then.
2. *service, rate limiting off*: the same with `RATE_LIMIT_ENABLED=false`.
3. *service, metrics off*: the same with `METRICS_ENABLED=false`; a feature's cost is the share
   of requests/s the service loses to it, from these two (median of the rounds' ratios).
4. the framework's bare apps, in the service's own environment (same package versions, the
   service's connection settings), without middleware, authentication, rate limiting,
   idempotency or logging, doing the same queries over the same table and answering the same
   JSON: `benchmarks/bare/fastapi_app.py` (FastAPI, async SQLAlchemy on asyncpg),
   `flask_app.py` (Flask, SQLAlchemy on psycopg), and for DRF both `drf_app.py` (generic views
   and a `ModelSerializer`) and `django_app.py` (plain Django, its ORM and `JsonResponse`).

A user is registered through the service's API; every request carries its bearer token (the
bare apps ignore it). The servers must answer the same page of 20 products, and the same first
product, before anything is timed. The operations: *list* (`GET {throughput.PAGE_PATH}`),
*read one* (`GET /api/v1/products/{{id}}`), *create* (`POST /api/v1/products`, a valid JSON body),
and, on the service only, *create with Idempotency-Key* (a fresh key on every request, so each
one creates and stores its response; the bare apps' *create* is its denominator). After a
{run.warmup_seconds:.0f} s warm-up of each operation on each server, {loader} loads each with
{lo.connections} connections ({lo.threads} load thread, 10 s timeout) for {lo.seconds:.0f} s per
run, {run.rounds} rounds; each round measures every operation on every server once, the order
of the servers rotated round by round. More than 0.1% of answers other than 2xx or connection
errors in a run, or any 429, stops the benchmark; fewer are listed in a note. Figures are
medians over the rounds; a ratio is the median of the round-by-round ratios. The load generator
shares the machine's two cores with the servers, PostgreSQL and Redis, so absolute figures move
with the machine's load; the ratios much less.

*Server CPU per request* is the CPU time (user and system, from /proc) that a server's
processes, the gunicorn master and its workers, used during a run, divided by the requests it
answered. It is steadier than requests/s when other jobs compete for the cores, and leaves out
PostgreSQL's and Redis's CPU. Last, py-spy samples one worker of each *service* under the same
load on *list* and on *create with Idempotency-Key* (the profiles below)."""


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


def _throughput(results: throughput.Results) -> str:
    if not results.samples:
        return ""
    framework = results.framework
    bare = framework.bare.name
    parts = [f"## {framework.label}: service throughput"]
    for operation in throughput.OPERATIONS:
        servers = results.samples.get(operation, {})
        if not servers:
            continue
        rows = [
            f"### {framework.label}, {operation}",
            "",
            f"| server | requests/s | p50 (ms) | p99 (ms) | / {bare} "
            "| server CPU per request (ms) | rounds |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        names = list(servers)
        if operation == throughput.CREATE_KEYED:
            names += list(results.samples.get(throughput.CREATE, {}))[1:]
        for name in dict.fromkeys(names):
            samples = results.series(operation, name)
            med = load.median_sample(samples)
            ratio = throughput_ratio(results, operation, name, bare)
            note = " (its *create*)" if name not in servers else ""
            rows.append(
                f"| {name}{note} | {med.requests_per_second:.0f} "
                f"({stats.spread([s.requests_per_second for s in samples])}) "
                f"| {med.p50_ms:.1f} | {med.p99_ms:.1f} | {ratio:.2f} "
                f"| {med.cpu_ms_per_request:.2f} | {len(samples)} |"
            )
        parts.append("\n".join(rows))
    for variant, (feature, _) in FEATURE_GOALS.items():
        costs = feature_costs(results, variant)
        if costs:
            parts.append(
                f"The cost of {feature} in {framework.label} (the share of requests/s the "
                "service loses to it, median of the rounds' ratios): "
                + ", ".join(f"{operation} {cost:.1%}" for operation, cost in costs.items())
                + "."
            )
    parts += [f"Note: {note}" for note in results.notes]
    return "\n\n".join(parts)


def _profiles(results: throughput.Results) -> str:
    sections = []
    for operation, profile in results.profiles.items():
        if not profile.samples:
            continue
        inclusive = "\n".join(f"| {share:.1%} | `{frame}` |" for share, frame in profile.inclusive)
        own = "\n".join(f"| {share:.1%} | `{frame}` |" for share, frame in profile.own)
        sections.append(
            f"""### {results.framework.label}, {operation}

py-spy sampled one worker of the *service* ({profile.samples} samples of its threads;
py-spy leaves out most idle time, but a thread waiting in a C call, such as a database driver's
`wait` or an a2wsgi thread waiting for work in `Condition.wait`, can still be sampled). Share of
the samples in which the service's own functions were running or waiting on a callee:

| share | function |
|---:|---|
{inclusive}

The functions with most samples of their own, anywhere:

| share | function |
|---:|---|
{own}"""
        )
    if not sections:
        return ""
    return f"## {results.framework.label}: profile of a service worker\n\n" + "\n\n".join(sections)
