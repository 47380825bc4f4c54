"""The generated service's three frameworks, and the bare apps each is measured against."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bare:
    """A bare app of the framework: `benchmarks/bare/<module>.py`, serving `app`."""

    name: str
    module: str


@dataclass(frozen=True)
class Framework:
    """A framework: its `fledge new --framework` value, its products table, its bare apps (the
    first is the one the goals compare with) and the packages whose versions the report lists."""

    key: str
    label: str
    table: str
    bares: tuple[Bare, ...]
    packages: tuple[str, ...]

    @property
    def bare(self) -> Bare:
        return self.bares[0]


_SERVING = ("gunicorn", "uvicorn", "uvicorn-worker", "redis", "pyjwt", "structlog")
FASTAPI = Framework(
    "fastapi",
    "FastAPI",
    "products",
    (Bare("bare FastAPI + async SQLAlchemy", "fastapi_app"),),
    ("fastapi", "starlette", "pydantic", "sqlalchemy", "asyncpg", *_SERVING),
)
FLASK = Framework(
    "flask",
    "Flask",
    "products",
    (Bare("bare Flask + SQLAlchemy", "flask_app"),),
    ("flask", "flask-openapi3", "pydantic", "sqlalchemy", "psycopg", "a2wsgi", *_SERVING),
)
DRF = Framework(
    "drf",
    "DRF",
    "products_product",
    (Bare("bare DRF (generic views, ModelSerializer)", "drf_app"),
     Bare("plain Django + ORM (JsonResponse)", "django_app")),
    ("django", "djangorestframework", "psycopg", "a2wsgi", *_SERVING),
)  # fmt: skip
ALL = {framework.key: framework for framework in (FASTAPI, FLASK, DRF)}
