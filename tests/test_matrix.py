"""`fledge matrix`: every supported variant rendered and checked, a bounded number at a time,
with a summary table, a JUnit XML report and a non-zero exit when a variant fails.

The fast tests replace the rendering with fake projects (a Makefile of echo commands) to check
the orchestration and the reports; the slow test renders and checks real variants.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from fledge import creation, matrix
from fledge.cli import app
from fledge.variants import Variant
from tests.projects import assert_refused

PASSING = """\
install:
\techo uv sync --locked
lint:
\techo ruff check . passed
test:
\techo pytest passed
check: lint test
"""
FAILING = PASSING.replace("echo pytest passed", "echo pytest: FAILED test_orders; exit 1")
SERVICES = ("DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL")
# Its tests pass only when none of the service variables reaches them.
ON_DEFAULTS = PASSING.replace(
    "echo pytest passed", 'echo pytest && test -z "' + "".join(f"$${v}" for v in SERVICES) + '"'
)


def fledge_matrix(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["matrix", *map(str, args)])


class FakeRender:
    """Stands in for `creation.create` (how `fledge new` renders): writes a Makefile whose tests
    fail for the `failing` ids, and records how many renders ran at once."""

    def __init__(
        self, failing: tuple[str, ...] = (), seconds: float = 0.0, passing: str = PASSING
    ) -> None:
        self.failing = failing
        self.passing = passing
        self.seconds = seconds
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(
        self,
        options: creation.ProjectOptions,
        progress: Any = None,  # noqa: ARG002
    ) -> creation.Created:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        options.dest.mkdir(parents=True)
        failing = options.dest.name in self.failing
        (options.dest / "Makefile").write_text(FAILING if failing else self.passing)
        with self.lock:
            self.running -= 1
        return creation.Created(
            path=options.dest, answers=dict(options.data), commit=None, locked=True, warnings=()
        )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeRender:
    render = FakeRender(failing=("fastapi-py3.12-gitlab",))
    monkeypatch.setattr(creation, "create", render)
    return render


def offered_ids() -> list[str]:
    return [variant.id for variant in matrix.supported()]


def junit_cases(report: Path) -> dict[tuple[str, str], ET.Element]:
    root = ET.parse(report).getroot()  # noqa: S314 (our own file)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    return {
        (case.attrib["classname"], case.attrib["name"]): case for case in suites[0].iter("testcase")
    }


@pytest.mark.usefixtures("fake")
def test_a_failing_variant_fails_the_matrix_and_the_report_says_where(tmp_path: Path) -> None:
    report = tmp_path / "reports" / "junit.xml"

    result = fledge_matrix("--only", "fastapi-*", "--junit", report)

    assert result.exit_code == 1, result.output
    ids = [v for v in offered_ids() if v.startswith("fastapi-")]
    cases = junit_cases(report)
    assert set(cases) == {
        (f"matrix.{variant}", gate)
        for variant in ids
        for gate in ("render", "install", "lint", "tests")
    }
    failed = cases[("matrix.fastapi-py3.12-gitlab", "tests")].find("failure")
    assert failed is not None
    assert "FAILED test_orders" in (failed.text or "")
    assert [key for key, case in cases.items() if case.find("failure") is not None] == [
        ("matrix.fastapi-py3.12-gitlab", "tests")
    ]
    assert "Error: 1 of 3 variants failed (2 at a time, " in result.stderr
    assert result.stderr.rstrip().endswith("): fastapi-py3.12-gitlab.")
    summary = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines() if line}
    assert summary["fastapi-py3.11-github"][:4] == ["✓", "✓", "✓", "✓"]
    assert summary["fastapi-py3.12-gitlab"][:4] == ["✓", "✓", "✓", "✗"]


@pytest.mark.usefixtures("fake")
def test_passing_variants_exit_0(tmp_path: Path) -> None:
    result = fledge_matrix("--only", "fastapi-py3.11-github", "--junit", tmp_path / "j.xml")

    assert result.exit_code == 0, result.output
    assert "All 1 variant passed (1 at a time, " in result.stdout
    assert set(junit_cases(tmp_path / "j.xml")) == {
        ("matrix.fastapi-py3.11-github", gate) for gate in ("render", "install", "lint", "tests")
    }


def test_variants_are_checked_on_their_defaults_whatever_services_the_shell_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in SERVICES:
        monkeypatch.setenv(variable, "postgresql://192.0.2.1:5432/shared")
    monkeypatch.setattr(creation, "create", FakeRender(passing=ON_DEFAULTS))

    result = fledge_matrix("--only", "fastapi-py3.11-github", "--junit", tmp_path / "j.xml")

    assert result.exit_code == 0, result.output


def test_the_workers_bound_how_many_variants_run_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    render = FakeRender(seconds=0.3)
    monkeypatch.setattr(creation, "create", render)

    result = fledge_matrix("--workers", "2", "--junit", tmp_path / "j.xml")

    assert result.exit_code == 0, result.output
    assert render.most == min(2, len(offered_ids()))


@pytest.mark.usefixtures("fake")
def test_keep_leaves_the_rendered_projects(tmp_path: Path) -> None:
    result = fledge_matrix(
        "--only", "fastapi-py3.11-github", "--keep", tmp_path / "kept", "--junit", tmp_path / "j"
    )

    assert result.exit_code == 0, result.output
    assert (tmp_path / "kept" / "fastapi-py3.11-github" / "Makefile").is_file()
    assert f"Projects kept in: {tmp_path / 'kept'}" in result.stdout


def test_list_shows_the_offered_variants() -> None:
    result = fledge_matrix("--list")

    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.stdout.splitlines()[2:] if line.strip()]
    assert listed == offered_ids()


# Refusals: exit 1, one red line, nothing written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "rails-*"], 'No variant matches "rails-*"'),
        (["--only", "fastapi-py3.11-github,nope"], 'No variant matches "nope"'),
        (["--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_bad_options_are_refused(
    fake: FakeRender, tmp_path: Path, args: list[str], message: str
) -> None:
    result = fledge_matrix(*args, "--junit", tmp_path / "j.xml")

    assert_refused(result, message)
    assert list(tmp_path.iterdir()) == []
    assert fake.most == 0


def test_keep_refuses_a_directory_that_holds_a_variant(fake: FakeRender, tmp_path: Path) -> None:
    taken = tmp_path / "kept" / "fastapi-py3.11-github"
    taken.mkdir(parents=True)
    (taken / "mine.txt").write_text("keep me")

    result = fledge_matrix("--only", "fastapi-*", "--keep", tmp_path / "kept")

    assert_refused(result, "already holds fastapi-py3.11-github")
    assert [p.name for p in taken.iterdir()] == ["mine.txt"]
    assert fake.most == 0


# The real thing


def python_available(version: str) -> bool:
    """Whether uv finds this Python here (with pyenv: when PYENV_VERSION names it)."""
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv is not None
    found = subprocess.run(
        [uv, "python", "find", "--no-python-downloads", version],
        capture_output=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
    )
    return found.returncode == 0


def one_per_framework() -> list[Variant]:
    """One variant of each offered framework, spreading the Python versions when uv has them."""
    supported = matrix.supported()
    frameworks = dict.fromkeys(variant.framework for variant in supported)
    chosen = []
    for index, framework in enumerate(frameworks):
        rows = [
            v for v in supported if v.framework == framework and python_available(v.python_version)
        ]
        assert rows, f"uv finds no Python for any {framework} variant"
        chosen.append(rows[index % len(rows)])
    return chosen


@pytest.mark.slow
def test_the_matrix_renders_and_checks_one_variant_per_framework(tmp_path: Path) -> None:
    variants = one_per_framework()
    report = tmp_path / "matrix-junit.xml"

    result = fledge_matrix(
        "--only", ",".join(v.id for v in variants), "--junit", report, "--workers", "2"
    )

    assert result.exit_code == 0, result.output
    gates = ("render", "install", "lint", "format", "types", "migrations", "tests")
    cases = junit_cases(report)
    assert set(cases) == {(f"matrix.{v.id}", gate) for v in variants for gate in gates}
    assert all(case.find("failure") is None for case in cases.values())
    summary = [line.split() for line in result.stdout.splitlines()]
    header = next(row for row in summary if row[:2] == ["variant", "render"])
    assert header == ["variant", *gates, "seconds"]
    for variant in variants:
        row = next(row for row in summary if row and row[0] == variant.id)
        assert row[1:-1] == ["✓"] * len(gates)
    assert f"All {len(variants)} variants passed (2 at a time, " in result.stdout
