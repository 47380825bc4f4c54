"""`fledge update` through the command line, on a throw-away git repository of the template with
three releases: a project made at v0.1.0 is edited, committed and updated.

The merges of the full template are end-to-end tests (marked `slow`); the update's mechanics are
tested quickly on a tiny template in test_update_sources.py.

uv runs offline here (see conftest.uv_offline): projects have no uv.lock, and no test changes
pyproject.toml, so `uv lock` is never needed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import copy_template, git
from tests.projects import (
    append,
    assert_refused,
    commit,
    copy_of,
    edit,
    fledge_update,
    generate,
    recorded,
    table_rows,
    work_tree,
)

pytestmark = pytest.mark.usefixtures("uv_offline")

NOTES = "NOTES.md"
OBSOLETE = "OBSOLETE.md"
CONTRIBUTING = "CONTRIBUTING.md"
HELLO_TARGET = "hello: ## Say hello\n\t@echo hello\n"


def notes(**changed: str) -> str:
    """NOTES.md as the template ships it: eight numbered lines, some changed by a release."""
    lines = {f"line{n}": f"Line {n} of the template's notes." for n in range(1, 9)}
    return "".join(f"{text}\n" for text in {**lines, **changed}.values())


def release(repo: Path, tag: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", tag)
    git(repo, "tag", tag)


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template with three releases:

    - v0.1.0: the template, plus NOTES.md and OBSOLETE.md in the generated project;
    - v0.2.0: NOTES.md line 2 changed, OBSOLETE.md removed, CONTRIBUTING.md added, a `hello`
      target appended to the Makefile;
    - v0.3.0: NOTES.md line 8 changed.
    """
    repo = copy_template(tmp_path_factory.mktemp("releases") / "template")
    project = repo / "template" / "project"
    git(repo, "init", "--quiet", "--initial-branch=main")
    (project / NOTES).write_text(notes())
    (project / OBSOLETE).write_text("Soon gone.\n")
    release(repo, "v0.1.0")
    (project / NOTES).write_text(notes(line2="Line 2, reworded in v0.2.0."))
    (project / OBSOLETE).unlink()
    (project / CONTRIBUTING).write_text("Contributions welcome.\n")
    with (project / "Makefile.jinja").open("a") as makefile:
        makefile.write(f"\n{HELLO_TARGET}")
    release(repo, "v0.2.0")
    (project / NOTES).write_text(
        notes(line2="Line 2, reworded in v0.2.0.", line8="Line 8, reworded in v0.3.0.")
    )
    release(repo, "v0.3.0")
    return repo


@pytest.fixture(scope="module")
def made_at_v1(releases: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(releases, tmp_path_factory.mktemp("v1") / "svc", "v0.1.0")


@pytest.fixture(scope="module")
def made_at_v3(releases: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(releases, tmp_path_factory.mktemp("v3") / "svc", "v0.3.0")


@pytest.fixture
def project(made_at_v1: Path, tmp_path: Path) -> Path:
    """A project made at v0.1.0, committed, not yet edited."""
    return copy_of(made_at_v1, tmp_path)


@pytest.fixture
def unchanged(project: Path) -> Iterator[None]:
    """Assert that the test leaves the project exactly as it found it."""
    before = (work_tree(project), git(project, "rev-parse", "HEAD"))
    yield
    assert (work_tree(project), git(project, "rev-parse", "HEAD")) == before
    assert git(project, "status", "--porcelain") == ""


# Updating


@pytest.mark.slow
def test_edits_and_template_changes_both_survive(project: Path, releases: Path) -> None:
    append(project, "README.md", "\n## Our runbook\n\nPage the on-call engineer.\n")
    edit(project, NOTES, "Line 6 of the template's notes.", "Line 6, our own words.")
    append(project, ".gitignore", "local-notes/\n")
    commit(project)
    head = git(project, "rev-parse", "HEAD")

    result = fledge_update(project)

    assert result.exit_code == 0, result.output
    assert "## Our runbook" in (project / "README.md").read_text()
    assert "local-notes/" in (project / ".gitignore").read_text()
    assert (project / NOTES).read_text() == notes(
        line2="Line 2, reworded in v0.2.0.",
        line6="Line 6, our own words.",
        line8="Line 8, reworded in v0.3.0.",
    )
    assert (project / "Makefile").read_text().endswith(HELLO_TARGET)
    assert (project / CONTRIBUTING).is_file()
    assert not (project / OBSOLETE).exists()
    assert recorded(project)["_commit"] == "v0.3.0"
    assert recorded(project)["_src_path"] == str(releases)
    # The update is left for review: nothing committed.
    assert git(project, "rev-parse", "HEAD") == head
    # Before applying: the version jump and what the template changes in between.
    before_merge = result.stdout.split("Merging")[0]
    assert "Template v0.1.0 -> v0.3.0" in before_merge
    assert {
        ("added", CONTRIBUTING),
        ("removed", OBSOLETE),
        ("modified", NOTES),
        ("modified", "Makefile"),
    } <= table_rows(before_merge)
    # After: what changed in the project, and that it is left for review.
    assert "not committed" in result.stdout
    assert {
        ("modified", NOTES),
        ("modified", "Makefile"),
        ("modified", ".copier-answers.yml"),
        ("added", CONTRIBUTING),
        ("removed", OBSOLETE),
    } <= table_rows(result.stdout)
    assert not any(change == "conflict" for change, _ in table_rows(result.stdout))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("framework", "source"),
    [("flask", "src/svc/api/routes/products.py"), ("drf", "src/svc/products/views.py")],
)
def test_every_framework_keeps_its_edits_across_an_update(
    framework: str, source: str, releases: Path, tmp_path: Path
) -> None:
    project = generate(releases, tmp_path / framework / "svc", "v0.1.0", "--framework", framework)
    append(project, source, "\n\n# Our own addition.\n")
    edit(project, NOTES, "Line 6 of the template's notes.", "Line 6, our own words.")
    commit(project)

    result = fledge_update(project)

    assert result.exit_code == 0, result.output
    assert (project / source).read_text().endswith("# Our own addition.\n")
    assert (project / NOTES).read_text() == notes(
        line2="Line 2, reworded in v0.2.0.",
        line6="Line 6, our own words.",
        line8="Line 8, reworded in v0.3.0.",
    )
    assert recorded(project)["_commit"] == "v0.3.0"
    assert recorded(project)["framework"] == framework


@pytest.mark.slow
def test_an_edit_of_the_lines_the_template_changes_is_a_conflict(project: Path) -> None:
    edit(project, NOTES, "Line 2 of the template's notes.", "Line 2, our version.")
    commit(project)

    result = fledge_update(project)

    assert result.exit_code == 2, result.output
    text = (project / NOTES).read_text()
    assert "<<<<<<< before updating\nLine 2, our version.\n=======\n" in text
    assert "Line 2, reworded in v0.2.0.\n>>>>>>> after updating\n" in text
    assert "Line 8, reworded in v0.3.0." in text  # the rest of the file merged cleanly
    assert ("conflict", NOTES) in table_rows(result.stdout)
    assert "conflicts to resolve" in result.stdout
    assert git(project, "status", "--porcelain", "--", NOTES) == f"UU {NOTES}"


@pytest.mark.slow
def test_an_unedited_project_updated_is_identical_to_a_fresh_project(
    project: Path, releases: Path, tmp_path: Path
) -> None:
    result = fledge_update(project, "--to", "v0.2.0")
    fresh = generate(releases, tmp_path / "fresh" / "svc", "v0.2.0")

    assert result.exit_code == 0, result.output
    assert recorded(project)["_commit"] == "v0.2.0"  # --to, although v0.3.0 exists
    files = project_files(project)
    assert files == project_files(fresh)
    different = [
        name for name in files if (project / name).read_bytes() != (fresh / name).read_bytes()
    ]
    assert different == []
    # .env is the project's own (skipped when it exists) and holds a per-project secret.
    assert env_keys(project) == env_keys(fresh)


def project_files(project: Path) -> list[str]:
    """The files git would commit: tracked or new, not ignored, not deleted."""
    listed = git(project, "ls-files", "--cached", "--others", "--exclude-standard").splitlines()
    return sorted(name for name in set(listed) if (project / name).is_file())


def env_keys(project: Path) -> list[str]:
    lines = (project / ".env").read_text().splitlines()
    return [line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")]


@pytest.mark.slow
def test_data_changes_an_answer_during_the_update(project: Path) -> None:
    assert (project / ".github" / "workflows" / "ci.yml").is_file()

    result = fledge_update(project, "--data", "ci=none")

    assert result.exit_code == 0, result.output
    assert recorded(project)["ci"] == "none"
    assert not (project / ".github").exists()
    assert ("removed", ".github/workflows/ci.yml") in table_rows(result.stdout)
    assert "Answers changed: ci=none" in result.stdout


@pytest.mark.slow
@pytest.mark.usefixtures("unchanged")
def test_pretend_shows_the_plan_and_writes_nothing(project: Path) -> None:
    result = fledge_update(project, "--pretend")

    assert result.exit_code == 0, result.output
    assert "Template v0.1.0 -> v0.3.0" in result.stdout
    assert ("added", CONTRIBUTING) in table_rows(result.stdout)
    assert "Nothing was written (--pretend)" in result.stdout


def test_check_exits_2_when_a_newer_version_exists(made_at_v1: Path) -> None:
    result = fledge_update(made_at_v1, "--check")

    assert result.exit_code == 2, result.output
    assert "Update available: v0.1.0 -> v0.3.0" in result.stdout


def test_check_exits_0_when_up_to_date(made_at_v3: Path) -> None:
    result = fledge_update(made_at_v3, "--check")

    assert result.exit_code == 0, result.output
    assert "Up to date with v0.3.0" in result.stdout


def test_an_up_to_date_project_is_left_alone(made_at_v3: Path, tmp_path: Path) -> None:
    project = copy_of(made_at_v3, tmp_path)
    before = work_tree(project)

    result = fledge_update(project)

    assert result.exit_code == 0, result.output
    assert "Already at v0.3.0: nothing to update" in result.stdout
    assert work_tree(project) == before


# Refusals: exit 1, one red line, nothing changed


def test_a_dirty_tree_is_refused_and_the_dirty_files_named(project: Path) -> None:
    append(project, "README.md", "Work in progress.\n")
    (project / "scratch.txt").write_text("untracked\n")
    before = (work_tree(project), git(project, "status", "--porcelain"))

    result = fledge_update(project)

    assert_refused(result, "has uncommitted changes (README.md, scratch.txt)")
    assert (work_tree(project), git(project, "status", "--porcelain")) == before


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--to", "v9.9.9"],
            'The template has no version "v9.9.9"; its versions: v0.1.0, v0.2.0, ',
        ),
        (["--data", "projet_name=typo"], 'Unknown question "projet_name"'),
        (["--data", "ci=jenkins"], 'Unknown ci "jenkins"'),
        (["--data", "no-equals"], "--data expects KEY=VALUE"),
        (["--check", "--to", "v0.2.0"], "--check takes no --pretend, --to or --data"),
        (["--template", "/nowhere/at/all"], "is not a directory or a git URL"),
    ],
)
def test_bad_options_are_refused(project: Path, args: list[str], message: str) -> None:
    assert_refused(fledge_update(project, *args), message)


def test_a_downgrade_is_refused(made_at_v3: Path, tmp_path: Path) -> None:
    project = copy_of(made_at_v3, tmp_path)
    before = work_tree(project)

    result = fledge_update(project, "--to", "v0.1.0")

    assert_refused(result, "v0.1.0 is not newer than the project's template version v0.3.0")
    assert work_tree(project) == before


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("_commit: v0.1.0", "_commit: v0.0.9", 'template version "v0.0.9" (_commit in'),
        ("_commit: v0.1.0\n", "", "The project records no template version (_commit"),
        ("_src_path: ", "_src_path: /gone", 'recorded in .copier-answers.yml, "/gone'),
        ("_src_path: ", "template: ", "records no template source (_src_path)"),
    ],
    ids=["unknown-commit", "no-commit", "source-gone", "no-source"],
)
def test_a_project_whose_template_version_cannot_be_found_is_refused(
    project: Path, old: str, new: str, message: str
) -> None:
    edit(project, ".copier-answers.yml", old, new)
    commit(project, "Edit the answers")
    before = work_tree(project)

    assert_refused(fledge_update(project), message)
    assert work_tree(project) == before


def test_a_directory_without_answers_is_refused(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hello')\n")

    result = fledge_update(tmp_path)

    assert_refused(result, "has no .copier-answers.yml: it was not generated by fledge")
    assert [p.name for p in tmp_path.iterdir()] == ["app.py"]


def test_a_path_that_is_not_a_directory_is_refused(tmp_path: Path) -> None:
    assert_refused(fledge_update(tmp_path / "nowhere"), "is not a directory")


def test_a_project_outside_git_is_refused(project: Path) -> None:
    shutil.rmtree(project / ".git")
    before = work_tree(project)

    result = fledge_update(project)

    assert_refused(result, "is not in a git repository")
    assert work_tree(project) == before


def test_check_refuses_a_project_without_a_version(project: Path) -> None:
    edit(project, ".copier-answers.yml", "_commit: v0.1.0\n", "")

    assert_refused(fledge_update(project, "--check"), "records no template version")
