"""template/registrations.yml: the lines a resource adds to the project's shared files, each
right above a marker line, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from fledge.errors import FledgeError, UserError

RELPATH = "template/registrations.yml"
_FALSE = ("", "false", "0", "no", "none")


@dataclass(frozen=True)
class Registration:
    """One line for one shared file (a project path), above the line whose text is `marker`."""

    file: str
    marker: str
    line: str


def load(text: str | None, render: Callable[[str], str]) -> list[Registration]:
    """The registrations that apply, rendered (`render`: Jinja with the resource's answers).

    Raises:
        FledgeError: the file is not a list of entries with `file`, `marker` and `line`.
    """
    if text is None:
        return []
    try:
        entries = yaml.safe_load(text) or []
    except yaml.YAMLError as err:
        raise FledgeError(f"The template's {RELPATH} is not valid YAML: {err}") from err
    if not isinstance(entries, list):
        raise FledgeError(f"The template's {RELPATH} is not a list.")
    found: list[Registration] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or not all(
            isinstance(entry.get(key), str) for key in ("file", "marker", "line")
        ):
            raise FledgeError(f"The template's {RELPATH} has an entry without file, marker, line.")
        if render(str(entry.get("when", "true"))).strip().lower() in _FALSE:
            continue
        found.append(
            Registration(
                file=render(entry["file"]).strip(),
                marker=entry["marker"].strip(),
                line=render(entry["line"]),
            )
        )
    return found


def apply(registrations: list[Registration], read: Callable[[str], str | None]) -> dict[str, str]:
    """Every changed file's new text, by project path; `read` gives a file's current text.

    A line the file has already is not added again. Nothing is written here: the caller writes
    the result only when every registration could be placed.

    Raises:
        UserError: a file is missing, or has no marker line (an edited shared file).
    """
    texts: dict[str, str] = {}
    for registration in registrations:
        text = texts.get(registration.file)
        if text is None:
            text = read(registration.file)
        if text is None:
            raise UserError(
                f"Cannot register the resource: {registration.file} is missing from the project."
            )
        lines = text.splitlines(keepends=True)
        stripped = [line.strip() for line in lines]
        if registration.line.strip() in stripped:
            continue
        if registration.marker not in stripped:
            raise UserError(
                f'Cannot register the resource: {registration.file} has no line "'
                f'{registration.marker}" to add it above; restore that line and run again.'
            )
        index = stripped.index(registration.marker)
        marker = lines[index]
        indent = marker[: len(marker) - len(marker.lstrip())]
        lines.insert(index, f"{indent}{registration.line.strip()}\n")
        texts[registration.file] = "".join(lines)
    return texts


def read_from(root: Path) -> Callable[[str], str | None]:
    def read(relpath: str) -> str | None:
        path = root / relpath
        return path.read_text(encoding="utf-8") if path.is_file() else None

    return read
