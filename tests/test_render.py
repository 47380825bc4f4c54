"""Render every variant with Copier's API and check the generated tree itself."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml

from fledge import template
from fledge.variants import DECLARED, Variant
from tests.helpers import (
    CI_SYSTEMS,
    FRAMEWORKS,
    PYTHON_VERSIONS,
    REPO_ROOT,
    git,
)
from tests.helpers import VARIANT_PROJECT_NAME as PROJECT_NAME
from tests.helpers import VARIANT_SLUG as SLUG

PACKAGE = "acme_orders"
ANSWERS_FILE = ".copier-answers.yml"

# Template syntax that must never reach a generated file or path.
MARKERS = ("{{", "{%", "{#", "copier", ".jinja")

# Places where generated files use those characters on purpose, as (file glob relative to the
# project, the exact construct allowed). Everything else on such a line is still checked.
LEGITIMATE = (
    # GitHub Actions expressions, e.g. ${{ github.ref }}
    (".github/workflows/*.yml", re.compile(r"\$\{\{[^{}]*\}\}")),
    # docker/metadata-action tag patterns, e.g. pattern={{major}}.{{minor}}
    (".github/workflows/*.yml", re.compile(r"\{\{(?:version|major|minor|patch|raw)\}\}")),
    # The README tells how the project can be updated with plain Copier.
    ("README.md", re.compile(r"`\.copier-answers\.yml`|`copier (?:copy|update|recopy)[^`]*`")),
    # ... and how to install Copier for that.
    ("README.md", re.compile(r'`(?:uv tool|pipx) install "copier[^`]*`')),
    # Prometheus alert templates, e.g. {{ $labels.route }} and {{ $value | humanizePercentage }}
    (
        "deploy/kubernetes/monitoring/prometheusrule.yaml",
        re.compile(r"\{\{ \$(?:labels\.\w+|value)(?: \| \w+)? \}\}"),
    ),
)


def render(source: str | Path, destination: Path, **data: str) -> Path:
    copier.run_copy(
        str(source),
        destination,
        data={"project_name": PROJECT_NAME, **data},
        defaults=True,
        quiet=True,
        unsafe=False,
    )
    return destination


# Every test of a rendered variant is slow: it reads the full template's rendering.
@pytest.fixture(
    scope="module",
    params=[pytest.param(variant, id=variant.id, marks=pytest.mark.slow) for variant in DECLARED],
)
def variant(request: pytest.FixtureRequest) -> Variant:
    chosen: Variant = request.param
    return chosen


@pytest.fixture
def project(variant: Variant, rendered_variant: Callable[[Variant], Path]) -> Path:
    """The full template rendered as `variant` (slow: the quick suite renders the slim one)."""
    return rendered_variant(variant)


def files(project: Path) -> list[Path]:
    return sorted(path for path in project.rglob("*") if path.is_file())


def read_answers(project: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((project / ANSWERS_FILE).read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_variants_cover_every_choice_in_copier_yml() -> None:
    questions = template.questions(template.TemplateSource(str(REPO_ROOT), REPO_ROOT))

    assert questions is not None
    assert questions.choices["framework"] == FRAMEWORKS
    assert questions.choices["ci"] == CI_SYSTEMS
    assert questions.choices["python_version"] == PYTHON_VERSIONS


def test_no_template_markers_in_paths(project: Path) -> None:
    leftovers = [
        str(path.relative_to(project))
        for path in project.rglob("*")
        if path.name != ANSWERS_FILE
        and any(
            marker in part.lower() for part in path.relative_to(project).parts for marker in MARKERS
        )
    ]

    assert leftovers == []


def test_no_template_markers_in_files(project: Path) -> None:
    leftovers = []
    for path in files(project):
        relative = path.relative_to(project)
        allowed = [pattern for glob, pattern in LEGITIMATE if fnmatch(relative.as_posix(), glob)]
        markers = [m for m in MARKERS if not (relative.name == ANSWERS_FILE and m == "copier")]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for pattern in allowed:
                line = pattern.sub("", line)
            if any(marker in line.lower() for marker in markers):
                leftovers.append(f"{relative}:{number}: {line.strip()}")

    assert leftovers == []


# The entry points and migrations of each framework (the SQLAlchemy variants share theirs).
SQLALCHEMY_FILES = (f"src/{PACKAGE}/main.py", f"src/{PACKAGE}/migrations/env.py")
FRAMEWORK_FILES = {
    "drf": (
        "manage.py",
        f"src/{PACKAGE}/settings.py",
        f"src/{PACKAGE}/wsgi.py",
        f"src/{PACKAGE}/users/migrations/0001_initial.py",
    ),
}


def test_expected_files(project: Path, variant: Variant) -> None:
    present = {str(path.relative_to(project)) for path in files(project)}
    expected = {
        ANSWERS_FILE,
        ".env",
        ".env.example",
        ".gitignore",
        ".python-version",
        "Dockerfile",
        "Makefile",
        "README.md",
        "pyproject.toml",
        f"src/{PACKAGE}/__init__.py",
        *FRAMEWORK_FILES.get(variant.framework, SQLALCHEMY_FILES),
    }
    ci_files = {"github": ".github/workflows/ci.yml", "gitlab": ".gitlab-ci.yml"}

    assert expected <= present, sorted(expected - present)
    assert any(re.fullmatch(r"tests/(.+/)?test_\w+\.py", path) for path in present)
    for ci, ci_file in ci_files.items():
        assert (ci_file in present) == (variant.ci == ci), ci_file
    if variant.ci != "github":
        assert not (project / ".github").exists()


def test_python_version_is_pinned(project: Path, variant: Variant) -> None:
    assert (project / ".python-version").read_text().strip() == variant.python_version
    pyproject = (project / "pyproject.toml").read_text()
    assert f'requires-python = ">={variant.python_version}"' in pyproject


def test_answers_file_records_the_answers_and_no_secret(project: Path, variant: Variant) -> None:
    answers = read_answers(project)
    text = (project / ANSWERS_FILE).read_text()
    env = (project / ".env").read_text()
    secret = re.search(r"^JWT_SECRET=(.*)$", env, re.MULTILINE)

    assert answers["_src_path"]
    assert "_commit" not in answers  # rendered from a plain directory: no version to record
    assert answers["project_name"] == PROJECT_NAME
    assert answers["project_slug"] == SLUG
    assert answers["package_name"] == PACKAGE
    assert {k: answers[k] for k in variant.data()} == variant.data()
    assert "jwt_secret" not in answers
    assert secret is not None
    assert len(secret.group(1)) >= 32
    assert secret.group(1) not in text


def test_answers_file_records_the_template_commit(tmp_path: Path, tagged_template: Path) -> None:
    project = render(tagged_template, tmp_path / SLUG)

    answers = read_answers(project)
    assert answers["_src_path"] == str(tagged_template)
    assert answers["_commit"] == "v0.1.0"  # Copier's default: the latest tag
    assert git(tagged_template, "rev-parse", "HEAD") != git(tagged_template, "rev-parse", "v0.1.0")


def test_each_render_gets_its_own_jwt_secret(tmp_path: Path, slim_template: Path) -> None:
    first = render(slim_template, tmp_path / "first")
    second = render(slim_template, tmp_path / "second")

    assert (first / ".env").read_text() != (second / ".env").read_text()


def ruff(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The ruff of fledge's dev environment, with the generated project's own configuration."""
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_ruff_check_is_clean(project: Path) -> None:
    result = ruff(project, "check")

    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean(project: Path) -> None:
    result = ruff(project, "format", "--check")

    assert result.returncode == 0, result.stdout + result.stderr
