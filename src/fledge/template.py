"""Where the template lives, and what its copier.yml asks (for checks before rendering)."""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fledge import copier_adapter, git
from fledge.errors import UserError

CONFIG_NAMES = ("copier.yml", "copier.yaml")
# libyaml's parser when PyYAML has it: ten times faster on copier.yml.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_REMOTE_PREFIXES = ("gh:", "gl:", "git@", "git+")

# Where the template's history lives: its release tags `vX.Y.Z` are fledge's releases. A project
# made from the template bundled in an installed fledge records this source (see `fledge new`).
OFFICIAL_URL = "https://github.com/fledge-dev/fledge.git"
# Teams with their own fork (or a mirror) of the template set this to its git URL or path.
URL_VARIABLE = "FLEDGE_TEMPLATE_URL"


@dataclass(frozen=True)
class TemplateSource:
    """A template as Copier will receive it.

    Attributes:
        src: what is passed to Copier (a directory or a git URL).
        root: the template's directory when it is on this machine, else None.
        vcs_ref: the git ref to render, or None for Copier's choice.
        bundled: True for the template that ships with fledge.
    """

    src: str
    root: Path | None
    vcs_ref: str | None = None
    bundled: bool = False


@dataclass(frozen=True)
class Questions:
    """What fledge knows of a template's questionnaire before rendering it.

    Attributes:
        names: the questions.
        choices: the values offered, for questions with fixed choices.
        rules: the template's defaults and validators, to evaluate answers with.
    """

    names: frozenset[str]
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    rules: copier_adapter.Questionnaire | None = None


def _has_config(directory: Path) -> bool:
    return any((directory / name).is_file() for name in CONFIG_NAMES)


def bundled_root() -> Path:
    """The template that ships with fledge.

    An installed wheel carries it as `fledge/_template`; a source checkout (or an editable
    install of one) has it at the repository root, two levels above this package.
    """
    packaged = importlib.resources.files("fledge") / "_template"
    if isinstance(packaged, Path) and _has_config(packaged):
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if _has_config(checkout):
        return checkout
    raise UserError("fledge's own template is missing from this installation; reinstall fledge.")


def is_checkout(root: Path | None) -> bool:
    """True for a template directory that is a git work tree (a clone), even where git is
    missing to read it."""
    return root is not None and (root / ".git").exists()


def looks_remote(template: str) -> bool:
    """True for a git URL, False for what must be a path on this machine."""
    return "://" in template or template.startswith(_REMOTE_PREFIXES)


def official_url() -> str:
    """The git repository whose tags are the bundled template's versions.

    `FLEDGE_TEMPLATE_URL` replaces fledge's own repository, for teams that keep a fork.
    """
    return os.environ.get(URL_VARIABLE, "").strip() or OFFICIAL_URL


def bundled_release(version: str) -> tuple[str, str]:
    """The source and ref a project made from the bundled, non-git template records.

    The template inside a fledge release IS that release's tag of the official repository, so
    the project can be updated from there like one rendered from the repository itself.
    """
    return official_url(), f"v{version}"


def is_official(src: str) -> bool:
    """True for fledge's own template: the official repository (or FLEDGE_TEMPLATE_URL's), or
    the template fledge runs from (the bundled copy or this git checkout)."""
    if src.strip() in {OFFICIAL_URL, official_url()}:
        return True
    if looks_remote(src):
        return False
    try:
        return Path(src).expanduser().resolve() == bundled_root().resolve()
    except UserError:
        return False


def locate(template: str | None, vcs_ref: str | None) -> TemplateSource:
    """Resolve `--template` and `--vcs-ref` into what Copier will render.

    Without `--template`, the bundled template is used. When that is a git checkout (fledge
    run from its source), fledge renders the checkout as it is on disk (HEAD plus uncommitted
    changes) unless `vcs_ref` names another ref.

    Raises:
        UserError: a local template directory is missing or holds no copier.yml, or the ref
            does not exist in a local git template.
    """
    if template is None:
        root = bundled_root()
        if vcs_ref is None:
            is_checkout = git.available() and git.is_repository_root(root)
            return TemplateSource(str(root), root, "HEAD" if is_checkout else None, bundled=True)
        source = TemplateSource(str(root), root, vcs_ref, bundled=True)
    elif looks_remote(template):
        return TemplateSource(template, None, vcs_ref)
    else:
        root = Path(template).expanduser().absolute()
        if not root.is_dir():
            raise UserError(f'Template "{template}" is not a directory or a git URL.')
        if not _has_config(root):
            raise UserError(
                f'Template "{template}" has no copier.yml; it is not a Copier template.'
            )
        source = TemplateSource(str(root), root, vcs_ref)
    _check_ref(source)
    return source


def _check_ref(source: TemplateSource) -> None:
    if source.vcs_ref is None or source.root is None:
        return
    if not (git.available() and git.is_repository_root(source.root)):
        raise UserError(f'--vcs-ref needs a git repository, and "{source.src}" is not one.')
    if not git.has_revision(source.root, source.vcs_ref):
        raise UserError(f'The template has no git ref "{source.vcs_ref}".')


def _read(source: TemplateSource, relpath: str) -> str | None:
    """A file of a local template as Copier will see it (at `vcs_ref` when one is set)."""
    if source.root is None:
        return None
    if source.vcs_ref is not None and source.vcs_ref != "HEAD":
        return git.show(source.root, source.vcs_ref, relpath)
    path = source.root / relpath
    return path.read_text(encoding="utf-8") if path.is_file() else None


def read_file(source: TemplateSource, relpath: str) -> str | None:
    """A file of a local template at its version (None for a remote one, or a missing file)."""
    return _read(source, relpath)


def _choice_values(choices: Any) -> tuple[str, ...] | None:
    """Copier's `choices:` (a mapping label -> value, or a list) as the accepted values."""
    if isinstance(choices, Mapping):
        return tuple(str(value) for value in choices.values())
    if isinstance(choices, list):
        return tuple(
            str(item[1] if isinstance(item, list) and len(item) == 2 else item) for item in choices
        )
    return None  # a templated string: only Copier can tell


def config(source: TemplateSource) -> dict[str, Any] | None:
    """A local template's copier.yml (settings and questions), or None when it cannot be read
    before rendering (a remote template, or Copier-only YAML tags)."""
    for name in CONFIG_NAMES:
        text = _read(source, name)
        if text is not None:
            break
    else:
        return None
    try:
        loaded = list(yaml.load_all(text, Loader=SAFE_LOADER))
        documents = [doc for doc in loaded if isinstance(doc, Mapping)]
    except yaml.YAMLError:
        return None
    merged: dict[str, Any] = {}
    for document in documents:
        merged.update(document)
    return merged


def questions(source: TemplateSource) -> Questions | None:
    """The questions of a local template, or None when they cannot be read before rendering
    (a remote template, or a copier.yml using Copier-only YAML tags); Copier still checks
    every answer then."""
    config_data = config(source)
    if config_data is None:
        return None
    asked = {key: value for key, value in config_data.items() if not str(key).startswith("_")}
    choices = {}
    for key, spec in asked.items():
        values = _choice_values(spec.get("choices")) if isinstance(spec, Mapping) else None
        if values is not None:
            choices[str(key)] = values
    return Questions(
        names=frozenset(str(key) for key in asked),
        choices=choices,
        rules=copier_adapter.Questionnaire(config_data, lambda relpath: _read(source, relpath)),
    )
