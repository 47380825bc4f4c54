"""Answers: `--data` parsing, the defaults fledge derives, and the checks before rendering."""

from __future__ import annotations

from pathlib import Path

import copier
import pytest

from fledge import answers, template
from fledge.errors import UserError
from tests.helpers import REPO_ROOT

QUESTIONS = template.questions(template.TemplateSource(str(REPO_ROOT), REPO_ROOT))


def test_data_values_keep_their_equals_signs_and_the_last_value_wins() -> None:
    parsed = answers.parse_data(["description=a=b", "ci=github", "ci=none"])

    assert parsed == {"description": "a=b", "ci": "none"}


@pytest.mark.parametrize("name", ["Payments Gateway", "billing_api", "2024 Orders", "Café-Bar!"])
def test_derived_slug_and_package_match_copier_yml(
    name: str, template_dir: Path, tmp_path: Path
) -> None:
    """fledge predicts the template's defaults to check them early; it must predict right."""
    worker = copier.run_copy(
        str(template_dir),
        tmp_path,
        data={"project_name": name},
        defaults=True,
        pretend=True,
        quiet=True,
    )
    slug = answers.slug_from(name)

    assert worker.answers.combined["project_slug"] == slug
    assert worker.answers.combined["package_name"] == answers.package_from(slug)


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
