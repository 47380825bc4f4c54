"""The shipping layer of every variant: image, Compose file, CI configuration, production start.

The linters are the ones of fledge's dev environment (hadolint, check-jsonschema, zizmor), run on
the rendered files. There is no Docker engine here, so the image's start command is run directly
on the machine instead, with the image's environment, against a real PostgreSQL and Redis.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from fledge.variants import DECLARED, Variant

# Every test here lints or runs the full template's rendering of a variant.
pytestmark = pytest.mark.slow

TOOLS = Path(sys.executable).parent  # hadolint, check-jsonschema and zizmor of the dev env
GITHUB_VARIANTS = tuple(v for v in DECLARED if v.ci == "github")
CI_VARIANTS = tuple(v for v in DECLARED if v.ci != "none")
# The start command depends on the framework and the Python version, not on the CI system.
SERVE_VARIANTS = tuple({(v.framework, v.python_version): v for v in DECLARED}.values())

CI_SCHEMAS = {
    "github": (
        (".github/workflows/ci.yml", "vendor.github-workflows"),
        (".github/dependabot.yml", "vendor.dependabot"),
    ),
    "gitlab": ((".gitlab-ci.yml", "vendor.gitlab-ci"),),
    "none": (),
}
# The jobs that must together run `make check`; the image is built after them.
CHECK_JOBS = ("lint", "test")
SHIPPING_FILES = (
    "Dockerfile",
    ".dockerignore",
    "compose.yaml",
    ".pre-commit-config.yaml",
    ".editorconfig",
    ".github/workflows/ci.yml",
    ".github/dependabot.yml",
    ".gitlab-ci.yml",
)
ACTION_PIN = re.compile(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")

# Exported for fledge's own environment, by `uv run` (the virtualenv) and by a pyenv shim of uv
# (the Python version); passed on, uv would install the generated project into fledge's
# virtualenv, or with fledge's Python instead of the one in the project's .python-version.
FOREIGN_ENVIRONMENT = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYENV_VERSION", "PYENV_DIR")

POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
START_TIMEOUT_SECONDS = 60.0
# How each framework's image applies the migrations (Compose's one-shot `migrate` service).
MIGRATE_COMMANDS = {"drf": ["django-admin", "migrate"]}
ALEMBIC_UPGRADE = ["alembic", "upgrade", "head"]
STOP_TIMEOUT_SECONDS = 30.0


def by_id(variant: Variant) -> str:
    return variant.id


def run(*args: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def check_jsonschema(project: Path, schema: str, path: str) -> None:
    result = run(TOOLS / "check-jsonschema", "--builtin-schema", schema, path, cwd=project)
    assert result.returncode == 0, f"{path}:\n{result.stdout}{result.stderr}"


def load_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict), path
    return loaded


# The image ---------------------------------------------------------------------------------


@dataclass
class ImageStage:
    """What the final stage of a Dockerfile declares, as the image would see it."""

    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    user: str = ""
    expose: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in dockerfile.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line.strip())
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def expand(value: str, env: dict[str, str]) -> str:
    """$NAME and ${NAME} from `env`; unknown names are left for the caller."""
    return re.sub(r"\$\{?(\w+)\}?", lambda match: env.get(match[1], match[0]), value)


def final_stage(dockerfile: str) -> ImageStage:
    stage = ImageStage()
    for instruction, arguments in instructions(dockerfile):
        if instruction == "FROM":
            stage = ImageStage()
        elif instruction == "WORKDIR":
            stage.workdir = arguments
        elif instruction == "ENV":
            for assignment in shlex.split(arguments):
                name, _, value = assignment.partition("=")
                stage.env[name] = expand(value, stage.env)
        elif instruction == "USER":
            stage.user = arguments
        elif instruction == "EXPOSE":
            stage.expose += arguments.split()
        elif instruction == "CMD":
            stage.cmd = json.loads(arguments)
        elif instruction == "HEALTHCHECK":
            stage.healthcheck = json.loads(arguments.split(" CMD ", 1)[1])
    return stage


@pytest.mark.parametrize("variant", DECLARED, ids=by_id)
def test_dockerfile_is_hadolint_clean(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    result = run(
        TOOLS / "hadolint",
        "--no-color",
        "--failure-threshold",
        "style",
        "Dockerfile",
        cwd=rendered_variant(variant),
    )

    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.parametrize("variant", DECLARED, ids=by_id)
def test_image_runs_gunicorn_unprivileged_with_a_liveness_healthcheck(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    stage = final_stage((rendered_variant(variant) / "Dockerfile").read_text())

    assert stage.cmd == ["gunicorn", "--config", "gunicorn.conf.py"]
    assert stage.env["APP_ENV"] == "production"
    assert stage.env["HOST"] == "0.0.0.0"  # noqa: S104  # the container's every interface
    assert stage.env["PATH"].startswith(f"{stage.workdir}/.venv/bin:")
    assert stage.user.split(":")[0] not in ("", "0", "root")
    assert stage.expose == ["8000"]
    assert "/health/live" in " ".join(stage.healthcheck)
    assert "curl" not in " ".join(stage.healthcheck)


# Compose -----------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", DECLARED, ids=by_id)
def test_compose_file_follows_the_compose_specification(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    check_jsonschema(rendered_variant(variant), "vendor.compose-spec", "compose.yaml")


@pytest.mark.parametrize("variant", DECLARED, ids=by_id)
def test_compose_migrates_before_the_app_starts(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    services = load_yaml(rendered_variant(variant) / "compose.yaml")["services"]
    app, migrate = services["app"], services["migrate"]

    assert migrate["command"] == MIGRATE_COMMANDS.get(variant.framework, ALEMBIC_UPGRADE)
    assert migrate["image"] == app["image"]
    assert app["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert app["env_file"] == ".env"
    assert app["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in app["environment"]["DATABASE_URL"]
    assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    for service in ("app", "postgres", "redis"):
        assert services[service]["healthcheck"]["test"], service
    for service in ("postgres", "redis"):
        assert re.fullmatch(r"[\w.-]+:\d+(\.\d+)+-\w+", services[service]["image"]), service


# CI ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", DECLARED, ids=by_id)
def test_ci_configuration_follows_its_schema(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    project = rendered_variant(variant)
    expected = {path for path, _ in CI_SCHEMAS[variant.ci]}
    present = {
        str(path.relative_to(project))
        for path in (project / ".gitlab-ci.yml", *project.glob(".github/**/*"))
        if path.is_file()
    }

    assert present == expected
    for path, schema in CI_SCHEMAS[variant.ci]:
        check_jsonschema(project, schema, path)


@pytest.mark.parametrize("variant", GITHUB_VARIANTS, ids=by_id)
def test_github_configuration_has_no_zizmor_findings(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    result = run(
        TOOLS / "zizmor", "--offline", "--no-progress", ".github", cwd=rendered_variant(variant)
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("variant", GITHUB_VARIANTS, ids=by_id)
def test_github_workflow_is_least_privilege_and_pinned(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    path = rendered_variant(variant) / ".github" / "workflows" / "ci.yml"
    workflow = load_yaml(path)
    uses_lines = [line.strip() for line in path.read_text().splitlines() if "uses:" in line]
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    checkouts = [step for step in steps if step.get("uses", "").startswith("actions/checkout@")]

    assert workflow["permissions"] == {"contents": "read"}
    assert {
        name: job["permissions"] for name, job in workflow["jobs"].items() if "permissions" in job
    } == {"docker": {"contents": "read", "packages": "write"}}
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert uses_lines
    assert [line for line in uses_lines if not ACTION_PIN.search(line)] == []
    assert checkouts
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)
    # The image is built once the checks and the Kubernetes manifests have passed.
    assert set(workflow["jobs"]["docker"]["needs"]) == {*CHECK_JOBS, "manifests"}


def make_dry_run(project: Path, target: str) -> list[str]:
    """The commands `make TARGET` would run, as make itself expands them."""
    # Without the UV that `uv run` exports, which the Makefile's `UV ?= uv` would pick up.
    env = {k: v for k, v in project_env().items() if k != "UV"}
    result = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", target],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def ci_job_commands(project: Path, ci: str) -> dict[str, list[str]]:
    """The shell commands of each check job, in order, with `make X` lines left as they are."""
    if ci == "github":
        jobs = load_yaml(project / ".github" / "workflows" / "ci.yml")["jobs"]
        scripts = {
            name: [step["run"] for step in jobs[name]["steps"] if "run" in step]
            for name in CHECK_JOBS
        }
    else:
        config = load_yaml(project / ".gitlab-ci.yml")
        scripts = {}
        for name in CHECK_JOBS:
            job = {**config.get(config[name].get("extends", ""), {}), **config[name]}
            scripts[name] = [*job.get("before_script", []), *job["script"]]
    return {
        name: [line.strip() for script in lines for line in script.splitlines() if line.strip()]
        for name, lines in scripts.items()
    }


@pytest.mark.parametrize("variant", CI_VARIANTS, ids=by_id)
def test_ci_runs_exactly_make_check(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    project = rendered_variant(variant)
    install = make_dry_run(project, "install")
    checked: list[str] = []
    for job, lines in ci_job_commands(project, variant.ci).items():
        commands = [
            command
            for line in lines
            for command in (
                make_dry_run(project, line.removeprefix("make "))
                if line.startswith("make ")
                else [line]
            )
        ]
        assert commands[: len(install)] == install, f"{job} does not start with `make install`"
        checked += commands[len(install) :]

    assert checked == make_dry_run(project, "check")


@pytest.mark.parametrize("variant", CI_VARIANTS, ids=by_id)
def test_ci_tests_write_to_the_services_it_starts(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    """The tests use PostgreSQL and Redis only when TEST_DATABASE_URL and TEST_REDIS_URL name
    them: the test job starts both and names them."""
    project = rendered_variant(variant)
    if variant.ci == "github":
        job = load_yaml(project / ".github" / "workflows" / "ci.yml")["jobs"]["test"]
        services, env = set(job["services"]), job["env"]
        hosts = {"postgres": "127.0.0.1:5432", "redis": "127.0.0.1:6379"}
    else:
        job = load_yaml(project / ".gitlab-ci.yml")["test"]
        services, env = {service["alias"] for service in job["services"]}, job["variables"]
        hosts = {"postgres": "postgres:5432", "redis": "redis:6379"}

    assert services == {"postgres", "redis"}
    assert set(env) == {"TEST_DATABASE_URL", "TEST_REDIS_URL"}
    assert env["TEST_DATABASE_URL"].startswith("postgresql://")
    assert f"@{hosts['postgres']}/" in env["TEST_DATABASE_URL"]
    assert env["TEST_REDIS_URL"].startswith(f"redis://{hosts['redis']}/")


@pytest.mark.parametrize("variant", DECLARED, ids=by_id)
def test_shipping_files_are_tidy(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    """What the generated pre-commit hooks would otherwise rewrite on the first commit."""
    project = rendered_variant(variant)
    untidy = []
    for name in SHIPPING_FILES:
        if (project / name).is_file():
            text = (project / name).read_text()
            if not text.endswith("\n") or text.endswith("\n\n"):
                untidy.append(f"{name}: end of file")
            untidy += [
                f"{name}:{number}: trailing whitespace"
                for number, line in enumerate(text.splitlines(), 1)
                if line != line.rstrip()
            ]

    assert untidy == []


@pytest.mark.parametrize("variant", DECLARED, ids=by_id)
def test_pre_commit_hooks_are_pinned_to_tags(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    config = load_yaml(rendered_variant(variant) / ".pre-commit-config.yaml")
    remote = {repo["repo"]: repo["rev"] for repo in config["repos"] if repo["repo"] != "local"}
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}

    assert set(remote) == {
        "https://github.com/pre-commit/pre-commit-hooks",
        "https://github.com/astral-sh/ruff-pre-commit",
    }
    assert all(re.fullmatch(r"v\d+\.\d+\.\d+", rev) for rev in remote.values()), remote
    assert {"ruff-check", "ruff-format", "check-yaml", "check-toml"} <= set(hooks)
    assert hooks["mypy"]["entry"] == "uv run mypy"


# The production start ----------------------------------------------------------------------


def answers(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def psql(*sql: str) -> None:
    for statement in sql:
        subprocess.run(
            [
                *("psql", "-h", POSTGRES[0], "-p", str(POSTGRES[1]), "-U", "postgres"),
                *("-v", "ON_ERROR_STOP=1", "-q", "-c", statement),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )


@pytest.fixture
def database_url() -> Iterator[str]:
    """A fresh PostgreSQL database on 127.0.0.1, dropped afterwards."""
    if not (answers(POSTGRES) and answers(REDIS)):
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    if shutil.which("psql") is None:
        pytest.skip("needs psql to create the test database")
    name = f"fledge_shipping_{secrets.token_hex(6)}"
    psql(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}/{name}"
    finally:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def project_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in FOREIGN_ENVIRONMENT}


def in_project(stage: ImageStage, project: Path) -> dict[str, str]:
    """The image's environment with its WORKDIR moved to the rendered project."""
    env = project_env()
    for name, value in stage.env.items():
        value = re.sub(rf"(?<![\w/]){re.escape(stage.workdir)}(?=/|:|$)", str(project), value)
        env[name] = expand(value, env)
    return env


def uv_in(project: Path, *args: str) -> None:
    # The uv running these tests (`uv run pytest` exports it), else the one on PATH.
    executable = os.environ.get("UV") or shutil.which("uv")
    assert executable is not None, "uv is not installed"
    result = subprocess.run(
        [executable, *args],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, f"uv {' '.join(args)}:\n{result.stdout}{result.stderr}"


def get_json(url: str) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback URL)
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def stop(server: subprocess.Popen[bytes]) -> int:
    """SIGTERM (a graceful gunicorn shutdown), then SIGKILL to the whole group on timeout."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            return server.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    return server.wait(timeout=STOP_TIMEOUT_SECONDS)


@pytest.mark.parametrize("variant", SERVE_VARIANTS, ids=by_id)
def test_image_command_serves_ready_against_postgres_and_redis(
    variant: Variant, rendered_variant: Callable[[Variant], Path], database_url: str, tmp_path: Path
) -> None:
    project = rendered_variant(variant)
    stage = final_stage((project / "Dockerfile").read_text())
    uv_in(project, "lock")
    uv_in(project, "sync", "--locked")
    env = in_project(stage, project) | {
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/11",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "PORT": str(free_port()),
    }
    migrate = subprocess.run(
        MIGRATE_COMMANDS.get(variant.framework, ALEMBIC_UPGRADE),
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            stage.cmd,
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{env['PORT']}/health/ready"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        status, body = 0, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, body = get_json(url)
            except (OSError, ValueError):
                time.sleep(0.25)
                continue
            if status == 200:
                break
            time.sleep(0.25)
        assert (status, body) == (
            200,
            {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "redis": "ok"}},
        ), log.read_text()
        healthcheck = subprocess.run(
            stage.healthcheck, cwd=project, env=env, capture_output=True, check=False, timeout=30
        )
        assert healthcheck.returncode == 0, healthcheck.stderr
        assert stop(server) == 0, log.read_text()
    finally:
        stop(server)
