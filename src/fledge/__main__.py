"""The `fledge` command (and `python -m fledge`): the CLI, with Ctrl-C handled from the start."""

from __future__ import annotations

import sys

from fledge.errors import ExitCode


def main() -> None:
    """Load the CLI and run it. Loading it (Typer, Rich, Copier) takes a moment; an interrupt
    then ends fledge as one during a command does: one line, exit status 130."""
    try:
        from fledge.cli import main as run

        run()
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        raise SystemExit(ExitCode.INTERRUPTED) from None


if __name__ == "__main__":
    main()
