"""The bare Flask app of the throughput benchmark: Flask and SQLAlchemy, nothing else.

It answers `GET /health/live` and the three measured operations on the generated service's
products table, with the service's queries and JSON: a page (the newest 20 rows plus one to tell
whether a next page follows), one product by id, and a create. No authentication, rate limiting,
request id, idempotency, validation library or access log: everything the generated service adds
is what the ratio measures.

It runs in the generated project's environment (same package versions) and is served as the
service is: a2wsgi's thread pool under gunicorn's uvicorn workers, with the same worker count.
"""

import base64
import json
import os
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from a2wsgi import WSGIMiddleware
from flask import Flask, abort, jsonify, request
from sqlalchemy import DateTime, Numeric, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


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


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _json(product: Product) -> dict[str, Any]:
    return {
        "id": str(product.id),
        "name": product.name,
        "description": product.description,
        "price": float(product.price),
        "active": product.active,
        "created_at": _iso(product.created_at),
        "updated_at": _iso(product.updated_at),
    }


engine = create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
    pool_pre_ping=True,
    pool_size=10,
    max_overflow=10,
)
sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
flask_app = Flask(__name__)


@flask_app.get("/health/live")
def live() -> Any:
    return jsonify(status="ok")


@flask_app.get("/api/v1/products")
def list_products() -> Any:
    limit = request.args.get("limit", 20, type=int)
    statement = (
        select(Product).order_by(Product.created_at.desc(), Product.id.desc()).limit(limit + 1)
    )
    with sessions() as session:
        rows = list(session.scalars(statement))
    items, more = rows[:limit], len(rows) > limit
    cursor = None
    if more:
        last = items[-1]
        raw = json.dumps([last.created_at.isoformat(), str(last.id)]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return jsonify(items=[_json(row) for row in items], next_cursor=cursor)


@flask_app.get("/api/v1/products/<uuid:product_id>")
def read_product(product_id: uuid.UUID) -> Any:
    with sessions() as session:
        product = session.get(Product, product_id)
    if product is None:
        abort(404)
    return jsonify(_json(product))


@flask_app.post("/api/v1/products")
def create_product() -> Any:
    body = request.get_json()
    product = Product(
        name=body["name"],
        description=body.get("description"),
        price=Decimal(str(body["price"])),
        active=body.get("active", True),
    )
    with sessions() as session:
        session.add(product)
        session.commit()
    return jsonify(_json(product)), 201


app = WSGIMiddleware(flask_app, workers=8)
