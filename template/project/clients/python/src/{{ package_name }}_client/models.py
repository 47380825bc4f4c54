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
    id: UUID
    email: str
    created_at: datetime

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "User":
        return cls(
            id=fields.uuid(data, "id"),
            email=fields.string(data, "email"),
            created_at=fields.datetime(data, "created_at"),
        )


@dataclass(frozen=True, slots=True)
class Token:
    """An access token. Its value is left out of `repr`, so it never lands in a log by accident."""

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Token":
        return cls(
            access_token=fields.string(data, "access_token"),
            token_type=fields.string(data, "token_type"),
            expires_in=fields.integer(data, "expires_in"),
        )


def to_decimal(value: object) -> Decimal:
    """A `Number` as an exact, finite `Decimal`; `ValueError` for anything else."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise TypeError(f"a decimal is a Decimal, int, float or str, not {type(value).__name__}")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"a decimal must be a finite number, not {value!r}")
    return number
