"""What the commands share below them: progress steps, one-line messages, and `uv lock` whose
failure is a note for the user rather than an error."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fledge import process, uv
from fledge.errors import CommandError


@dataclass
class StepState:
    """Set by a step that finished but not as hoped (`uv lock` offline): shown as a warning."""

    degraded: bool = False


class Progress(Protocol):
    """Shows which step is running. `spinner=False` while the user answers questions."""

    def step(self, label: str, *, spinner: bool = True) -> AbstractContextManager[StepState]: ...


class Silent:
    """Progress that shows nothing, for every command's progress protocol (steps, gates,
    variants): the commands called as functions."""

    def step(self, label: str, *, spinner: bool = True) -> AbstractContextManager[StepState]:  # noqa: ARG002
        return nullcontext(StepState())

    def started(self, gate: object) -> None:
        pass

    def finished(self, result: object) -> None:
        pass

    def planned(self, variants: object, workers: int) -> None:
        pass

    def status(self, variant: object, status: str) -> None:
        pass


def one_line(message: object) -> str:
    return " ".join(str(message).split())


def last_line(outcome: process.Outcome) -> str:
    return _lines(outcome)[-1]


def lock_or_note(project: Path, notes: list[str], later: str, shown: Path | None = None) -> bool:
    """`uv lock` in `project`; a failure (offline, no uv) is a note ending with `later`, what
    the user does instead. `shown` stands for `project` in the note (a staging directory)."""
    if not uv.available():
        notes.append(f"uv is not installed, so {later}")
        return False
    try:
        outcome = uv.lock(project)
    except CommandError as err:
        notes.append(f"{err.message} So {later}")
        return False
    if outcome.ok:
        return True
    reason = _headline(outcome).replace(str(project), str(shown or project))
    notes.append(f"`uv lock` failed ({reason}), so {later}")
    return False


def _headline(outcome: process.Outcome) -> str:
    lines = _lines(outcome)
    errors = [line for line in lines if line.lower().startswith("error")]
    return (errors or lines)[0]


def _lines(outcome: process.Outcome) -> list[str]:
    """The output's non-blank lines, stripped; the exit status when it printed nothing."""
    lines = [line.strip() for line in outcome.output.splitlines() if line.strip()]
    return lines or [f"exit status {outcome.returncode}"]
