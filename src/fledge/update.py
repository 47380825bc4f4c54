"""`fledge update`: merge a newer template version into a generated project with Copier's
three-way update, after showing what the template changes, and report what is left to resolve.

The update is never committed: the project's git tree must be clean before, so that `git diff`
shows exactly what the update did and `git reset --hard && git clean -fd` undoes it.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import copier
import yaml
from copier.errors import CopierError, CopierWarning, UnsafeTemplateError
from packaging.version import Version
from plumbum import ProcessExecutionError

from fledge import answers, git, origin, template, uv, versions
from fledge.errors import FledgeError, UserError
from fledge.new import Progress, StepState

ANSWERS_FILE = ".copier-answers.yml"
_DIRTY_SHOWN = 5
_CONFLICT_MARKER = b"<<<<<<< "
_UNDO = "git reset --hard && git clean -fd"


@dataclass(frozen=True)
class UpdateOptions:
    """Everything `fledge update` was asked to do.

    Attributes:
        path: the project (its directory holds `.copier-answers.yml`).
        to: the template version (tag) to update to; None for the latest release.
        data: answers to change during the update (`--data KEY=VALUE`).
        template: a mirror to fetch the recorded template source from (`--template`).
        trust: run the template's migrations and tasks even if it is not fledge's own.
        pretend: show the plan, write nothing.
    """

    path: Path = Path()
    to: str | None = None
    data: Mapping[str, str] = field(default_factory=dict)
    template: str | None = None
    trust: bool = False
    pretend: bool = False


@dataclass(frozen=True)
class VersionCheck:
    """`fledge update --check`: the project's template version and the newest release."""

    project: Path
    source: str
    current: str
    latest: str
    update_available: bool


@dataclass(frozen=True)
class TemplateChanges:
    """Files the template itself changes between two versions, rendered with the project's
    answers (project paths, sorted)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.modified)


@dataclass(frozen=True)
class UpdatePlan:
    """What an update will do, known before anything is written.

    Attributes:
        project: the project's absolute path.
        origin: where the template comes from.
        current: the template version the project records (`_commit`).
        target: the version to update to, as Copier will be asked for it.
        changes: what the template changes between the two, with the project's answers.
        data: the answers changed by the update.
        trusted: True when the template's own commands may run (official template or --trust).
        needs_trust: the template's commands this update would run (migrations, tasks,
            jinja extensions); refused unless `trusted`.
        up_to_date: the project is at `target` already and no answer changes.
    """

    project: Path
    origin: origin.Origin
    current: str
    target: str
    changes: TemplateChanges
    data: Mapping[str, str]
    trusted: bool
    needs_trust: tuple[str, ...]
    up_to_date: bool


@dataclass(frozen=True)
class UpdateResult:
    """What the update changed in the project, relative to its last commit (project paths).

    Attributes:
        conflicts: files holding inline conflict markers (or `.rej` files) to resolve.
        locked: True when `uv lock` ran after pyproject.toml changed, False when it failed or
            could not run, None when it was not needed.
    """

    plan: UpdatePlan
    version: str
    modified: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    conflicts: tuple[str, ...]
    locked: bool | None
    warnings: tuple[str, ...]
    next_commands: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not self.conflicts


# The public steps


def check_version(path: Path, mirror: str | None = None) -> VersionCheck:
    """Compare the project's template version with the newest release of its template.

    Raises:
        UserError: not a generated project, no recorded version, or no release to compare with.
    """
    project, shown = _project_dir(path)
    recorded = _read_answers(project, shown)
    source, current = _recorded_version(recorded)
    where = origin.resolve(source, mirror, project)
    with origin.fetching(where):
        outcome = git.remote_tags(where.recorded, project)
    if not outcome.ok:
        raise UserError(f"Cannot read the versions of {where.fetched_from}: {_last_line(outcome)}")
    tags = [line.split("refs/tags/", 1)[-1] for line in outcome.output.splitlines() if line]
    latest = versions.latest(tags)
    if latest is None:
        return _check_untagged(project, where, current)
    current_version = _required_version(current)
    latest_version = versions.parse(latest)
    return VersionCheck(
        project=project,
        source=where.fetched_from,
        current=current,
        latest=latest,
        update_available=latest_version is not None and latest_version > current_version,
    )


def _check_untagged(project: Path, where: origin.Origin, current: str) -> VersionCheck:
    """A template without release tags: its newest version is the head of its default branch."""
    with origin.fetching(where):
        outcome = git.remote_head(where.recorded, project)
    head = outcome.output.split()[0] if outcome.ok and outcome.output.strip() else ""
    if not head:
        raise UserError(f"Cannot read the versions of {where.fetched_from}: {_last_line(outcome)}")
    return VersionCheck(
        project=project,
        source=where.fetched_from,
        current=current,
        latest=head[: len(current)] if current else head,
        update_available=not head.startswith(current),
    )


def plan_update(options: UpdateOptions, progress: Progress | None = None) -> UpdatePlan:
    """Check the project and the template, and work out what the update will change.

    Raises:
        UserError: the project is not a clean git checkout of a generated project, the
            recorded or requested version does not exist, or the template needs --trust.
    """
    steps = progress or _Silent()
    project, shown = _project_dir(options.path)
    recorded = _read_answers(project, shown)
    _check_clean_git(project, shown)
    source, current = _recorded_version(recorded)
    where = origin.resolve(source, options.template, project)
    trusted = options.trust or where.official
    with origin.fetching(where), tempfile.TemporaryDirectory(prefix="fledge-update-") as scratch:
        with steps.step(f"Fetching the template from {where.fetched_from}"):
            clone = _fetch(where, Path(scratch))
        current_commit = git.resolve(clone, current)
        if current_commit is None:
            raise UserError(
                f'The project\'s template version "{current}" (_commit in {ANSWERS_FILE}) does '
                f"not exist in {where.fetched_from}: was the project made from uncommitted "
                "template changes? Set _commit to the release it was made from, commit, and "
                "run the update again."
            )
        target = options.to or _latest(git.tags(clone))
        target_commit = git.resolve(clone, target)
        if target_commit is None:
            known = ", ".join(versions.releases(git.tags(clone))) or "none"
            raise UserError(f'The template has no version "{target}"; its versions: {known}.')
        if target == _DEFAULT_BRANCH_HEAD:
            target = git.describe(clone, target_commit)
        _check_direction(clone, (current, current_commit), (target, target_commit))
        new_config = _config(clone, target_commit)
        questions = template.questions(template.TemplateSource(str(clone), clone, target_commit))
        answers.check(options.data, {}, questions, use_defaults=False)
        needs_trust = _unsafe_features(
            new_config, _config(clone, current_commit), current, git.describe(clone, target_commit)
        )
        if needs_trust and not trusted and not options.pretend:
            raise UserError(_trust_message(where, needs_trust))
        up_to_date = current_commit == target_commit and all(
            str(recorded.get(key)) == value for key, value in options.data.items()
        )
        changes = TemplateChanges()
        if not up_to_date:
            with steps.step(f"Comparing the template at {current} and {target}"):
                changes = _template_changes(
                    clone,
                    (current_commit, target_commit),
                    _answers_only(recorded),
                    options.data,
                    skip_if_exists=_patterns(new_config.get("_skip_if_exists")),
                    project=project,
                    trusted=trusted,
                    where=where,
                )
    return UpdatePlan(
        project=project,
        origin=where,
        current=current,
        target=target,
        changes=changes,
        data=dict(options.data),
        trusted=trusted,
        needs_trust=needs_trust,
        up_to_date=up_to_date,
    )


def apply_update(plan: UpdatePlan, progress: Progress | None = None) -> UpdateResult:
    """Run Copier's update as planned and report the files changed, added, removed and in
    conflict (conflicts are left inline, between `<<<<<<<` and `>>>>>>>` lines).

    Raises:
        UserError: the template needs --trust.
        FledgeError: Copier failed during the update (the message says how to undo).
    """
    steps = progress or _Silent()
    if plan.needs_trust and not plan.trusted:
        raise UserError(_trust_message(plan.origin, plan.needs_trust))
    with (
        steps.step(f"Merging {plan.target} into the project (copier update)"),
        origin.fetching(plan.origin),
    ):
        _run_copier_update(plan)
    notes: list[str] = []
    top = git.toplevel(plan.project) or plan.project
    modified, added, removed, conflicts = _changes(plan.project, top)
    locked: bool | None = None
    if "pyproject.toml" in conflicts:
        notes.append("pyproject.toml has conflicts: resolve them, then run `uv lock`.")
    elif "pyproject.toml" in modified + added:
        with steps.step("Locking the dependencies (uv lock)") as state:
            locked = _lock(plan.project, notes)
            state.degraded = not locked
        modified, added, removed, conflicts = _changes(plan.project, top)
    recorded = _read_answers(plan.project, str(plan.project))
    version = str(recorded.get("_commit", plan.target))
    return UpdateResult(
        plan=plan,
        version=version,
        modified=modified,
        added=added,
        removed=removed,
        conflicts=conflicts,
        locked=locked,
        warnings=tuple(notes),
        next_commands=_next_commands(plan.current, version, conflicts=bool(conflicts)),
    )


# The project


def _project_dir(path: Path) -> tuple[Path, str]:
    shown = str(path)
    project = path.expanduser().resolve()
    if not project.is_dir():
        raise UserError(f'"{shown}" is not a directory.')
    return project, shown


def _read_answers(project: Path, shown: str) -> dict[str, Any]:
    answers_file = project / ANSWERS_FILE
    if not answers_file.is_file():
        raise UserError(
            f'"{shown}" has no {ANSWERS_FILE}: it was not generated by fledge (or Copier), so '
            "there is no template to update it from."
        )
    try:
        loaded = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise UserError(f"{ANSWERS_FILE} in {shown} is not valid YAML: {err}") from err
    if not isinstance(loaded, Mapping) or not loaded.get("_src_path"):
        raise UserError(
            f"{ANSWERS_FILE} in {shown} records no template source (_src_path): it was not "
            "written by fledge or Copier."
        )
    return dict(loaded)


def _recorded_version(recorded: Mapping[str, Any]) -> tuple[str, str]:
    source = str(recorded["_src_path"])
    commit = recorded.get("_commit")
    if not commit:
        raise UserError(
            f"The project records no template version (_commit in {ANSWERS_FILE}): it was "
            "rendered from a template directory that is not a git repository. Set _commit to "
            "the release it was made from (e.g. v0.1.0), commit, and run the update again."
        )
    return source, str(commit)


def _check_clean_git(project: Path, shown: str) -> None:
    if not git.available():
        raise UserError("git is not installed: fledge update needs it to merge and to review.")
    if git.toplevel(project) is None:
        raise UserError(
            f'"{shown}" is not in a git repository: fledge update merges with git and leaves '
            "the changes for you to review; commit the project first "
            '(git init && git add --all && git commit -m "Initial commit").'
        )
    dirty = [change.path for change in git.status(project)]
    if dirty:
        listed = ", ".join(dirty[:_DIRTY_SHOWN])
        more = f" and {len(dirty) - _DIRTY_SHOWN} more" if len(dirty) > _DIRTY_SHOWN else ""
        raise UserError(
            f'"{shown}" has uncommitted changes ({listed}{more}): commit or stash them first, '
            "so that the update can be reviewed and undone on its own."
        )


def _answers_only(recorded: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in recorded.items() if not key.startswith("_")}


# The template


def _fetch(where: origin.Origin, scratch: Path) -> Path:
    clone = scratch / "template"
    outcome = git.clone(where.recorded, clone)
    if not outcome.ok:
        raise UserError(
            f"Cannot fetch the template from {where.fetched_from}: {_last_line(outcome)}"
        )
    return clone


# What a template without release tags updates to: the head of its default branch.
_DEFAULT_BRANCH_HEAD = "HEAD"


def _latest(tags: list[str]) -> str:
    return versions.latest(tags) or _DEFAULT_BRANCH_HEAD


def _required_version(current: str) -> Version:
    parsed = versions.parse(current)
    if parsed is None:
        raise UserError(
            f'The project\'s template version "{current}" (_commit in {ANSWERS_FILE}) is not '
            "a release: the template had no vX.Y.Z tag then, and Copier updates only from a "
            "version. Set _commit to the release it was made from, commit, and run the update "
            "again."
        )
    return parsed


def _check_direction(clone: Path, current: tuple[str, str], target: tuple[str, str]) -> None:
    """Refuse a downgrade: by release versions, or by history where there are no releases."""
    (current_ref, current_commit), (target_ref, target_commit) = current, target
    current_version = versions.parse(current_ref)
    target_version = versions.parse(git.describe(clone, target_commit))
    if current_version is not None and target_version is not None:
        newer = target_version >= current_version
    else:  # a template without release tags: commits are ordered by its history
        newer = git.is_ancestor(clone, current_commit, target_commit)
    if not newer:
        raise UserError(
            f"{target_ref} is not newer than the project's template version {current_ref}: "
            "fledge update does not downgrade."
        )


def _config(clone: Path, commit: str) -> dict[str, Any]:
    return template.config(template.TemplateSource(str(clone), clone, commit)) or {}


def _unsafe_features(
    new_config: Mapping[str, Any], old_config: Mapping[str, Any], current: str, target: str
) -> tuple[str, ...]:
    """The template features Copier runs only when trusted, as its update would use them."""
    features = set()
    for config in (new_config, old_config):
        if config.get("_tasks"):
            features.add("tasks")
        if config.get("_jinja_extensions"):
            features.add("jinja extensions")
    if any(_migration_applies(m, current, target) for m in new_config.get("_migrations") or []):
        features.add("migrations")
    return tuple(sorted(features))


def _migration_applies(migration: Any, current: str, target: str) -> bool:
    """Copier's rule: a migration without a version always runs; one with a version runs when
    the update crosses it (current < version <= target)."""
    if not isinstance(migration, Mapping) or "version" not in migration:
        return True
    version = versions.parse(str(migration["version"]))
    low, high = versions.parse(current), versions.parse(target)
    if version is None or low is None or high is None:
        return True
    return low < version <= high


def _trust_message(where: origin.Origin, features: tuple[str, ...]) -> str:
    return (
        f"The template at {where.fetched_from} runs its own commands during this update "
        f"({', '.join(features)}), which fledge allows only for its official template: pass "
        "--trust if you trust this one."
    )


def _patterns(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


@contextmanager
def _quiet_copier() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CopierWarning)
        yield


def _render(
    clone: Path, commit: str, data: Mapping[str, Any], dest: Path, *, trusted: bool
) -> Path:
    copier.run_copy(
        str(clone),
        dest,
        data=dict(data),
        defaults=True,
        vcs_ref=commit,
        quiet=True,
        unsafe=trusted,
        skip_tasks=True,
    )
    return dest


def _template_changes(
    clone: Path,
    commits: tuple[str, str],
    recorded: Mapping[str, Any],
    data: Mapping[str, str],
    *,
    skip_if_exists: tuple[str, ...],
    project: Path,
    trusted: bool,
    where: origin.Origin,
) -> TemplateChanges:
    """Render both versions with the project's answers and compare the two trees."""
    with tempfile.TemporaryDirectory(prefix="fledge-compare-") as scratch:
        try:
            with _quiet_copier():
                old = _files(
                    _render(clone, commits[0], recorded, Path(scratch, "old"), trusted=trusted)
                )
                new = _files(
                    _render(
                        clone,
                        commits[1],
                        {**recorded, **data},
                        Path(scratch, "new"),
                        trusted=trusted,
                    )
                )
        except UnsafeTemplateError as err:
            raise UserError(_trust_message(where, _features(err))) from err
        except (CopierError, ValueError) as err:
            raise UserError(
                f"The template cannot be rendered with the project's answers: {_one_line(err)}"
            ) from err

        def kept(path: str) -> bool:
            return not (_matches(path, skip_if_exists) and (project / path).exists())

        return TemplateChanges(
            added=tuple(sorted(p for p in new.keys() - old.keys() if kept(p))),
            removed=tuple(sorted(old.keys() - new.keys())),
            modified=tuple(
                sorted(
                    p
                    for p in old.keys() & new.keys()
                    if kept(p) and old[p].read_bytes() != new[p].read_bytes()
                )
            ),
        )


def _files(root: Path) -> dict[str, Path]:
    return {
        path.relative_to(root).as_posix(): path
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    """Copier's `_skip_if_exists` patterns are gitignore-style; these are matched on the whole
    path, and on the file name for patterns without a slash."""
    name = path.rsplit("/", 1)[-1]
    return any(
        fnmatchcase(path, pattern.strip("/")) or ("/" not in pattern and fnmatchcase(name, pattern))
        for pattern in patterns
    )


# Applying


def _run_copier_update(plan: UpdatePlan) -> None:
    try:
        with _quiet_copier():
            copier.run_update(
                str(plan.project),
                data=dict(plan.data),
                defaults=True,
                overwrite=True,
                conflict="inline",
                vcs_ref=plan.target,
                quiet=True,
                unsafe=plan.trusted,
            )
    except UnsafeTemplateError as err:
        raise UserError(_trust_message(plan.origin, _features(err))) from err
    except (CopierError, ValueError, OSError, ProcessExecutionError) as err:
        raise FledgeError(
            f"Copier's update failed: {_one_line(err)}",
            details=f"The project may be partly updated; `{_UNDO}` in it undoes the update.",
        ) from err


def _changes(
    project: Path, top: Path
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Modified, added, removed and conflicted files, relative to the project."""
    modified: list[str] = []
    added: list[str] = []
    removed: list[str] = []
    conflicts: list[str] = []
    for change in git.status(project):
        path = (top / change.path).relative_to(project).as_posix()
        if change.unmerged or path.endswith(".rej"):
            conflicts.append(path)
        elif "D" in change.code:
            removed.append(path)
        elif change.code in {"??", "A "}:
            added.append(path)
        else:
            modified.append(path)
    for path in [*modified, *added]:
        if _new_markers(project, top, path):
            conflicts.append(path)
    conflicted = set(conflicts)
    return (
        tuple(sorted(p for p in modified if p not in conflicted)),
        tuple(sorted(p for p in added if p not in conflicted)),
        tuple(sorted(removed)),
        tuple(sorted(conflicted)),
    )


def _marker_lines(content: bytes) -> int:
    return sum(1 for line in content.splitlines() if line.startswith(_CONFLICT_MARKER))


def _new_markers(project: Path, top: Path, path: str) -> bool:
    """True when the file holds more conflict-marker lines than at the last commit."""
    file = project / path
    if not file.is_file():
        return False
    now = _marker_lines(file.read_bytes())
    if now == 0:
        return False
    before = git.show(top, "HEAD", (project / path).relative_to(top).as_posix())
    return now > _marker_lines((before or "").encode())


def _lock(project: Path, notes: list[str]) -> bool:
    later = "run `uv lock` in the project, then commit uv.lock with the update."
    if not uv.available():
        notes.append(f"pyproject.toml changed but uv is not installed: {later}")
        return False
    try:
        outcome = uv.lock(project)
    except FledgeError as err:
        notes.append(f"{err.message} So {later}")
        return False
    if not outcome.ok:
        notes.append(f"`uv lock` failed ({_last_line(outcome)}): {later}")
    return outcome.ok


def _next_commands(current: str, version: str, *, conflicts: bool) -> tuple[str, ...]:
    commands = ["git status", "git diff"]
    if conflicts:
        commands.append("git add FILE  # after resolving each conflict")
    commands += [
        "make check",
        f'git add --all && git commit -m "Update from the template {current} -> {version}"',
    ]
    return tuple(commands)


# Small helpers


class _Silent:
    def step(self, label: str, *, spinner: bool = True) -> AbstractContextManager[StepState]:  # noqa: ARG002
        return nullcontext(StepState())


def _features(err: UnsafeTemplateError) -> tuple[str, ...]:
    """The features named by Copier's message ("...unsafe features: migrations, tasks.")."""
    first = str(err).splitlines()[0]
    listed = first.split(": ", 1)[-1].rstrip(".")
    return tuple(name.strip().replace("_", " ") for name in listed.split(","))


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def _last_line(outcome: Any) -> str:
    lines = [line.strip() for line in str(outcome.output).splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {outcome.returncode}"
