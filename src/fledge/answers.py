"""Answers to the template's questions: `--data` parsing, defaults fledge derives, and the
checks made before anything is rendered."""

from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from fledge.errors import UserError
from fledge.template import Questions

# The same rules as the validators in copier.yml, so fledge refuses early what Copier would.
_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*$")
_PACKAGE_MAX_LENGTH = 32
_PROJECT_NAME_MAX_LENGTH = 60
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


def slug_from(project_name: str) -> str:
    """The slug copier.yml derives from a project name (its `project_slug` default)."""
    slug = re.sub(r"[^a-z0-9]+", "-", project_name.lower())
    return re.sub(r"^[^a-z]+|-+$", "", slug)


def package_from(slug: str) -> str:
    """The package name copier.yml derives from a slug (its `package_name` default)."""
    return slug.replace("-", "_")


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
    """Refuse, with one clear message, answers the template would reject.

    Explicit answers (`data`) are always checked. Derived ones (the project name from DEST,
    and the slug and package name that follow from it) only with `--defaults`: interactively
    the user can still change them.

    Raises:
        UserError: the first problem found.
    """
    if questions is not None:
        _check_known(data, questions)
        _check_choices(data, questions)

    name = data.get("project_name", defaults.get("project_name", ""))
    slug = data.get("project_slug", slug_from(name))
    package = data.get("package_name", package_from(slug))

    def applies(key: str) -> bool:
        derived_checked = use_defaults and questions is not None and key in questions.names
        return key in data or derived_checked

    if applies("project_name"):
        _check_project_name(name)
    if applies("project_slug"):
        origin = "" if "project_slug" in data else f' (derived from the project name "{name}")'
        _check_slug(slug, origin)
    if applies("package_name"):
        origin = "" if "package_name" in data else f' (derived from the slug "{slug}")'
        _check_package_name(package, origin, questions.reserved_names if questions else frozenset())


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


def _check_project_name(name: str) -> None:
    if not name.strip():
        problem = "must not be empty"
    elif len(name) > _PROJECT_NAME_MAX_LENGTH:
        problem = f"must be at most {_PROJECT_NAME_MAX_LENGTH} characters"
    elif any(char in name for char in '"\\\n'):
        problem = "must not contain quotes, backslashes or line breaks"
    else:
        return
    raise UserError(f"The project name {problem}; set one with --data project_name=NAME.")


def _check_slug(slug: str, origin: str) -> None:
    if not _SLUG.match(slug):
        raise UserError(
            f'Invalid project slug "{slug}"{origin}: use lowercase letters, digits and single '
            "hyphens, starting with a letter; set one with --data project_slug=SLUG."
        )


def _check_package_name(package: str, origin: str, reserved: frozenset[str]) -> None:
    if not _PACKAGE.match(package):
        problem = "use lowercase letters, digits and underscores, not starting with a digit"
    elif len(package) > _PACKAGE_MAX_LENGTH:
        problem = f"it is longer than {_PACKAGE_MAX_LENGTH} characters"
    elif keyword.iskeyword(package) or keyword.issoftkeyword(package):
        problem = "it is a Python keyword"
    elif package in sys.stdlib_module_names:
        problem = "it is a Python standard-library module"
    elif package in reserved:
        problem = "the generated project already uses that name (a dependency or its tests)"
    else:
        return
    raise UserError(
        f'Invalid package name "{package}"{origin}: {problem}; '
        "set another with --data package_name=NAME."
    )
