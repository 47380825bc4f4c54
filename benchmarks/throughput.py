"""The generated service's throughput, side by side with a minimal FastAPI app.

Three servers run at once on 127.0.0.1, each with the same gunicorn worker class and worker
count: the generated service as `make serve` starts it (PostgreSQL, Redis, rate limiting on),
the same with `RATE_LIMIT_ENABLED=false`, and `baseline_app.py`. Each round loads every
endpoint of every server once, in an order rotated round by round, so the machine's noise
falls on all of them alike; ratios are taken round by round.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import database, load, profiling, servers
from benchmarks.errors import BenchmarkError

BENCHMARKS = Path(__file__).resolve().parent
PROJECT_NAME = "bench-svc"
PACKAGE = PROJECT_NAME.replace("-", "_")
PRODUCTS = 10_000
# Far above what any run can spend: every request still goes through the Redis token bucket.
UNLIMITED_RATE = "1000000000/60"
# Refusals and connection errors tolerated (and reported) per request: a rare glitch on a busy
# machine is not worth discarding a run; anything more means the figures are wrong.
MAX_FAILURES = 0.001
EMAIL, PASSWORD = "bench@example.com", "benchmark-password"
# One secret for every service instance, so that one access token is good for all of them.
_SECRET = secrets.token_hex(32)

BASELINE = "baseline (minimal FastAPI)"
SERVICE = "service"
NO_LIMITS = "service, rate limiting off"
COMPARED = "service from the --compare-with template"
HEALTH = "GET /health/live"
PRODUCTS_PAGE = "GET /api/v1/products?limit=20"
ENDPOINTS = {HEALTH: "/health/live", PRODUCTS_PAGE: "/api/v1/products?limit=20"}
SERVICE_PACKAGES = (
    "fastapi", "starlette", "pydantic", "sqlalchemy", "asyncpg", "redis", "uvicorn",
    "uvicorn-worker", "gunicorn", "structlog", "pyjwt",
)  # fmt: skip


@dataclass(frozen=True)
class Plan:
    """What to measure and how hard."""

    fledge: Path
    template: str | None
    compare_with: str | None
    work: Path
    postgres_url: str
    redis_url: str
    load: load.Load
    rounds: int
    workers: int
    warmup_seconds: float
    profile_seconds: float
    py_spy: str | None


@dataclass
class Results:
    """Every sample, per endpoint and configuration, in round order."""

    samples: dict[str, dict[str, list[load.Sample]]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    profile: profiling.Profile | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, endpoint: str, configuration: str, sample: load.Sample) -> None:
        self.samples.setdefault(endpoint, {}).setdefault(configuration, []).append(sample)


def measure(plan: Plan, *, wrk: str | None) -> Results:
    results = Results()
    project = prepare_project(plan.fledge, plan.template, plan.work)
    projects = {SERVICE: project, NO_LIMITS: project, BASELINE: project}
    if plan.compare_with:
        # In place of the rate-limiting-off server: four servers' connection pools would
        # exceed PostgreSQL's default max_connections (100).
        del projects[NO_LIMITS]
        projects[COMPARED] = prepare_project(plan.fledge, plan.compare_with, plan.work / "compared")
    results.versions = package_versions(project)
    with database.scratch_database(plan.postgres_url) as db_url:
        _run(["make", "migrate"], cwd=project, env=servers.clean_env({"DATABASE_URL": db_url}))
        database.seed_products(db_url, PRODUCTS)
        with ExitStack() as stack:
            running = {
                name: stack.enter_context(_start(name, tree, plan, db_url))
                for name, tree in projects.items()
            }
            headers = {"Authorization": f"Bearer {_sign_up(running[SERVICE])}"}
            _check_pages(running, headers)
            _warm_up(running, headers, plan, wrk)
            _rounds(running, headers, plan, wrk, results)
            if plan.profile_seconds > 0:
                _profile(running[SERVICE], headers, plan, wrk, results)
    return results


def prepare_project(fledge: Path, template: str | None, work: Path) -> Path:
    """Render the service with fledge (locked, no git) and install it with `make install`."""
    work.mkdir(parents=True, exist_ok=True)
    project = work / PROJECT_NAME
    argv = [str(fledge), "new", str(project), "--defaults", "--no-git"]
    if template:
        argv += ["--template", template]
    _run(argv, cwd=work, env=servers.clean_env({}))
    if not (project / "uv.lock").is_file():
        raise BenchmarkError("`fledge new` wrote no uv.lock (is PyPI reachable?)")
    _run(["make", "install"], cwd=project, env=servers.clean_env({}))
    return project


def package_versions(project: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys; "
        "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    )
    done = _run([str(_venv_bin(project, "python")), "-c", code, *SERVICE_PACKAGES], cwd=project)
    return {str(k): str(v) for k, v in json.loads(done.stdout).items()}


def _venv_bin(project: Path, program: str) -> Path:
    return project / ".venv" / "bin" / program


def _run(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        output = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise BenchmarkError(f"`{' '.join(argv)}` failed (status {done.returncode}):\n{output}")
    return done


# The servers


def _service_env(plan: Plan, db_url: str, port: int, *, rate_limited: bool) -> dict[str, str]:
    return servers.clean_env(
        {
            "APP_ENV": "production",
            "DATABASE_URL": db_url,
            "REDIS_URL": plan.redis_url,
            "JWT_SECRET": _SECRET,
            "PORT": str(port),
            "WEB_CONCURRENCY": str(plan.workers),
            "RATE_LIMIT_ENABLED": "true" if rate_limited else "false",
            "RATE_LIMIT_DEFAULT": UNLIMITED_RATE,
            # Tokens must outlive the whole benchmark.
            "ACCESS_TOKEN_TTL_SECONDS": "86400",
        }
    )


def _start(
    name: str, project: Path, plan: Plan, db_url: str
) -> AbstractContextManager[servers.Server]:
    port = servers.free_port()
    log = plan.work / f"{name.split()[0].strip(',')}-{port}.log"
    if name == BASELINE:
        # The settings of the service's gunicorn.conf.py, spelled out; run from benchmarks/ so
        # that gunicorn does not pick up the project's gunicorn.conf.py.
        argv = [
            str(_venv_bin(project, "gunicorn")),
            "--worker-class=uvicorn_worker.UvicornWorker",
            f"--workers={plan.workers}",
            "--keep-alive=5",
            "--graceful-timeout=30",
            "--forwarded-allow-ips=",
            f"--bind=127.0.0.1:{port}",
            "baseline_app:app",
        ]
        env = servers.clean_env({"DATABASE_URL": db_url})
        cwd = BENCHMARKS
    else:
        argv = ["make", "serve"]
        env = _service_env(plan, db_url, port, rate_limited=name != NO_LIMITS)
        cwd = project
    return servers.serving(name, argv, cwd=cwd, env=env, port=port, log=log)


def _sign_up(service: servers.Server) -> str:
    api = f"{service.url}/api/v1/auth"
    servers.post_json(f"{api}/register", {"email": EMAIL, "password": PASSWORD})
    token = servers.post_json(f"{api}/token", {"email": EMAIL, "password": PASSWORD})
    return str(token["access_token"])


def _check_pages(running: Mapping[str, servers.Server], headers: Mapping[str, str]) -> None:
    """Every server answers the products page with the same 20 items before anything is timed."""
    expected = None
    for name, server in running.items():
        page = servers.get_json(server.url + ENDPOINTS[PRODUCTS_PAGE], headers)
        items = page.get("items") if isinstance(page, dict) else None
        if not isinstance(items, list) or len(items) != 20:
            raise BenchmarkError(f"{name} did not answer a page of 20 products: {page!r:.300}")
        expected = expected or items
        if items != expected:
            raise BenchmarkError(f"{name} answers other products than {next(iter(running))}")


# The measurements


def _warm_up(
    running: Mapping[str, servers.Server],
    headers: Mapping[str, str],
    plan: Plan,
    wrk: str | None,
) -> None:
    warm = load.Load(plan.load.connections, plan.warmup_seconds, plan.load.threads)
    for server in running.values():
        for path in ENDPOINTS.values():
            load.run(server.url + path, headers, warm, wrk=wrk)


def _rounds(
    running: Mapping[str, servers.Server],
    headers: Mapping[str, str],
    plan: Plan,
    wrk: str | None,
    results: Results,
) -> None:
    names = list(running)
    for index in range(plan.rounds):
        order = names[index % len(names) :] + names[: index % len(names)]
        for endpoint, path in ENDPOINTS.items():
            for name in order:
                sample = _sample(running[name], path, headers, plan.load, wrk)
                print(
                    f"  round {index + 1}/{plan.rounds} {endpoint:32} {name:28} "
                    f"{sample.requests_per_second:8.0f} req/s",
                    flush=True,
                )
                _check(sample, name, endpoint, running[name], results)
                results.add(endpoint, name, sample)


def _check(
    sample: load.Sample,
    name: str,
    endpoint: str,
    server: servers.Server,
    results: Results,
) -> None:
    """A rare refusal or dropped connection is noted; more, or any 429, voids the figures."""
    failed = sample.refused + sample.connection_errors
    if not failed:
        return
    what = (
        f"{name} on {endpoint}: {sample.refused} answers other than 2xx "
        f"({_statuses(sample.refusals)}) and {sample.connection_errors} connection errors "
        f"in {sample.requests} requests"
    )
    if failed > MAX_FAILURES * sample.requests or 429 in sample.refusals:
        raise BenchmarkError(
            f"{what}; the figures would be wrong. The end of its log:\n{servers.tail(server.log)}"
        )
    results.notes.append(f"{what} (one run).")


def _statuses(counts: Mapping[int, int]) -> str:
    return ", ".join(f"{count} x {status}" for status, count in sorted(counts.items())) or "none"


def _sample(
    server: servers.Server,
    path: str,
    headers: Mapping[str, str],
    how: load.Load,
    wrk: str | None,
) -> load.Sample:
    """One load run, with the CPU time the server's processes spent on it."""
    before = servers.cpu_seconds(server.process.pid)
    sample = load.run(server.url + path, headers, how, wrk=wrk)
    spent = servers.cpu_seconds(server.process.pid) - before
    per_request = spent * 1000 / sample.requests if sample.requests else float("nan")
    return dataclasses.replace(sample, cpu_ms_per_request=per_request)


def _profile(
    service: servers.Server,
    headers: Mapping[str, str],
    plan: Plan,
    wrk: str | None,
    results: Results,
) -> None:
    """Sample one service worker with py-spy while the products page is under load."""
    workers = [
        pid
        for pid in servers.children(service.process.pid)
        if "gunicorn" in servers.command_line(pid) and not servers.children(pid)
    ]
    if not plan.py_spy or not workers:
        results.notes.append("No profile: py-spy or the service's worker was not found.")
        return
    output = plan.work / "profile.txt"
    recording = profiling.start(plan.py_spy, workers[0], plan.profile_seconds, output)
    busy = load.Load(plan.load.connections, plan.profile_seconds + 2, plan.load.threads)
    load.run(service.url + ENDPOINTS[PRODUCTS_PAGE], headers, busy, wrk=wrk)
    try:
        results.profile = profiling.finish(recording, output, PACKAGE)
    except BenchmarkError as error:
        results.notes.append(f"No profile: {error}")


def find_py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.is_file() else shutil.which("py-spy")
