"""Field types and rules the schemas of the resources share."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from email_validator import validate_email
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

# The range of a signed 64-bit integer, the BIGINT of every database.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}.*")


def json_number(value: object) -> object:
    """A JSON number, never a string or a boolean that Pydantic would convert."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a JSON number")
    return value


def not_null(value: object) -> object:
    if value is None:
        raise ValueError("cannot be null")
    return value


def never_null(schema: dict[str, Any]) -> None:
    """Documents a field that may be omitted but not null: its schema, without the null.

    `X | None` validates as X or null, so an error names the field alone; a union with a
    member hidden from the schema (`SkipJsonSchema[None]`) would name each member too.
    """
    [kept] = [member for member in schema.pop("anyOf") if member != {"type": "null"}]
    schema.update(kept)


def _iso_date(value: object) -> object:
    if isinstance(value, date) or (isinstance(value, str) and _DATE.fullmatch(value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


def _rfc3339(value: object) -> object:
    if isinstance(value, datetime) or (isinstance(value, str) and _DATETIME.fullmatch(value)):
        return value
    raise ValueError("must be an RFC 3339 date and time with an offset")


def _in_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _email_address(value: str) -> str:
    validate_email(value, check_deliverability=False)  # EmailNotValidError is a ValueError
    return value


# A calendar date, `YYYY-MM-DD` on the wire.
CalendarDate = Annotated[date, BeforeValidator(_iso_date)]
# An instant, with an offset on the way in; in UTC (`Z`) on the way out.
Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_in_utc)]
# An email address (at most 254 characters, as in an SMTP path), stored as given.
EmailAddress = Annotated[
    str,
    Field(max_length=254, json_schema_extra={"format": "email"}),
    AfterValidator(_email_address),
]
# An email address in a request body: its schema also says it is not empty.
SentEmailAddress = Annotated[EmailAddress, Field(min_length=1)]
