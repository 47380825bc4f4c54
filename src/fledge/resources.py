"""A project's resources: each rendered from the template's resource part (`kind: resource`)
with its own Copier answers file, `.fledge/resources/NAME.yml`, so that Copier can update it
like the project; and how one is put into a project: rendered beside it, its files moved in,
its registration lines added above the markers of the shared files.
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fledge import __version__, answers, copier_adapter, formatting, git, origin, registrations
from fledge import template as templates
from fledge.errors import FledgeError, UserError
from fledge.generated import ANSWERS_FILE, read_yaml, recorded_version
from fledge.steps import last_line

RESOURCES_DIR = ".fledge/resources"
# The project's answers a resource is rendered with (its names and framework).
SHARED_ANSWERS = ("project_name", "project_slug", "package_name", "framework")
# What a project references without a resource of its own.
BUILT_IN_REFERENCES = ("users",)
# The model class a reference to users names (a field's `ref_class`).
USER_CLASS = "User"


def answers_file(name: str) -> str:
    """The resource's Copier answers file, relative to the project."""
    return f"{RESOURCES_DIR}/{name}.yml"


def recorded(project: Path) -> dict[str, dict[str, Any]]:
    """The project's resources by name: the answers each one's file records."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((project / RESOURCES_DIR).glob("*.yml")):
        loaded = read_yaml(path, f"{RESOURCES_DIR}/{path.name}")
        if isinstance(loaded, Mapping):
            found[str(loaded.get("resource", path.stem))] = dict(loaded)
    return found


def shared_answers(project_answers: Mapping[str, Any]) -> dict[str, Any]:
    return {key: project_answers[key] for key in SHARED_ANSWERS if key in project_answers}


def alembic_head(project: Path, package: str) -> str | None:
    """The head revision of an Alembic project (the revision no other revision follows), read
    from its versions directory without running anything; None without one."""
    revisions, parents = _alembic_graph(project, package)
    heads = sorted(revisions - parents)
    return heads[0] if heads else None


def next_alembic_revision(project: Path, package: str) -> str:
    """A new revision id in the project's style (0001, 0002...): one more than it has."""
    revisions, _ = _alembic_graph(project, package)
    number = len(revisions) + 1
    while f"{number:04d}" in revisions:
        number += 1
    return f"{number:04d}"


def merge_alembic_heads(project: Path, package: str) -> str | None:
    """Join an Alembic project's heads with a merge revision when it has several (a template
    version's new migration follows the revision it knew, the project's resources follow theirs),
    so that `alembic upgrade head` applies them all; returns the file written, if any."""
    revisions, parents = _alembic_graph(project, package)
    heads = sorted(revisions - parents)
    if len(heads) < 2:
        return None
    revision = next_alembic_revision(project, package)
    path = project / "src" / package / "migrations" / "versions" / f"merge_{revision}.py"
    text = _MERGE_REVISION.format(
        revision=revision,
        listed=", ".join(heads),
        heads="(" + ", ".join(f'"{head}"' for head in heads) + ")",
    )
    path.write_text(text, encoding="utf-8")
    return path.relative_to(project).as_posix()


_MERGE_REVISION = '''"""Merge {listed}: the template's migrations and the project's.

Revision ID: {revision}
Revises: {listed}
"""

from collections.abc import Sequence

revision: str = "{revision}"
down_revision: str | Sequence[str] | None = {heads}
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


def _alembic_graph(project: Path, package: str) -> tuple[set[str], set[str]]:
    versions = project / "src" / package / "migrations" / "versions"
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target, value = _assignment(node)
            if target == "revision" and isinstance(value, str):
                revisions.add(value)
            elif target == "down_revision":
                parents.update(_revisions(value))
    return revisions, parents


def _assignment(node: ast.stmt) -> tuple[str | None, Any]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target, value = node.target, node.value
    else:
        return None, None
    if not isinstance(target, ast.Name):
        return None, None
    try:
        return target.id, ast.literal_eval(value)
    except ValueError:
        return None, None


def _revisions(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, tuple | list):
        return {str(item) for item in value}
    return set()


def render_data(
    project: Path, project_answers: Mapping[str, Any], resource: Mapping[str, Any]
) -> dict[str, Any]:
    """Everything a resource is rendered with: the project's names, the resource's answers and,
    for an Alembic project, the revision its first migration follows (the current head)."""
    data: dict[str, Any] = {**shared_answers(project_answers), "kind": "resource", **resource}
    if project_answers.get("framework") != "drf":
        head = alembic_head(project, str(project_answers.get("package_name")))
        if head is not None:
            data["migration_parent"] = head
    return data


@dataclass(frozen=True)
class Staged:
    """A resource rendered beside its project, not yet in it.

    Attributes:
        root: the directory it was rendered into.
        added: its files (project paths, sorted), the answers file among them.
        modified: the shared files its registration changes, with their new text.
    """

    root: Path
    added: tuple[str, ...]
    modified: Mapping[str, str]


def stage(
    source: templates.TemplateSource,
    project: Path,
    data: Mapping[str, Any],
    scratch: Path,
    notes: list[str] | None = None,
) -> Staged:
    """Render the resource `data` describes into `scratch` and work out its registration.

    Raises:
        UserError: the template refuses an answer, a file of the resource exists in the project
            already, or a shared file lost its marker line.
        FledgeError: the template failed to render.
    """
    root = scratch / "resource"
    name = str(data["resource"])
    written = copier_adapter.copy(
        source.src,
        root,
        data=data,
        vcs_ref=source.vcs_ref,
        answers_file=answers_file(name),
        notes=notes,
    )
    if source.bundled and source.vcs_ref is None and not templates.is_checkout(source.root):
        answers.record_source(written, *templates.bundled_release(__version__))
    added = tuple(
        sorted(
            path.relative_to(root).as_posix()
            for path in root.rglob("*")
            if path.is_file() and ".git" not in path.relative_to(root).parts
        )
    )
    clashes = [path for path in added if (project / path).exists()]
    if clashes:
        raise UserError(
            f'The resource "{name}" would overwrite {clashes[0]}, which the project has '
            "already; move it away or choose another name."
        )
    return Staged(root, added, _registration(source, project, root, data))


def _registration(
    source: templates.TemplateSource, project: Path, root: Path, data: Mapping[str, Any]
) -> dict[str, str]:
    questions = templates.questions(source)
    if questions is None or questions.rules is None:
        raise FledgeError("The template's questions cannot be read to register the resource.")
    rules = questions.rules
    values = rules.answers(data)
    found = registrations.load(
        templates.read_file(source, registrations.RELPATH),
        lambda text: rules.render(text, values),
    )
    staged, current = registrations.read_from(root), registrations.read_from(project)
    return registrations.apply(found, lambda relpath: staged(relpath) or current(relpath))


def install(staged: Staged, project: Path) -> None:
    """Move a staged resource into the project, add its registration lines and sort the
    imports of the Python files they changed."""
    for relpath in staged.added:
        target = project / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staged.root / relpath, target)
    for relpath, text in staged.modified.items():
        (project / relpath).write_text(text, encoding="utf-8")
    formatting.sort_imports(project, [path for path in staged.modified if path.endswith(".py")])


@contextmanager
def project_template(
    project: Path, project_answers: Mapping[str, Any], notes: list[str]
) -> Iterator[templates.TemplateSource]:
    """The template at the version the project records, to render a resource that fits it:
    the bundled template when it is that version, the recorded template directory at that
    commit, or else a clone of the recorded source.

    Raises:
        UserError: the recorded source or version cannot be found.
    """
    src, commit = recorded_version(project_answers)
    bundled = _bundled_root()
    if (
        bundled is not None
        and templates.is_official(src)
        and commit == templates.bundled_release(__version__)[1]
        and not templates.is_checkout(bundled)
    ):
        yield templates.TemplateSource(str(bundled), bundled, None, bundled=True)
        return
    local = Path(src).expanduser()
    if not templates.looks_remote(src) and local.is_dir():
        if git.has_revision(local, commit):
            yield templates.TemplateSource(src, local, commit)
        elif bundled is not None and local.resolve() == bundled.resolve():
            # Made from fledge's own checkout with uncommitted changes: render it as it is.
            notes.append(_UNCOMMITTED.format(commit=commit))
            yield templates.TemplateSource(src, local, "HEAD", bundled=True)
        else:
            raise UserError(_unknown_version(commit, src))
        return
    where = origin.resolve(src, None, project)
    with origin.fetching(where), tempfile.TemporaryDirectory(prefix="fledge-template-") as tmp:
        clone = Path(tmp) / "template"
        outcome = git.clone(where.recorded, clone)
        if not outcome.ok:
            raise UserError(f"Cannot fetch the template from {src}: {last_line(outcome)}")
        resolved = git.resolve(clone, commit)
        if resolved is None:
            raise UserError(_unknown_version(commit, src))
        yield templates.TemplateSource(str(clone), clone, resolved)


_UNCOMMITTED = (
    'The project records template version "{commit}", which does not exist: it was made '
    "from fledge's checkout with uncommitted changes, so the checkout was rendered as it is."
)


@contextmanager
def local_copy(source: templates.TemplateSource) -> Iterator[templates.TemplateSource]:
    """`source` as a template on this machine: itself, or a clone of a remote one at its ref
    (so that its questions and registrations can be read).

    Raises:
        UserError: the remote template cannot be fetched, or has no such ref.
    """
    if source.root is not None:
        yield source
        return
    with tempfile.TemporaryDirectory(prefix="fledge-template-") as tmp:
        clone = Path(tmp) / "template"
        outcome = git.clone(source.src.removeprefix("git+"), clone)  # Copier's git+ prefix
        if not outcome.ok:
            raise UserError(f"Cannot fetch the template from {source.src}: {last_line(outcome)}")
        commit = git.resolve(clone, source.vcs_ref or "HEAD")
        if commit is None:
            raise UserError(f'The template has no git ref "{source.vcs_ref}".')
        yield templates.TemplateSource(str(clone), clone, commit)


def _bundled_root() -> Path | None:
    try:
        return templates.bundled_root()
    except UserError:
        return None


def _unknown_version(commit: str, src: str) -> str:
    return (
        f'The project\'s template version "{commit}" (_commit in {ANSWERS_FILE}) does not '
        f"exist in {src}: was the project made from uncommitted template changes? Set _commit "
        "to the release it was made from, commit, and run again."
    )
