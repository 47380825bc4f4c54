"""Run external programs (git, uv, make) without a shell and capture what they print."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fledge.errors import CommandError


@dataclass(frozen=True)
class Outcome:
    """What a finished command did: its exit status and its combined stdout and stderr."""

    args: tuple[str, ...]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def command(self) -> str:
        """The command as a user would type it (program name, not its full path)."""
        return " ".join((Path(self.args[0]).name, *self.args[1:]))

    def tail(self, lines: int = 30) -> str:
        """The last `lines` non-blank lines of the output."""
        return tail(self.output, lines)


def tail(output: str, lines: int) -> str:
    """The last `lines` non-blank lines of `output`."""
    kept = [line for line in output.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def find(program: str) -> str | None:
    """The full path of `program` (a name looked up on PATH, or a path), or None when missing."""
    return shutil.which(program)


def run(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    input: str | None = None,
) -> Outcome:
    """Run `args` in `cwd` (`input` on its standard input) and return its outcome; a non-zero
    exit is not an exception.

    Raises:
        CommandError: the program is missing or did not finish within `timeout` seconds.
    """
    program = find(args[0])
    if program is None:
        raise CommandError(f"`{args[0]}` is not installed or not on PATH.")
    try:
        completed = subprocess.run(
            [program, *args[1:]],
            cwd=cwd,
            env=dict(env) if env is not None else None,
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise CommandError(
            f"`{' '.join(args)}` did not finish within {timeout:.0f} seconds."
        ) from err
    return Outcome(tuple(args), completed.returncode, completed.stdout or "")
