"""The API's users and tokens as small frozen dataclasses (each resource's models are in
`resources/`), and the decimal numbers of their fields.

Decimals are `decimal.Decimal` both ways: they are read from the JSON number exactly (never
through a float) and sent as JSON numbers with the same digits.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from . import _fields as fields

Number = Decimal | int | float | str
"""What a decimal field may be given as; it is converted to `Decimal` (a float through its repr)."""


@dataclass(frozen=True, slots=True)
class User:
    """An account. `email` is None for an account of the identity provider that has none."""

    id: UUID
    email: str | None
    created_at: datetime

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "User":
        return cls(
            id=fields.uuid(data, "id"),
            email=fields.optional(fields.string, data, "email"),
            created_at=fields.datetime(data, "created_at"),
        )


@dataclass(frozen=True, slots=True)
class Token:
    """An access token and the refresh token that renews it, with their lifetimes in seconds.

    Both tokens are left out of `repr`, so they never land in a log by accident.
    """

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int
    refresh_token: str = field(repr=False)
    refresh_expires_in: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Token":
        return cls(
            access_token=fields.string(data, "access_token"),
            token_type=fields.string(data, "token_type"),
            expires_in=fields.integer(data, "expires_in"),
            refresh_token=fields.string(data, "refresh_token"),
            refresh_expires_in=fields.integer(data, "refresh_expires_in"),
        )


def to_decimal(value: object) -> Decimal:
    """A `Number` as an exact, finite `Decimal`; `ValueError` for anything else."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise TypeError(f"a decimal is a Decimal, int, float or str, not {type(value).__name__}")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"a decimal must be a finite number, not {value!r}")
    return number
