import uuid

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """A create request claimed by its Idempotency-Key, and its response once finished."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(default="")
    location = models.CharField(max_length=2048, default="")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        # Decides between concurrent duplicates: exactly one request inserts the claim.
        constraints = (
            models.UniqueConstraint(fields=("user", "key"), name="idempotency_key_per_user"),
        )

    def __str__(self) -> str:
        return self.key

    @property
    def finished(self) -> bool:
        return self.status_code is not None
