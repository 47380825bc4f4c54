"""`fledge check`: the project's own gates, taken from its Makefile, run and reported.

A fake project (a Makefile of echo commands) shows the mechanics fast; the gates of real
generated projects (slow) are read with `make --dry-run` only. tests/test_generated_project.py runs
`fledge check` on an installed generated project.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fledge import gates
from fledge.cli import app
from fledge.variants import DECLARED, Variant
from tests.projects import assert_refused, work_tree

FAKE_MAKEFILE = """\
install:
\techo uv sync --locked
lint:
\techo ruff check . passed
test:
\techo pytest collected 3 items; echo FAILED tests/test_orders.py::test_total; exit 3
format:
\techo ruff format --check . passed
check: lint test format
"""


def fledge_check(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["check", *map(str, args)])


def fake_project(directory: Path, makefile: str = FAKE_MAKEFILE) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Makefile").write_text(makefile)
    return directory


def test_every_gate_runs_even_after_a_failure_and_the_exit_code_is_1(tmp_path: Path) -> None:
    project = fake_project(tmp_path / "svc")

    result = fledge_check(project)

    assert result.exit_code == 1, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows_for(rows, "install") == ["install", "✓", "passed"]
    assert rows_for(rows, "lint") == ["lint", "✓", "passed"]
    assert rows_for(rows, "tests") == ["tests", "✗", "failed"]
    assert rows_for(rows, "format") == ["format", "✓", "passed"]  # ran after the failure
    assert "FAILED tests/test_orders.py::test_total" in result.stdout  # the failure's output
    assert "exited with status 3" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == ["Error: 1 of 4 gates failed: tests."]


def rows_for(rows: list[list[str]], gate: str) -> list[str]:
    """The gate's table row without its seconds."""
    matching = [row[:3] for row in rows if row and row[0] == gate and len(row) >= 4]
    assert len(matching) == 1, rows
    return matching[0]


def test_all_gates_passing_exit_0_with_their_times(tmp_path: Path) -> None:
    project = fake_project(tmp_path / "svc", FAKE_MAKEFILE.replace("; exit 3", ""))

    result = fledge_check(project)

    assert result.exit_code == 0, result.output
    assert "All 4 gates passed" in result.stdout
    seconds = [line.split()[-1] for line in result.stdout.splitlines() if "✓ passed" in line]
    assert len(seconds) == 4
    assert all(float(value) >= 0 for value in seconds)


def test_a_command_that_is_no_known_gate_is_named_by_itself(tmp_path: Path) -> None:
    project = fake_project(tmp_path / "svc", "check:\n\techo custom audit\n")

    result = gates.run_check(project)

    assert [gate.gate.name for gate in result.results] == ["echo custom audit"]
    assert result.ok


@pytest.mark.parametrize(
    ("command", "gate"),
    [
        ("uv run ruff check .", "lint"),
        ("uv run ruff format --check .", "format"),
        ("uv run mypy", "types"),
        ("uv run pytest", "tests"),
        ("uv run python manage.py test", "tests"),
        ("uv sync --locked", "install"),
        ("uv run python manage.py makemigrations --check --dry-run", "migrations"),
        (
            "db=$(mktemp -d) && DATABASE_URL=sqlite:///$db/d.db sh -c "
            "'uv run alembic upgrade head && uv run alembic check'",
            "migrations",
        ),
    ],
)
def test_gates_are_named_by_what_they_run(command: str, gate: str) -> None:
    assert gates.gate_name(command) == gate


# One declared variant of each framework, rendered from the full template (slow).
ONE_PER_FRAMEWORK = tuple({variant.framework: variant for variant in DECLARED}.values())


@pytest.mark.slow
@pytest.mark.parametrize("variant", ONE_PER_FRAMEWORK, ids=lambda variant: variant.framework)
def test_a_generated_project_has_every_gate_its_ci_runs(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    project = rendered_variant(variant)

    found = gates.gates(project)

    assert [gate.name for gate in found] == [
        "install",
        "lint",
        "format",
        "types",
        "migrations",
        "tests",
    ]


# Refusals: exit 1, one red line, nothing changed


def test_a_directory_without_makefile_is_refused(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hi')\n")
    before = work_tree(tmp_path)

    assert_refused(fledge_check(tmp_path), "has no Makefile")
    assert work_tree(tmp_path) == before


def test_a_makefile_without_check_target_is_refused(tmp_path: Path) -> None:
    project = fake_project(tmp_path / "svc", "test:\n\techo pytest\n")
    before = work_tree(project)

    assert_refused(fledge_check(project), "has no `check` target")
    assert work_tree(project) == before


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    assert_refused(fledge_check(tmp_path / "nowhere"), "is not a directory")
