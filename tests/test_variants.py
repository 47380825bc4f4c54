"""The declared list of supported variants: readable ids, every value offered by copier.yml, and
every pair of values that interact."""

from __future__ import annotations

import re
from itertools import combinations, product

import pytest

from fledge import template
from fledge.errors import UserError
from fledge.variants import DECLARED, Variant, offered, select
from tests.helpers import REPO_ROOT

QUESTIONS = template.questions(template.TemplateSource(str(REPO_ROOT), REPO_ROOT))
assert QUESTIONS is not None
CHOICES = QUESTIONS.choices
FIELDS = {"framework": "framework", "python_version": "python_version", "ci": "ci"}


def values(variants: tuple[Variant, ...], question: str) -> set[str]:
    return {variant.data()[question] for variant in variants}


def test_ids_are_readable_and_unique() -> None:
    ids = [variant.id for variant in DECLARED]

    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z]+-py3\.\d+-[a-z]+", variant_id) for variant_id in ids)
    assert Variant("fastapi", "3.12", "github").id == "fastapi-py3.12-github"


def test_the_offered_variants_use_every_value_copier_yml_offers() -> None:
    supported = offered(CHOICES)

    for question in FIELDS:
        assert values(supported, question) == set(CHOICES[question]), question


def test_the_offered_variants_pair_each_framework_with_every_python_and_ci() -> None:
    supported = offered(CHOICES)

    for other in ("python_version", "ci"):
        pairs = {(variant.framework, variant.data()[other]) for variant in supported}
        assert pairs == set(product(CHOICES["framework"], CHOICES[other])), other


def test_the_declared_table_is_a_latin_square_over_the_frameworks() -> None:
    """Each (Python, CI) pair once, each framework once per Python version and per CI system:
    nine variants cover all 27 pairs of values."""
    for first, second in combinations(FIELDS, 2):
        pairs = [(v.data()[first], v.data()[second]) for v in DECLARED]
        assert len(set(pairs)) == len(pairs) == 9, (first, second)


def test_the_declared_table_knows_every_python_version_and_ci_system() -> None:
    """A version or CI system added to copier.yml must be added to the table too."""
    for question in ("python_version", "ci"):
        assert values(DECLARED, question) == set(CHOICES[question]), question
    assert set(CHOICES["framework"]) <= values(DECLARED, "framework")


def test_frameworks_the_template_does_not_offer_are_left_out() -> None:
    supported = offered({"framework": ("fastapi",), "python_version": ("3.12",)})

    assert [variant.id for variant in supported] == ["fastapi-py3.12-gitlab"]


def test_select_takes_ids_and_globs_in_table_order() -> None:
    chosen = select(DECLARED, ["drf-py3.11-none", "flask-*"])

    assert [variant.id for variant in chosen] == [
        "flask-py3.11-gitlab",
        "flask-py3.12-none",
        "flask-py3.13-github",
        "drf-py3.11-none",
    ]
    assert select(DECLARED, []) == DECLARED


def test_select_refuses_a_pattern_that_matches_nothing() -> None:
    with pytest.raises(UserError, match='No variant matches "rails-\\*"; the variants: fastapi-'):
        select(DECLARED, ["fastapi-*", "rails-*"])
