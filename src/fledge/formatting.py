"""Ruff, the formatter and linter of generated projects, run by fledge on the Python files it
writes outside a render (registration lines, new migrations), with the project's settings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ruff.__main__ import find_ruff_bin

from fledge import process


def _ruff(project: Path, *args: str) -> process.Outcome:
    return process.run([find_ruff_bin(), *args], cwd=project)


def sort_imports(project: Path, files: Sequence[str]) -> None:
    """Sort the imports of `files` (project paths) as the project's ruff settings order them,
    then lay them out as its formatter does (a registered line may make a line too long); a file
    ruff cannot parse is left as it is, for the project's own lint to report."""
    if files:
        _ruff(project, "check", "--quiet", "--select", "I", "--fix", "--exit-zero", *files)
        _ruff(project, "format", "--quiet", *files)


def tidy(project: Path, files: Sequence[str]) -> None:
    """`ruff check --fix` then `ruff format` on `files`, as the project's `make format` would."""
    if files:
        _ruff(project, "check", "--quiet", "--fix", "--exit-zero", *files)
        _ruff(project, "format", "--quiet", *files)
