"""What an update left in the project's work tree: files modified, added, removed, and those
in conflict (inline markers or `.rej` files), relative to the project."""

from __future__ import annotations

from pathlib import Path

from fledge import git

_CONFLICT_MARKER = b"<<<<<<< "


def changes(
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
