"""What the template itself changes between two versions: both rendered with the project's
answers and compared, file by file."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fledge import copier_adapter
from fledge.errors import UserError


@dataclass(frozen=True)
class TemplateChanges:
    """Files the template itself changes between two versions, rendered with the project's
    answers (project paths, sorted)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.modified)


def patterns(value: Any) -> tuple[str, ...]:
    """copier.yml's `_skip_if_exists` (one pattern or a list) as a tuple of patterns."""
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def _render(
    clone: Path,
    commit: str,
    data: Mapping[str, Any],
    dest: Path,
    *,
    trusted: bool,
    answers_file: str | None,
) -> Path:
    copier_adapter.copy(
        str(clone),
        dest,
        data=data,
        vcs_ref=commit,
        unsafe=trusted,
        skip_tasks=True,
        answers_file=answers_file,
    )
    return dest


def combined(changes: list[TemplateChanges]) -> TemplateChanges:
    """The changes of several renders into one project (the project and its resources)."""
    return TemplateChanges(
        added=tuple(sorted({path for change in changes for path in change.added})),
        removed=tuple(sorted({path for change in changes for path in change.removed})),
        modified=tuple(sorted({path for change in changes for path in change.modified})),
    )


def template_changes(
    clone: Path,
    commits: tuple[str, str],
    recorded: Mapping[str, Any],
    data: Mapping[str, str],
    *,
    skip_if_exists: tuple[str, ...],
    project: Path,
    trusted: bool,
    refusal: str,
    answers_file: str | None = None,
) -> TemplateChanges:
    """Render both versions with the project's answers (or a resource's, recorded in
    `answers_file`) and compare the two trees."""
    with tempfile.TemporaryDirectory(prefix="fledge-compare-") as scratch:
        try:
            old = _files(
                _render(
                    clone,
                    commits[0],
                    recorded,
                    Path(scratch, "old"),
                    trusted=trusted,
                    answers_file=answers_file,
                )
            )
            new = _files(
                _render(
                    clone,
                    commits[1],
                    {**recorded, **data},
                    Path(scratch, "new"),
                    trusted=trusted,
                    answers_file=answers_file,
                )
            )
        except copier_adapter.UntrustedTemplateError as err:
            raise UserError(refusal) from err
        except UserError as err:
            raise UserError(
                f"The template cannot be rendered with the project's answers: {err.message}"
            ) from err
        skipped = copier_adapter.skip_if_exists(skip_if_exists)

        def kept(path: str) -> bool:
            return not (skipped(path) and (project / path).exists())

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
