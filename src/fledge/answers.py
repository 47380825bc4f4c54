"""Answers to the template's questions: `--data` parsing, defaults fledge derives, and the
checks made before anything is rendered."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from fledge.errors import UserError
from fledge.template import Questions

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def record_source(answers_file: Path, src: str, commit: str) -> None:
    """Set the template source (`_src_path`) and version (`_commit`) in a Copier answers file,
    where Copier writes them: first, after the header comment, keys sorted."""
    lines = answers_file.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(("_commit:", "_src_path:"))]
    header = next((i for i, line in enumerate(kept) if not line.startswith("#")), len(kept))
    recorded = yaml.safe_dump(
        {"_commit": commit, "_src_path": src}, default_flow_style=False, allow_unicode=True
    )
    kept[header:header] = [recorded]
    answers_file.write_text("".join(kept), encoding="utf-8")


def parse_data(pairs: Sequence[str]) -> dict[str, str]:
    """Turn repeated `--data KEY=VALUE` options into answers; the last value of a key wins.

    Raises:
        UserError: an item is not KEY=VALUE with KEY a question-like name.
    """
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not _KEY.match(key):
            raise UserError(f'--data expects KEY=VALUE (e.g. --data ci=none), got "{pair}".')
        data[key] = value
    return data


def with_framework(data: Mapping[str, str], framework: str | None) -> dict[str, str]:
    """Apply `--framework X`, a shorthand for `--data framework=X`.

    Raises:
        UserError: `--framework` and `--data framework=` disagree.
    """
    merged = dict(data)
    if framework is None:
        return merged
    if merged.get("framework", framework) != framework:
        raise UserError(
            f"--framework {framework} contradicts --data framework={merged['framework']}."
        )
    merged["framework"] = framework
    return merged


def running_python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def user_defaults(dest: Path, questions: Questions | None) -> dict[str, str]:
    """Defaults fledge offers in place of the template's own (still asked interactively).

    - `project_name`: DEST's last path component (`fledge new payments` -> "payments").
    - `python_version`: the interpreter running fledge, when the template offers it, so uv
      finds that Python on this machine without downloading one.
    """
    derived = {"project_name": dest.name}
    offered = questions.choices.get("python_version", ()) if questions else ()
    if running_python() in offered:
        derived["python_version"] = running_python()
    if questions is None:
        return derived
    return {key: value for key, value in derived.items() if key in questions.names}


def for_prompts(
    defaults: Mapping[str, str], data: Mapping[str, str], questions: Questions | None
) -> dict[str, str]:
    """The defaults safe to pre-fill in interactive prompts.

    Copier validates a default before it shows the prompt, so a project name whose derived
    slug or package name would be refused (`fledge new json`) would end the session instead of
    letting the user type another. Such a name is not proposed; the template's own default is.
    """
    try:
        check(data, defaults, questions, use_defaults=True)
    except UserError:
        return {key: value for key, value in defaults.items() if key != "project_name"}
    return dict(defaults)


def check(
    data: Mapping[str, str],
    defaults: Mapping[str, str],
    questions: Questions | None,
    *,
    use_defaults: bool,
) -> None:
    """Refuse, with one clear message, answers the template would reject: its own validators
    (copier.yml), evaluated before anything is rendered.

    Explicit answers (`data`) are always checked. Derived ones (the project name from DEST,
    and the slug and package name that follow from it) only with `--defaults`: interactively
    the user can still change them. A template that cannot be read before rendering (a git
    URL) is left to Copier, which checks every answer while rendering.

    Raises:
        UserError: the first problem found.
    """
    if questions is None:
        return
    _check_known(data, questions)
    _check_choices(data, questions)
    if questions.rules is None:
        return
    values = questions.rules.answers({**defaults, **data})
    for key, label, derived_from, set_it in _CHECKED:
        checked = key in data or (use_defaults and key in questions.names)
        problem = questions.rules.problem(key, values) if checked else None
        if problem is None:
            continue
        if derived_from is None:
            raise UserError(f"The {label} {problem}; {set_it}.")
        source, named = derived_from
        origin = "" if key in data else f' (derived from the {named} "{values.get(source)}")'
        raise UserError(f'Invalid {label} "{values.get(key)}"{origin}: {problem}; {set_it}.')


# The answers fledge checks before rendering, in question order: how each is named, the answer
# its default derives from (and how that one is named), and how to set it.
_CHECKED: tuple[tuple[str, str, tuple[str, str] | None, str], ...] = (
    ("project_name", "project name", None, "set one with --data project_name=NAME"),
    (
        "project_slug",
        "project slug",
        ("project_name", "project name"),
        "set one with --data project_slug=SLUG",
    ),
    (
        "package_name",
        "package name",
        ("project_slug", "slug"),
        "set another with --data package_name=NAME",
    ),
)


def _check_known(data: Mapping[str, str], questions: Questions) -> None:
    unknown = sorted(set(data) - questions.names)
    if unknown:
        asked = ", ".join(sorted(questions.names))
        raise UserError(f'Unknown question "{unknown[0]}" in --data; the template asks: {asked}.')


def _check_choices(data: Mapping[str, str], questions: Questions) -> None:
    for key, value in data.items():
        offered = questions.choices.get(key)
        if offered is not None and value not in offered:
            raise UserError(
                f'Unknown {key.replace("_", " ")} "{value}"; available: {", ".join(offered)}.'
            )
