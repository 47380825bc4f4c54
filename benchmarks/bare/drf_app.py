"""The bare Django REST framework app of the throughput benchmark: generic views and a
ModelSerializer over the generated service's products table, nothing else.

It answers `GET /health/live` and the three measured operations with the service's queries and
JSON: a page (the newest 20 rows plus one to tell whether a next page follows), one product by
id, and a create. No middleware, authentication, throttling, idempotency or access log.

It runs in the generated project's environment (same package versions, the service's connection
settings) and is served as the service is: a2wsgi's thread pool under gunicorn's uvicorn workers,
with the same worker count.
"""

import base64
import json
import os
import uuid
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
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    DATABASES={
        "default": {
            **dj_database_url.parse(os.environ["DATABASE_URL"], conn_health_checks=True),
            "CONN_MAX_AGE": 60,
        }
    },
    USE_TZ=True,
    TIME_ZONE="UTC",
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
        "COERCE_DECIMAL_TO_STRING": False,
    },
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import models  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework import generics, serializers  # noqa: E402
from rest_framework.decorators import api_view  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402


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


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ("id", "name", "description", "price", "active", "created_at", "updated_at")
        read_only_fields = ("id", "created_at", "updated_at")


class Products(generics.ListCreateAPIView):
    queryset = Product.objects.order_by("-created_at", "-id")
    serializer_class = ProductSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        limit = int(request.query_params.get("limit", 20))
        rows = list(self.get_queryset()[: limit + 1])
        items, more = rows[:limit], len(rows) > limit
        cursor = None
        if more:
            last = items[-1]
            raw = json.dumps([last.created_at.isoformat(), str(last.id)]).encode()
            cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        page = self.get_serializer(items, many=True).data
        return Response({"items": page, "next_cursor": cursor})


class ProductDetail(generics.RetrieveAPIView):
    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    lookup_url_kwarg = "product_id"


@api_view(["GET"])
def live(request: Request) -> Response:
    return Response({"status": "ok"})


urlpatterns = [
    path("health/live", live),
    path("api/v1/products", Products.as_view()),
    path("api/v1/products/<uuid:product_id>", ProductDetail.as_view()),
]
app = WSGIMiddleware(get_wsgi_application(), workers=8)
