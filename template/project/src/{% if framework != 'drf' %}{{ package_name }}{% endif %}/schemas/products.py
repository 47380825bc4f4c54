"""Products: what clients send and what they get back."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)


def _json_number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a JSON number")
    return value


# Exact on the way in and in the database; a JSON number (never a string) on the way out.
Price = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False),
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "minimum": 0, "multipleOf": 0.01, "maximum": 9999999999.99}),
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=2000)]


class ProductCreate(BaseModel):
    """A new product; also the full replacement body of PUT."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description | None = None
    price: Price
    active: bool = True


class ProductUpdate(BaseModel):
    """Any subset of a product's fields; only `description` may be set to null."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    price: Price | None = None
    active: bool | None = None

    @field_validator("name", "price", "active")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null")
        return value

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    price: Price
    active: bool
    created_at: datetime
    updated_at: datetime


class ProductPage(BaseModel):
    items: list[ProductRead]
    next_cursor: str | None
