import uuid

from django.core.validators import MinValueValidator
from django.db import models


class Product(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    # The contract's `description` is a string or null: NULL, not "", means "none".
    description = models.CharField(max_length=2000, null=True, blank=True)  # noqa: DJ001
    # NUMERIC(12, 2): exact on PostgreSQL; see README.md for SQLite.
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Lists walk newest first; the id breaks ties between equal timestamps.
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=["-created_at", "-id"], name="products_newest_first"),)

    def __str__(self) -> str:
        return self.name
