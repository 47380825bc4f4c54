"""All of fledge's terminal output: the only module that imports rich."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from fledge.errors import FledgeError
from fledge.new import NewResult, StepState

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _plain(console: Console, message: str, style: str = "") -> None:
    """Print `message` verbatim (no markup, no wrapping) so it can be read and grepped."""
    console.print(message, style=style, markup=False, highlight=False, soft_wrap=True)


def error(problem: FledgeError) -> None:
    _plain(err, f"Error: {problem.message}", "bold red")
    if problem.details:
        _plain(err, problem.details)


def interrupted() -> None:
    _plain(err, "Interrupted.", "bold red")


def warning(message: str) -> None:
    _plain(err, f"Warning: {message}", "yellow")


def version(number: str) -> None:
    _plain(out, f"fledge {number}")


class Steps:
    """Progress of a command: a spinner while a step runs, a check mark once it is done."""

    @contextmanager
    def step(self, label: str, *, spinner: bool = True) -> Iterator[StepState]:
        state = StepState()
        if spinner:
            with out.status(f"{label}…"):
                yield state
        else:
            # The user is about to answer questions: a spinner would draw over the prompts.
            _plain(out, f"{label}:", "bold")
            yield state
        if state.degraded:
            out.print(
                Text.assemble(("! ", "yellow"), label, (" (see the warning below)", "yellow"))
            )
        else:
            out.print(Text.assemble(("✓ ", "green"), label))


def _facts(result: NewResult) -> Table:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    rows = {
        "path": str(result.path),
        "framework": result.answers.get("framework"),
        "python": result.answers.get("python_version"),
        "package": result.answers.get("package_name"),
        "git": f"first commit {result.commit[:7]} on main" if result.commit else None,
        "uv.lock": "written and committed" if result.locked else "missing (see the warning)",
        "verified": "installed, tests pass" if result.verified else None,
    }
    for name, value in rows.items():
        if value is not None:
            facts.add_row(name, Text(str(value)))
    return facts


def new_project(result: NewResult) -> None:
    """The closing panel of `fledge new`: what was made and what to type next."""
    for message in result.warnings:
        warning(message)
    next_steps = Text("\n").join(
        Text(f"  {command}", style="cyan") for command in result.next_commands
    )
    title = str(result.answers.get("project_name", result.path.name))
    body = Group(_facts(result), Text(""), Text("Next:", style="bold"), next_steps)
    out.print(Panel(body, title=Text(f"Created {title}"), title_align="left", border_style="green"))
