"""What every resource's model may share: an owner, and the rows a user may see."""

from typing import Any

from django.conf import settings
from django.db import models


class Owned(models.Model):
    """A row of the user who created it; to anyone else it does not exist."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


def visible_to(rows: models.QuerySet[Any], user: Any) -> models.QuerySet[Any]:
    """The rows `user` may see: their own of an owned resource, else all of them."""
    if issubclass(rows.model, Owned):
        return rows.filter(owner=user)
    return rows
