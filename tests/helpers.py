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


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


# A file the tagged template repository adds after v0.1.0 (see conftest.tagged_template).
LATER_FILE = "ADDED_AFTER_V0_1_0.md"


# The template's choices, spelled out; test_render checks that copier.yml offers exactly these.
# The variants rendered and checked are fledge.variants.DECLARED (every pair of values).
FRAMEWORKS = ("fastapi", "flask", "drf")
CI_SYSTEMS = ("github", "gitlab", "none")
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
