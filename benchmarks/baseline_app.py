"""The baseline of the throughput benchmark: a minimal FastAPI app, no middleware.

It answers `GET /health/live` and runs the generated service's products-page query (the
newest 20 rows plus one to tell whether a next page follows) through SQLAlchemy's asyncio
session on asyncpg, over the same table, and returns the same JSON shape. There is no
authentication, no rate limiting, no request id, no access log: everything the generated
service adds is what the ratio measures.

It runs in the generated project's environment (same FastAPI, SQLAlchemy, asyncpg, gunicorn and
uvicorn-worker versions), served by gunicorn with the service's worker class and worker count.
"""

import base64
import json
import os
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, PlainSerializer
from sqlalchemy import Numeric, String, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    active: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    price: Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
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
