"""The contract's field types as data: values a field must accept, with the form the service
returns them in, and values it must refuse with a 422 at the field's pointer (CONTRACT.md,
"Resources"). Values are fresh on every call, so `unique` fields never collide by accident.
"""

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

FILTERED = frozenset({"bool", "enum", "ref", "uuid"})
"""The types of the fields a list can be filtered by (equality)."""
# Samples of date fields are spread over years 1000 to 9999, so unique dates rarely collide.
FIRST_DAY = date(1000, 1, 1).toordinal()
LAST_DAY = date(9999, 12, 31).toordinal()


@dataclass(frozen=True)
class Field:
    """One field of a resource, as `fledge add resource` recorded it."""

    name: str
    type: str
    optional: bool = False
    unique: bool = False
    min: str | None = None
    max: str | None = None
    default: str | None = None
    places: int | None = None
    digits: int | None = None
    choices: Sequence[str] = ()
    ref: str | None = None

    @property
    def pointer(self) -> str:
        return f"/{self.name}"

    @property
    def required(self) -> bool:
        return not self.optional and self.default is None

    @property
    def filtered(self) -> bool:
        return self.type in FILTERED

    @property
    def varied(self) -> bool:
        """Whether it has more than one valid value."""
        match self.type:
            case "enum":
                return len(self.choices) > 1
            case "int":
                low, high = int_bounds(self)
                return low < high
            case "decimal":
                smallest, largest = decimal_bounds(self)
                return smallest < largest
        return True


def sample(field: Field) -> Any:
    """A fresh valid value of a field that is not a `ref`."""
    token = uuid.uuid4().hex
    match field.type:
        case "str" | "text":
            low, high = length_bounds(field)
            return (token * 10)[: max(low, min(high, 24))]
        case "email":
            return f"user-{token[:16]}@example.com"
        case "int":
            low, high = int_bounds(field)
            return random.randint(max(low, -(10**9)), min(high, 10**9))  # noqa: S311
        case "decimal":
            smallest, largest = decimal_bounds(field)
            step = Decimal(1).scaleb(-places(field))
            top = min(largest, smallest + 10**6)
            return smallest + step * random.randint(0, int((top - smallest) / step))  # noqa: S311
        case "bool":
            return random.choice([True, False])  # noqa: S311
        case "date":
            return date.fromordinal(random.randint(FIRST_DAY, LAST_DAY)).isoformat()  # noqa: S311
        case "datetime":
            instant = datetime.fromtimestamp(random.randint(0, 2**32), UTC)  # noqa: S311
            return instant.isoformat().replace("+00:00", "Z")
        case "uuid":
            return str(uuid.uuid4())
        case "enum":
            return random.choice(list(field.choices))  # noqa: S311
    raise ValueError(f"no samples of {field.type} fields")


def other_sample(field: Field, value: Any) -> Any:
    """A fresh valid value unlike `value` (for `bool` its negation); None if there is none."""
    if field.type == "bool":
        return not value
    if field.type == "enum":
        others = [choice for choice in field.choices if choice != value]
        return others[0] if others else None
    for _ in range(10):
        candidate = sample(field)
        if candidate != value:
            return candidate
    return None


def accepted(field: Field) -> list[tuple[Any, Any]]:
    """Valid values of a field that is not a `ref`, each with the form the service returns."""
    token = uuid.uuid4().hex * 100
    match field.type:
        case "str" | "text":
            low, high = length_bounds(field)
            return [(token[:low], token[:low]), (token[:high], token[:high])]
        case "email":
            address = f"Ada.Lovelace+{token[:8]}@Example.com"
            return [(address, address)]
        case "int":
            low, high = int_bounds(field)
            return [(low, low), (high, high)]
        case "decimal":
            smallest, largest = decimal_bounds(field)
            tenth = smallest + Decimal("0.1")
            return [(smallest, smallest), (largest, largest), (tenth, tenth)]
        case "bool":
            return [(True, True), (False, False)]
        case "date":
            return [("2024-02-29", "2024-02-29")]
        case "datetime":
            return [
                ("2026-01-31T12:30:00+02:00", "2026-01-31T10:30:00Z"),
                ("2026-01-31T10:30:00Z", "2026-01-31T10:30:00Z"),
            ]
        case "uuid":
            value = uuid.uuid4()
            return [(str(value).upper(), str(value)), (value.hex, str(value))]
        case "enum":
            return [(choice, choice) for choice in field.choices]
    return []


def refused(field: Field) -> list[Any]:
    """Values that break a field's rules: each is a 422 with an error at its pointer."""
    match field.type:
        case "str" | "text":
            low, high = length_bounds(field)
            too_short = ["x" * (low - 1)] if low > 0 else []
            return [*too_short, "x" * (high + 1), 5, "a\x00b"]
        case "email":
            return ["not an email", "ada@", 5]
        case "int":
            low, high = int_bounds(field)
            return ["5", 1.5, True, low - 1, high + 1]
        case "decimal":
            smallest, largest = decimal_bounds(field)
            finer = smallest + Decimal(1).scaleb(-places(field) - 1)
            return [str(smallest), True, finer, smallest - 1, largest + 1]
        case "bool":
            return ["true", 1, "yes"]
        case "date":
            return ["2026-02-30", "31/01/2026", 20260131]
        case "datetime":
            return ["2026-01-31T10:30:00", "2026-13-01T00:00:00Z", "tomorrow", 5]
        case "uuid" | "ref":
            return ["not-a-uuid", "1234", 5]
        case "enum":
            return [f"not {field.choices[0]}", 5]
    return []


def returned_as(field: Field, returned: Any, expected: Any) -> bool:
    """Whether the service returned `expected` (the canonical form) for the field."""
    if expected is None or returned is None:
        return returned is expected
    if field.type == "decimal":
        return not isinstance(returned, str | bool) and Decimal(str(returned)) == expected
    if field.type == "datetime":
        instant = datetime.fromisoformat(returned)
        return returned.endswith("Z") and instant == datetime.fromisoformat(expected)
    return bool(returned == expected)


def default_value(field: Field) -> Any:
    """The field's default in the form the service returns it."""
    match field.type:
        case "int":
            return int(str(field.default))
        case "decimal":
            return Decimal(str(field.default))
        case "bool":
            return field.default == "true"
    return field.default


def length_bounds(field: Field) -> tuple[int, int]:
    low = int(field.min) if field.min is not None else (1 if field.type == "str" else 0)
    return low, int(field.max or (200 if field.type == "str" else 10000))


def int_bounds(field: Field) -> tuple[int, int]:
    low = int(field.min) if field.min is not None else -(2**63)
    return low, int(field.max) if field.max is not None else 2**63 - 1


def places(field: Field) -> int:
    return field.places if field.places is not None else 2


def decimal_bounds(field: Field) -> tuple[Decimal, Decimal]:
    """The smallest and largest valid values: `min`/`max`, else what `digits` allows."""
    digits = field.digits if field.digits is not None else 12
    largest = Decimal(10) ** (digits - places(field)) - Decimal(1).scaleb(-places(field))
    low = Decimal(field.min) if field.min is not None else -largest
    return low, Decimal(field.max) if field.max is not None else largest
