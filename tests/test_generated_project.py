"""A generated project, installed with uv, passes its own gates (`fledge check`: linters,
migrations and tests on SQLite), and its tests pass on the PostgreSQL and Redis of 127.0.0.1
when PostgreSQL answers there. tests/test_matrix.py checks one variant of every framework."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fledge import uv
from fledge.cli import app
from tests.helpers import git

pytestmark = pytest.mark.slow

PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_URL = "redis://127.0.0.1:6379/11"
# Nothing from fledge's own environment (or the developer's service URLs) reaches the project.
FOREIGN = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "DATABASE_URL", "REDIS_URL")


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


def postgres_answers() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=2):
            return True
    except OSError:
        return False


def psql(sql: str) -> None:
    psql_path = shutil.which("psql")
    assert psql_path is not None, "PostgreSQL answers on 127.0.0.1:5432 but psql is not installed"
    connection = ["-h", PG_HOST, "-p", str(PG_PORT), "-U", "postgres"]
    completed = subprocess.run(
        [psql_path, *connection, "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
    )
    assert completed.returncode == 0, completed.stderr


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the local PostgreSQL, dropped afterwards."""
    if not postgres_answers():
        pytest.skip(f"PostgreSQL does not answer on {PG_HOST}:{PG_PORT}")
    name = f"fledge_test_{uuid.uuid4().hex[:12]}"
    psql(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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


def test_own_tests_pass_on_postgresql_and_redis(project: Path, postgres_url: str) -> None:
    assert_ok(
        run(
            project,
            uv_command(),
            "run",
            "pytest",
            "-q",
            DATABASE_URL=postgres_url,
            REDIS_URL=REDIS_URL,
        )
    )


def test_verify_installs_and_tests_the_real_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in FOREIGN[2:]:
        monkeypatch.delenv(variable, raising=False)

    result = CliRunner().invoke(app, ["new", str(tmp_path / "svc"), "--defaults", "--verify"])

    assert result.exit_code == 0, result.output
    assert "installed, tests pass" in result.stdout
