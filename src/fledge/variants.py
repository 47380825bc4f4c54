"""The supported variants: the combinations of the template's choices that `fledge matrix`
renders and checks.

Every value of every choice appears, and so does every pair of values that interact: each
framework with each Python version and with each CI system. The table is a Latin square over
the frameworks: row = framework, column = Python version, and the CI system rotates, so nine
variants cover all 27 pairs (framework x Python, framework x CI, Python x CI). A framework the
template does not offer (yet) is left out at run time; a test checks that the table covers every
value copier.yml offers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from fledge.errors import UserError


@dataclass(frozen=True)
class Variant:
    """One combination of the template's choices; the other questions take their defaults."""

    framework: str
    python_version: str
    ci: str

    @property
    def id(self) -> str:
        return f"{self.framework}-py{self.python_version}-{self.ci}"

    def data(self) -> dict[str, str]:
        return {"framework": self.framework, "python_version": self.python_version, "ci": self.ci}


DECLARED: tuple[Variant, ...] = (
    Variant("fastapi", "3.11", "github"),
    Variant("fastapi", "3.12", "gitlab"),
    Variant("fastapi", "3.13", "none"),
    Variant("flask", "3.11", "gitlab"),
    Variant("flask", "3.12", "none"),
    Variant("flask", "3.13", "github"),
    Variant("drf", "3.11", "none"),
    Variant("drf", "3.12", "github"),
    Variant("drf", "3.13", "gitlab"),
)


def offered(
    choices: Mapping[str, Sequence[str]], declared: Iterable[Variant] = DECLARED
) -> tuple[Variant, ...]:
    """The declared variants whose every value the template offers (`choices` from copier.yml)."""
    return tuple(
        variant
        for variant in declared
        if all(
            value in choices.get(question, (value,)) for question, value in variant.data().items()
        )
    )


def select(variants: Sequence[Variant], patterns: Sequence[str]) -> tuple[Variant, ...]:
    """The variants whose id matches one of `patterns` (ids or globs like `flask-*`), in table
    order; all of them without patterns.

    Raises:
        UserError: a pattern matches no variant.
    """
    if not patterns:
        return tuple(variants)
    for pattern in patterns:
        if not any(fnmatchcase(variant.id, pattern) for variant in variants):
            known = ", ".join(variant.id for variant in variants)
            raise UserError(f'No variant matches "{pattern}"; the variants: {known}.')
    return tuple(
        variant
        for variant in variants
        if any(fnmatchcase(variant.id, pattern) for pattern in patterns)
    )
