"""Helpers shared by the test modules."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def copy_template(destination: Path) -> Path:
    """Copy the template (copier.yml and template/) the way the fledge wheel ships it."""
    destination.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "copier.yml", destination / "copier.yml")
    shutil.copytree(REPO_ROOT / "template", destination / "template")
    return destination


# The few files of the full template that command-line tests look at. With copier.yml (every
# question and rule) unchanged, this slim copy renders in a fraction of the full template's time.
SLIM_PROJECT_FILES = (
    "{{ _copier_conf.answers_file }}.jinja",
    ".env.jinja",
    ".gitignore",
    ".python-version.jinja",
    "pyproject.toml.jinja",
    "src/{{ package_name }}/__init__.py.jinja",
)


# The resource template's files in the slim copy: products is recorded, nothing registered.
SLIM_RESOURCE_FILES = ("{{ _copier_conf.answers_file }}.jinja",)


def copy_slim_template(destination: Path) -> Path:
    """The template's copier.yml and includes with only SLIM_PROJECT_FILES of its project and
    SLIM_RESOURCE_FILES of its resource (so no registration lines: their files are left out)."""
    destination.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "copier.yml", destination / "copier.yml")
    for path in (REPO_ROOT / "template").iterdir():
        if path.is_dir() and path.name not in ("project", "resource"):
            shutil.copytree(path, destination / "template" / path.name)
        elif path.is_file():
            (destination / "template").mkdir(exist_ok=True)
            shutil.copy2(path, destination / "template" / path.name)
    (destination / "template" / "registrations.yml").write_text("[]\n")
    for kind, names in (("project", SLIM_PROJECT_FILES), ("resource", SLIM_RESOURCE_FILES)):
        for name in names:
            target = destination / "template" / kind / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / "template" / kind / name, target)
    return destination


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


# The project every declared variant is rendered as (see conftest.rendered_variant).
VARIANT_PROJECT_NAME = "Acme Orders"
VARIANT_SLUG = "acme-orders"

# A file the tagged template repository adds after v0.1.0 (see conftest.tagged_template).
LATER_FILE = "ADDED_AFTER_V0_1_0.md"


# The template's choices, spelled out; test_render checks that copier.yml offers exactly these.
# The variants rendered and checked are fledge.variants.DECLARED (every pair of values).
FRAMEWORKS = ("fastapi", "flask", "drf")
CI_SYSTEMS = ("github", "gitlab", "none")
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
