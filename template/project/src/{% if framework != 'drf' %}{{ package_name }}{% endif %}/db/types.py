"""Column types that behave the same on PostgreSQL and SQLite."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes, also on SQLite, which stores them without a zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def __repr__(self) -> str:  # as migrations write the type
        return "UTCDateTime()"


class ExactDecimal(TypeDecorator[Decimal]):
    """Exact numbers of `digits` digits, `places` of them after the point: NUMERIC(digits,
    places), or text on SQLite (no exact type there)."""

    impl = Numeric
    cache_ok = True

    def __init__(self, digits: int, places: int) -> None:
        super().__init__(digits, places, asdecimal=True)
        self.digits = digits
        self.places = places
        self.quantum = Decimal(1).scaleb(-places)

    def __repr__(self) -> str:  # as migrations write the type
        return f"ExactDecimal({self.digits}, {self.places})"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":  # a sign, the digits and the point
            return dialect.type_descriptor(String(self.digits + 2))
        return dialect.type_descriptor(Numeric(self.digits, self.places, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | str | None:
        if value is None:
            return None
        number = value.quantize(self.quantum)
        return str(number) if dialect.name == "sqlite" else number

    def process_result_value(self, value: object, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(self.quantum)
