"""Answers: `--data` parsing, the defaults fledge derives, and the checks before rendering."""

from __future__ import annotations

from pathlib import Path

import copier
import pytest
import yaml

from fledge import answers, template
from fledge.errors import UserError
from tests.helpers import REPO_ROOT

QUESTIONS = template.questions(template.TemplateSource(str(REPO_ROOT), REPO_ROOT))


def test_data_values_keep_their_equals_signs_and_the_last_value_wins() -> None:
    parsed = answers.parse_data(["description=a=b", "ci=github", "ci=none"])

    assert parsed == {"description": "a=b", "ci": "none"}


@pytest.mark.parametrize("name", ["Payments Gateway", "billing_api", "2024 Orders", "Café-Bar!"])
def test_derived_slug_and_package_are_the_template_s_own_defaults(
    name: str, slim_template: Path, tmp_path: Path
) -> None:
    """fledge evaluates the template's defaults to check them early, as Copier renders them."""
    worker = copier.run_copy(
        str(slim_template),
        tmp_path,
        data={"project_name": name},
        defaults=True,
        pretend=True,
        quiet=True,
    )
    assert QUESTIONS is not None
    assert QUESTIONS.rules is not None
    derived = QUESTIONS.rules.answers({"project_name": name})

    assert derived["project_slug"] == worker.answers.combined["project_slug"]
    assert derived["package_name"] == worker.answers.combined["package_name"]


def tiny_template(root: Path, validators: dict[str, str]) -> Path:
    """A template asking the three questions fledge checks early, with these validators."""
    (root / "project").mkdir(parents=True)
    (root / "includes").mkdir()
    (root / "includes" / "taken.jinja").write_text('{% set names = ["taken"] %}')
    questions = {
        "project_name": {"type": "str", "default": "Tiny"},
        "project_slug": {"type": "str", "default": "{{ project_name | lower }}"},
        "package_name": {"type": "str", "default": "{{ project_slug }}"},
    }
    for name, validator in validators.items():
        questions[name]["validator"] = validator
    config = {"_subdirectory": "project", **questions}
    (root / "copier.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return root


@pytest.mark.parametrize(
    ("validators", "data", "message"),
    [
        (
            {"project_name": "{% if project_name | length > 4 %}must be short{% endif %}"},
            {"project_name": "Longer"},
            "The project name must be short; set one with --data project_name=NAME.",
        ),
        (
            {"project_slug": "{% if '_' not in project_slug %}needs an _{% endif %}"},
            {"project_name": "Tiny"},
            'Invalid project slug "tiny" (derived from the project name "Tiny"): needs an _',
        ),
        (
            {
                "package_name": '{% import "includes/taken.jinja" as t %}'
                "{% if package_name in t.names %}is taken{% endif %}"
            },
            {"package_name": "taken"},
            'Invalid package name "taken": is taken; set another with --data package_name=NAME.',
        ),
    ],
    ids=["name", "derived-slug", "imported-list"],
)
def test_fledge_enforces_the_template_s_rule_as_it_is(
    tmp_path: Path, validators: dict[str, str], data: dict[str, str], message: str
) -> None:
    """The rules live in the template only: a template with other rules gets those enforced."""
    root = tiny_template(tmp_path / "tpl", validators)
    questions = template.questions(template.TemplateSource(str(root), root))

    with pytest.raises(UserError) as refused:
        answers.check(data, {}, questions, use_defaults=True)

    assert message in refused.value.message


def test_a_valid_answer_passes_the_template_s_rule(tmp_path: Path) -> None:
    root = tiny_template(
        tmp_path / "tpl", {"project_name": "{% if not project_name %}no{% endif %}"}
    )
    questions = template.questions(template.TemplateSource(str(root), root))

    answers.check({"project_name": "Fine"}, {}, questions, use_defaults=True)


def test_prompts_do_not_propose_a_name_the_template_would_refuse() -> None:
    defaults = answers.user_defaults(Path("/work/json"), QUESTIONS)

    assert defaults["project_name"] == "json"
    assert "project_name" not in answers.for_prompts(defaults, {}, QUESTIONS)
    with pytest.raises(UserError, match="standard-library module"):
        answers.check({}, defaults, QUESTIONS, use_defaults=True)


def test_prompts_propose_a_usable_name_and_the_running_python() -> None:
    assert QUESTIONS is not None
    running = answers.running_python()
    offered = running in QUESTIONS.choices["python_version"]
    defaults = answers.user_defaults(Path("/work/payments"), QUESTIONS)

    assert answers.for_prompts(defaults, {}, QUESTIONS) == {
        "project_name": "payments",
        **({"python_version": running} if offered else {}),
    }


def test_a_name_is_proposed_when_the_user_chose_the_package_name() -> None:
    defaults = answers.user_defaults(Path("/work/json"), QUESTIONS)

    prompts = answers.for_prompts(defaults, {"package_name": "json_tools"}, QUESTIONS)

    assert prompts["project_name"] == "json"
