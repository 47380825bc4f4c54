"""The API's resources as small frozen dataclasses, and the fields a product update may carry.

Prices are `decimal.Decimal` both ways: they are read from the JSON number exactly (never
through a float) and sent as JSON numbers with the same digits.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

Price = Decimal | int | float | str
"""What a price may be given as; it is converted to `Decimal` (a float through its repr)."""


@dataclass(frozen=True, slots=True)
class User:
    id: UUID
    email: str
    created_at: datetime

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "User":
        return cls(
            id=_uuid(data, "id"),
            email=_str(data, "email"),
            created_at=_datetime(data, "created_at"),
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
            access_token=_str(data, "access_token"),
            token_type=_str(data, "token_type"),
            expires_in=_int(data, "expires_in"),
        )


@dataclass(frozen=True, slots=True)
class Product:
    id: UUID
    name: str
    description: str | None
    price: Decimal
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Product":
        description = data["description"]
        if description is not None and not isinstance(description, str):
            raise ValueError("description must be a string or null")
        return cls(
            id=_uuid(data, "id"),
            name=_str(data, "name"),
            description=description,
            price=_decimal(data, "price"),
            active=_bool(data, "active"),
            created_at=_datetime(data, "created_at"),
            updated_at=_datetime(data, "updated_at"),
        )


@dataclass(frozen=True, slots=True)
class ProductPage:
    """One page of products, newest first; `next_cursor` is None on the last page."""

    items: list[Product]
    next_cursor: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ProductPage":
        items = data["items"]
        cursor = data["next_cursor"]
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ValueError("items must be a list of objects")
        if cursor is not None and not isinstance(cursor, str):
            raise ValueError("next_cursor must be a string or null")
        return cls(items=[Product.from_json(item) for item in items], next_cursor=cursor)


class ProductChanges(TypedDict, total=False):
    """The fields `update_product` (PATCH) may change; only `description` may be None."""

    name: str
    description: str | None
    price: Price
    active: bool


def to_decimal(value: object) -> Decimal:
    """A price as an exact, finite `Decimal`; `ValueError` for anything else."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise TypeError(f"a price must be a Decimal, int, float or str, not {type(value).__name__}")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"a price must be a finite number, not {value!r}")
    return number


def _str(data: Mapping[str, Any], name: str) -> str:
    value = data[name]
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value


def _int(data: Mapping[str, Any], name: str) -> int:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


def _bool(data: Mapping[str, Any], name: str) -> bool:
    value = data[name]
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be a boolean")
    return value


def _decimal(data: Mapping[str, Any], name: str) -> Decimal:
    value = data[name]
    # JSON numbers are parsed as Decimal (or int); a string or a float is not a contract price.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"{name} must be a JSON number")
    return Decimal(value)


def _uuid(data: Mapping[str, Any], name: str) -> UUID:
    return UUID(_str(data, name))


def _datetime(data: Mapping[str, Any], name: str) -> datetime:
    value = datetime.fromisoformat(_str(data, name))
    if value.tzinfo is None:
        raise ValueError(f"{name} must carry a time zone")
    return value
