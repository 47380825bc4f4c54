"""fledge's errors: one root type, caught once at the CLI boundary."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes scripts can rely on."""

    OK = 0
    ERROR = 1
    # `fledge update --check`: a newer template version exists.
    UPDATE_AVAILABLE = 2
    # `fledge update`: the update is applied, but conflicts are left to resolve (an alias of 2).
    CONFLICTS = 2
    INTERRUPTED = 130


class FledgeError(Exception):
    """Root of every error fledge expects and reports without a traceback."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class UserError(FledgeError):
    """A mistake the user can fix: bad option, bad answer, occupied destination."""


class CommandError(FledgeError):
    """An external command (uv, make, git) failed; `details` holds the tail of its output."""
