"""The `fledge` command line: a thin Typer adapter over the command functions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from fledge import __version__, answers, console
from fledge.add import AddOptions, add_resource
from fledge.errors import ExitCode, FledgeError, UserError
from fledge.gates import run_check
from fledge.matrix import DEFAULT_JUNIT, DEFAULT_WORKERS, MatrixOptions, run_matrix, supported
from fledge.new import NewOptions, create_project
from fledge.update import UpdateOptions, apply_update, check_version, plan_update
from fledge.variants import select

app = typer.Typer(
    name="fledge",
    help="Start production-ready REST API services and keep them current.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    # Click's plain help: Typer's Rich panels show a `<bool>` placeholder on every flag.
    rich_markup_mode=None,
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
            metavar="NAME",
            help="Web framework; shorthand for --data framework=NAME.",
            show_default=False,
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
            metavar="DIR|URL",
            help="Template directory or git URL.",
            show_default="the template shipped with fledge",
        ),
    ] = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option(
            metavar="REF",
            help="Git tag, branch or commit of the template to use.",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace everything in a non-empty DEST.")
    ] = False,
    verify: Annotated[
        bool,
        typer.Option("--verify", help="Then install the project (uv sync) and run its tests."),
    ] = False,
    no_lock: Annotated[
        bool, typer.Option("--no-lock", help="Skip `uv lock`: the project has no uv.lock yet.")
    ] = False,
    no_git: Annotated[
        bool,
        typer.Option("--no-git", help="Skip `git init` and the first commit."),
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
            lock=not no_lock,
            git=not no_git,
        )
        console.new_project(create_project(options, console.Steps()))

    _boundary(run)


@app.command()
def update(
    path: Annotated[
        Path,
        typer.Argument(
            help="The project to update (its directory holds .copier-answers.yml).",
            metavar="PATH",
        ),
    ] = Path(),
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Only compare the project's template version with the latest release: "
            "exit 2 when a newer one exists, 0 when up to date.",
        ),
    ] = False,
    pretend: Annotated[
        bool,
        typer.Option("--pretend", help="Show the version jump and the files; write nothing."),
    ] = False,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="VERSION",
            help="The template version (tag) to update to.",
            show_default="the latest release",
        ),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data",
            "-d",
            metavar="KEY=VALUE",
            help="Change an answer during the update (repeatable), e.g. -d ci=none.",
            show_default=False,
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            metavar="DIR|URL",
            help="A mirror or clone of the template source the project records, fetched "
            "instead of it (the record is kept).",
            show_default=False,
        ),
    ] = None,
    trust: Annotated[
        bool,
        typer.Option(
            "--trust",
            help="Run the template's migrations and tasks although it is not fledge's own.",
        ),
    ] = False,
) -> None:
    """Merge a newer template version into the project at PATH (Copier's three-way update).

    The project must be a clean git checkout; the update is left uncommitted for review.

    Exit codes: 0 updated (or up to date); 1 error, nothing changed;
    2 updated with conflicts left to resolve, or with --check: a newer version exists.
    """

    def run() -> int:
        if not check:
            return _update(
                UpdateOptions(
                    path=path,
                    to=to,
                    data=answers.parse_data(data or []),
                    template=template,
                    trust=trust,
                    pretend=pretend,
                )
            )
        if pretend or to or data:
            raise UserError("--check takes no --pretend, --to or --data.")
        return _check_for_update(path, template)

    raise typer.Exit(_boundary(run))


def _check_for_update(path: Path, template: str | None) -> int:
    """`fledge update --check`: compare versions, change nothing."""
    checked = check_version(path, template)
    console.version_check(checked)
    return ExitCode.UPDATE_AVAILABLE if checked.update_available else ExitCode.OK


def _update(options: UpdateOptions) -> int:
    """`fledge update`: plan, show the plan, then merge unless pretending or up to date."""
    steps = console.Steps()
    plan = plan_update(options, steps)
    console.update_plan(plan, pretend=options.pretend)
    if options.pretend or plan.up_to_date:
        return ExitCode.OK
    result = apply_update(plan, steps)
    console.update_result(result)
    return ExitCode.OK if result.clean else ExitCode.CONFLICTS


add_app = typer.Typer(
    name="add",
    help="Add to a generated project: a resource.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(add_app)


@add_app.command(name="resource")
def add_resource_command(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="The resource's plural name, a lowercase identifier: order_lines is served at "
            "/api/v1/order-lines.",
            show_default=False,
        ),
    ],
    field_specs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FIELD:TYPE[:OPTION]...",
            help="The fields, in order. TYPE: str, text, int, decimal, bool, date, datetime, "
            "uuid, email, enum=A,B,C, ref=RESOURCE (a row of RESOURCE, or users). OPTION: "
            "optional, unique, min=N, max=N (length of str/text, value of int/decimal), "
            "default=V, places=N (decimal). E.g. quantity:int:min=1 "
            "status:enum=open,paid:default=open product_id:ref=products.",
            show_default=False,
        ),
    ] = None,
    owned: Annotated[
        bool,
        typer.Option(
            "--owned",
            help="Rows belong to the user who created them: others get 404, lists show one's own.",
        ),
    ] = False,
    singular: Annotated[
        str | None,
        typer.Option(
            metavar="S",
            help="The singular of NAME, when the guess (orders -> order) is wrong.",
            show_default=False,
        ),
    ] = None,
    path: Annotated[
        Path,
        typer.Option(
            "--path", metavar="DIR", help="The project (its directory holds .copier-answers.yml)."
        ),
    ] = Path(),
    pretend: Annotated[
        bool,
        typer.Option("--pretend", help="Show the files it would add and change; write nothing."),
    ] = False,
) -> None:
    """Add the resource NAME to the project, served like products (auth, rate limits,
    idempotent creates, cursor pagination, problem errors) in the project's framework.

    Writes its model, migration, schemas, service, routes, tests, client methods and docs, and
    registers it in the shared files; the change is left uncommitted for review. What it made
    is recorded in .fledge/resources/NAME.yml, so `fledge update` keeps it current.

    Run again for an existing NAME with changed fields to merge the change into its files
    (keeping your edits) and add a migration; unchanged, it says NAME is up to date.

    Bad input (a taken or invalid NAME, an unknown type or option, a duplicate field, a ref to
    a missing resource, a dirty git tree, not a generated project) writes nothing.

    Exit codes: 0 done (or up to date); 1 error, nothing written; 2 changed with conflicts left
    to resolve.
    """

    def run() -> int:
        options = AddOptions(
            name=name,
            fields=tuple(field_specs or ()),
            path=path,
            owned=owned,
            singular=singular,
            pretend=pretend,
        )
        result = add_resource(options, console.Steps())
        console.resource_result(result)
        return ExitCode.OK if result.clean else ExitCode.CONFLICTS

    raise typer.Exit(_boundary(run))


@app.command(name="check")
def check_command(
    path: Annotated[
        Path, typer.Argument(help="The generated project to check.", metavar="PATH")
    ] = Path(),
) -> None:
    """Run the project's own gates: the commands of its CI, from `make install` and `make check`.

    Lint, format, types, migrations and tests run in turn, timed, all even after a failure.

    Exit codes: 0 every gate passed; 1 a gate failed (its output is shown), or an error.
    """

    def run() -> int:
        result = run_check(path.expanduser().resolve(), console.GateLines())
        console.check_result(result)
        return ExitCode.OK if result.ok else ExitCode.ERROR

    raise typer.Exit(_boundary(run))


@app.command()
def matrix(
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="ID[,ID...]",
            help="Check only these variants: ids or globs like 'flask-*' (repeatable).",
            show_default="every variant",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            metavar="N", help="How many variants are rendered and checked at once (1 or more)."
        ),
    ] = DEFAULT_WORKERS,
    junit: Annotated[
        Path, typer.Option(metavar="PATH", help="Where to write the JUnit XML report.")
    ] = DEFAULT_JUNIT,
    keep: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Leave the rendered projects in DIR (one folder per variant).",
            show_default="a temporary directory, removed",
        ),
    ] = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="List the supported variants and exit.")
    ] = False,
) -> None:
    """Render every supported variant of the template and run `fledge check` on each.

    Exit codes: 0 every variant passed; 1 a variant failed, or an error.
    """

    def run() -> int:
        patterns = tuple(p.strip() for item in only or [] for p in item.split(",") if p.strip())
        if list_only:
            console.matrix_variants(select(supported(), patterns))
            return ExitCode.OK
        options = MatrixOptions(only=patterns, workers=workers, junit=junit, keep=keep)
        with console.MatrixLive() as live:
            result = run_matrix(options, live)
        console.matrix_result(result)
        return ExitCode.OK if result.ok else ExitCode.ERROR

    raise typer.Exit(_boundary(run))


def main() -> None:
    """The `fledge` console script."""
    app(prog_name="fledge")
