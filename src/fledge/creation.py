"""Render the template into a new project, lock it and commit it, atomically: the heart of
`fledge new`, and how `fledge matrix` makes each variant."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fledge import __version__, answers, copier_adapter, git, resources, template
from fledge.errors import UserError
from fledge.steps import Progress, Silent, lock_or_note


@dataclass(frozen=True)
class ProjectOptions:
    """The project to create.

    Attributes:
        dest: where the project goes: a path that does not exist yet or an empty directory
            (any directory with `overwrite`).
        template: a template directory or git URL; None for the template shipped with fledge.
        vcs_ref: the git tag, branch or commit of the template to render.
        data: answers given up front (`--data`, `--framework`).
        defaults: take every unanswered question's default instead of asking.
        overwrite: replace the contents of a non-empty `dest`.
        lock: run `uv lock` (False: the project has no uv.lock until the user runs it).
        git: `git init` and make the first commit (False: the project is no repository).
    """

    dest: Path
    template: str | None = None
    vcs_ref: str | None = None
    data: Mapping[str, str] = field(default_factory=dict)
    defaults: bool = False
    overwrite: bool = False
    lock: bool = True
    git: bool = True


@dataclass(frozen=True)
class Created:
    """The project in place.

    Attributes:
        path: the project's absolute path.
        answers: the recorded answers (those in the answers file; never secrets).
        commit: the first commit's hash, or None when git is missing or not asked for.
        locked: True when `uv lock` wrote uv.lock (it is part of the first commit).
        warnings: things the user should know or do, one sentence each.
    """

    path: Path
    answers: Mapping[str, Any]
    commit: str | None
    locked: bool
    warnings: tuple[str, ...]


def create(options: ProjectOptions, progress: Progress | None = None) -> Created:
    """Create a project as `options` describe; on any failure, leave nothing behind.

    The template is rendered into a temporary directory beside the destination, locked with
    `uv lock` and committed there, then moved into place with renames on one filesystem.

    Raises:
        UserError: bad options or answers, an occupied destination, a template Copier rejects.
        CommandError: git failed.
        KeyboardInterrupt: the user interrupted; nothing was written.
    """
    progress = progress or Silent()
    shown = str(options.dest)
    dest = options.dest.expanduser().resolve()
    source, defaults = _prepare(options, dest, shown)

    notes: list[str] = []
    staging, created = _staging_directory(dest, shown)
    try:
        with progress.step("Rendering the template", spinner=options.defaults):
            recorded = _render(source, staging, options, defaults, notes)
        locked, commit = False, None
        if options.lock:
            with progress.step("Locking the dependencies (uv lock)") as state:
                locked = _lock(staging, dest, notes)
                state.degraded = not locked
        if options.git:
            with progress.step("Creating the git repository and its first commit") as state:
                commit = _commit(staging, recorded, notes)
                state.degraded = commit is None
        try:
            _move_into_place(staging, dest, shown, overwrite=options.overwrite)
        except OSError as err:
            raise UserError(f"Cannot move the project into {shown}: {err}") from err
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(created)
        raise
    return Created(dest, recorded, commit, locked, tuple(notes))


def _prepare(
    options: ProjectOptions, dest: Path, shown: str
) -> tuple[template.TemplateSource, dict[str, str]]:
    """Every check that needs no rendering; returns the template and fledge's defaults."""
    source = template.locate(options.template, options.vcs_ref)
    _check_destination(dest, shown, overwrite=options.overwrite, source=source)
    questions = template.questions(source)
    defaults = answers.user_defaults(dest, questions)
    answers.check(options.data, defaults, questions, use_defaults=options.defaults)
    if options.defaults:
        return source, defaults
    if not (sys.stdin and sys.stdin.isatty()):
        raise UserError(
            "There is no terminal to ask the template's questions in: pass --defaults "
            "(and --data KEY=VALUE for the answers you want to set)."
        )
    return source, answers.for_prompts(defaults, options.data, questions)


def _staging_directory(dest: Path, shown: str) -> tuple[Path, list[Path]]:
    """An empty directory beside `dest` (same filesystem, so moving it is a rename), and the
    parent directories created for it."""
    created = _make_parents(dest.parent)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.fledge-", dir=dest.parent))
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a project is not
    except OSError as err:
        _remove_empty(created)
        raise UserError(f"Cannot create {shown}: {err.strerror or err}.") from err
    return staging, created


def _check_destination(
    dest: Path, shown: str, *, overwrite: bool, source: template.TemplateSource
) -> None:
    existing = next(path for path in (dest, *dest.parents) if path.exists())
    if existing != dest and not existing.is_dir():
        raise UserError(f'Cannot create {shown}: "{existing}" is a file, not a directory.')
    if not dest.exists():
        return
    if not dest.is_dir():
        raise UserError(f'"{shown}" exists and is not a directory.')
    if not any(dest.iterdir()):
        return
    if not overwrite:
        raise UserError(
            f'"{shown}" is not empty: choose a new directory, or pass --overwrite to replace '
            "everything in it."
        )
    root = source.root
    if dest in {Path.home().resolve(), Path(dest.anchor)} or (
        root is not None and (dest == root.resolve() or dest in root.resolve().parents)
    ):
        raise UserError(f'Refusing to overwrite "{shown}": it holds your home or the template.')


def _make_parents(directory: Path) -> list[Path]:
    """Create `directory` and its missing ancestors; return those created, deepest first."""
    missing = [path for path in (directory, *directory.parents) if not path.exists()]
    for path in reversed(missing):
        try:
            path.mkdir()
        except OSError as err:
            _remove_empty(missing)
            raise UserError(f"Cannot create {path}: {err.strerror or err}.") from err
    return missing


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_empty(directories: list[Path]) -> None:
    for directory in directories:
        with suppress(OSError):
            directory.rmdir()


# A template rendered with uncommitted changes records a commit that exists nowhere else.
_UNCOMMITTED_TEMPLATE = (
    "The template has uncommitted changes, which were rendered too: the project records a "
    "template version (_commit in .copier-answers.yml) that exists only in a temporary copy, "
    "so `fledge update` cannot update it until those changes are committed and _commit names "
    "that commit."
)


def _unversioned_checkout(root: str) -> str:
    return (
        "git is not installed, so the template's version is unknown: .copier-answers.yml "
        f"records the template's directory ({root}) but no _commit, and `fledge update` cannot "
        "update this project until _commit there names the template commit it was made from "
        f"(once git is installed: `git -C {root} describe --tags --always`), committed."
    )


def _render(
    source: template.TemplateSource,
    staging: Path,
    options: ProjectOptions,
    defaults: Mapping[str, str],
    notes: list[str],
) -> dict[str, Any]:
    """Render with Copier and return the recorded answers."""
    answers_file = copier_adapter.copy(
        source.src,
        staging,
        data=options.data,
        user_defaults=defaults,
        defaults=options.defaults,
        vcs_ref=source.vcs_ref,
        notes=notes,
        uncommitted_note=_UNCOMMITTED_TEMPLATE,
    )
    _protect_secrets(staging)
    if not answers_file.is_file():
        return {}
    if source.bundled and source.vcs_ref is None:
        if template.is_checkout(source.root):
            # fledge runs from its clone but git is missing: the template's version is unknown.
            notes.append(_unversioned_checkout(source.src))
        else:
            # The bundled template is this fledge release's tag of the official repository, so
            # record that, and `fledge update` fetches its history from there.
            answers.record_source(answers_file, *template.bundled_release(__version__))
    loaded = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    recorded = dict(loaded) if isinstance(loaded, Mapping) else {}
    _render_resources(source, staging, recorded)
    return recorded


def _render_resources(
    source: template.TemplateSource, staging: Path, recorded: Mapping[str, Any]
) -> None:
    """Render the resource every project starts with (the defaults of the template's resource
    questions: products) into the project, as `fledge add resource` renders one."""
    if recorded.get("kind", "project") != "project":
        return
    with resources.local_copy(source) as local:
        questions = template.questions(local)
        if questions is None or questions.rules is None or "resource" not in questions.names:
            return
        context = {**resources.shared_answers(recorded), "kind": "resource"}
        name = str(questions.rules.answers(context)["resource"])
        with tempfile.TemporaryDirectory(prefix="fledge-resource-") as scratch:
            data = resources.render_data(staging, recorded, {"resource": name})
            resources.install(resources.stage(local, staging, data, Path(scratch)), staging)
    if local is not source:  # rendered from a clone: record the source it was cloned from
        written = staging / resources.answers_file(name)
        loaded = yaml.safe_load(written.read_text(encoding="utf-8"))
        answers.record_source(written, source.src, str(loaded.get("_commit", "")))


def _protect_secrets(project: Path) -> None:
    """Make the generated `.env` (it holds JWT_SECRET) readable by its owner only."""
    env_file = project / ".env"
    if env_file.is_file():
        env_file.chmod(0o600)


def _lock(staging: Path, dest: Path, notes: list[str]) -> bool:
    """`uv lock`; a failure (offline, no uv) is a note with the command to run later."""
    later = "the project has no uv.lock yet: run `uv lock` in it, then commit uv.lock."
    return lock_or_note(staging, notes, later, shown=dest)


def commit_message(recorded: Mapping[str, Any], fallback_name: str) -> str:
    return f"Create {recorded.get('project_name', fallback_name)} from the fledge template"


def _commit(staging: Path, recorded: Mapping[str, Any], notes: list[str]) -> str | None:
    if not git.available():
        notes.append("git is not installed: the project is not a git repository yet.")
        return None
    return git.init_and_commit(
        staging,
        message=commit_message(recorded, staging.name),
        author_name=str(recorded.get("author_name", "fledge")),
        author_email=str(recorded.get("author_email", "fledge@localhost")),
    )


def _move_into_place(staging: Path, dest: Path, shown: str, *, overwrite: bool) -> None:
    """Put the staged project at `dest`, atomically.

    A new `dest` is one rename. An existing directory keeps its identity (a shell inside it
    stays valid): its old entries move aside, the new ones move in, and any failure moves
    everything back.
    """
    if not dest.exists():
        staging.replace(dest)
        return
    if any(dest.iterdir()) and not overwrite:
        raise UserError(f'"{shown}" is no longer empty; nothing was written.')
    aside = Path(tempfile.mkdtemp(prefix=f".{dest.name}.fledge-old-", dir=dest.parent))
    moved_out: list[str] = []
    moved_in: list[str] = []
    try:
        for entry in list(dest.iterdir()):
            entry.replace(aside / entry.name)
            moved_out.append(entry.name)
        for entry in list(staging.iterdir()):
            entry.replace(dest / entry.name)
            moved_in.append(entry.name)
    except BaseException:
        for name in moved_in:
            (dest / name).replace(staging / name)
        for name in moved_out:
            (aside / name).replace(dest / name)
        aside.rmdir()
        raise
    staging.rmdir()
    shutil.rmtree(aside, ignore_errors=True)
