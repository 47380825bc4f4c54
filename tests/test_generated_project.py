"""A generated project, installed with uv, passes its own gates (`fledge check`: linters,
migrations and tests on SQLite), and its tests pass on the PostgreSQL and Redis of 127.0.0.1
when they answer there (named by TEST_DATABASE_URL and TEST_REDIS_URL, as its CI does).
tests/test_matrix.py checks one variant of every framework."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fledge import uv
from fledge.cli import app
from tests.helpers import git

pytestmark = pytest.mark.slow

POSTGRES, REDIS = ("127.0.0.1", 5432), ("127.0.0.1", 6379)
# The services the project's tests may write to: they create (and drop) a database of their
# own on this server, and use this Redis database.
TEST_SERVICES = {
    "TEST_DATABASE_URL": f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}/postgres",
    "TEST_REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/11",
}
# Nothing from fledge's own environment (or the developer's service URLs) reaches the project.
FOREIGN = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "DATABASE_URL", "REDIS_URL", *TEST_SERVICES)


def project_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN}
    return {**env, **extra}


def run(project: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args),
        cwd=project,
        env=project_env(**extra_env),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def uv_command() -> str:
    found = uv.executable()
    assert found is not None, "uv is required"
    return found


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"{' '.join(result.args)}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`fledge new orders --defaults --framework fastapi`, then `uv sync --locked` in it."""
    dest = tmp_path_factory.mktemp("generated") / "orders"
    result = CliRunner().invoke(app, ["new", str(dest), "--defaults", "--framework", "fastapi"])
    assert result.exit_code == 0, result.output
    assert_ok(run(dest, uv_command(), "sync", "--locked"))
    return dest


def answers(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


def test_project_is_locked_and_committed(project: Path) -> None:
    assert "uv.lock" in git(project, "ls-files").splitlines()
    assert git(project, "rev-list", "--count", "HEAD") == "1"
    assert git(project, "status", "--porcelain") == ""


def test_fledge_check_runs_its_own_gates_and_they_pass(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CI's commands (`make install`, `make check`) on SQLite: lint, format, types,
    migrations matching the models, and the project's own tests."""
    for variable in FOREIGN[2:]:
        monkeypatch.delenv(variable, raising=False)

    result = CliRunner().invoke(app, ["check", str(project)])

    assert result.exit_code == 0, result.output
    passed = [line.split()[0] for line in result.stdout.splitlines() if "✓ passed" in line]
    assert passed == ["install", "lint", "format", "types", "migrations", "tests"]


def test_own_tests_pass_on_postgresql_and_redis(project: Path) -> None:
    if not (answers(POSTGRES) and answers(REDIS)):
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")

    result = run(project, uv_command(), "run", "pytest", "-q", "-rs", **TEST_SERVICES)

    assert_ok(result)
    # Nothing skipped: the Redis tests ran, and the suite checks its database is PostgreSQL.
    assert "skipped" not in result.stdout, result.stdout


def test_own_tests_never_use_the_developers_services(project: Path) -> None:
    """DATABASE_URL and REDIS_URL name the developer's own services: the tests leave them be
    (these addresses answer nothing) and skip the Redis tests, saying why."""
    result = run(
        project,
        uv_command(),
        "run",
        "pytest",
        "-q",
        "-rs",
        DATABASE_URL="postgresql://postgres@192.0.2.1:5432/theirs",
        REDIS_URL="redis://192.0.2.1:6379/0",
    )

    assert_ok(result)
    assert "TEST_REDIS_URL is not set: no Redis the tests may write to" in result.stdout


def test_verify_installs_and_tests_the_real_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in FOREIGN[2:]:
        monkeypatch.delenv(variable, raising=False)

    result = CliRunner().invoke(app, ["new", str(tmp_path / "svc"), "--defaults", "--verify"])

    assert result.exit_code == 0, result.output
    assert "installed, tests pass" in result.stdout
