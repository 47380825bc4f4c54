"""The generated services' throughput, each side by side with bare apps of its own framework.

Per framework, the servers run at once on 127.0.0.1, each under gunicorn with the uvicorn worker
class and the same worker count: the generated service as `make serve` starts it (production
settings, PostgreSQL, Redis rate limiting with a quota nothing reaches, Prometheus metrics, JSON
access log to a file), the same with rate limiting off, the same with metrics off, and the
framework's bare apps (benchmarks/bare/). Each
round loads every operation of every server once, the servers' order rotated round by round, so
the machine's noise falls on all of them alike; ratios are taken round by round.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import database, load, profiling, servers
from benchmarks.errors import BenchmarkError
from benchmarks.frameworks import Framework

BARE_APPS = Path(__file__).resolve().parent / "bare"
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
# PostgreSQL connections a server's worker may hold at once: a2wsgi's 8 threads in the WSGI
# services and bare apps; the async apps' pools grow as far as the concurrency they get.
CONNECTIONS_PER_WORKER = 8
# How long to wait for other programs to release PostgreSQL connections before starting.
CONNECTIONS_WAIT_SECONDS = 180
WORKER_CLASS = "uvicorn_worker.UvicornWorker"

SERVICE = "service"
NO_LIMITS = "service, rate limiting off"
NO_METRICS = "service, metrics off"
# The service's variants with one feature off, and the setting that turns it off: the
# feature's cost is the share of requests/s the service loses to it, round by round.
FEATURES_OFF = {NO_LIMITS: "RATE_LIMIT_ENABLED", NO_METRICS: "METRICS_ENABLED"}
COMPARED = "service from the --compare-with template"

LIST = "list"
READ = "read one"
CREATE = "create"
CREATE_KEYED = "create with Idempotency-Key"
OPERATIONS = (LIST, READ, CREATE, CREATE_KEYED)
PAGE_PATH = "/api/v1/products?limit=20"
CREATE_BODY = json.dumps(
    {"name": "Benchmark product", "description": "Created by the benchmark", "price": 12.5}
)
# What the bare apps answer the keyed create with: they ignore the key (no idempotency).
BARE_OPERATION = {CREATE_KEYED: CREATE}
# The operations profiled in each framework's service.
PROFILED = (LIST, CREATE_KEYED)


def requests(product_id: str) -> dict[str, load.Request]:
    """Every operation's request; `product_id` is the product that "read one" reads."""
    collection = "/api/v1/products"
    return {
        LIST: load.Request(PAGE_PATH),
        READ: load.Request(f"{collection}/{product_id}"),
        CREATE: load.Request(collection, "POST", CREATE_BODY),
        CREATE_KEYED: load.Request(collection, "POST", CREATE_BODY, keyed=True),
    }


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
    """One framework's samples, per operation and server, in round order."""

    framework: Framework
    samples: dict[str, dict[str, list[load.Sample]]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, profiling.Profile] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, operation: str, server: str, sample: load.Sample) -> None:
        self.samples.setdefault(operation, {}).setdefault(server, []).append(sample)

    def series(self, operation: str, server: str) -> list[load.Sample]:
        """`server`'s samples of `operation` (a bare app's create stands for the keyed one)."""
        by_server = self.samples.get(operation, {})
        if server not in by_server:
            by_server = self.samples.get(BARE_OPERATION.get(operation, operation), {})
        return by_server.get(server, [])


def operations_of(server: str) -> tuple[str, ...]:
    """The service runs every operation; the others never see an Idempotency-Key."""
    return OPERATIONS if server == SERVICE else (LIST, READ, CREATE)


def prepare(plan: Plan, chosen: Sequence[Framework]) -> dict[str, dict[str, Path]]:
    """Every framework's projects, by framework and server: rendered and installed at once
    (mostly waiting on PyPI and the disk), before anything is measured."""
    jobs: dict[tuple[str, str], tuple[str | None, Path]] = {}
    for framework in chosen:
        work = plan.work / framework.key
        jobs[framework.key, SERVICE] = (plan.template, work)
        if plan.compare_with:
            jobs[framework.key, COMPARED] = (plan.compare_with, work / "compared")
    print("Rendering and installing the services...", flush=True)
    keyed = {framework.key: framework for framework in chosen}
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {
            job: pool.submit(prepare_project, plan.fledge, template, work, keyed[job[0]])
            for job, (template, work) in jobs.items()
        }
    projects: dict[str, dict[str, Path]] = {}
    for (key, server), future in futures.items():
        projects.setdefault(key, {})[server] = future.result()
    for by_server in projects.values():
        # With --compare-with, the compared service takes the place of the variants with a
        # feature off: more servers' connections could exceed PostgreSQL's max_connections.
        if COMPARED not in by_server:
            for variant in FEATURES_OFF:
                by_server[variant] = by_server[SERVICE]
    return projects


def measure(
    plan: Plan, framework: Framework, projects: Mapping[str, Path], *, wrk: str | None
) -> Results:
    """Measure one framework's `projects` (by server name) beside its bare apps."""
    print(f"{framework.label}: measuring...", flush=True)
    results = Results(framework)
    project = projects[SERVICE]
    results.versions = package_versions(project, framework.packages)
    with database.scratch_database(plan.postgres_url, framework.key) as db_url:
        _run(["make", "migrate"], cwd=project, env=servers.clean_env({"DATABASE_URL": db_url}))
        database.seed_products(db_url, framework.table, PRODUCTS)
        count = len(projects) + len(framework.bares)
        needed = count * plan.workers * CONNECTIONS_PER_WORKER + 2
        note = database.wait_for_connections(plan.postgres_url, needed, CONNECTIONS_WAIT_SECONDS)
        if note:
            results.notes.append(note)
        launches = [_service(name, tree, plan, db_url) for name, tree in projects.items()]
        launches += [
            _bare(bare.name, bare.module, project, plan, db_url) for bare in framework.bares
        ]
        with servers.serving(launches) as running:
            headers = {"Authorization": f"Bearer {_sign_up(running[SERVICE])}"}
            product_id = _check_pages(running, headers)
            sent = requests(product_id)
            _warm_up(running, headers, sent, plan, wrk)
            _rounds(running, headers, sent, plan, wrk, results)
            if plan.profile_seconds > 0:
                for operation in PROFILED:
                    _profile(
                        running[SERVICE], headers, sent[operation], operation, plan, wrk, results
                    )
    return results


def prepare_project(fledge: Path, template: str | None, work: Path, framework: Framework) -> Path:
    """Render the service with fledge (locked, no git) and install it with `make install`."""
    work.mkdir(parents=True, exist_ok=True)
    project = work / PROJECT_NAME
    argv = [str(fledge), "new", str(project), "--defaults", "--no-git"]
    argv += ["--framework", framework.key]
    if template:
        argv += ["--template", template]
    _run(argv, cwd=work, env=servers.clean_env({}))
    if not (project / "uv.lock").is_file():
        raise BenchmarkError("`fledge new` wrote no uv.lock (is PyPI reachable?)")
    _run(["make", "install"], cwd=project, env=servers.clean_env({}))
    return project


def package_versions(project: Path, packages: Sequence[str]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys; "
        "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    )
    done = _run([str(_venv_bin(project, "python")), "-c", code, *packages], cwd=project)
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


def _service_env(plan: Plan, db_url: str, port: int, *, off: str | None) -> dict[str, str]:
    """The production settings, with the feature named by the variable `off` turned off."""
    env = servers.clean_env(
        {
            "APP_ENV": "production",
            "DATABASE_URL": db_url,
            "REDIS_URL": plan.redis_url,
            "JWT_SECRET": _SECRET,
            "PORT": str(port),
            "WEB_CONCURRENCY": str(plan.workers),
            "RATE_LIMIT_ENABLED": "true",
            "RATE_LIMIT_DEFAULT": UNLIMITED_RATE,
            "METRICS_ENABLED": "true",
            # Tokens must outlive the whole benchmark.
            "ACCESS_TOKEN_TTL_SECONDS": "86400",
        }
    )
    if off:
        env[off] = "false"
    return env


def _log_path(plan: Plan, name: str, port: int) -> Path:
    slug = "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split()[:3])
    return plan.work / f"{slug}-{port}.log"


def _service(name: str, project: Path, plan: Plan, db_url: str) -> servers.Launch:
    """`make serve`: the Dockerfile's command, the project's gunicorn.conf.py; the JSON access
    log (stdout) goes to the server's log file."""
    port = servers.free_port()
    env = _service_env(plan, db_url, port, off=FEATURES_OFF.get(name))
    log = _log_path(plan, name, port)
    return servers.Launch(name, ["make", "serve"], cwd=project, env=env, port=port, log=log)


def _bare(name: str, module: str, project: Path, plan: Plan, db_url: str) -> servers.Launch:
    """A bare app in the service's environment: the settings of the service's gunicorn.conf.py,
    spelled out; run from benchmarks/bare/ so that gunicorn does not read the project's."""
    port = servers.free_port()
    argv = [
        str(_venv_bin(project, "gunicorn")),
        f"--worker-class={WORKER_CLASS}",
        f"--workers={plan.workers}",
        "--keep-alive=5",
        "--graceful-timeout=30",
        "--forwarded-allow-ips=",
        f"--bind=127.0.0.1:{port}",
        f"{module}:app",
    ]
    env = servers.clean_env({"DATABASE_URL": db_url})
    log = _log_path(plan, name, port)
    return servers.Launch(name, argv, cwd=BARE_APPS, env=env, port=port, log=log)


def _sign_up(service: servers.Server) -> str:
    api = f"{service.url}/api/v1/auth"
    servers.post_json(f"{api}/register", {"email": EMAIL, "password": PASSWORD})
    token = servers.post_json(f"{api}/token", {"email": EMAIL, "password": PASSWORD})
    return str(token["access_token"])


def _check_pages(running: Mapping[str, servers.Server], headers: Mapping[str, str]) -> str:
    """Every server answers the products page with the same 20 items, and the first of them
    by id alike, before anything is timed; that product is the one "read one" reads."""
    expected: list[object] | None = None
    for name, server in running.items():
        page = servers.get_json(server.url + PAGE_PATH, headers)
        items = page.get("items") if isinstance(page, dict) else None
        if not isinstance(items, list) or len(items) != 20:
            raise BenchmarkError(f"{name} did not answer a page of 20 products: {page!r:.300}")
        expected = expected or items
        if items != expected:
            raise BenchmarkError(
                f"{name} answers other products than {next(iter(running))}:\n"
                f"{items[0]!r:.300}\n{expected[0]!r:.300}"
            )
    first = expected[0] if expected else None
    if not isinstance(first, dict):
        raise BenchmarkError("no product to read")
    for name, server in running.items():
        one = servers.get_json(f"{server.url}/api/v1/products/{first['id']}", headers)
        if one != first:
            raise BenchmarkError(f"{name} answers product {first['id']} as {one!r:.300}")
    return str(first["id"])


# The measurements


def _warm_up(
    running: Mapping[str, servers.Server],
    headers: Mapping[str, str],
    sent: Mapping[str, load.Request],
    plan: Plan,
    wrk: str | None,
) -> None:
    warm = load.Load(plan.load.connections, plan.warmup_seconds, plan.load.threads)
    for name, server in running.items():
        for operation in operations_of(name):
            load.run(server.url, sent[operation], headers, warm, wrk=wrk)


def _rounds(
    running: Mapping[str, servers.Server],
    headers: Mapping[str, str],
    sent: Mapping[str, load.Request],
    plan: Plan,
    wrk: str | None,
    results: Results,
) -> None:
    names = list(running)
    label = results.framework.label
    for index in range(plan.rounds):
        order = names[index % len(names) :] + names[: index % len(names)]
        for operation in OPERATIONS:
            for name in order:
                if operation not in operations_of(name):
                    continue
                sample = _measured(running[name], sent[operation], headers, plan, wrk, results)
                print(
                    f"  {label} round {index + 1}/{plan.rounds} {operation:28} {name:42} "
                    f"{sample.requests_per_second:8.0f} req/s",
                    flush=True,
                )
                _check(sample, name, operation, running[name], results)
                results.add(operation, name, sample)


def _measured(
    server: servers.Server,
    request: load.Request,
    headers: Mapping[str, str],
    plan: Plan,
    wrk: str | None,
    results: Results,
) -> load.Sample:
    """One run, repeated once when PostgreSQL refused the server's connections (other programs
    on a shared PostgreSQL can hold them all for a while), after waiting for free ones."""
    logged = server.log.stat().st_size
    sample = _sample(server, request, headers, plan.load, wrk)
    if not (sample.refused or sample.connection_errors) or not _starved(server.log, logged):
        return sample
    print("  PostgreSQL refused connections (too many clients): once more...", flush=True)
    needed = plan.workers * CONNECTIONS_PER_WORKER + 2
    database.wait_for_connections(plan.postgres_url, needed, CONNECTIONS_WAIT_SECONDS)
    results.notes.append(
        f"{server.name} on {request.method} {request.path}: a run was repeated because "
        "PostgreSQL refused connections (too many clients)."
    )
    return _sample(server, request, headers, plan.load, wrk)


def _starved(log: Path, offset: int) -> bool:
    """The server's log says, after `offset`, that PostgreSQL had no connection left for it."""
    with log.open("rb") as text:
        text.seek(offset)
        return b"too many clients" in text.read()


def _check(
    sample: load.Sample,
    name: str,
    operation: str,
    server: servers.Server,
    results: Results,
) -> None:
    """A rare refusal or dropped connection is noted; more, or any 429, voids the figures."""
    failed = sample.refused + sample.connection_errors
    if not failed:
        return
    what = (
        f"{name} on {operation}: {sample.refused} answers other than 2xx "
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
    request: load.Request,
    headers: Mapping[str, str],
    how: load.Load,
    wrk: str | None,
) -> load.Sample:
    """One load run, with the CPU time the server's processes spent on it."""
    before = servers.cpu_seconds(server.process.pid)
    sample = load.run(server.url, request, headers, how, wrk=wrk)
    spent = servers.cpu_seconds(server.process.pid) - before
    per_request = spent * 1000 / sample.requests if sample.requests else float("nan")
    return dataclasses.replace(sample, cpu_ms_per_request=per_request)


def _profile(
    service: servers.Server,
    headers: Mapping[str, str],
    request: load.Request,
    operation: str,
    plan: Plan,
    wrk: str | None,
    results: Results,
) -> None:
    """Sample one service worker with py-spy while `request` is under load."""
    workers = [
        pid
        for pid in servers.children(service.process.pid)
        if "gunicorn" in servers.command_line(pid) and not servers.children(pid)
    ]
    if not plan.py_spy or not workers:
        results.notes.append("No profile: py-spy or the service's worker was not found.")
        return
    slug = operation.split()[0]
    output = plan.work / f"profile-{results.framework.key}-{slug}.txt"
    recording = profiling.start(plan.py_spy, workers[0], plan.profile_seconds, output)
    busy = load.Load(plan.load.connections, plan.profile_seconds + 2, plan.load.threads)
    load.run(service.url, request, headers, busy, wrk=wrk)
    try:
        results.profiles[operation] = profiling.finish(recording, output, PACKAGE)
    except BenchmarkError as error:
        results.notes.append(f"No profile of {operation}: {error}")


def find_py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.is_file() else shutil.which("py-spy")
