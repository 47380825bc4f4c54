"""`fledge new`: create a project (see `creation`), then, if asked, install it and run its tests;
and say what to type next."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fledge import process, uv
from fledge.creation import Created, ProjectOptions, commit_message, create
from fledge.errors import CommandError
from fledge.steps import Progress, Silent


@dataclass(frozen=True)
class NewOptions(ProjectOptions):
    """Everything `fledge new` was asked to do: the project (see `ProjectOptions`), and

    Attributes:
        verify: install the new project and run its tests once it is in place.
    """

    verify: bool = False


@dataclass(frozen=True)
class NewResult(Created):
    """The project `fledge new` made (see `Created`), and

    Attributes:
        verified: True when `--verify` installed the project and its tests passed.
        next_commands: what to type next, in order.
        lock_skipped: True when `--no-lock` left `uv lock` to the user.
        git_skipped: True when `--no-git` left `git init` and the first commit to the user.
    """

    verified: bool
    next_commands: tuple[str, ...]
    lock_skipped: bool = False
    git_skipped: bool = False


def create_project(options: NewOptions, progress: Progress | None = None) -> NewResult:
    """Create a project as `options` describe; on any failure, leave nothing behind.

    Raises:
        UserError: bad options or answers, an occupied destination, a template Copier rejects.
        CommandError: git failed, or `--verify` found the new project broken (it stays in place).
        KeyboardInterrupt: the user interrupted; nothing was written.
    """
    progress = progress or Silent()
    shown = str(options.dest)
    created = create(options, progress)
    if options.verify:
        _verify(created.path, shown, progress)
    return NewResult(
        path=created.path,
        answers=created.answers,
        commit=created.commit,
        locked=created.locked,
        warnings=created.warnings,
        verified=options.verify,
        next_commands=_next_commands(
            shown,
            created.answers,
            locked=created.locked,
            committed=created.commit is not None,
            verified=options.verify,
        ),
        lock_skipped=not options.lock,
        git_skipped=not options.git,
    )


def _verify(project: Path, shown: str, progress: Progress) -> None:
    """Install the project and run its tests; the project stays in place if they fail."""
    # Where Python writes no bytecode, every process of the tests would compile each module it
    # imports from source: uv compiles the environment once instead.
    compile_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    with progress.step("Installing the project (uv sync)"):
        _require(uv.sync(project, compile_bytecode=compile_bytecode), shown)
    if process.find("make") and (project / "Makefile").is_file():
        with progress.step("Running its tests (make test)"):
            _require(process.run(["make", "test"], cwd=project, env=uv.project_env()), shown)
    else:
        # As `make test` runs them: one pytest-xdist worker per core.
        with progress.step("Running its tests (uv run pytest)"):
            _require(uv.run(project, "pytest"), shown)


def _require(outcome: process.Outcome, shown: str) -> None:
    if not outcome.ok:
        raise CommandError(
            f"The project is in {shown}, but `{outcome.command}` failed there "
            f"(exit status {outcome.returncode}).",
            details=outcome.tail(),
        )


def _next_commands(
    shown: str, recorded: Mapping[str, Any], *, locked: bool, committed: bool, verified: bool
) -> tuple[str, ...]:
    """What the user types next; `--verify` has installed the project and run its tests."""
    here = Path(shown).expanduser().resolve() == Path.cwd().resolve()
    commands = [] if here else [f"cd {shlex.quote(shown)}"]
    if not locked:
        commands.append("uv lock")
    if not committed:
        message = shlex.quote(commit_message(recorded, Path(shown).name))
        commands.append(f"git init && git add --all && git commit -m {message}")
    if verified:
        commands += ["make migrate", "make run"]
    else:
        commands += ["make install", "make migrate", "make run", "make test"]
    return tuple(commands)
