"""Template versions: the refs Copier records, what `fledge new` records so that a project stays
updatable (from an installed fledge, or from uncommitted template changes), and, slow, the whole
road from a built wheel to an update."""

from __future__ import annotations

import importlib.resources
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import fledge
from fledge import template, versions
from fledge.cli import app
from tests.helpers import REPO_ROOT, copy_slim_template, copy_template, git
from tests.projects import recorded

pytestmark = pytest.mark.usefixtures("uv_offline")


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("v0.2.0", "0.2.0"),
        ("0.2.0", "0.2.0"),
        ("v0.2.0-3-g1a2b3c4", "0.2.0.post3+g1a2b3c4"),
        ("main", None),
        ("1a2b3c4", None),
    ],
)
def test_refs_copier_records_are_read_as_versions(ref: str, expected: str | None) -> None:
    parsed = versions.parse(ref)

    assert (str(parsed) if parsed else None) == expected


def test_the_latest_release_is_the_highest_final_version() -> None:
    tags = ["v0.9.0", "v0.10.0", "v0.2.0", "v1.0.0rc1", "nightly"]

    assert versions.latest(tags) == "v0.10.0"
    assert versions.releases(tags) == ["v0.2.0", "v0.9.0", "v0.10.0"]
    assert versions.latest(["nightly"]) is None


def test_pyproject_and_the_package_agree_on_the_version() -> None:
    """The version an installed fledge records for its bundled template is the package's."""
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()

    assert f'\nversion = "{fledge.__version__}"\n' in pyproject


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """fledge as installed from a wheel: the template inside the package, no git checkout."""
    package = tmp_path / "site-packages" / "fledge"
    copy_slim_template(package / "_template")
    monkeypatch.setattr(importlib.resources, "files", lambda _package: package)
    return package / "_template"


def test_an_installed_fledge_records_the_official_repository_and_its_release(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(template.URL_VARIABLE, raising=False)

    result = CliRunner().invoke(app, ["new", str(tmp_path / "svc"), "--defaults"])

    assert result.exit_code == 0, result.output
    answers = recorded(tmp_path / "svc")
    assert answers["_src_path"] == "https://github.com/fledge-dev/fledge.git"
    assert answers["_commit"] == f"v{fledge.__version__}"
    text = (tmp_path / "svc" / ".copier-answers.yml").read_text().splitlines()
    assert text[0].startswith("# ")  # Copier's header stays first, then the sorted keys
    assert text[1:3] == [
        f"_commit: v{fledge.__version__}",
        "_src_path: https://github.com/fledge-dev/fledge.git",
    ]
    assert str(installed) not in "\n".join(text)
    assert git(tmp_path / "svc", "status", "--porcelain") == ""  # recorded in the first commit


@pytest.mark.usefixtures("installed")
def test_a_team_s_fork_is_recorded_instead_with_fledge_template_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(template.URL_VARIABLE, "https://git.example.com/acme/fledge.git")

    result = CliRunner().invoke(app, ["new", str(tmp_path / "svc"), "--defaults"])

    assert result.exit_code == 0, result.output
    assert recorded(tmp_path / "svc")["_src_path"] == "https://git.example.com/acme/fledge.git"


def test_a_template_with_uncommitted_changes_makes_a_project_that_cannot_be_updated(
    tmp_path: Path,
) -> None:
    repo = copy_slim_template(tmp_path / "template")
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "v0.1.0")
    git(repo, "tag", "v0.1.0")
    (repo / "template" / "project" / "DRAFT.md").write_text("not committed\n")

    result = CliRunner().invoke(
        app,
        ["new", str(tmp_path / "svc"), "--defaults", "--template", str(repo), "--vcs-ref", "HEAD"],
    )

    assert result.exit_code == 0, result.output
    assert "Warning: The template has uncommitted changes" in result.stderr
    assert "`fledge update` cannot update it" in result.stderr
    refused = CliRunner().invoke(app, ["update", str(tmp_path / "svc")])
    assert refused.exit_code == 1
    assert "was the project made from uncommitted template changes?" in refused.stderr


# From a built wheel to an update (slow: builds and installs fledge)


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, f"{args}\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


@pytest.mark.slow
def test_a_project_made_by_an_installed_wheel_updates_from_the_template_repository(
    tmp_path: Path,
) -> None:
    uv = os.environ.get("UV") or "uv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_OFFLINE")}
    env.pop("UV_CACHE_DIR", None)
    run(uv, "build", "--wheel", "--out-dir", tmp_path / "dist", REPO_ROOT, cwd=tmp_path, env=env)
    wheel = next((tmp_path / "dist").glob("fledge-*.whl"))
    run(uv, "venv", "--quiet", tmp_path / "venv", cwd=tmp_path, env=env)
    python = tmp_path / "venv" / "bin" / "python"
    run(uv, "pip", "install", "--quiet", "--python", python, wheel, cwd=tmp_path, env=env)
    fledge_bin = tmp_path / "venv" / "bin" / "fledge"

    # The team's copy of the template repository: this release tagged, then a newer one.
    repo = copy_template(tmp_path / "template")
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "release")
    git(repo, "tag", f"v{fledge.__version__}")
    fledge_env = {**env, template.URL_VARIABLE: str(repo), "UV_OFFLINE": "1"}

    run(fledge_bin, "new", "svc", "--defaults", cwd=tmp_path, env=fledge_env)
    project = tmp_path / "svc"
    assert recorded(project)["_src_path"] == str(repo)
    assert recorded(project)["_commit"] == f"v{fledge.__version__}"

    (repo / "template" / "project" / "SECURITY.md").write_text("Report issues privately.\n")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "next release")
    git(repo, "tag", "v99.0.0")
    run(fledge_bin, "update", cwd=project, env=fledge_env)

    assert (project / "SECURITY.md").read_text() == "Report issues privately.\n"
    assert recorded(project)["_commit"] == "v99.0.0"
    assert recorded(project)["_src_path"] == str(repo)


def test_a_checkout_rendered_without_git_records_no_version_it_cannot_know(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fledge run from a clone where git is missing: not the official release tag, which the
    clone need not be at, but the clone's directory, no _commit, and a note saying so."""
    checkout = copy_slim_template(tmp_path / "fledge")
    (checkout / ".git").write_text("gitdir: /where/git/would/find/it\n")  # git cannot read it
    monkeypatch.setattr(template, "bundled_root", lambda: checkout)

    result = CliRunner().invoke(
        app, ["new", str(tmp_path / "svc"), "--defaults", "--no-lock", "--no-git"]
    )

    assert result.exit_code == 0, result.output
    answers = recorded(tmp_path / "svc")
    assert answers["_src_path"] == str(checkout)
    assert "_commit" not in answers
    assert "the template's version is unknown" in result.stderr
    assert "`fledge update` cannot update this project until _commit" in result.stderr
