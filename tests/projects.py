"""Helpers for tests that generate, edit and update projects through the command line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from fledge.cli import app
from tests.helpers import git


def generate(template: Path | str, dest: Path, ref: str, *options: str) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UV_OFFLINE", "1")
        patch.setenv("UV_CACHE_DIR", str(dest.parent / "empty-uv-cache"))
        result = CliRunner().invoke(
            app,
            [
                "new",
                str(dest),
                "--defaults",
                *("--template", str(template), "--vcs-ref", ref),
                *options,
            ],
        )
    assert result.exit_code == 0, result.output
    return dest


def copy_of(project: Path, tmp_path: Path) -> Path:
    """A copy of a generated project (with its git repository) that a test may change."""
    copy = tmp_path / "work" / "svc"
    shutil.copytree(project, copy, symlinks=True)
    return copy


def fledge_update(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["update", *map(str, args)])


def unwrapped(output: str) -> str:
    """The output without whitespace and panel borders, so that wrapped long paths still match."""
    return re.sub(r"[\s│]", "", output)


def edit(project: Path, path: str, old: str, new: str) -> None:
    file = project / path
    text = file.read_text()
    assert old in text, f"{old!r} not in {path}"
    file.write_text(text.replace(old, new))


def append(project: Path, path: str, text: str) -> None:
    with (project / path).open("a") as file:
        file.write(text)


def commit(project: Path, message: str = "My changes") -> None:
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", message)


def recorded(project: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def work_tree(project: Path) -> dict[str, bytes]:
    """Every file outside .git with its content (git may refresh its own index)."""
    return {
        str(path.relative_to(project)): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }


def assert_refused(result: Result, message: str) -> None:
    """Exit 1 and one red line naming the problem, no traceback."""
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert message in errors[0]
    assert "Traceback" not in result.output


def table_rows(output: str) -> set[tuple[str, str]]:
    """(change, file) rows of the tables printed by `fledge update`."""
    rows = set()
    for line in output.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] in {"conflict", "modified", "added", "removed"}:
            rows.add((words[0], words[1]))
    return rows
