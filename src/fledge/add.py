"""`fledge add resource`: check the request against the template's rules and the project, then
render the resource into the project (or, for a resource the project has, merge its new fields
with Copier's three-way update and add a migration for the schema change).

Nothing is written until every check has passed; the change is left uncommitted for review.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from fledge import (
    copier_adapter,
    fields,
    formatting,
    generated,
    git,
    origin,
    process,
    resources,
    template_diff,
    uv,
    work_tree,
)
from fledge import template as templates
from fledge.errors import CommandError, FledgeError, UserError
from fledge.steps import Progress, Silent

_COMMAND = "fledge add resource"
_GENERATOR_COMMENT = re.compile(r"^\s*# ### .* ###\s*$")
_UNDO = "git reset --hard && git clean -fd"


@dataclass(frozen=True)
class AddOptions:
    """What `fledge add resource` was asked for.

    Attributes:
        name: the resource's plural name.
        fields: the `FIELD:TYPE[:OPTION]...` specs, in order.
        path: the project.
        owned: rows belong to the user who created them.
        singular: the singular of `name`, when the template's guess is wrong.
        pretend: show what would change, write nothing.
    """

    name: str
    fields: Sequence[str] = ()
    path: Path = Path()
    owned: bool = False
    singular: str | None = None
    pretend: bool = False


class Outcome(Enum):
    ADDED = "added"
    CHANGED = "changed"
    UP_TO_DATE = "up to date"


@dataclass(frozen=True)
class AddResult:
    """What `fledge add resource` did (or would do, with `pretend`); project paths.

    Attributes:
        migrations: the migrations made for a changed resource's schema.
        conflicts: files holding inline conflict markers after a changed resource's merge.
    """

    project: Path
    name: str
    outcome: Outcome
    pretend: bool
    added: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    migrations: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    next_commands: tuple[str, ...] = field(default=())

    @property
    def clean(self) -> bool:
        return not self.conflicts


def add_resource(options: AddOptions, progress: Progress | None = None) -> AddResult:
    """Add the resource `options` describe to the project, or change its fields.

    Raises:
        UserError: a bad name or field, a reference to a missing resource, a dirty tree, a
            directory that is not a generated project; nothing was written.
        FledgeError: the template failed to render, or Copier's merge failed halfway.
        CommandError: making the migration of a changed resource failed.
    """
    steps = progress or Silent()
    project, shown = generated.project_dir(options.path)
    project_answers = _project_answers(project, shown)
    generated.check_clean_git(project, shown, command=_COMMAND, change="the new resource")
    existing = resources.recorded(project)
    parsed = fields.parse(options.fields)
    requested: dict[str, Any] = {
        "resource": options.name,
        "fields": parsed,
        "owned": options.owned,
    }
    previous = existing.get(options.name)
    if previous is not None:
        _check_same_singular(options, previous)
    singular = options.singular or (previous or {}).get("singular")
    if singular:
        requested["singular"] = singular
    notes: list[str] = []
    context = {**resources.shared_answers(project_answers), "kind": "resource"}
    with resources.project_template(project, project_answers, notes) as source:
        rules = _rules(source)
        _check_references(parsed, existing, options.name)
        requested["fields"] = _with_ref_classes(parsed, existing, rules, context)
        values = _check(rules, context, requested)
        if previous is not None:
            return _change(options, source, project, previous, requested, steps, notes)
        _check_names_free(values, existing)
        _check_module_free(project, str(project_answers["package_name"]), options.name)
        data = resources.render_data(project, project_answers, requested)
        with (
            tempfile.TemporaryDirectory(prefix="fledge-resource-") as scratch,
            steps.step(f"Rendering the resource {options.name}"),
        ):
            staged = resources.stage(source, project, data, Path(scratch))
            if not options.pretend:
                resources.install(staged, project)
    return AddResult(
        project=project,
        name=options.name,
        outcome=Outcome.ADDED,
        pretend=options.pretend,
        added=staged.added,
        modified=tuple(sorted(staged.modified)),
        warnings=tuple(notes),
        next_commands=() if options.pretend else _next_commands(f"Add the {options.name} resource"),
    )


def _project_answers(project: Path, shown: str) -> dict[str, Any]:
    answers_file = project / generated.ANSWERS_FILE
    if not answers_file.is_file():
        raise UserError(
            f'"{shown}" is not a project generated by fledge (it has no {generated.ANSWERS_FILE})'
            ": run fledge add resource in one, or pass its directory with --path."
        )
    recorded = generated.read_answers(project, shown)
    if recorded.get("kind", "project") != "project" or not recorded.get("package_name"):
        raise UserError(f'"{shown}" is not a project generated by fledge.')
    return recorded


def _rules(source: templates.TemplateSource) -> copier_adapter.Questionnaire:
    """The template's defaults and validators (copier.yml), which must know resources."""
    questions = templates.questions(source)
    if questions is None or "resource" not in questions.names or questions.rules is None:
        raise UserError(
            "The project's template version has no resources: run `fledge update` first."
        )
    return questions.rules


def _with_ref_classes(
    parsed: Sequence[Mapping[str, Any]],
    existing: Mapping[str, Mapping[str, Any]],
    rules: copier_adapter.Questionnaire,
    context: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """The fields with `ref_class`: the class of the resource a `ref` names, as its recorded
    answers make it (its singular may not be the guessed one), `User` for users; else None."""
    filled = []
    for spec in parsed:
        ref = spec.get("ref") if spec.get("type") == "ref" else None
        ref_class = None
        if ref == "users":
            ref_class = resources.USER_CLASS
        elif ref in existing:
            answers = {**context, **generated.answers_only(existing[str(ref)])}
            ref_class = str(rules.answers(answers)["resource_class"])
        filled.append({**spec, "ref_class": ref_class})
    return filled


def _check(
    rules: copier_adapter.Questionnaire,
    context: Mapping[str, Any],
    requested: Mapping[str, Any],
) -> dict[str, Any]:
    """The template's own rules (copier.yml's validators) on the requested resource; its
    answers, the computed ones too."""
    values = rules.answers({**context, **requested})
    name = requested["resource"]
    problem = rules.problem("resource", values)
    if problem is not None:
        raise UserError(f'Invalid resource name "{name}": {problem}.')
    if "singular" not in requested and values.get("singular") == name:
        raise UserError(
            f'Invalid resource name "{name}": it must be a plural (orders, not order), or give '
            "its singular with --singular."
        )
    problem = rules.problem("singular", values)
    if problem is not None:
        raise UserError(f'Invalid singular "{values.get("singular")}": {problem}.')
    problem = rules.problem("fields", values)
    if problem is not None:
        raise UserError(f"Invalid fields of {name}: {problem}.")
    return values


def _check_same_singular(options: AddOptions, previous: Mapping[str, Any]) -> None:
    """A resource's singular names its classes, which other resources' references record: it
    cannot change."""
    recorded = previous.get("singular")
    if options.singular is not None and options.singular != recorded:
        raise UserError(
            f'Invalid singular "{options.singular}": the resource {options.name} has the '
            f'singular "{recorded}", which cannot change.'
        )


def _check_names_free(values: Mapping[str, Any], existing: Mapping[str, Mapping[str, Any]]) -> None:
    """A new resource's plural and singular are no other resource's plural or singular (their
    classes, routes and client methods would clash)."""
    for other, answers in existing.items():
        theirs = {other, answers.get("singular")}
        for key, label in (("resource", "resource name"), ("singular", "singular")):
            if values.get(key) in theirs:
                raise UserError(
                    f'Invalid {label} "{values.get(key)}": the resource {other} uses that name.'
                )


def _check_references(
    parsed: Sequence[Mapping[str, Any]], existing: Mapping[str, Any], name: str
) -> None:
    """Every `ref` names a resource of the project or users (one naming itself is left to the
    template's rule)."""
    known = sorted({*existing, *resources.BUILT_IN_REFERENCES} - {name})
    for spec in parsed:
        if spec.get("type") == "ref" and spec.get("ref") not in (*known, name):
            raise UserError(
                f'Field "{spec["name"]}": ref={spec["ref"]} names no resource of the project '
                f"(it has: {', '.join(known)})."
            )


def _template_changes(
    source: templates.TemplateSource,
    project: Path,
    previous: Mapping[str, Any],
    changed: Mapping[str, Any],
) -> template_diff.TemplateChanges:
    """What the new answers change in the resource's files: both answers rendered and compared
    (only the answers file when the template is not a git checkout to render at a version)."""
    name = str(previous["resource"])
    if source.root is None or source.vcs_ref is None:
        return template_diff.TemplateChanges(modified=(resources.answers_file(name),))
    config = templates.config(source) or {}
    return template_diff.template_changes(
        source.root,
        (source.vcs_ref, source.vcs_ref),
        generated.answers_only(previous),
        changed,
        skip_if_exists=template_diff.patterns(config.get("_skip_if_exists")),
        project=project,
        trusted=False,
        refusal="The template runs its own commands; fledge add resource never runs them.",
        answers_file=resources.answers_file(name),
    )


def _check_module_free(project: Path, package: str, name: str) -> None:
    """A new resource's name must not be a module of the project's package already."""
    for taken in (Path("src", package, name), Path("src", package, f"{name}.py")):
        if (project / taken).exists():
            raise UserError(
                f'Invalid resource name "{name}": the project has {taken.as_posix()} already.'
            )


def _change(
    options: AddOptions,
    source: templates.TemplateSource,
    project: Path,
    previous: Mapping[str, Any],
    requested: Mapping[str, Any],
    steps: Progress,
    notes: list[str],
) -> AddResult:
    """Re-running for a resource the project has: nothing when the answers are the same, else
    Copier's three-way update of the resource to the new answers and a migration."""
    changed = {
        key: value
        for key, value in requested.items()
        if key != "resource" and previous.get(key) != value
    }
    if not changed:
        return AddResult(project, options.name, Outcome.UP_TO_DATE, options.pretend)
    if options.pretend:
        changes = _template_changes(source, project, previous, changed)
        return AddResult(
            project,
            options.name,
            Outcome.CHANGED,
            pretend=True,
            added=changes.added,
            modified=changes.modified,
            warnings=tuple(notes),
        )
    src, commit = generated.recorded_version(previous)
    where = origin.resolve(src, None, project)
    with steps.step(f"Merging the new fields into {options.name} (copier update)"):
        try:
            with origin.fetching(where):
                copier_adapter.update(
                    project,
                    data=changed,
                    vcs_ref=commit,
                    unsafe=where.official,
                    answers_file=resources.answers_file(options.name),
                )
        except FledgeError as err:
            raise FledgeError(
                err.message,
                details=f"The project may be partly changed; `{_UNDO}` in it undoes it.",
            ) from err
    top = git.toplevel(project) or project
    modified, added, _, conflicts = work_tree.changes(project, top)
    migrations: tuple[str, ...] = ()
    if conflicts:
        notes.append(
            "The merge left conflicts: resolve them, then make the migration for the schema "
            "change with the framework's tool (docs/resources.md)."
        )
    else:
        with steps.step("Making the migration for the schema change"):
            migrations = _migrate(project, previous, options.name)
        modified, added, _, conflicts = work_tree.changes(project, top)
    return AddResult(
        project=project,
        name=options.name,
        outcome=Outcome.CHANGED,
        pretend=False,
        added=added,
        modified=modified,
        conflicts=conflicts,
        migrations=migrations,
        warnings=tuple(notes),
        next_commands=_next_commands(f"Change the {options.name} resource"),
    )


def _migrate(project: Path, recorded: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """The framework's own migration for the resource's schema change, in the project's
    environment, tidied with the project's ruff settings; () when the schema is unchanged."""
    _require(uv.sync(project))
    before = {change.path for change in _untracked(project)}
    if recorded.get("framework") == "drf":
        label = f"change_{name}"
        _require(uv.run(project, "python", "manage.py", "makemigrations", name, "--name", label))
    else:
        revision = resources.next_alembic_revision(project, str(recorded.get("package_name")))
        _alembic_revision(project, name, revision)
    made = tuple(
        sorted(
            change.path
            for change in _untracked(project)
            if change.path not in before and change.path.endswith(".py")
        )
    )
    for relpath in made:
        _finish_migration(project / relpath, str(recorded.get("package_name")))
    formatting.tidy(project, made)
    return made


def _finish_migration(migration: Path, package: str) -> None:
    """Drop Alembic's `# ### commands auto generated by Alembic - please adjust! ###` lines,
    and import the project's modules whose column types the migration names by their dotted
    path (Alembic renders a custom type so, without importing it)."""
    lines = migration.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not _GENERATOR_COMMENT.match(line)]
    text = "".join(kept)
    used = sorted(set(re.findall(rf"\b({re.escape(package)}(?:\.\w+)+)\.\w+\(", text)))
    missing = [f"import {module}\n" for module in used if f"import {module}\n" not in text]
    if missing:
        first = next((i for i, line in enumerate(kept) if line.startswith(("import ", "from "))), 0)
        kept[first:first] = missing
    migration.write_text("".join(kept), encoding="utf-8")


def _alembic_revision(project: Path, name: str, revision: str) -> None:
    """`alembic revision --autogenerate` against a temporary SQLite database at the head."""
    with tempfile.TemporaryDirectory(prefix="fledge-migrate-") as scratch:
        env = {**uv.project_env(), "DATABASE_URL": f"sqlite:///{scratch}/schema.db"}

        def alembic(*args: str) -> process.Outcome:
            return process.run(
                [uv.executable() or "uv", "run", "alembic", *args], cwd=project, env=env
            )

        _require(alembic("upgrade", "head"))
        if alembic("check").ok:
            return  # the models match the migrations: no schema change
        _require(
            alembic("revision", "--autogenerate", "--rev-id", revision, "-m", f"Change {name}")
        )


def _untracked(project: Path) -> list[git.Change]:
    return [change for change in git.status(project) if change.code == "??"]


def _require(outcome: process.Outcome) -> None:
    if not outcome.ok:
        raise CommandError(
            f"`{outcome.command}` failed in the project (exit status {outcome.returncode}); "
            "the resource's files are merged, its migration is not made.",
            details=outcome.tail(),
        )


def _next_commands(message: str) -> tuple[str, ...]:
    return ("git status", "git diff", "make check", f'git add --all && git commit -m "{message}"')
