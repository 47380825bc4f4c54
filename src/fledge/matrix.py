"""`fledge matrix`: render every supported variant and run `fledge check` on each, a bounded
number at a time, and report the results as a table and a JUnit XML file."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fledge import creation, junit, template, uv
from fledge.errors import FledgeError, UserError
from fledge.gates import CheckResult, Gate, GateResult, run_check
from fledge.steps import Silent
from fledge.variants import DECLARED, Variant, offered, select

DEFAULT_WORKERS = 2
DEFAULT_JUNIT = Path("matrix-junit.xml")
PROJECT_NAME = "Matrix Service"
# The matrix checks each variant on its embedded defaults (SQLite, in-memory rate limits), not
# on whatever services the shell running it happens to point at: the tests' own opt-in
# services (TEST_*) included, since variants checked at once would share them.
_SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL")


@dataclass(frozen=True)
class MatrixOptions:
    """Everything `fledge matrix` was asked to do.

    Attributes:
        only: variant ids or glob patterns to check (all offered variants when empty).
        workers: how many variants are rendered and checked at once.
        junit: where the JUnit XML report is written.
        keep: a directory to leave the rendered projects in (one folder per variant id);
            None renders into a temporary directory, removed at the end.
    """

    only: tuple[str, ...] = ()
    workers: int = DEFAULT_WORKERS
    junit: Path = DEFAULT_JUNIT
    keep: Path | None = None


@dataclass(frozen=True)
class VariantOutcome:
    """How one variant fared: its gates, or the problem that kept it from being checked."""

    variant: Variant
    render_seconds: float
    problem: str
    check: CheckResult | None
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.problem and self.check is not None and self.check.ok


@dataclass(frozen=True)
class MatrixResult:
    outcomes: tuple[VariantOutcome, ...]
    junit: Path
    kept: Path | None
    workers: int
    seconds: float

    @property
    def ok(self) -> bool:
        return all(outcome.ok for outcome in self.outcomes)

    @property
    def failed(self) -> tuple[VariantOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.ok)

    @property
    def gate_names(self) -> tuple[str, ...]:
        """Every gate run, in the order the variants ran them."""
        names: dict[str, None] = {}
        for outcome in self.outcomes:
            for result in outcome.check.results if outcome.check else ():
                names.setdefault(result.gate.name)
        return tuple(names)


class MatrixProgress(Protocol):
    """Told what each variant is doing; called from the worker threads."""

    def planned(self, variants: Sequence[Variant], workers: int) -> None: ...

    def status(self, variant: Variant, status: str) -> None: ...

    def finished(self, outcome: VariantOutcome) -> None: ...


def supported() -> tuple[Variant, ...]:
    """The declared variants the template offers."""
    questions = template.questions(template.locate(None, None))
    return offered(questions.choices) if questions else DECLARED


def run_matrix(options: MatrixOptions, progress: MatrixProgress | None = None) -> MatrixResult:
    """Render and check the chosen variants, `options.workers` at a time, and write the report.

    Raises:
        UserError: bad options (no variant matches, fewer than one worker, kept projects in
            the way).
    """
    reporter = progress or Silent()
    if options.workers < 1:
        raise UserError("--workers must be at least 1.")
    chosen = select(supported(), options.only)
    start = time.monotonic()
    with _projects_root(options.keep, chosen) as root:
        workers = min(options.workers, len(chosen))
        reporter.planned(chosen, workers)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="matrix") as pool:
            try:
                outcomes = tuple(
                    pool.map(lambda variant: _run_variant(variant, root, reporter), chosen)
                )
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    seconds = time.monotonic() - start
    report = junit.write(options.junit, outcomes, seconds)
    return MatrixResult(outcomes, report, root if options.keep else None, workers, seconds)


@contextmanager
def _projects_root(keep: Path | None, chosen: Sequence[Variant]) -> Iterator[Path]:
    if keep is None:
        root = Path(tempfile.mkdtemp(prefix="fledge-matrix-"))
        try:
            yield root
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return
    root = keep.expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise UserError(f'--keep "{keep}" is a file, not a directory.')
    taken = [v.id for v in chosen if (root / v.id).exists() and any((root / v.id).iterdir())]
    if taken:
        raise UserError(
            f'--keep "{keep}" already holds {", ".join(taken)}: remove them or keep elsewhere.'
        )
    root.mkdir(parents=True, exist_ok=True)
    yield root


class _GatesOf:
    """Reports which gate of a variant runs to the matrix progress."""

    def __init__(self, variant: Variant, reporter: MatrixProgress) -> None:
        self.variant = variant
        self.reporter = reporter

    def started(self, gate: Gate) -> None:
        self.reporter.status(self.variant, gate.name)

    def finished(self, result: GateResult) -> None:
        """A variant's gate results show in its row once all have run."""


def _check_env() -> dict[str, str]:
    return {k: v for k, v in uv.project_env().items() if k not in _SERVICE_VARIABLES}


def _run_variant(variant: Variant, root: Path, reporter: MatrixProgress) -> VariantOutcome:
    start = time.monotonic()
    reporter.status(variant, "render")
    dest = root / variant.id
    problem = ""
    try:
        created = creation.create(
            creation.ProjectOptions(
                dest=dest, defaults=True, data={"project_name": PROJECT_NAME, **variant.data()}
            )
        )
        if not created.locked:
            problem = " ".join(created.warnings) or "uv lock did not run."
    except FledgeError as err:
        problem = "\n".join(part for part in (err.message, err.details) if part)
    rendered = time.monotonic() - start
    check = None
    if not problem:
        try:
            check = run_check(dest, _GatesOf(variant, reporter), _check_env())
        except FledgeError as err:
            problem = err.message
    outcome = VariantOutcome(variant, rendered, problem, check, time.monotonic() - start)
    reporter.finished(outcome)
    return outcome
