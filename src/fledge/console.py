"""All of fledge's terminal output: the only module that imports rich."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.measure import Measurement
from rich.panel import Panel
from rich.status import Status
from rich.table import Table
from rich.text import Text

from fledge.add import AddResult, Outcome
from fledge.errors import FledgeError
from fledge.gates import CheckResult, Gate, GateResult
from fledge.matrix import MatrixResult, VariantOutcome
from fledge.new import NewResult
from fledge.steps import StepState
from fledge.update import UpdatePlan, UpdateResult, VersionCheck
from fledge.variants import Variant

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


def _git_fact(result: NewResult) -> str | None:
    if result.commit:
        return f"first commit {result.commit[:7]} on main"
    return "skipped (--no-git)" if result.git_skipped else None


def _lock_fact(result: NewResult) -> str:
    if result.locked:
        return "written and committed" if result.commit else "written"
    return "skipped (--no-lock)" if result.lock_skipped else "missing (see the warning)"


def _facts(result: NewResult) -> Table:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    rows = {
        "path": str(result.path),
        "framework": result.answers.get("framework"),
        "python": result.answers.get("python_version"),
        "package": result.answers.get("package_name"),
        "git": _git_fact(result),
        "uv.lock": _lock_fact(result),
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
    title = str(result.answers.get("project_name", result.path.name))
    out.print(
        Panel(
            _facts(result), title=Text(f"Created {title}"), title_align="left", border_style="green"
        )
    )
    _next_steps(result.next_commands)


def _next_steps(commands: Sequence[str]) -> None:
    """What to type next, below the closing panel and never wrapped: each line is one command
    to copy and paste (a terminal narrower than a line folds it on screen only)."""
    _plain(out, "Next:", "bold")
    for command in commands:
        _plain(out, f"  {command}", "cyan")


# fledge update ------------------------------------------------------------------------------

_CHANGE_STYLES = {
    "conflict": "bold red",
    "modified": "yellow",
    "added": "green",
    "removed": "red",
}


def _changes_table(rows: list[tuple[str, str]]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("change")
    table.add_column("file", overflow="fold")
    for change, path in rows:
        table.add_row(Text(change, style=_CHANGE_STYLES[change]), Text(path))
    return table


def version_check(check: VersionCheck) -> None:
    """`fledge update --check`: both versions, then one line saying what to do."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("template", Text(check.source))
    facts.add_row("project", Text(check.current))
    facts.add_row("latest", Text(check.latest))
    out.print(facts)
    if check.update_available:
        _plain(
            out,
            f"Update available: {check.current} -> {check.latest} (run `fledge update`).",
            "bold yellow",
        )
    else:
        _plain(out, f"Up to date with {check.latest}.", "green")


def update_plan(plan: UpdatePlan, *, pretend: bool) -> None:
    """Before an update: the version jump and the files the template changes in between."""
    if plan.up_to_date:
        _plain(out, f"Already at {plan.target}: nothing to update.", "green")
        return
    source = plan.origin.recorded
    if plan.origin.mirror:
        source = f"{plan.origin.recorded}, fetched from {plan.origin.mirror}"
    out.print(
        Text.assemble(
            ("Template ", "bold"), (f"{plan.current} -> {plan.target}", "bold cyan"), f" ({source})"
        )
    )
    if plan.data:
        changed = ", ".join(f"{key}={value}" for key, value in plan.data.items())
        _plain(out, f"Answers changed: {changed}")
    changes = plan.changes
    rows = [
        *(("added", path) for path in changes.added),
        *(("modified", path) for path in changes.modified),
        *(("removed", path) for path in changes.removed),
    ]
    if rows:
        count = len(rows)
        _plain(
            out,
            f"The template changes {count} file{'s' if count != 1 else ''} "
            "between these versions (rendered with your answers):",
        )
        out.print(_changes_table(rows))
    else:
        _plain(out, "The template changes no file between these versions (with your answers).")
    if pretend:
        if plan.needs_trust and not plan.trusted:
            warning(
                f"applying this update runs the template's {', '.join(plan.needs_trust)}: "
                "it needs --trust."
            )
        _plain(out, "Nothing was written (--pretend).", "bold")


def update_result(result: UpdateResult) -> None:
    """After an update: the files it changed, then a panel saying what to do next."""
    for message in result.warnings:
        warning(message)
    rows = [
        *(("conflict", path) for path in result.conflicts),
        *(("modified", path) for path in result.modified),
        *(("added", path) for path in result.added),
        *(("removed", path) for path in result.removed),
    ]
    if rows:
        out.print(_changes_table(rows))
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("template", Text(f"{result.plan.current} -> {result.version}"))
    facts.add_row(
        "files",
        Text(
            f"{len(result.modified)} modified, {len(result.added)} added, "
            f"{len(result.removed)} removed"
        ),
    )
    if result.conflicts:
        facts.add_row("conflicts", Text(f"{len(result.conflicts)} to resolve", style="bold red"))
    parts: list[Text | Table] = [facts, Text("")]
    parts.append(Text("The update is not committed: review it, then commit it."))
    if result.conflicts:
        parts.append(
            Text(
                "Each conflict sits between `<<<<<<< before updating` (your version) and "
                "`>>>>>>> after updating` (the template's): keep what you want, delete the "
                "marker lines, then `git add` the file."
            )
        )
    title = f"Updated to {result.version}"
    if result.conflicts:
        title += ", with conflicts to resolve"
    out.print(
        Panel(
            Group(*parts),
            title=Text(title),
            title_align="left",
            border_style="yellow" if result.conflicts else "green",
        )
    )
    _next_steps(result.next_commands)


# fledge add resource ------------------------------------------------------------------------


def resource_result(result: AddResult) -> None:
    """After `fledge add resource`: the files, then what to do next."""
    if result.outcome is Outcome.UP_TO_DATE:
        _plain(out, f"{result.name} is up to date: its fields are unchanged.", "green")
        return
    for message in result.warnings:
        warning(message)
    rows = [
        *(("conflict", path) for path in result.conflicts),
        *(("added", path) for path in result.added),
        *(("modified", path) for path in result.modified),
    ]
    if rows:
        out.print(_changes_table(rows))
    verb = "add" if result.outcome is Outcome.ADDED else "change"
    if result.pretend:
        _plain(out, f"Would {verb} the resource {result.name}. Nothing was written (--pretend).")
        return
    done = "Added" if result.outcome is Outcome.ADDED else "Changed"
    if result.migrations:
        _plain(out, f"Migration: {', '.join(result.migrations)}")
    if result.conflicts:
        _plain(
            out,
            f"{done} the resource {result.name}, with {len(result.conflicts)} conflicts to "
            "resolve (between `<<<<<<<` and `>>>>>>>` lines). Not committed: review it, then "
            "commit it.",
            "bold yellow",
        )
    else:
        _plain(
            out,
            f"{done} the resource {result.name}. Not committed: review it, then commit it.",
            "bold green",
        )
    _next_steps(result.next_commands)


# fledge check -------------------------------------------------------------------------------


def _seconds(value: float) -> str:
    return f"{value:.1f}"


def _status(ok: bool) -> Text:
    return Text("✓ passed", style="green") if ok else Text("✗ failed", style="bold red")


class GateLines:
    """`fledge check` progress: a spinner naming the gate that runs."""

    def __init__(self) -> None:
        self._status: Status | None = None

    def started(self, gate: Gate) -> None:
        self._status = out.status(Text(f"{gate.name}: {gate.shown}"))
        self._status.start()

    def finished(self, result: GateResult) -> None:  # noqa: ARG002
        if self._status is not None:
            self._status.stop()
            self._status = None


def check_result(result: CheckResult) -> None:
    """The gates as a table, the output of each failed one, and a red line if any failed."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("gate")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    for gate in result.results:
        table.add_row(gate.gate.name, _status(gate.ok), _seconds(gate.seconds))
    out.print(table)
    for gate in result.failed:
        _failure(gate.gate.name, gate.gate.shown, gate.returncode, gate.tail())
    if result.failed:
        names = ", ".join(gate.gate.name for gate in result.failed)
        _plain(
            err,
            f"Error: {len(result.failed)} of {len(result.results)} gates failed: {names}.",
            "bold red",
        )
    else:
        _plain(
            out,
            f"All {len(result.results)} gates passed in {_seconds(result.seconds)}s.",
            "bold green",
        )


def _failure(title: str, command: str, returncode: int, tail: str) -> None:
    """A failed command: what ran, its exit status and the end of its output."""
    body = Group(
        Text(f"`{command}` exited with status {returncode}", style="bold"),
        Text(tail or "(no output)"),
    )
    out.print(Panel(body, title=Text(f"{title} failed"), title_align="left", border_style="red"))


# fledge matrix ------------------------------------------------------------------------------


class MatrixLive:
    """`fledge matrix` progress: a live table on a terminal, one line per event elsewhere (CI
    logs). Called from the worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, tuple[str, float | None, float | None]] = {}
        self._live: Live | None = None
        self._start = time.monotonic()

    def __enter__(self) -> MatrixLive:
        return self

    def __exit__(self, *_: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def planned(self, variants: Sequence[Variant], workers: int) -> None:
        with self._lock:
            self._rows = {variant.id: ("queued", None, None) for variant in variants}
        _plain(
            out,
            f"Checking {len(variants)} variant{'s' if len(variants) != 1 else ''}, "
            f"{workers} at a time.",
            "bold",
        )
        if out.is_terminal:
            self._live = Live(get_renderable=self._table, console=out, refresh_per_second=4)
            self._live.start()

    def status(self, variant: Variant, status: str) -> None:
        with self._lock:
            _, started, _ = self._rows.get(variant.id, ("", None, None))
            self._rows[variant.id] = (status, started or time.monotonic(), None)
        if self._live is None:
            _plain(out, f"{variant.id}: {status}")

    def finished(self, outcome: VariantOutcome) -> None:
        verdict = "passed" if outcome.ok else "failed"
        with self._lock:
            _, started, _ = self._rows.get(outcome.variant.id, ("", None, None))
            self._rows[outcome.variant.id] = (verdict, started, outcome.seconds)
        if self._live is None:
            style = "green" if outcome.ok else "bold red"
            _plain(out, f"{outcome.variant.id}: {verdict} in {_seconds(outcome.seconds)}s", style)

    def _table(self) -> Table:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        table.add_column("variant", no_wrap=True)
        table.add_column("now")
        table.add_column("seconds", justify="right")
        now = time.monotonic()
        with self._lock:
            rows = list(self._rows.items())
        for variant_id, (status, started, seconds) in rows:
            style = {"passed": "green", "failed": "bold red", "queued": "dim"}.get(status, "cyan")
            elapsed = seconds if seconds is not None else (now - started if started else None)
            table.add_row(
                variant_id,
                Text(status, style=style),
                _seconds(elapsed) if elapsed is not None else "",
            )
        return table


def matrix_variants(variants: Sequence[Variant]) -> None:
    """`fledge matrix --list`."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("variant", "framework", "python", "ci"):
        table.add_column(column)
    for variant in variants:
        table.add_row(variant.id, variant.framework, variant.python_version, variant.ci)
    out.print(table)


def _gate_cell(outcome: VariantOutcome, name: str) -> Text:
    results = (
        {result.gate.name: result for result in outcome.check.results} if outcome.check else {}
    )
    if name not in results:
        return Text("-", style="dim")
    return Text("✓", style="green") if results[name].ok else Text("✗", style="bold red")


def _print_wide(table: Table) -> None:
    """Print a table whole: a terminal may squeeze it, a log file (CI) gets every column."""
    if out.is_terminal:
        out.print(table)
        return
    needed = Measurement.get(out, out.options.update(max_width=10_000), table).maximum
    Console(highlight=False, width=max(needed, out.width)).print(table)


def matrix_result(result: MatrixResult) -> None:
    """The summary table (variant x gate), the failures, the report, and a red line on failure."""
    gates = result.gate_names
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("variant", no_wrap=True)
    table.add_column("render", justify="center")
    for name in gates:
        table.add_column(name, justify="center")
    table.add_column("seconds", justify="right")
    for outcome in result.outcomes:
        rendered = outcome.check is not None
        table.add_row(
            outcome.variant.id,
            Text("✓", style="green") if rendered else Text("✗", style="bold red"),
            *(_gate_cell(outcome, name) for name in gates),
            _seconds(outcome.seconds),
        )
    _print_wide(table)
    for outcome in result.failed:
        if outcome.check is None:
            _failure(f"{outcome.variant.id} render", "fledge new", 1, outcome.problem)
            continue
        for gate in outcome.check.failed:
            _failure(
                f"{outcome.variant.id} {gate.gate.name}",
                gate.gate.shown,
                gate.returncode,
                gate.tail(),
            )
    _plain(out, f"JUnit report: {result.junit}")
    if result.kept is not None:
        _plain(out, f"Projects kept in: {result.kept}")
    count = len(result.outcomes)
    how = f"{result.workers} at a time, {_seconds(result.seconds)}s"
    if result.failed:
        names = ", ".join(outcome.variant.id for outcome in result.failed)
        _plain(
            err,
            f"Error: {len(result.failed)} of {count} variants failed ({how}): {names}.",
            "bold red",
        )
    else:
        _plain(out, f"All {count} variant{'s' if count != 1 else ''} passed ({how}).", "bold green")
