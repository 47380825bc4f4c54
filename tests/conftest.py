"""Shared fixtures: copies of the template (full, slim, and slim as a tagged git repository), each
declared variant of the full template rendered once per session, and environments without
network for uv or without a git identity."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import copier
import pytest

from fledge.variants import Variant
from tests.helpers import (
    LATER_FILE,
    VARIANT_PROJECT_NAME,
    VARIANT_SLUG,
    copy_slim_template,
    copy_template,
    git,
)


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain (non-git) copy of the template; render from it, never modify it."""
    return copy_template(tmp_path_factory.mktemp("template") / "fledge-template")


@pytest.fixture(scope="session")
def rendered_variant(
    template_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[Variant], Path]:
    """The full template rendered as one declared variant: once per session, on first use.
    Tests read the projects, never modify them."""
    projects: dict[Variant, Path] = {}

    def render(variant: Variant) -> Path:
        if variant not in projects:
            destination = tmp_path_factory.mktemp(variant.id) / VARIANT_SLUG
            copier.run_copy(
                str(template_dir),
                destination,
                data={"project_name": VARIANT_PROJECT_NAME, **variant.data()},
                defaults=True,
                quiet=True,
                unsafe=False,
            )
            projects[variant] = destination
        return projects[variant]

    return render


@pytest.fixture(scope="session")
def slim_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's questions and rules with a handful of its files (see copy_slim_template):
    for tests of fledge's behaviour, not of the generated project."""
    return copy_slim_template(tmp_path_factory.mktemp("slim") / "fledge-template")


@pytest.fixture(scope="session")
def tagged_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository of the slim template: v0.1.0 is tagged, then a commit on main adds
    LATER_FILE to the generated project."""
    repo = copy_slim_template(tmp_path_factory.mktemp("tagged") / "fledge-template")
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "v0.1.0")
    git(repo, "tag", "v0.1.0")
    (repo / "template" / "project" / LATER_FILE).write_text("added after v0.1.0\n")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "after v0.1.0")
    return repo


@pytest.fixture
def uv_offline(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Make `uv lock` fail fast, as on a machine without network: offline, empty cache."""
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path_factory.mktemp("empty-uv-cache")))


@pytest.fixture
def no_git_identity(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A bare CI machine: no global or system git config, no identity in the environment."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for variable in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
    ):
        monkeypatch.delenv(variable, raising=False)
