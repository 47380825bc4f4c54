"""Where `fledge update` gets the template's history from (mirrors of the recorded source), and
when it runs the template's own commands (`_migrations`: official template or --trust).

These tests are about fledge's mechanics, not the template's content, so they use a tiny
Copier template that renders in a blink.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import copier
import pytest

from fledge import origin
from tests.helpers import REPO_ROOT, git
from tests.projects import (
    assert_refused,
    commit,
    copy_of,
    edit,
    fledge_update,
    generate,
    recorded,
    table_rows,
    unwrapped,
    work_tree,
)

pytestmark = pytest.mark.usefixtures("uv_offline")

COPIER_YML = """\
_subdirectory: project
_answers_file: .copier-answers.yml
_templates_suffix: .jinja
name:
  type: str
  default: tiny
"""
ANSWERS_TEMPLATE = "{{ _copier_answers|to_nice_yaml -}}\n"
MIGRATION = """
_migrations:
  - version: v0.3.0
    command: echo 'migrated from {{ _version_from }} to {{ _version_to }}' > MIGRATED.txt
"""


def release(repo: Path, tag: str, readme: str) -> None:
    (repo / "project" / "README.md.jinja").write_text(readme)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", tag)
    git(repo, "tag", tag)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny template with releases v0.1.0 and v0.2.0 (one more README line)."""
    repo = tmp_path_factory.mktemp("tiny") / "template"
    (repo / "project").mkdir(parents=True)
    (repo / "copier.yml").write_text(COPIER_YML)
    (repo / "project" / "{{ _copier_conf.answers_file }}.jinja").write_text(ANSWERS_TEMPLATE)
    git(repo, "init", "--quiet", "--initial-branch=main")
    release(repo, "v0.1.0", "# {{ name }}\n")
    release(repo, "v0.2.0", "# {{ name }}\n\nSince v0.2.0.\n")
    return repo


@pytest.fixture(scope="module")
def mirror(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mirror of `tiny` that has one more release, v0.3.0, with a migration."""
    repo = tmp_path_factory.mktemp("mirror") / "template"
    shutil.copytree(tiny, repo)
    with (repo / "copier.yml").open("a") as config:
        config.write(MIGRATION)
    release(repo, "v0.3.0", "# {{ name }}\n\nSince v0.2.0.\nSince v0.3.0.\n")
    return repo


@pytest.fixture(scope="module")
def made_at_v1(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tiny, tmp_path_factory.mktemp("v1") / "svc", "v0.1.0")


@pytest.fixture
def project(made_at_v1: Path, tmp_path: Path) -> Path:
    return copy_of(made_at_v1, tmp_path)


def test_a_mirror_is_fetched_instead_of_the_recorded_source_which_stays_recorded(
    project: Path, tiny: Path, mirror: Path
) -> None:
    """The mirror has v0.3.0, which the recorded source lacks: it was fetched from the mirror."""
    result = fledge_update(project, "--template", mirror, "--trust")

    assert result.exit_code == 0, result.output
    assert (project / "README.md").read_text() == "# tiny\n\nSince v0.2.0.\nSince v0.3.0.\n"
    assert recorded(project)["_commit"] == "v0.3.0"
    assert recorded(project)["_src_path"] == str(tiny)
    assert unwrapped(f"fetched from {mirror}") in unwrapped(result.stdout)


def test_a_mirror_stands_in_for_an_unreachable_url(
    project: Path, tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://git.invalid/acme/template.git"
    edit(project, ".copier-answers.yml", f"_src_path: {tiny}", f"_src_path: {url}")
    commit(project, "Record the team's template URL")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    checked = fledge_update(project, "--check", "--template", tiny)
    result = fledge_update(project, "--template", tiny)

    assert checked.exit_code == 2, checked.output
    assert "Update available: v0.1.0 -> v0.2.0" in checked.stdout
    assert result.exit_code == 0, result.output
    assert recorded(project)["_src_path"] == url
    assert recorded(project)["_commit"] == "v0.2.0"
    # The mirror's content is not cached by Copier as if it came from the URL.
    assert not (tmp_path / "cache" / "copier").exists()


def test_a_migration_of_the_new_version_runs_when_trusted(project: Path, mirror: Path) -> None:
    result = fledge_update(project, "--template", mirror, "--trust")

    assert result.exit_code == 0, result.output
    assert (project / "MIGRATED.txt").read_text() == "migrated from v0.1.0 to v0.3.0\n"
    assert ("added", "MIGRATED.txt") in table_rows(result.stdout)


def test_a_migration_of_an_unofficial_template_needs_trust(project: Path, mirror: Path) -> None:
    before = work_tree(project)

    result = fledge_update(project, "--template", mirror)

    assert_refused(result, "runs its own commands during this update (migrations)")
    assert "--trust" in result.stderr
    assert work_tree(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_a_migration_the_update_does_not_cross_needs_no_trust(project: Path, mirror: Path) -> None:
    result = fledge_update(project, "--template", mirror, "--to", "v0.2.0")

    assert result.exit_code == 0, result.output
    assert not (project / "MIGRATED.txt").exists()


def test_pretend_tells_that_the_migration_needs_trust(project: Path, mirror: Path) -> None:
    before = work_tree(project)

    result = fledge_update(project, "--template", mirror, "--pretend")

    assert result.exit_code == 0, result.output
    assert "Template v0.1.0 -> v0.3.0" in result.stdout
    assert "needs --trust" in result.stderr
    assert work_tree(project) == before


def test_fledge_s_own_template_is_trusted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    official = "https://github.com/fledge-dev/fledge.git"
    fork = "https://git.example.com/acme/fledge.git"

    assert origin.Origin(official).official
    assert origin.Origin(str(REPO_ROOT)).official  # this checkout
    assert not origin.Origin(fork).official
    assert not origin.Origin(str(tmp_path)).official
    # A mirror's code is what runs: it is trusted only if it is official itself.
    assert not origin.Origin(official, str(tmp_path)).official
    # A team declares its fork official with FLEDGE_TEMPLATE_URL.
    monkeypatch.setenv("FLEDGE_TEMPLATE_URL", fork)
    assert origin.Origin(fork).official


def test_the_mirror_rule_adds_to_git_configuration_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")

    variables = origin.Origin("https://example.com/t.git", "/srv/mirror").git_variables()

    assert variables == {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_1": "url./srv/mirror.insteadOf",
        "GIT_CONFIG_VALUE_1": "https://example.com/t.git",
    }


@pytest.fixture(scope="module")
def untagged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A tiny template with no release tag at all: two commits on main (first, newest)."""
    repo = tmp_path_factory.mktemp("untagged") / "template"
    (repo / "project").mkdir(parents=True)
    (repo / "copier.yml").write_text(COPIER_YML)
    (repo / "project" / "{{ _copier_conf.answers_file }}.jinja").write_text(ANSWERS_TEMPLATE)
    git(repo, "init", "--quiet", "--initial-branch=main")
    commits = []
    body = "# {{ name }}\n\nOne.\nTwo.\nThree.\n"
    for readme in [body, body.replace("Three.", "Three, from a later commit.")]:
        (repo / "project" / "README.md.jinja").write_text(readme)
        git(repo, "add", "--all")
        git(repo, "commit", "--quiet", "--message", "change")
        commits.append(git(repo, "rev-parse", "--short", "HEAD"))
    return repo, commits[0], commits[1]


def test_a_template_without_releases_updates_to_the_head_of_its_default_branch(
    untagged: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, first, newest = untagged
    project = generate(repo, tmp_path / "svc", first)
    edit(project, "README.md", "# tiny\n", "# tiny, our service\n")
    commit(project)

    checked = fledge_update(project, "--check")
    result = fledge_update(project)

    assert checked.exit_code == 2, checked.output
    assert f"{first} -> {newest}" in checked.stdout
    assert result.exit_code == 0, result.output
    readme = (project / "README.md").read_text()
    assert readme == "# tiny, our service\n\nOne.\nTwo.\nThree, from a later commit.\n"
    assert recorded(project)["_commit"] == newest
    assert fledge_update(project, "--check").exit_code == 0


def test_a_template_without_releases_refuses_to_go_back_in_its_history(
    untagged: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, first, newest = untagged
    project = generate(repo, tmp_path / "svc", newest)

    result = fledge_update(project, "--to", first)

    assert_refused(result, f"{first} is not newer than the project's template version {newest}")


# Made with plain `copier copy . DEST`: Copier records the relative path as it was typed.


@pytest.fixture
def copied_with_a_relative_path(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    project = tmp_path / "svc"
    monkeypatch.chdir(tiny)
    copier.run_copy(".", project, defaults=True, vcs_ref="v0.1.0", quiet=True)
    assert recorded(project)["_src_path"] == "."
    git(project, "init", "--quiet", "--initial-branch=main")
    commit(project, "Initial commit")
    monkeypatch.chdir(project)  # where a user runs `fledge update`
    return project


@pytest.mark.parametrize(
    "args", [["--check"], ["--pretend"], []], ids=["check", "pretend", "update"]
)
def test_a_relative_source_is_refused_with_how_to_repair_it(
    copied_with_a_relative_path: Path, args: list[str]
) -> None:
    """`.` names the template only from where `copier copy` ran; from the project, it is the
    project's own repository, whose commits are no template versions."""
    project = copied_with_a_relative_path
    before = work_tree(project)

    result = fledge_update(project, *args)

    assert_refused(result, 'records the template source "." (_src_path), a relative path')
    assert "Set _src_path there to the template's git URL or the absolute path" in result.stderr
    assert work_tree(project) == before


def test_the_repair_names_the_template_the_relative_source_finds_from_here(
    copied_with_a_relative_path: Path, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tiny)

    result = fledge_update(copied_with_a_relative_path, "--check")

    assert_refused(result, "a relative path")
    assert unwrapped(f"`_src_path: {tiny}`") in unwrapped(result.stderr)


def test_a_repaired_relative_source_updates(copied_with_a_relative_path: Path, tiny: Path) -> None:
    project = copied_with_a_relative_path
    edit(project, ".copier-answers.yml", "_src_path: .", f"_src_path: {tiny}")
    commit(project, "Record where the template is")

    checked = fledge_update(project, "--check")
    result = fledge_update(project)

    assert checked.exit_code == 2, checked.output
    assert "Update available: v0.1.0 -> v0.2.0" in checked.stdout
    assert result.exit_code == 0, result.output
    assert (project / "README.md").read_text() == "# tiny\n\nSince v0.2.0.\n"


def test_a_source_that_is_the_project_itself_is_refused(project: Path) -> None:
    edit(project, ".copier-answers.yml", "_src_path: ", f"_src_path: {project}\nwas: ")
    commit(project, "Point the record at the project")

    result = fledge_update(project, "--check")

    assert_refused(result, "is the project itself, not its template")
