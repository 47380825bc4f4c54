"""The bare FastAPI app of the throughput benchmark: FastAPI and async SQLAlchemy, nothing else.

It answers `GET /health/live` and the three measured operations on the generated service's
products table, with the service's queries and JSON: a page (the newest 20 rows plus one to tell
whether a next page follows), one product by id, and a create. No authentication, rate limiting,
request id, idempotency or access log: everything the generated service adds is what the ratio
measures.

It runs in the generated project's environment (same package versions), served by gunicorn with
the uvicorn worker class and the worker count of the service.
"""

import base64
import json
import os
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from sqlalchemy import DateTime, Numeric, String, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    active: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


Price = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class ProductCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    price: Annotated[Price, Field(ge=0, max_digits=12, decimal_places=2)]
    active: bool = True


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


def _async_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


engine = create_async_engine(
    _async_url(os.environ["DATABASE_URL"]), pool_pre_ping=True, pool_size=10, max_overflow=10
)
sessions = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


@app.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/v1/products")
async def list_products(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> ProductPage:
    statement = (
        select(Product).order_by(Product.created_at.desc(), Product.id.desc()).limit(limit + 1)
    )
    async with sessions() as session:
        rows = list(await session.scalars(statement))
    items, more = rows[:limit], len(rows) > limit
    cursor = None
    if more:
        last = items[-1]
        raw = json.dumps([last.created_at.isoformat(), str(last.id)]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return ProductPage(items=[ProductRead.model_validate(row) for row in items], next_cursor=cursor)


@app.get("/api/v1/products/{product_id}")
async def read_product(product_id: uuid.UUID) -> ProductRead:
    async with sessions() as session:
        product = await session.get(Product, product_id)
    if product is None:
        raise HTTPException(404)
    return ProductRead.model_validate(product)


@app.post("/api/v1/products", status_code=201)
async def create_product(body: ProductCreate) -> ProductRead:
    product = Product(**body.model_dump())
    async with sessions() as session:
        session.add(product)
        await session.commit()
    return ProductRead.model_validate(product)
