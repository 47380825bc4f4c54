"""Reading the members of a JSON object as typed values, strictly: a member of the wrong JSON
type raises `ValueError` (or `KeyError` when it is missing), never a silent conversion.

The resources' models (`resources/`) read their rows with these.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

T = TypeVar("T")
Choice = TypeVar("Choice", bound=str)


def string(data: Mapping[str, Any], name: str) -> str:
    value = data[name]
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value


def integer(data: Mapping[str, Any], name: str) -> int:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


def boolean(data: Mapping[str, Any], name: str) -> bool:
    value = data[name]
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be a boolean")
    return value


def decimal(data: Mapping[str, Any], name: str) -> Decimal:
    value = data[name]
    # JSON numbers are parsed as Decimal (or int); a string or a float is not a contract decimal.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"{name} must be a JSON number")
    return Decimal(value)


def uuid(data: Mapping[str, Any], name: str) -> UUID:
    return UUID(string(data, name))


def date(data: Mapping[str, Any], name: str) -> dt.date:
    return dt.date.fromisoformat(string(data, name))


def datetime(data: Mapping[str, Any], name: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(string(data, name))
    if value.tzinfo is None:
        raise ValueError(f"{name} must carry a time zone")
    return value


def choice(data: Mapping[str, Any], name: str, choices: tuple[Choice, ...]) -> Choice:
    value = data[name]
    for allowed in choices:
        if value == allowed:
            return allowed
    raise ValueError(f"{name} must be one of {', '.join(choices)}")


def optional(
    read: Callable[[Mapping[str, Any], str], T], data: Mapping[str, Any], name: str
) -> T | None:
    """The member read with `read`, or None when it is null (it must be present)."""
    return None if data[name] is None else read(data, name)


def optional_choice(
    data: Mapping[str, Any], name: str, choices: tuple[Choice, ...]
) -> Choice | None:
    """The member read with `choice`, or None when it is null (it must be present)."""
    return None if data[name] is None else choice(data, name, choices)
