"""`FIELD:TYPE[:OPTION]...` (the fields of `fledge add resource`) parsed into the template's
`fields` answer: every field with every key, defaults in their canonical spelling.

Only the syntax is checked here. What a valid field is (known types and options, options that
fit the type, sound defaults and bounds) is the template's rule: copier.yml's `fields`
validator, evaluated before rendering. So an unknown type or option is passed on as given for
the validator to name. `ref_class`, the class of the resource a `ref` names, is not an option:
`fledge add resource` fills it from that resource's recorded answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from fledge.errors import UserError

# What `fledge add resource` fills in when a field does not say.
DEFAULT_MAX_LENGTH = {"str": "200", "text": "10000"}
DEFAULT_PLACES = 2
DECIMAL_DIGITS = 12

_FLAGS = ("optional", "unique")
_VALUED = ("min", "max", "default", "places")
_KEYS = (
    "name",
    "type",
    "optional",
    "unique",
    "min",
    "max",
    "default",
    "places",
    "digits",
    "choices",
    "ref",
    "ref_class",
)
# Keys fledge fills from the project, never given as options.
_FILLED = ("digits", "ref_class")
_OPTION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(=|$)")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
_UTC = "+00:00"


def parse(specs: Sequence[str]) -> list[dict[str, Any]]:
    """Parse every `FIELD:TYPE[:OPTION]...`, in order.

    Raises:
        UserError: a spec is not `FIELD:TYPE[:OPTION]...`, or repeats an option.
    """
    return [parse_one(spec) for spec in specs]


def parse_one(spec: str) -> dict[str, Any]:
    """One field, e.g. `status:enum=open,paid:default=open`.

    Raises:
        UserError: `spec` is not `FIELD:TYPE[:OPTION]...`, or repeats an option.
    """
    name, _, rest = spec.partition(":")
    name = name.strip()
    if not name or not rest.strip():
        raise UserError(
            f'"{spec}" is not FIELD:TYPE[:OPTION]... (e.g. quantity:int:min=1 or '
            "status:enum=open,paid)."
        )
    kind, *options = _segments(rest)
    field: dict[str, Any] = dict.fromkeys(_KEYS)
    field.update(name=name, optional=False, unique=False)
    field.update(_type(kind.strip()))
    given: dict[str, str] = {}
    for option in options:
        key, sep, value = option.partition("=")
        key = key.strip()
        if key in _FILLED:
            raise UserError(f'Field "{name}": unknown option "{key}" (fledge fills it in).')
        if key in given or (key in _FLAGS and field[key]):
            raise UserError(f'Field "{name}": option "{key}" is given twice.')
        if key in _FLAGS:
            if sep:
                raise UserError(f'Field "{name}": option "{key}" takes no value.')
            field[key] = True
        elif sep:
            given[key] = value.strip() if key != "default" else value
        else:
            given[key] = ""  # an unknown flag: the template's validator names it
    for key, value in given.items():
        field[key] = value
    return _normalized(field, given)


def _segments(rest: str) -> list[str]:
    """Split on colons, except those inside a `default=` time (10:30:00, +02:00)."""
    segments: list[str] = []
    for part in rest.split(":"):
        if segments and segments[-1].startswith("default=") and not _OPTION.match(part):
            segments[-1] += ":" + part
        else:
            segments.append(part)
    return segments


def _type(kind: str) -> dict[str, Any]:
    base, sep, argument = kind.partition("=")
    if base == "enum":
        values = [value.strip() for value in argument.split(",")] if sep else []
        return {"type": "enum", "choices": [value for value in values if value]}
    if base == "ref":
        return {"type": "ref", "ref": argument.strip()}
    return {"type": kind}


def _normalized(field: dict[str, Any], given: dict[str, str]) -> dict[str, Any]:
    kind = field["type"]
    if kind in DEFAULT_MAX_LENGTH and field["max"] is None:
        field["max"] = DEFAULT_MAX_LENGTH[kind]
    if kind == "decimal":
        field["digits"] = DECIMAL_DIGITS
        field["places"] = DEFAULT_PLACES if "places" not in given else _int_or_text(given["places"])
    elif "places" in given:
        field["places"] = _int_or_text(given["places"])
    if field["default"] is not None:
        field["default"] = canonical(kind, field["default"], field["places"])
    return field


def _int_or_text(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def canonical(kind: str, value: str, places: Any = DEFAULT_PLACES) -> str:
    """A default in its canonical spelling (int "5", decimal "9.90", bool "true", date
    "2026-01-31", datetime RFC 3339 with "Z" for UTC, uuid lowercase); a value that is not of
    the type stays as given, for the template's validator to refuse."""
    text = value.strip() if kind not in ("str", "text") else value
    try:
        if kind == "int":
            return str(int(text))
        if kind == "decimal":
            number = Decimal(text)
            exponent = number.as_tuple().exponent
            if not number.is_finite() or not isinstance(places, int):
                return text
            if isinstance(exponent, int) and -exponent > places:
                return text
            return f"{number:.{places}f}"
        if kind == "bool" and text.lower() in _TRUE + _FALSE:
            return "true" if text.lower() in _TRUE else "false"
        if kind == "date":
            return date.fromisoformat(text).isoformat()
        if kind == "datetime":
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                return text
            spelled = moment.isoformat()
            return spelled[: -len(_UTC)] + "Z" if spelled.endswith(_UTC) else spelled
        if kind == "uuid":
            return str(UUID(text))
    except (ValueError, InvalidOperation):
        return text
    return text
