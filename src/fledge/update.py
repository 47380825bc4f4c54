"""`fledge update`: merge a newer template version into a generated project with Copier's
three-way update, after showing what the template changes, and report what is left to resolve.

The update is never committed: the project's git tree must be clean before, so that `git diff`
shows exactly what the update did and `git reset --hard && git clean -fd` undoes it.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from fledge import (
    answers,
    copier_adapter,
    formatting,
    generated,
    git,
    origin,
    registrations,
    resources,
    template,
    template_diff,
    versions,
    work_tree,
)
from fledge.errors import FledgeError, UserError
from fledge.steps import Progress, Silent, last_line, lock_or_note

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
        config: the template's copier.yml at `target`.
        registrations: its template/registrations.yml at `target`, if it has one.
    """

    project: Path
    origin: origin.Origin
    current: str
    target: str
    changes: template_diff.TemplateChanges
    data: Mapping[str, str]
    trusted: bool
    needs_trust: tuple[str, ...]
    up_to_date: bool
    config: Mapping[str, Any] = field(default_factory=dict)
    registrations: str | None = None


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
    project, shown = generated.project_dir(path)
    recorded = generated.read_answers(project, shown)
    source, current = generated.recorded_version(recorded)
    where = origin.resolve(source, mirror, project)
    with origin.fetching(where):
        outcome = git.remote_tags(where.recorded, project)
    if not outcome.ok:
        raise UserError(f"Cannot read the versions of {where.fetched_from}: {last_line(outcome)}")
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
        raise UserError(f"Cannot read the versions of {where.fetched_from}: {last_line(outcome)}")
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
    steps = progress or Silent()
    project, shown = generated.project_dir(options.path)
    recorded = generated.read_answers(project, shown)
    generated.check_clean_git(project, shown)
    source, current = generated.recorded_version(recorded)
    where = origin.resolve(source, options.template, project)
    trusted = options.trust or where.official
    with origin.fetching(where), tempfile.TemporaryDirectory(prefix="fledge-update-") as scratch:
        with steps.step(f"Fetching the template from {where.fetched_from}"):
            clone = _fetch(where, Path(scratch))
        current_commit = git.resolve(clone, current)
        if current_commit is None:
            raise UserError(
                f'The project\'s template version "{current}" (_commit in '
                f"{generated.ANSWERS_FILE}) does not exist in {where.fetched_from}: was the "
                "project made from uncommitted template changes? Set _commit to the release it "
                "was made from, commit, and run the update again."
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
        registered = git.show(clone, target_commit, registrations.RELPATH)
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
        changes = template_diff.TemplateChanges()
        if not up_to_date:
            with steps.step(f"Comparing the template at {current} and {target}"):
                compare = functools.partial(
                    template_diff.template_changes,
                    clone,
                    (current_commit, target_commit),
                    skip_if_exists=template_diff.patterns(new_config.get("_skip_if_exists")),
                    project=project,
                    trusted=trusted,
                    refusal=_trust_message(where, needs_trust),
                )
                answers_now = generated.answers_only(recorded)
                shared = resources.shared_answers({**answers_now, **options.data})
                changes = template_diff.combined(
                    [
                        compare(answers_now, options.data),
                        *(
                            compare(
                                generated.answers_only(resource),
                                shared,
                                answers_file=resources.answers_file(name),
                            )
                            for name, resource in resources.recorded(project).items()
                        ),
                    ]
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
        config=new_config,
        registrations=registered,
    )


def apply_update(plan: UpdatePlan, progress: Progress | None = None) -> UpdateResult:
    """Run Copier's update as planned and report the files changed, added, removed and in
    conflict (conflicts are left inline, between `<<<<<<<` and `>>>>>>>` lines).

    Raises:
        UserError: the template needs --trust.
        FledgeError: Copier failed during the update (the message says how to undo).
    """
    steps = progress or Silent()
    notes: list[str] = []
    if plan.needs_trust and not plan.trusted:
        raise UserError(_trust_message(plan.origin, plan.needs_trust))
    with (
        steps.step(f"Merging {plan.target} into the project (copier update)"),
        origin.fetching(plan.origin),
    ):
        _run_copier_update(plan, notes)
    top = git.toplevel(plan.project) or plan.project
    modified, added, removed, conflicts = work_tree.changes(plan.project, top)
    locked: bool | None = None
    if "pyproject.toml" in conflicts:
        notes.append("pyproject.toml has conflicts: resolve them, then run `uv lock`.")
    elif "pyproject.toml" in modified + added:
        with steps.step("Locking the dependencies (uv lock)") as state:
            locked = _lock(plan.project, notes)
            state.degraded = not locked
        modified, added, removed, conflicts = work_tree.changes(plan.project, top)
    recorded = generated.read_answers(plan.project, str(plan.project))
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


# The template


def _fetch(where: origin.Origin, scratch: Path) -> Path:
    clone = scratch / "template"
    outcome = git.clone(where.recorded, clone)
    if not outcome.ok:
        raise UserError(
            f"Cannot fetch the template from {where.fetched_from}: {last_line(outcome)}"
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
            f'The project\'s template version "{current}" (_commit in '
            f"{generated.ANSWERS_FILE}) is not a release: the template had no vX.Y.Z tag "
            "then, and Copier updates only from a version. Set _commit to the release it was "
            "made from, commit, and run the update again."
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
    if copier_adapter.migrations_run(new_config.get("_migrations"), current, target):
        features.add("migrations")
    return tuple(sorted(features))


def _trust_message(where: origin.Origin, features: tuple[str, ...]) -> str:
    return (
        f"The template at {where.fetched_from} runs its own commands during this update "
        f"({', '.join(features) or 'migrations, tasks or jinja extensions'}), which fledge "
        "allows only for its official template: pass --trust if you trust this one."
    )


# Applying


def _run_copier_update(plan: UpdatePlan, notes: list[str]) -> None:
    try:
        copier_adapter.update(
            plan.project, data=plan.data, vcs_ref=plan.target, unsafe=plan.trusted
        )
        _update_resources(plan, notes)
        _merge_migration_heads(plan, notes)
    except copier_adapter.UntrustedTemplateError as err:
        raise UserError(_trust_message(plan.origin, plan.needs_trust)) from err
    except FledgeError as err:
        raise FledgeError(
            err.message,
            details=f"The project may be partly updated; `{_UNDO}` in it undoes the update.",
        ) from err


def _update_resources(plan: UpdatePlan, notes: list[str]) -> None:
    """Copier's update of every resource (its own answers file) after the project's.

    Copier updates only a clean work tree, so each update is committed before the next one,
    then the branch goes back to where it was: the whole update is left uncommitted, and the
    files Copier left in conflict are marked unmerged again, as one Copier update leaves them.
    """
    found = resources.recorded(plan.project)
    if not found:
        return
    shared = resources.shared_answers(generated.read_answers(plan.project, str(plan.project)))
    start = git.head(plan.project)
    conflicts = [git.unmerged_entries(plan.project)]
    try:
        git.commit_all(plan.project, "fledge update: the project (temporary)")
        for name, recorded in found.items():
            copier_adapter.update(
                plan.project,
                data={key: value for key, value in shared.items() if recorded.get(key) != value},
                vcs_ref=plan.target,
                unsafe=plan.trusted,
                answers_file=resources.answers_file(name),
            )
            conflicts.append(git.unmerged_entries(plan.project))
            git.commit_all(plan.project, f"fledge update: the resource {name} (temporary)")
    finally:
        git.reset_to(plan.project, start)
        git.restore_unmerged(plan.project, "".join(conflicts))
    _register_resources(plan, notes)


def _merge_migration_heads(plan: UpdatePlan, notes: list[str]) -> None:
    answers = generated.read_answers(plan.project, str(plan.project))
    if answers.get("framework") == "drf":  # Django orders migrations per app, by dependencies
        return
    merge = resources.merge_alembic_heads(plan.project, str(answers.get("package_name")))
    if merge is not None:
        notes.append(
            f"The template's new migrations and the project's formed two Alembic heads: {merge} "
            "joins them, so `make migrate` applies both."
        )


def _register_resources(plan: UpdatePlan, notes: list[str]) -> None:
    """Add the registration lines the new template version lists and a resource's shared
    files lack (a line they have is left alone)."""
    rules = copier_adapter.Questionnaire(plan.config, lambda _relpath: None)
    changed: dict[str, str] = {}
    read = registrations.read_from(plan.project)
    for name, recorded in resources.recorded(plan.project).items():
        values = rules.answers(generated.answers_only(recorded))
        render = functools.partial(rules.render, answers=values)
        found = registrations.load(plan.registrations, render)
        try:
            changed.update(registrations.apply(found, lambda path: changed.get(path) or read(path)))
        except UserError as err:
            notes.append(f"{err.message} (the resource {name})")
    for relpath, text in changed.items():
        (plan.project / relpath).write_text(text, encoding="utf-8")
    formatting.sort_imports(plan.project, [path for path in changed if path.endswith(".py")])


def _lock(project: Path, notes: list[str]) -> bool:
    later = "run `uv lock` in the project, then commit uv.lock with the update."
    return lock_or_note(project, notes, later)


def _next_commands(current: str, version: str, *, conflicts: bool) -> tuple[str, ...]:
    commands = ["git status", "git diff"]
    if conflicts:
        commands.append("git add FILE  # after resolving each conflict")
    commands += [
        "make check",
        f'git add --all && git commit -m "Update from the template {current} -> {version}"',
    ]
    return tuple(commands)
