"""The `fledge` command line: a thin Typer adapter over the command functions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from fledge import __version__, answers, console
from fledge.errors import ExitCode, FledgeError
from fledge.new import NewOptions, create_project

app = typer.Typer(
    name="fledge",
    help="Start production-ready REST API services and keep them current.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

T = TypeVar("T")


def _boundary(action: Callable[[], T]) -> T:
    """Run a command; report fledge's own errors in one red line and exit non-zero."""
    try:
        return action()
    except FledgeError as problem:
        console.error(problem)
        raise typer.Exit(problem.exit_code) from None
    except KeyboardInterrupt:
        console.interrupted()
        raise typer.Exit(ExitCode.INTERRUPTED) from None


def _show_version(value: bool) -> None:
    if value:
        console.version(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show fledge's version and exit.",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Start production-ready REST API services and keep them current."""


@app.command()
def new(
    dest: Annotated[
        Path,
        typer.Argument(
            help="Directory to create (or an empty one); its name is the default project name.",
            metavar="DEST",
            show_default=False,
        ),
    ],
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults", help="Ask nothing: use the default of every unanswered question."
        ),
    ] = False,
    framework: Annotated[
        str | None,
        typer.Option(
            help="Web framework; shorthand for --data framework=NAME.", show_default=False
        ),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data",
            "-d",
            metavar="KEY=VALUE",
            help="Answer a template question up front (repeatable), e.g. -d ci=none.",
            show_default=False,
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            help="Template directory or git URL.",
            show_default="the template shipped with fledge",
        ),
    ] = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option(help="Git tag, branch or commit of the template to use.", show_default=False),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace everything in a non-empty DEST.")
    ] = False,
    verify: Annotated[
        bool,
        typer.Option("--verify", help="Then install the project (uv sync) and run its tests."),
    ] = False,
) -> None:
    """Create a new service in DEST: render the template, lock it with uv, commit it with git.

    Nothing is left behind if anything fails before the project is in place.
    """

    def run() -> None:
        options = NewOptions(
            dest=dest,
            template=template,
            vcs_ref=vcs_ref,
            data=answers.with_framework(answers.parse_data(data or []), framework),
            defaults=defaults,
            overwrite=overwrite,
            verify=verify,
        )
        console.new_project(create_project(options, console.Steps()))

    _boundary(run)


def main() -> None:
    """The `fledge` console script."""
    app(prog_name="fledge")
