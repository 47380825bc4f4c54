"""Where fledge finds its template, and what it reads from copier.yml before rendering."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest
import yaml
from jinja2.sandbox import SandboxedEnvironment

from fledge import template
from tests.helpers import REPO_ROOT, copy_template


def test_an_installed_fledge_uses_the_template_inside_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wheel force-includes copier.yml and template/ as fledge/_template."""
    copy_template(tmp_path / "_template")
    monkeypatch.setattr(importlib.resources, "files", lambda _package: tmp_path)

    assert template.bundled_root() == tmp_path / "_template"


def test_a_source_checkout_uses_the_repository_root() -> None:
    assert template.bundled_root() == REPO_ROOT


def test_questions_come_from_the_template_at_the_requested_ref(tagged_template: Path) -> None:
    source = template.locate(str(tagged_template), "v0.1.0")
    questions = template.questions(source)

    assert questions is not None
    assert {"project_name", "project_slug", "package_name", "framework"} <= questions.names
    assert "fastapi" in questions.choices["framework"]
    assert questions.rules is not None
    refused = questions.rules.answers({"package_name": "json"})
    assert questions.rules.problem("package_name", refused) == (
        "it is a Python standard-library module"
    )
    assert not any(name.startswith("_") for name in questions.names)


def test_remote_templates_are_passed_to_copier_unread() -> None:
    source = template.locate("gh:example/template", "v1.0.0")

    assert (source.src, source.root, source.vcs_ref) == ("gh:example/template", None, "v1.0.0")
    assert template.questions(source) is None


def message_after_copy(src_path: str) -> str:
    """copier.yml's message after `copier copy`, as Copier renders it for this `_src_path`."""
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    env = SandboxedEnvironment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])
    return env.from_string(config["_message_after_copy"]).render(
        kind="project",
        project_name="Orders",
        _copier_conf={"dst_path": "../orders"},
        _copier_answers={"_commit": "v0.1.0", "_src_path": src_path},
    )


@pytest.mark.parametrize("src_path", [".", "fledge", "../fledge"])
def test_plain_copier_copy_warns_that_a_relative_source_cannot_be_updated(src_path: str) -> None:
    message = " ".join(message_after_copy(src_path).split())

    assert f'records the template as "{src_path}", a relative path' in message
    assert "set `_src_path` there to the template's absolute path or git URL" in message


@pytest.mark.parametrize(
    "src_path",
    [
        "/home/me/fledge",
        "~/fledge",
        "https://github.com/fledge-dev/fledge.git",
        "git@github.com:fledge-dev/fledge.git",
        "gh:fledge-dev/fledge",
    ],
)
def test_an_absolute_source_or_a_url_gets_no_warning(src_path: str) -> None:
    assert "relative path" not in message_after_copy(src_path)
