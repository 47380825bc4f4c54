"""The plain Django app of the throughput benchmark: Django's ORM and JsonResponse, nothing else.

It answers `GET /health/live` and the three measured operations on the generated service's
products table, with the service's queries and JSON: a page (the newest 20 rows plus one to tell
whether a next page follows), one product by id, and a create. No middleware, authentication,
rate limiting, idempotency or access log; no Django REST framework either (`drf_app.py` is the
bare DRF app).

It runs in the generated project's environment (same package versions, the service's connection
settings) and is served as the service is: a2wsgi's thread pool under gunicorn's uvicorn workers,
with the same worker count.
"""

import base64
import json
import os
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import dj_database_url
import django
from a2wsgi import WSGIMiddleware
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.urandom(32).hex(),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={
        "default": {
            **dj_database_url.parse(os.environ["DATABASE_URL"], conn_health_checks=True),
            "CONN_MAX_AGE": 60,
        }
    },
    USE_TZ=True,
    TIME_ZONE="UTC",
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import models  # noqa: E402
from django.http import Http404, HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.http import require_GET  # noqa: E402


class Product(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=2000, null=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "bare"
        db_table = "products_product"
        managed = False


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


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def products(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        body = json.loads(request.body)
        created = Product.objects.create(
            name=body["name"],
            description=body.get("description"),
            price=Decimal(str(body["price"])),
            active=body.get("active", True),
        )
        return JsonResponse(_json(created), status=201)
    limit = int(request.GET.get("limit", 20))
    rows = list(Product.objects.order_by("-created_at", "-id")[: limit + 1])
    items, more = rows[:limit], len(rows) > limit
    cursor = None
    if more:
        last = items[-1]
        raw = json.dumps([last.created_at.isoformat(), str(last.id)]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return JsonResponse({"items": [_json(row) for row in items], "next_cursor": cursor})


@require_GET
def product(request: HttpRequest, product_id: uuid.UUID) -> JsonResponse:
    try:
        found = Product.objects.get(pk=product_id)
    except Product.DoesNotExist as missing:
        raise Http404 from missing
    return JsonResponse(_json(found))


urlpatterns = [
    path("health/live", live),
    path("api/v1/products", products),
    path("api/v1/products/<uuid:product_id>", product),
]
app = WSGIMiddleware(get_wsgi_application(), workers=8)
