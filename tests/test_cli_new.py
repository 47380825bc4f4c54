"""`fledge new` through the command line: every option and every error path.

The tests render the slim template (the template's copier.yml, so its questions and rules, with a
handful of its files); one renders the bundled template itself. uv runs offline with an empty
cache here (so `uv lock` fails fast and must only warn); tests/test_generated_project.py covers
the locked, installed project.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from typer.testing import CliRunner, Result

import fledge
from fledge.cli import app
from tests.helpers import LATER_FILE, PYTHON_VERSIONS, REPO_ROOT, git

pytestmark = pytest.mark.usefixtures("uv_offline")

RUNNING_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
# fledge proposes the running Python when the template offers it, else the template's default.
EXPECTED_PYTHON = RUNNING_PYTHON if RUNNING_PYTHON in PYTHON_VERSIONS else "3.12"


def fledge_new(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["new", *map(str, args)])


def answers(project: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def snapshot(directory: Path) -> dict[str, bytes | None]:
    """Every path under `directory`, with file contents, to prove nothing changed."""
    return {
        str(path.relative_to(directory)): path.read_bytes() if path.is_file() else None
        for path in sorted(directory.rglob("*"))
    }


def panel_lines(result: Result) -> list[str]:
    """The lines of the closing panel without its borders."""
    return [line.strip("│ ") for line in result.stdout.splitlines()]


def next_commands(result: Result) -> list[str]:
    """The commands listed after "Next:", one per line."""
    lines = result.stdout.splitlines()
    return [line.strip() for line in lines[lines.index("Next:") + 1 :] if line.strip()]


def assert_refused(
    result: Result, message: str, parent: Path, before: dict[str, bytes | None]
) -> None:
    """Exit 1, one red line naming the problem, no traceback, and not a byte written."""
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert message in errors[0]
    assert "Traceback" not in result.output
    assert snapshot(parent) == before


def assert_one_commit_on_main(project: Path) -> None:
    assert git(project, "branch", "--show-current") == "main"
    assert git(project, "rev-list", "--count", "HEAD") == "1"
    assert git(project, "status", "--porcelain") == ""


# Creating projects


def test_defaults_render_the_bundled_template_named_after_dest(tmp_path: Path) -> None:
    result = fledge_new(tmp_path / "payments", "--defaults")

    assert result.exit_code == 0, result.output
    project = tmp_path / "payments"
    recorded = answers(project)
    assert recorded["project_name"] == "payments"
    assert recorded["project_slug"] == "payments"
    assert recorded["package_name"] == "payments"
    assert recorded["python_version"] == EXPECTED_PYTHON
    assert recorded["_src_path"] == str(REPO_ROOT)
    assert (project / "src" / "payments").is_dir()
    assert_one_commit_on_main(project)
    assert "Created payments" in result.stdout
    assert "make install" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["payments"]


def test_dest_name_with_underscores_gives_a_hyphenated_slug(
    tmp_path: Path, slim_template: Path
) -> None:
    result = fledge_new(tmp_path / "billing_api", "--defaults", "--template", slim_template)

    assert result.exit_code == 0, result.output
    recorded = answers(tmp_path / "billing_api")
    assert (recorded["project_slug"], recorded["package_name"]) == ("billing-api", "billing_api")


def test_offline_uv_lock_is_a_warning_with_the_command_to_run(
    tmp_path: Path, slim_template: Path
) -> None:
    result = fledge_new(tmp_path / "svc", "--defaults", "--template", slim_template)

    assert result.exit_code == 0, result.output
    assert "Warning: `uv lock` failed" in result.stderr
    assert "run `uv lock` in it" in result.stderr
    assert not (tmp_path / "svc" / "uv.lock").exists()
    assert "uv lock" in result.stdout  # among the next commands
    assert_one_commit_on_main(tmp_path / "svc")


def test_no_lock_skips_uv_lock_and_leaves_it_to_the_next_commands(
    tmp_path: Path, slim_template: Path
) -> None:
    result = fledge_new(tmp_path / "svc", "--defaults", "--no-lock", "--template", slim_template)

    assert result.exit_code == 0, result.output
    assert "uv lock" not in result.stderr  # skipped on request: no warning
    assert "Locking the dependencies" not in result.stdout
    assert not (tmp_path / "svc" / "uv.lock").exists()
    assert "skipped (--no-lock)" in result.stdout
    assert "uv lock" in panel_lines(result)  # among the next commands
    assert_one_commit_on_main(tmp_path / "svc")


def test_no_git_leaves_no_repository_and_names_the_commands(
    tmp_path: Path, slim_template: Path
) -> None:
    result = fledge_new(
        tmp_path / "svc", "--defaults", "--no-git", "--no-lock", "--template", slim_template
    )

    assert result.exit_code == 0, result.output
    project = tmp_path / "svc"
    assert not (project / ".git").exists()
    assert (project / ".copier-answers.yml").is_file()
    assert "Creating the git repository" not in result.stdout
    assert "skipped (--no-git)" in result.stdout
    assert "git init && git add --all && git commit -m" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc"]


def test_next_commands_are_never_wrapped(tmp_path: Path, slim_template: Path) -> None:
    """A wrapped command pasted into a shell runs half of it."""
    dest = tmp_path / "orders-of-the-north-east-region"
    with_commit = "git init && git add --all && git commit -m 'Create orders-of-the-north-east-"
    result = CliRunner().invoke(
        app,
        ["new", str(dest), "--defaults", "--no-git", "--no-lock", "--template", str(slim_template)],
        env={"COLUMNS": "60"},
    )

    assert result.exit_code == 0, result.output
    assert next_commands(result) == [
        f"cd {dest}",
        "uv lock",
        f"{with_commit}region from the fledge template'",
        "make install",
        "make migrate",
        "make run",
        "make test",
    ]


@pytest.mark.usefixtures("no_git_identity")
def test_first_commit_is_signed_by_the_author_on_a_machine_without_git_identity(
    tmp_path: Path, slim_template: Path
) -> None:
    result = fledge_new(
        tmp_path / "svc",
        "--defaults",
        "--template",
        slim_template,
        "-d",
        "author_name=Ada Lovelace",
        "-d",
        "author_email=ada@example.com",
    )

    assert result.exit_code == 0, result.output
    project = tmp_path / "svc"
    assert_one_commit_on_main(project)
    assert git(project, "log", "-1", "--format=%an <%ae>|%cn <%ce>") == (
        "Ada Lovelace <ada@example.com>|Ada Lovelace <ada@example.com>"
    )


def test_secrets_stay_out_of_the_commit(tmp_path: Path, slim_template: Path) -> None:
    assert fledge_new(tmp_path / "svc", "--defaults", "--template", slim_template).exit_code == 0

    project = tmp_path / "svc"
    tracked = git(project, "ls-files").splitlines()
    assert (project / ".env").is_file()
    assert ".env" not in tracked
    assert ".copier-answers.yml" in tracked


def test_framework_option_is_recorded(tmp_path: Path, slim_template: Path) -> None:
    result = fledge_new(
        tmp_path / "svc", "--defaults", "--framework", "fastapi", "--template", slim_template
    )

    assert result.exit_code == 0, result.output
    assert answers(tmp_path / "svc")["framework"] == "fastapi"


def test_data_is_repeatable_and_every_answer_is_recorded(
    tmp_path: Path, slim_template: Path
) -> None:
    result = fledge_new(
        tmp_path / "svc",
        "--defaults",
        "--template",
        slim_template,
        "--data",
        "project_name=Payments Gateway",
        "-d",
        "ci=none",
        "-d",
        "python_version=3.13",
        "-d",
        "description=Takes payments.",
    )

    assert result.exit_code == 0, result.output
    project = tmp_path / "svc"
    recorded = answers(project)
    assert recorded["project_name"] == "Payments Gateway"
    assert recorded["project_slug"] == "payments-gateway"
    assert recorded["package_name"] == "payments_gateway"
    assert recorded["ci"] == "none"
    assert recorded["python_version"] == "3.13"
    assert recorded["description"] == "Takes payments."
    assert (project / ".python-version").read_text().strip() == "3.13"


def test_local_template_copy_is_recorded_as_the_source(tmp_path: Path, slim_template: Path) -> None:
    result = fledge_new(tmp_path / "svc", "--defaults", "--template", slim_template)

    assert result.exit_code == 0, result.output
    recorded = answers(tmp_path / "svc")
    assert recorded["_src_path"] == str(slim_template)
    assert "_commit" not in recorded  # a plain directory has no version


def test_vcs_ref_renders_that_tag(tmp_path: Path, tagged_template: Path) -> None:
    result = fledge_new(
        tmp_path / "svc", "--defaults", "--template", tagged_template, "--vcs-ref", "v0.1.0"
    )

    assert result.exit_code == 0, result.output
    project = tmp_path / "svc"
    assert answers(project)["_commit"] == "v0.1.0"
    assert not (project / LATER_FILE).exists()


def test_vcs_ref_renders_a_branch(tmp_path: Path, tagged_template: Path) -> None:
    result = fledge_new(
        tmp_path / "svc", "--defaults", "--template", tagged_template, "--vcs-ref", "main"
    )

    assert result.exit_code == 0, result.output
    assert (tmp_path / "svc" / LATER_FILE).is_file()


def test_existing_empty_directory_is_filled_in_place(tmp_path: Path, slim_template: Path) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    inode = dest.stat().st_ino

    result = fledge_new(dest, "--defaults", "--template", slim_template)

    assert result.exit_code == 0, result.output
    assert dest.stat().st_ino == inode  # a shell sitting in it still sees the project
    assert (dest / ".copier-answers.yml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc"]


def test_missing_parent_directories_are_created(tmp_path: Path, slim_template: Path) -> None:
    result = fledge_new(tmp_path / "a" / "b" / "svc", "--defaults", "--template", slim_template)

    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "b" / "svc" / ".copier-answers.yml").is_file()


def test_overwrite_replaces_everything_in_a_non_empty_dest(
    tmp_path: Path, slim_template: Path
) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    (dest / "old.txt").write_text("old")

    result = fledge_new(dest, "--defaults", "--overwrite", "--template", slim_template)

    assert result.exit_code == 0, result.output
    assert not (dest / "old.txt").exists()
    assert (dest / ".copier-answers.yml").is_file()
    assert_one_commit_on_main(dest)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc"]


# Refusals: exit 1, one line, nothing written


def test_non_empty_dest_is_refused_without_overwrite(tmp_path: Path, slim_template: Path) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    before = snapshot(tmp_path)

    result = fledge_new(dest, "--defaults", "--template", slim_template)

    assert_refused(result, "is not empty", tmp_path, before)
    assert "--overwrite" in result.stderr


def test_dest_that_is_a_file_is_refused(tmp_path: Path, slim_template: Path) -> None:
    (tmp_path / "svc").write_text("a file")
    before = snapshot(tmp_path)

    result = fledge_new(tmp_path / "svc", "--defaults", "--overwrite", "--template", slim_template)

    assert_refused(result, "is not a directory", tmp_path, before)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-d", "project_name= "], "The project name must not be empty"),
        (["-d", "project_slug=Payments"], 'Invalid project slug "Payments"'),
        (["-d", "project_slug=pay--ments"], 'Invalid project slug "pay--ments"'),
        (["-d", "project_slug=1payments"], 'Invalid project slug "1payments"'),
        (["-d", "package_name=class"], "it is a Python keyword"),
        (["-d", "package_name=match"], "it is a Python keyword"),
        (["-d", "package_name=json"], "it is a Python standard-library module"),
        (["-d", "package_name=fastapi"], "the generated project already uses that name"),
        (["-d", "package_name=Payments"], "use lowercase letters, digits and underscores"),
        (["-d", "package_name=9lives"], "use lowercase letters, digits and underscores"),
        (["-d", f"package_name={'a' * 33}"], "it is longer than 32 characters"),
        (["-d", 'project_name=Say "hi"'], "must not contain quotes, backslashes or line breaks"),
        (["-d", f"project_name={'n' * 61}"], "The project name must be at most 60 characters"),
        (["--framework", "rails"], 'Unknown framework "rails"; available: '),
        (["-d", "framework=rails"], 'Unknown framework "rails"'),
        (["-d", "python_version=3.9"], 'Unknown python version "3.9"'),
        (["-d", "ci=jenkins"], 'Unknown ci "jenkins"'),
        (["-d", "projet_name=typo"], 'Unknown question "projet_name"'),
        # The secret is generated, never an answer: a weak one would stop the service starting.
        (["-d", "jwt_secret=short"], 'Unknown question "jwt_secret"'),
        (
            ["-d", "no-equals-sign"],
            '--data expects KEY=VALUE (e.g. --data ci=none), got "no-equals-sign"',
        ),
        (["-d", "=value"], "--data expects KEY=VALUE"),
        (["--framework", "fastapi", "-d", "framework=drf"], "contradicts --data framework=drf"),
        (["--vcs-ref", "v0.1.0"], "--vcs-ref needs a git repository"),
    ],
)
def test_bad_options_and_answers_are_refused_before_rendering(
    tmp_path: Path, slim_template: Path, args: list[str], message: str
) -> None:
    before = snapshot(tmp_path)

    result = fledge_new(tmp_path / "svc", "--defaults", "--template", slim_template, *args)

    assert_refused(result, message, tmp_path, before)


def test_the_unknown_question_message_lists_the_questions_only(
    tmp_path: Path, slim_template: Path
) -> None:
    result = fledge_new(tmp_path / "svc", "--defaults", "--template", slim_template, "-d", "x=1")

    assert "the template asks: author_email, author_name, ci, description," in result.stderr
    assert "secret" not in result.stderr


@pytest.mark.parametrize(
    ("dest_name", "message"),
    [
        ("json", 'Invalid package name "json" (derived from the slug "json")'),
        ("2024", 'Invalid project slug "" (derived from the project name "2024")'),
        ("tests", 'Invalid package name "tests"'),
    ],
)
def test_unusable_names_derived_from_dest_are_refused(
    tmp_path: Path, slim_template: Path, dest_name: str, message: str
) -> None:
    before = snapshot(tmp_path)

    result = fledge_new(tmp_path / dest_name, "--defaults", "--template", slim_template)

    assert_refused(result, message, tmp_path, before)


def test_copier_validation_errors_become_one_line_and_leave_nothing(
    tmp_path: Path, slim_template: Path
) -> None:
    """fledge does not check emails itself: Copier's validator fails mid-render."""
    before = snapshot(tmp_path)

    result = fledge_new(
        tmp_path / "new" / "dirs" / "svc",
        "--defaults",
        "--template",
        slim_template,
        "-d",
        "author_email=not-an-email",
    )

    assert_refused(result, "author_email", tmp_path, before)


def test_without_defaults_and_without_a_terminal_nothing_is_asked(
    tmp_path: Path, slim_template: Path
) -> None:
    before = snapshot(tmp_path)

    result = fledge_new(tmp_path / "svc", "--template", slim_template)

    assert_refused(result, "no terminal to ask the template's questions in", tmp_path, before)


def test_missing_template_is_refused(tmp_path: Path) -> None:
    before = snapshot(tmp_path)

    result = fledge_new(tmp_path / "svc", "--defaults", "--template", tmp_path / "nowhere")

    assert_refused(result, "is not a directory or a git URL", tmp_path, before)


def test_directory_without_copier_yml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "not-a-template").mkdir()
    before = snapshot(tmp_path)

    result = fledge_new(tmp_path / "svc", "--defaults", "--template", tmp_path / "not-a-template")

    assert_refused(result, "has no copier.yml", tmp_path, before)


def test_unknown_vcs_ref_is_refused(tmp_path: Path, tagged_template: Path) -> None:
    before = snapshot(tmp_path)

    result = fledge_new(
        tmp_path / "svc", "--defaults", "--template", tagged_template, "--vcs-ref", "v9.9.9"
    )

    assert_refused(result, 'The template has no git ref "v9.9.9"', tmp_path, before)


def test_interrupt_while_rendering_leaves_nothing(
    tmp_path: Path, slim_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def render_half_then_interrupt(_src_path: str, dst_path: Path, **_: object) -> None:
        (Path(dst_path) / "half-written.txt").write_text("...")
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_copy", render_half_then_interrupt)
    before = snapshot(tmp_path)

    result = fledge_new(tmp_path / "deep" / "svc", "--defaults", "--template", slim_template)

    assert result.exit_code == 130
    assert "Interrupted." in result.stderr
    assert snapshot(tmp_path) == before


def test_templates_with_tasks_are_refused(tmp_path: Path) -> None:
    """fledge renders with Copier's `unsafe=False`: a template never runs commands."""
    template = tmp_path / "tpl"
    (template / "project").mkdir(parents=True)
    (template / "copier.yml").write_text("_subdirectory: project\n_tasks:\n  - touch pwned\n")
    (template / "project" / "README.md").write_text("hello\n")
    before = snapshot(tmp_path)

    result = fledge_new(tmp_path / "svc", "--defaults", "--template", template)

    assert_refused(result, "which fledge never allows", tmp_path, before)


# --verify, on a tiny template whose "tests" are a Makefile target (fast, no dependencies)

TINY_COPIER_YML = """\
_subdirectory: project
project_name:
  type: str
  default: tiny
"""
TINY_PYPROJECT = """\
[project]
name = "tiny"
version = "0"
requires-python = ">=3.11"
dependencies = []

[tool.uv]
package = false
"""


def tiny_template(root: Path, test_recipe: str) -> Path:
    project = root / "project"
    project.mkdir(parents=True)
    (root / "copier.yml").write_text(TINY_COPIER_YML)
    (project / "pyproject.toml").write_text(TINY_PYPROJECT)
    (project / "Makefile").write_text(f"test:\n\t{test_recipe}\n")
    return root


def test_verify_installs_and_runs_the_tests(tmp_path: Path) -> None:
    template = tiny_template(tmp_path / "tpl", "@echo 1 passed")

    result = fledge_new(tmp_path / "svc", "--defaults", "--verify", "--template", template)

    assert result.exit_code == 0, result.output
    assert (tmp_path / "svc" / ".venv").is_dir()
    assert "installed, tests pass" in result.stdout
    assert next_commands(result)[-2:] == ["make migrate", "make run"]  # install, test: done


def test_verify_failure_shows_the_tail_of_the_test_output(tmp_path: Path) -> None:
    template = tiny_template(
        tmp_path / "tpl", "@echo 'FAILED tests/test_answer.py - assert 41 == 42' && exit 3"
    )

    result = fledge_new(tmp_path / "svc", "--defaults", "--verify", "--template", template)

    assert result.exit_code == 1
    assert "but `make test` failed there" in result.stderr
    assert "FAILED tests/test_answer.py - assert 41 == 42" in result.stderr
    assert "Traceback" not in result.output
    assert (tmp_path / "svc" / "Makefile").is_file()  # kept so the user can look


# The program itself


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.stdout.strip() == f"fledge {fledge.__version__}"


def test_python_dash_m_fledge_runs_the_cli() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "fledge", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"fledge {fledge.__version__}"


def test_help_documents_every_option_of_new() -> None:
    result = CliRunner().invoke(app, ["new", "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    for option in (
        "--defaults",
        "--framework",
        "--data",
        "--template",
        "--vcs-ref",
        "--overwrite",
        "--verify",
        "--no-lock",
        "--no-git",
    ):
        assert option in result.stdout


@pytest.mark.parametrize("command", [[], ["new"], ["update"], ["check"], ["matrix"]])
def test_help_shows_flags_without_a_value_placeholder(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    assert "<bool>" not in result.stdout
    flags = [line.split() for line in result.stdout.splitlines() if "--help" in line]
    assert flags == [["--help", "Show", "this", "message", "and", "exit."]]


# Ctrl-C while fledge starts: the signal arrives as the CLI's modules load (Copier among them).
CTRL_C_WHILE_LOADING = """
import os, signal, sys

# As in a terminal: a shell starts background jobs (CI runners among them) with SIGINT ignored.
signal.signal(signal.SIGINT, signal.default_int_handler)


class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "copier":
            os.kill(os.getpid(), signal.SIGINT)
        return None


sys.meta_path.insert(0, CtrlC())
sys.argv = ["fledge", "--version"]
from fledge.__main__ import main

main()
"""


def test_ctrl_c_while_fledge_starts_is_one_line_and_exit_130() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", CTRL_C_WHILE_LOADING],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (completed.returncode, completed.stderr) == (130, "Interrupted.\n")
    assert completed.stdout == ""
